// Benchmark of ctgrad/eval/gemm.hpp at the MLP's shapes (batch 32), beside OpenBLAS cblas_sgemm /
// cblas_dgemm on one thread when OpenBLAS was found. Counter "GFLOP/s" = 2 M N K per second.
// Rows: ctgrad = the built-in kernel (kernel::builtin_gemm); with OpenBLAS also ctgrad_blas =
// kernel::gemm with the BLAS backend (this program is then compiled with CTGRAD_USE_BLAS, as
// -Dblas=enabled compiles everything), whose counter "blas" says where backend_for sent the shape.
// Compare pairs from the same run: `meson test -C build --benchmark gemm -v` (or run gemm_bench).
#include "ctgrad/eval/gemm.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

using ctgrad::kernel::trans;

struct shape {
  const char* name;  // which product of the MLP step this is
  trans ta, tb;
  std::size_t m, n, k;
};

// Forward: H = X W1 (32x784 * 784x128), Y = H W2 (32x128 * 128x10).
// Backward: dW1 = X^T G1, dW2 = H^T G2 (TN); dX = G1 W1^T, dH = G2 W2^T (NT).
const shape shapes[] = {
    {"NN_32x784x128", trans::no, trans::no, 32, 128, 784},  {"NN_32x128x10", trans::no, trans::no, 32, 10, 128},
    {"TN_784x32x128", trans::yes, trans::no, 784, 128, 32}, {"TN_128x32x10", trans::yes, trans::no, 128, 10, 32},
    {"NT_32x128x784", trans::no, trans::yes, 32, 784, 128}, {"NT_32x10x128", trans::no, trans::yes, 32, 128, 10},
};

template <class T> struct operands {
  std::vector<T> a, b, c;
  std::size_t lda, ldb, ldc;
  explicit operands(const shape& s) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<T> u(T(-1), T(1));
    lda = s.ta == trans::no ? s.k : s.m;
    ldb = s.tb == trans::no ? s.n : s.k;
    ldc = s.n;
    a.resize(s.m * s.k);
    b.resize(s.k * s.n);
    c.resize(s.m * s.n);
    for (auto& x : a) x = u(rng);
    for (auto& x : b) x = u(rng);
  }
};

void set_counters(benchmark::State& state, const shape& s) {
  const double flops = 2.0 * double(s.m) * double(s.n) * double(s.k);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// One of ctgrad's two entry points (kernel::builtin_gemm, kernel::gemm), which have one signature.
template <class T>
using gemm_fn = void (*)(trans, trans, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t, const T*,
                         std::size_t, T, T*, std::size_t) noexcept;

template <class T> void run_gemm(benchmark::State& state, const shape& s, gemm_fn<T> gemm) {
  operands<T> o(s);
  for (auto _ : state) {
    gemm(s.ta, s.tb, s.m, s.n, s.k, T(1), o.a.data(), o.lda, o.b.data(), o.ldb, T(0), o.c.data(), o.ldc);
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s);
}

template <class T> void bm_ctgrad(benchmark::State& state, shape s) {
  run_gemm<T>(state, s, &ctgrad::kernel::builtin_gemm<T>);
}

#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
template <class T> void bm_ctgrad_blas(benchmark::State& state, shape s) {
  static_assert(ctgrad::kernel::blas_backend_enabled, "gemm_bench: built with OpenBLAS but without CTGRAD_USE_BLAS");
  run_gemm<T>(state, s, &ctgrad::kernel::gemm<T>);
  state.counters["blas"] = ctgrad::kernel::backend_for<T>(s.m, s.n, s.k, T(1)) == ctgrad::kernel::backend::blas;
}

template <class T> void bm_openblas(benchmark::State& state, shape s) {
  operands<T> o(s);
  const auto op = [](trans t) { return t == trans::yes ? CblasTrans : CblasNoTrans; };
  for (auto _ : state) {
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, op(s.ta), op(s.tb), int(s.m), int(s.n), int(s.k), 1.0f, o.a.data(),
                  int(o.lda), o.b.data(), int(o.ldb), 0.0f, o.c.data(), int(o.ldc));
    else
      cblas_dgemm(CblasRowMajor, op(s.ta), op(s.tb), int(s.m), int(s.n), int(s.k), 1.0, o.a.data(),
                  int(o.lda), o.b.data(), int(o.ldb), 0.0, o.c.data(), int(o.ldc));
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s);
}
#endif

// Pairs registered side by side (ours, then the peer) so each ratio comes from one run.
void register_all() {
  for (const shape& s : shapes) {
    benchmark::RegisterBenchmark((std::string("sgemm/ctgrad/") + s.name).c_str(), bm_ctgrad<float>, s);
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
    benchmark::RegisterBenchmark((std::string("sgemm/ctgrad_blas/") + s.name).c_str(), bm_ctgrad_blas<float>, s);
    benchmark::RegisterBenchmark((std::string("sgemm/openblas/") + s.name).c_str(), bm_openblas<float>, s);
#endif
  }
  for (const shape& s : shapes) {
    benchmark::RegisterBenchmark((std::string("dgemm/ctgrad/") + s.name).c_str(), bm_ctgrad<double>, s);
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
    benchmark::RegisterBenchmark((std::string("dgemm/ctgrad_blas/") + s.name).c_str(), bm_ctgrad_blas<double>, s);
    benchmark::RegisterBenchmark((std::string("dgemm/openblas/") + s.name).c_str(), bm_openblas<double>, s);
#endif
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
  openblas_set_num_threads(1);  // the comparison is single-threaded, like the kernel
#endif
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// W3 and W7 of issue 7: one training step (forward, loss, backward, Adam) of the 784-128-10 relu
// MLP on a batch of 32. ctgrad (the trainer's compiled program bound as nn::trainer does, then
// nn::adam) beside a hand-written step: plain loops for bias, relu, softmax cross-entropy and the
// backward pass, with ctgrad::kernel::gemm or (when found) OpenBLAS cblas_sgemm for the products.
// Counters: allocs/step = heap allocations per step after the first (W7, must be 0), and on the
// ctgrad row the ratios ctgrad / hand-written (CPU time, same run).
// Thread scaling (issue 7): nn::trainer's step with threads = 1 and threads = 2, timed by wall clock
// (CPU time adds both threads up) over epochs of 64 batches of 32; the threads = 2 row reports
// speedup_1_to_2 = wall time per step with 1 thread / with 2 threads, measured in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <span>
#include <tuple>
#include <vector>

#include "alloc_counter.hpp"
#include "ctgrad/ctgrad.hpp"
#include "ctgrad/eval/gemm.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "ctgrad/nn/optim.hpp"
#include "ctgrad/nn/trainer.hpp"

#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

using model = ctgrad::nn::mlp<ctgrad::fn::relu, float, 784, 128, 10>;
using store = ctgrad::nn::parameter_store<model>;
constexpr std::size_t batch = 32, in = 784, hid = 128, out = 10;
constexpr int alloc_probe_steps = 50;

struct data {
  std::vector<float> x = std::vector<float>(batch * in);
  std::vector<int> y = std::vector<int>(batch);
  data() {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto& v : x) v = u(rng);
    for (auto& v : y) v = int(rng() % out);
  }
};

// ---- ctgrad: what nn::trainer does per batch -------------------------------------------------
struct ctgrad_step {
  using program = decltype(ctgrad::compile(model::gradients(), model::logits()));
  store params;
  ctgrad::nn::adam<float> opt{params.flat().size()};
  program prog = ctgrad::compile(model::gradients(), model::logits());
  ctgrad_step() { params.initialize(42); }

  absl::Status forward_backward(const data& d) {
    return std::apply(
        [&](const auto&... b) {
          return prog.run(model::input{} = std::span<const float>(d.x), model::labels{} = std::span<const int>(d.y),
                          b...);
        },
        params.bindings());
  }
  float step(const data& d) {
    if (!forward_backward(d).ok()) return NAN;
    update(std::make_index_sequence<model::parameter_count>{});
    return prog.get<0>().item();
  }
  template <std::size_t... I> void update(std::index_sequence<I...>) {
    opt.begin_step();
    (opt.update(params[int(I)], prog.get<I + 1>().span(), params.offset(int(I))), ...);
  }
  std::span<const float> gradient(int i) const {
    switch (i) {
      case 0: return prog.get<1>().span();
      case 1: return prog.get<2>().span();
      case 2: return prog.get<3>().span();
      default: return prog.get<4>().span();
    }
  }
};

// ---- hand-written ------------------------------------------------------------------------------
using ctgrad::kernel::trans;
struct ctgrad_gemm {
  void operator()(trans ta, trans tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                  const float* b, std::size_t ldb, float* c, std::size_t ldc) const noexcept {
    ctgrad::kernel::gemm<float>(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  }
};
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
struct blas_gemm {
  void operator()(trans ta, trans tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                  const float* b, std::size_t ldb, float* c, std::size_t ldc) const noexcept {
    const auto op = [](trans t) { return t == trans::yes ? CblasTrans : CblasNoTrans; };
    cblas_sgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), 0.0f, c,
                int(ldc));
  }
};
#endif

template <class Gemm> struct hand_step {
  store params, grads;  // grads: the same layout (offsets) as params
  ctgrad::nn::adam<float> opt{params.flat().size()};
  std::vector<float> h = std::vector<float>(batch * hid), z = std::vector<float>(batch * out),
                     dz = std::vector<float>(batch * out), dh = std::vector<float>(batch * hid);
  hand_step() { params.initialize(42); }

  float forward_backward(const data& d) {
    Gemm gemm;
    const float *w1 = params[0].data(), *b1 = params[1].data(), *w2 = params[2].data(), *b2 = params[3].data();
    float *dw1 = grads[0].data(), *db1 = grads[1].data(), *dw2 = grads[2].data(), *db2 = grads[3].data();
    // H = relu(X W1 + b1)
    gemm(trans::no, trans::no, batch, hid, in, d.x.data(), in, w1, hid, h.data(), hid);
    for (std::size_t r = 0; r < batch; ++r)
      for (std::size_t c = 0; c < hid; ++c) h[r * hid + c] = std::max(h[r * hid + c] + b1[c], 0.0f);
    // Z = H W2 + b2; softmax cross-entropy (mean over the batch); dZ = (softmax - onehot) / batch
    gemm(trans::no, trans::no, batch, out, hid, h.data(), hid, w2, out, z.data(), out);
    float loss = 0;
    const float inv_b = 1.0f / float(batch);
    for (std::size_t r = 0; r < batch; ++r) {
      float* zr = z.data() + r * out;
      float mx = -INFINITY;
      for (std::size_t c = 0; c < out; ++c) {
        zr[c] += b2[c];
        mx = std::max(mx, zr[c]);
      }
      float s = 0;
      for (std::size_t c = 0; c < out; ++c) s += std::exp(zr[c] - mx);
      const float log_s = std::log(s);
      const auto label = std::size_t(d.y[r]);
      loss += log_s - (zr[label] - mx);
      for (std::size_t c = 0; c < out; ++c)
        dz[r * out + c] = (std::exp(zr[c] - mx - log_s) - (c == label ? 1.0f : 0.0f)) * inv_b;
    }
    // dW2 = H^T dZ, db2 = column sums of dZ, dH = (dZ W2^T) * [H > 0]
    gemm(trans::yes, trans::no, hid, out, batch, h.data(), hid, dz.data(), out, dw2, out);
    std::fill_n(db2, out, 0.0f);
    for (std::size_t r = 0; r < batch; ++r)
      for (std::size_t c = 0; c < out; ++c) db2[c] += dz[r * out + c];
    gemm(trans::no, trans::yes, batch, hid, out, dz.data(), out, w2, out, dh.data(), hid);
    for (std::size_t i = 0; i < batch * hid; ++i) dh[i] = h[i] > 0.0f ? dh[i] : 0.0f;
    // dW1 = X^T dH, db1 = column sums of dH
    gemm(trans::yes, trans::no, in, hid, batch, d.x.data(), in, dh.data(), hid, dw1, hid);
    std::fill_n(db1, hid, 0.0f);
    for (std::size_t r = 0; r < batch; ++r)
      for (std::size_t c = 0; c < hid; ++c) db1[c] += dh[r * hid + c];
    return loss * inv_b;
  }
  float step(const data& d) {
    const float loss = forward_backward(d);
    opt.begin_step();
    for (int i = 0; i < model::parameter_count; ++i) opt.update(params[i], grads[i], params.offset(i));
    return loss;
  }
  std::span<const float> gradient(int i) const { return grads[i]; }
};

// ---- nn::trainer, threads = 1 and 2: whole epochs of `trainer_batches` steps ---------------------
constexpr std::size_t trainer_batches = 64;
struct trainer_data {
  std::vector<float> x = std::vector<float>(trainer_batches * batch * in);
  std::vector<std::int32_t> y = std::vector<std::int32_t>(trainer_batches * batch);
  trainer_data() {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto& v : x) v = u(rng);
    for (auto& v : y) v = std::int32_t(rng() % out);
  }
  ctgrad::nn::dataset_view view() const { return {x, y, y.size(), in}; }
};
double trainer_1thread_s = 0;  // wall seconds per step of the last threads = 1 run

void bm_trainer(benchmark::State& state) {
  const int threads = int(state.range(0));
  const trainer_data d;
  ctgrad::nn::trainer<model> t({.batch = int(batch), .seed = 42, .threads = threads});
  // Allocations per step: counted from the end of the first batch to the end of the last (the
  // epoch's shuffle allocates once, in std::seed_seq, before the first batch).
  long after_first = 0, after_last = 0;
  int epoch = 1;
  if (!t.train_epoch(d.view(), epoch++, [&](std::size_t b, std::size_t, double) {
         (b == 1 ? after_first : after_last) = ctgrad_bench::heap_allocations.load();
       }).ok()) {
    state.SkipWithError("train_epoch failed");
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto m = t.train_epoch(d.view(), epoch++);
    benchmark::DoNotOptimize(m);
  }
  const double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                     double(state.iterations()) / double(trainer_batches);
  state.counters["allocs/step"] = double(after_last - after_first) / double(trainer_batches - 1);
  state.counters["us/step"] = per * 1e6;
  state.counters["threads"] = threads;
  if (threads == 1) trainer_1thread_s = per;
  else if (trainer_1thread_s > 0) state.counters["speedup_1_to_2"] = trainer_1thread_s / per;
}

// ---- the benchmarks ----------------------------------------------------------------------------
double hand_ctgrad_gemm_s = 0, hand_blas_s = 0;  // CPU seconds per step of the last hand-written runs

// Heap allocations per step, averaged over steps after the first (which sizes the buffers).
template <class Step> double allocations_per_step(Step& s, const data& d) {
  s.step(d);
  const long before = ctgrad_bench::heap_allocations.load();
  for (int i = 0; i < alloc_probe_steps; ++i) s.step(d);
  return double(ctgrad_bench::heap_allocations.load() - before) / alloc_probe_steps;
}

template <class Step> void bm_step(benchmark::State& state, double* store_s) {
  const data d;
  auto s = std::make_unique<Step>();
  const double allocs = allocations_per_step(*s, d);
  const std::clock_t t0 = std::clock();
  for (auto _ : state) {
    float loss = s->step(d);
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
  }
  const double per = double(std::clock() - t0) / CLOCKS_PER_SEC / double(state.iterations());
  state.counters["allocs/step"] = allocs;
  state.counters["us/step"] = per * 1e6;
  if (store_s) {
    *store_s = per;
  } else {
    if (hand_ctgrad_gemm_s > 0) state.counters["ratio_vs_hand_ctgrad_gemm"] = per / hand_ctgrad_gemm_s;
    if (hand_blas_s > 0) state.counters["ratio_vs_hand_openblas"] = per / hand_blas_s;
  }
}

// Both implementations must compute the same loss and gradients from the same parameters.
template <class Hand> bool agree(const data& d, const char* name) {
  auto c = std::make_unique<ctgrad_step>();
  auto h = std::make_unique<Hand>();
  if (!c->forward_backward(d).ok()) return false;
  const float lh = h->forward_backward(d), lc = c->prog.get<0>().item();
  double worst = std::abs(double(lh) - double(lc));
  for (int i = 0; i < model::parameter_count; ++i) {
    auto a = c->gradient(i), b = h->gradient(i);
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k) worst = std::max(worst, double(std::abs(a[k] - b[k])));
  }
  std::fprintf(stderr, "W3: loss ctgrad %.6f, %s %.6f; largest difference in loss or a gradient %.2g\n", double(lc),
               name, double(lh), worst);
  return worst < 1e-4;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
  openblas_set_num_threads(1);
#endif
  const data d;
  if (!agree<hand_step<ctgrad_gemm>>(d, "hand-written")) {
    std::fprintf(stderr, "W3: ctgrad and the hand-written step disagree; not benchmarking\n");
    return 1;
  }
  // Hand-written first so that the ctgrad row can report its ratios to them.
  benchmark::RegisterBenchmark("W3/hand_ctgrad_gemm", bm_step<hand_step<ctgrad_gemm>>, &hand_ctgrad_gemm_s)
      ->Unit(benchmark::kMicrosecond);
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
  if (!agree<hand_step<blas_gemm>>(d, "hand-written + OpenBLAS")) return 1;
  benchmark::RegisterBenchmark("W3/hand_openblas", bm_step<hand_step<blas_gemm>>, &hand_blas_s)
      ->Unit(benchmark::kMicrosecond);
#else
  std::fprintf(stderr, "W3: OpenBLAS not found at configure time; the hand-written + cblas_sgemm row is skipped\n");
#endif
  benchmark::RegisterBenchmark("W3/ctgrad", bm_step<ctgrad_step>, nullptr)->Unit(benchmark::kMicrosecond);
  // Threads = 1 first so that the threads = 2 row reports the ratio; wall time (UseRealTime).
  benchmark::RegisterBenchmark("W3/trainer_epoch64", bm_trainer)->Arg(1)->Arg(2)->ArgName("threads")
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

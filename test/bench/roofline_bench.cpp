// Issue 22: the training step of the main job (784-128-10 relu MLP, batch 32, float, Adam) at the
// roofline. Times each part of the step as ctgrad-train runs it, beside an analytical count of its
// FLOPs and bytes and a measured limit for it on this machine:
//   gather    32 random rows of 784 floats (and their labels) from a 60000x784 dataset, as
//             nn::data_parallel::run_train copies them;
//   products  kernel::gemm at the program's five shapes (X W1, H W2, Hᵀ dZ, dZ W2ᵀ, Xᵀ dH);
//   program   the trainer's compiled program run (forward + backward), as nn::trainer binds it; its
//             elementwise work (bias, relu, softmax cross-entropy, column sums, relu mask) is the
//             program's time minus the products' (the two timed back to back, median of differences);
//   adam      nn::adam's update over the 101,770 parameters (begin_step + one update per parameter);
//   step      nn::trainer::train_epoch over the 60000 rows, divided by its 1875 steps.
// Limits: products at the machine's measured single-thread peak (the best GFLOP/s of OpenBLAS
// cblas_sgemm, when built with it, and kernel::gemm on 512x512x512, and kernel::gemm at the MLP's
// shapes); memory-bound parts at the
// bandwidth of a loop with the same streams and sizes (a copy of 32 random rows of the same
// dataset for the gather; 4 read + 3 written streams of 101,770 floats for Adam; the program's
// elementwise arrays, 32x128 floats, for its elementwise work).
// Output: markdown table rows (test/bench/roofline.sh adds the header and splices them into
// docs/benchmarks.md). `--adam-only LABEL`: only Adam's row, labelled LABEL (the script runs the
// copy of this program built without -fno-math-errno so).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <vector>

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
constexpr std::size_t batch = 32, in = 784, hid = 128, out = 10, rows = 60000;
constexpr int reps = 15;  // repetitions; each reports the mean of `iters` calls; the median is kept

volatile float sink = 0;

// Median over `reps` repetitions of the mean time (seconds) of `iters` calls of f.
template <class F> double median_time(int iters, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) f();  // warm-up
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters);
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[reps / 2];
}

struct row {
  std::string part;
  double flops, bytes, seconds, limit_seconds;
  std::string limit_note;
};
void print(const row& r) {
  const auto us = [](double s) { return s * 1e6; };
  std::printf("| %s | %.0f | %.0f | %.1f | %.1f | %.0f %% | %s |\n", r.part.c_str(), r.flops, r.bytes, us(r.seconds),
              us(r.limit_seconds), r.seconds > 0 ? 100 * r.limit_seconds / r.seconds : 0.0, r.limit_note.c_str());
}

// ---- Adam ------------------------------------------------------------------------------------------
struct adam_part {
  store params, grads;
  ctgrad::nn::adam<float> opt{params.flat().size()};
  adam_part() {
    params.initialize(42);
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.0f, 0.01f);
    for (int i = 0; i < model::parameter_count; ++i)
      for (auto& v : grads[i]) v = g(rng);
  }
  void step() {
    opt.begin_step();
    for (int i = 0; i < model::parameter_count; ++i) opt.update(params[i], grads[i], params.offset(i));
  }
};
// Adam's traffic: p, g, m, v read; p, m, v written. FLOPs per parameter: m (2 mul, 1 add), v (3 mul,
// 1 add), p (sqrt, add, mul, div, sub): 12.
constexpr double adam_flops_per = 12, adam_bytes_per = 7 * sizeof(float);
double adam_seconds() {
  auto a = std::make_unique<adam_part>();
  return median_time(200, [&] { a->step(); });
}
// The same 7 streams with one add each: the bandwidth limit at Adam's size (in cache or not).
double adam_stream_seconds(std::size_t n) {
  std::vector<float> p(n, 1.0f), g(n, 1e-3f), m(n, 0.0f), v(n, 0.0f);
  return median_time(200, [&] {
    float* __restrict pp = p.data();
    float* __restrict mm = m.data();
    float* __restrict vv = v.data();
    const float* __restrict gg = g.data();
    for (std::size_t i = 0; i < n; ++i) {
      mm[i] = mm[i] + gg[i];
      vv[i] = vv[i] + gg[i];
      pp[i] = pp[i] + mm[i] + vv[i];
    }
    sink = pp[n / 2];
  });
}

// ---- products -----------------------------------------------------------------------------------------
using ctgrad::kernel::trans;
struct shape {
  const char* name;
  trans ta, tb;
  std::size_t m, n, k;
};
constexpr shape shapes[] = {
    {"X·W1 (32x784 · 784x128)", trans::no, trans::no, batch, hid, in},
    {"H·W2 (32x128 · 128x10)", trans::no, trans::no, batch, out, hid},
    {"Hᵀ·dZ (128x32 · 32x10)", trans::yes, trans::no, hid, out, batch},
    {"dZ·W2ᵀ (32x10 · 10x128)", trans::no, trans::yes, batch, hid, out},
    {"Xᵀ·dH (784x32 · 32x128)", trans::yes, trans::no, in, hid, batch},
};
double gemm_flops(std::size_t m, std::size_t n, std::size_t k) { return 2.0 * double(m * n * k); }
double gemm_bytes(std::size_t m, std::size_t n, std::size_t k) { return 4.0 * double(m * k + k * n + m * n); }

template <class Gemm> double time_gemm(const shape& s, Gemm&& gemm) {
  std::vector<float> a(s.m * s.k, 0.5f), b(s.k * s.n, 0.25f), c(s.m * s.n);
  const std::size_t lda = s.ta == trans::yes ? s.m : s.k, ldb = s.tb == trans::yes ? s.k : s.n;
  const int iters = std::max(20, int(2e7 / gemm_flops(s.m, s.n, s.k)));
  return median_time(iters, [&] {
    gemm(s.ta, s.tb, s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c.data(), s.n);
    sink = c[0];
  });
}
void kernel_gemm(trans ta, trans tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                 const float* b, std::size_t ldb, float* c, std::size_t ldc) {
  ctgrad::kernel::gemm<float>(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
void blas_gemm(trans ta, trans tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
               const float* b, std::size_t ldb, float* c, std::size_t ldc) {
  const auto op = [](trans t) { return t == trans::yes ? CblasTrans : CblasNoTrans; };
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), 0.0f, c,
              int(ldc));
}
#endif

// ---- the program ---------------------------------------------------------------------------------
struct program_part {
  using program = decltype(ctgrad::compile(model::gradients(), model::logits()));
  store params;
  program prog = ctgrad::compile(model::gradients(), model::logits());
  std::vector<float> x = std::vector<float>(batch * in);
  std::vector<int> y = std::vector<int>(batch);
  program_part() {
    params.initialize(42);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto& v : x) v = u(rng);
    for (auto& v : y) v = int(rng() % out);
  }
  void run() {
    auto st = std::apply(
        [&](const auto&... b) {
          return prog.run(model::input{} = std::span<const float>(x), model::labels{} = std::span<const int>(y), b...);
        },
        params.bindings());
    if (!st.ok()) std::abort();
    sink = prog.get<0>().item();
  }
};

}  // namespace

int main(int argc, char** argv) {
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
  openblas_set_num_threads(1);
#endif
  const std::size_t n_params = store{}.flat().size();
  const double adam_flops = adam_flops_per * double(n_params), adam_bytes = adam_bytes_per * double(n_params);
  const double adam_limit = adam_stream_seconds(n_params);
  if (argc == 3 && std::strcmp(argv[1], "--adam-only") == 0) {
    print({argv[2], adam_flops, adam_bytes, adam_seconds(), adam_limit, "same 7 streams, one add each"});
    return 0;
  }

  // The dataset: 60000 rows of 784 floats (188 MB, far beyond the caches), random labels.
  std::vector<float> images(rows * in);
  std::vector<std::int32_t> labels(rows);
  {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto& v : images) v = u(rng);
    for (auto& v : labels) v = std::int32_t(rng() % out);
  }

  // Peak: the best single-thread GFLOP/s on a large square product.
  constexpr shape big{"512^3", trans::no, trans::no, 512, 512, 512};
  double peak = gemm_flops(512, 512, 512) / time_gemm(big, kernel_gemm);
  std::string peak_from = "kernel::gemm 512x512x512";
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
  if (const double p = gemm_flops(512, 512, 512) / time_gemm(big, blas_gemm); p > peak) {
    peak = p;
    peak_from = "OpenBLAS cblas_sgemm 512x512x512";
  }
#endif

  // Gather, as run_train does: rows in a shuffled order, each epoch visiting every row once.
  std::vector<std::uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937(9));
  std::vector<float> xb(batch * in);
  std::vector<int> yb(batch);
  std::size_t next = 0;
  const double gather_s = median_time(1875, [&] {
    if (next + batch > rows) next = 0;
    for (std::size_t r = 0; r < batch; ++r) {
      const std::size_t src = order[next + r];
      std::copy_n(images.data() + src * in, in, xb.data() + r * in);
      yb[r] = labels[src];
    }
    next += batch;
    sink = xb[7];
  });
  // Its limit: the bandwidth of a plain copy of 32 contiguous rows from the same dataset, taken at
  // sequential places beyond the caches (hardware prefetch at its best; 200 KB per call).
  std::size_t block = 0;
  const std::size_t blocks = rows / batch;
  const double copy_s = median_time(1875, [&] {
    block = (block + 1) % blocks;
    std::memcpy(xb.data(), images.data() + block * batch * in, batch * in * sizeof(float));
    sink = xb[7];
  });
  // Bytes: the rows read and written, the row indices read, the labels read and written.
  const double gather_bytes = 2.0 * batch * in * sizeof(float) + batch * (4.0 + 2 * 4.0);

  // Products. The peak is the best GFLOP/s measured anywhere here (the MLP's large shapes included).
  for (const auto& s : shapes)
    if (const double p = gemm_flops(s.m, s.n, s.k) / time_gemm(s, kernel_gemm); p > peak) {
      peak = p;
      char buf[64];
      std::snprintf(buf, sizeof buf, "kernel::gemm %zux%zux%zu", s.m, s.n, s.k);
      peak_from = buf;
    }
  double products_s = 0, products_flops = 0, products_bytes = 0;
  std::vector<row> product_rows;
  for (const auto& s : shapes) {
    const double t = time_gemm(s, kernel_gemm), f = gemm_flops(s.m, s.n, s.k), b = gemm_bytes(s.m, s.n, s.k);
    std::string note = "peak";
#if defined(CTGRAD_BENCH_HAVE_OPENBLAS)
    char buf[96];
    std::snprintf(buf, sizeof buf, "peak; OpenBLAS at this shape: %.1f us", time_gemm(s, blas_gemm) * 1e6);
    note = buf;
#endif
    product_rows.push_back({std::string("  product ") + s.name, f, b, t, f / peak, note});
    products_s += t;
    products_flops += f;
    products_bytes += b;
  }

  // The program, and its elementwise rest. Elementwise FLOPs and bytes (the program's arrays):
  // bias + relu on H (2 x 32x128), bias on Z (32x10), softmax cross-entropy (about 6 per logit, 32x10),
  // dZ (2 per logit), db2 (32x10), relu mask on dH (32x128), db1 (32x128); bytes: H read and written
  // twice, dH read and written once, H read by the mask, Z and dZ twice: each float counted once per pass.
  auto prog = std::make_unique<program_part>();
  prog->run();
  // The elementwise time: the program and its five products timed back to back in each repetition
  // (so that a neighbour's load moves both alike), the median of the differences.
  struct operands {
    std::vector<float> a, b, c;
    std::size_t lda, ldb;
  };
  std::vector<operands> ops;
  for (const auto& sh : shapes)
    ops.push_back({std::vector<float>(sh.m * sh.k, 0.5f), std::vector<float>(sh.k * sh.n, 0.25f),
                   std::vector<float>(sh.m * sh.n), sh.ta == trans::yes ? sh.m : sh.k, sh.tb == trans::yes ? sh.k : sh.n});
  const auto all_products = [&] {
    for (std::size_t i = 0; i < std::size(shapes); ++i) {
      const auto& sh = shapes[i];
      kernel_gemm(sh.ta, sh.tb, sh.m, sh.n, sh.k, ops[i].a.data(), ops[i].lda, ops[i].b.data(), ops[i].ldb,
                  ops[i].c.data(), sh.n);
    }
    sink = ops[0].c[0];
  };
  std::vector<double> diffs, prog_t, prod_t;
  for (int r = 0; r < 3 * reps; ++r) {
    constexpr int n = 100;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) prog->run();
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) all_products();
    const auto t2 = std::chrono::steady_clock::now();
    prog_t.push_back(std::chrono::duration<double>(t1 - t0).count() / n);
    prod_t.push_back(std::chrono::duration<double>(t2 - t1).count() / n);
    diffs.push_back(prog_t.back() - prod_t.back());
  }
  const auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  // The program's and the products' rows: these paired times (the per-shape rows: each shape alone).
  const double elementwise_s = std::max(0.0, median(diffs)), program_s = median(prog_t);
  products_s = median(prod_t);
  const double ew_flops = double(batch * hid) * 4 + double(batch * out) * 10;
  const double ew_bytes = 4.0 * (double(batch * hid) * 7 + double(batch * out) * 6 + hid + out);
  // Elementwise limit: a triad over arrays of the same size (32x128 floats, in L1).
  std::vector<float> ea(batch * hid, 1.0f), eb(batch * hid, 2.0f), ec(batch * hid);
  const double triad_s = median_time(20000, [&] {
    float* __restrict c = ec.data();
    const float* __restrict a = ea.data();
    const float* __restrict b = eb.data();
    for (std::size_t i = 0; i < batch * hid; ++i) c[i] = a[i] + 0.5f * b[i];
    sink = c[5];
  });
  const double l1_bw = 3.0 * 4.0 * batch * hid / triad_s;

  // Adam.
  const double adam_s = adam_seconds();

  // The whole step: nn::trainer's epoch over the 60000 rows, per step (as ctgrad-train's history).
  ctgrad::nn::trainer<model> t({.batch = int(batch), .seed = 42, .threads = 1});
  const ctgrad::nn::dataset_view view{images, labels, rows, in};
  int epoch = 1;
  std::vector<double> ep;
  if (!t.train_epoch(view, epoch++).ok()) return 1;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!t.train_epoch(view, epoch++).ok()) return 1;
    ep.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ep.begin(), ep.end());
  const double steps = double(rows / batch);
  const double step_s = ep[ep.size() / 2] / steps;

  char pk[160];
  std::snprintf(pk, sizeof pk, "peak %.1f GFLOP/s (%s, the best measured, 1 thread)", peak * 1e-9, peak_from.c_str());
  char cp[160];
  std::snprintf(cp, sizeof cp, "memcpy of 32 consecutive rows: %.1f GB/s", batch * in * 4.0 / copy_s * 1e-9);
  char ew[160];
  std::snprintf(ew, sizeof ew, "triad on 32x128 floats: %.0f GB/s", l1_bw * 1e-9);
  char ad[160];
  std::snprintf(ad, sizeof ad, "same 7 streams, one add each: %.0f GB/s", adam_bytes / adam_limit * 1e-9);

  const double gather_limit = gather_bytes / (batch * in * 4.0 * 2 / copy_s);
  print({"gather (32 rows + labels)", 0, gather_bytes, gather_s, gather_limit, cp});
  print({"products (5 gemm calls)", products_flops, products_bytes, products_s, products_flops / peak, pk});
  for (const auto& r : product_rows) print(r);
  print({"elementwise (program − products)", ew_flops, ew_bytes, elementwise_s,
         ew_bytes / l1_bw, ew});
  print({"program run (forward + backward)", products_flops + ew_flops, products_bytes + ew_bytes, program_s,
         products_flops / peak + ew_bytes / l1_bw, "products + elementwise limits"});
  print({"Adam update (101,770 parameters)", adam_flops, adam_bytes, adam_s, adam_limit, ad});
  const double sum_limit = gather_limit + products_flops / peak + ew_bytes / l1_bw + adam_limit;
  print({"whole step (nn::trainer epoch / 1875)", products_flops + ew_flops + adam_flops,
         gather_bytes + products_bytes + ew_bytes + adam_bytes, step_s, sum_limit, "sum of the parts' limits"});
  std::printf("\nepoch_seconds_median=%.4f\n", ep[ep.size() / 2]);
  std::printf("parts_sum_us=%.1f\n", (gather_s + program_s + adam_s) * 1e6);
  return 0;
}

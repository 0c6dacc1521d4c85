// W1 of issue 7: L = sum(sigmoid(x) * tanh(x) + relu(x)) over 2^20 floats, the value and dL/dx.
// ctgrad's compile(loss, grad(loss, x)) beside the same computation written by hand as one fused pass
// (ctgrad::math exp/tanh; std::exp/std::tanh; std:: with -ffast-math). Counters: ns/elem (time per
// element) and, on the ctgrad row, ratio = ctgrad / hand-fused ctgrad::math loop from the same run.
#include <benchmark/benchmark.h>

#include <ctime>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "fused_loops.hpp"

namespace {

constexpr std::size_t n = std::size_t{1} << 20;

const std::vector<float>& input() {
  static const std::vector<float> x = [] {
    std::vector<float> v(n);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-4.0f, 4.0f);
    for (auto& e : v) e = u(rng);
    return v;
  }();
  return x;
}

// CPU seconds per element of the last run of each hand-fused variant, for the ratio counters.
double limit_math_s = 0, limit_std_s = 0, limit_fast_s = 0;

void set_counters(benchmark::State& state, double seconds) {
  state.counters["ns/elem"] = seconds * 1e9 / double(state.iterations()) / double(n);
}

template <float (*Loop)(const float*, float*, std::size_t) noexcept>
void bm_hand(benchmark::State& state, double* store) {
  const auto& x = input();
  std::vector<float> dx(n);
  const std::clock_t t0 = std::clock();
  for (auto _ : state) {
    float l = Loop(x.data(), dx.data(), n);
    benchmark::DoNotOptimize(l);
    benchmark::ClobberMemory();
  }
  const double s = double(std::clock() - t0) / CLOCKS_PER_SEC;  // CPU time: the machine is shared
  set_counters(state, s);
  *store = s / double(state.iterations()) / double(n);
}

float hand_math(const float* x, float* dx, std::size_t m) noexcept { return ctgrad_bench::fused_ctgrad_math(x, dx, m); }
float hand_std(const float* x, float* dx, std::size_t m) noexcept { return ctgrad_bench::fused_std(x, dx, m); }
float hand_fast(const float* x, float* dx, std::size_t m) noexcept { return ctgrad_bench::fused_std_fast_math(x, dx, m); }

void bm_ctgrad(benchmark::State& state) {
  using namespace ctgrad;
  var<"x", float, shape<dyn>> x;
  auto loss = sum(sigmoid(x) * tanh(x) + relu(x));
  auto g = grad(loss, x);
  auto prog = compile(loss, g);
  const auto& xv = input();
  // Correctness first: the same numbers as a double-precision reference, or the timing means nothing.
  // (The hand-written loop's float accumulator drifts by ~1e-3 relative over 2^20 terms; it is the
  // speed limit, not the accuracy reference.)
  {
    std::vector<float> dx(n);
    ctgrad_bench::fused_ctgrad_math(xv.data(), dx.data(), n);
    double ref = 0;
    for (float v : xv) {
      const double d = v, s = 1 / (1 + std::exp(-d));
      ref += s * std::tanh(d) + (d > 0 ? d : 0);
    }
    if (!prog.run(x = xv).ok()) return state.SkipWithError("ctgrad: run failed");
    const double lc = prog.get<0>().item();
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, double(std::abs(prog.get<1>()[i] - dx[i])));
    if (std::abs(lc - ref) > 1e-5 * std::abs(ref) || worst > 1e-5) {
      std::fprintf(stderr, "W1: ctgrad L=%.9g, reference L=%.9g, max |dL/dx - hand-written| = %g\n", lc, ref, worst);
      return state.SkipWithError("ctgrad disagrees with the reference");
    }
  }
  const std::clock_t t0 = std::clock();
  for (auto _ : state) {
    auto st = prog.run(x = xv);
    benchmark::DoNotOptimize(st);
    benchmark::ClobberMemory();
  }
  const double s = double(std::clock() - t0) / CLOCKS_PER_SEC;  // CPU time: the machine is shared
  set_counters(state, s);
  const double per = s / double(state.iterations()) / double(n);
  if (limit_math_s > 0) state.counters["ratio_vs_hand_math"] = per / limit_math_s;
  if (limit_std_s > 0) state.counters["ratio_vs_hand_std"] = per / limit_std_s;
  if (limit_fast_s > 0) state.counters["ratio_vs_hand_fastmath"] = per / limit_fast_s;
}

}  // namespace

int main(int argc, char** argv) {
  // Hand-written variants first so that the ctgrad row can report its ratio to them.
  benchmark::RegisterBenchmark("W1/hand_fused_ctgrad_math", bm_hand<hand_math>, &limit_math_s)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W1/hand_fused_std", bm_hand<hand_std>, &limit_std_s)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W1/hand_fused_std_fast_math", bm_hand<hand_fast>, &limit_fast_s)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W1/ctgrad", bm_ctgrad)->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// W2 of issue 7, FastAD's regression workload (regression.hpp): f(w, b, sigma), the log-density of
// a Bayesian linear regression with X of 1000 x 150, and its gradient (152 partials), in double.
// Rows W2/<implementation>/value and W2/<implementation>/gradient, in one binary: the hand-written
// limit, ctgrad, and the peers found at configure time (ADOL-C, Sacado Rad). Every implementation
// is first checked against the hand-written one (regression_test.cpp checks the hand-written
// gradient against finite differences); a disagreement stops the program before any timing.
// Counters: on every row, ratio_vs_hand_value = this row's CPU time / the hand-written value's
// (the same run; the bench_report.py table uses the medians instead).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <ctime>
#include <vector>

#include "regression.hpp"

namespace {

using namespace ctgrad_bench::w2;

double hand_value_s = 0;  // CPU seconds per call of the last W2/hand/value run

void run(benchmark::State& state, evaluator* e, bool gradient, bool is_hand_value) {
  const std::vector<double>& theta = fixed_problem().theta;
  std::vector<double> g(dim);
  const std::clock_t t0 = std::clock();
  for (auto _ : state) {
    const double* t = theta.data();
    benchmark::DoNotOptimize(t);
    const double f = gradient ? e->gradient(t, g.data()) : e->value(t);
    benchmark::DoNotOptimize(f);
    benchmark::ClobberMemory();
  }
  const double s = double(std::clock() - t0) / CLOCKS_PER_SEC / double(state.iterations());
  if (is_hand_value) hand_value_s = s;
  else if (hand_value_s > 0) state.counters["ratio_vs_hand_value"] = s / hand_value_s;
}

}  // namespace

int main(int argc, char** argv) {
  const problem& pr = fixed_problem();
  std::vector<implementation> impls = implementations(pr);
  for (const std::string& m : skipped_peers()) std::fprintf(stderr, "%s\n", m.c_str());
  evaluator& hand = *impls.front().eval;
  bool ok = true;
  for (implementation& im : impls) {
    const difference d = compare(*im.eval, hand, pr.theta.data());
    std::fprintf(stderr, "W2: %s against the hand-written f and gradient: %.3g (relative; at most %g)\n",
                 im.name.c_str(), d.worst(), tolerance);
    ok = ok && d.worst() <= tolerance;
  }
  if (!ok) {
    std::fprintf(stderr, "W2: an implementation disagrees with the hand-written one; nothing timed\n");
    return 1;
  }
  for (implementation& im : impls) {
    if (im.has_value)
      benchmark::RegisterBenchmark(("W2/" + im.name + "/value").c_str(), run, im.eval.get(), false, &im == &impls.front())
          ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("W2/" + im.name + "/gradient").c_str(), run, im.eval.get(), true, false)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

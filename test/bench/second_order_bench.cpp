// Issue 23: the cost of second derivatives and of Jacobians (second_order.hpp), in one binary.
//   HVP/<mlp|w2>/<program>: grad(loss, every parameter), grad(loss, W), hvp(loss, W, V) (forward-
//     over-reverse) and grad(sum(grad(loss, W) * V), W) (reverse-over-reverse), all compile()d; the
//     MLP is the training job's 784-128-10 relu model (float, batch 64, W = W1), w2 is W2's
//     regression (double, W = w). Counter ratio_vs_gradient_w: this row's CPU time / grad(loss, W)'s,
//     last measured in the same run (the group's own reference row).
//   Jacobian/n<n>_m<m>/<ctgrad_forward|ctgrad_reverse|eigen>: F: R^n -> R^m, ctgrad's
//     compile(jacobian(F, x), F) (the mode jacobian() chose) beside Eigen's AutoDiffJacobian (forward).
//     Counter ratio_vs_ctgrad on Eigen's rows: Eigen's CPU time / ctgrad's (same run).
// Every result is checked first (second_order_check.cpp): the two HVPs against each other, H's
// symmetry, W2's HVP against a central difference of the gradient and its exact H V, ctgrad's
// Jacobians against Eigen's; a disagreement stops the program before any timing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "second_order.hpp"

namespace {

using namespace ctgrad_bench::second_order;

// CPU seconds per call of each group's reference row (grad(loss, W); ctgrad's J), its last run.
std::map<std::string, double> reference_s;

template <class F>
void timed(benchmark::State& state, F&& f, const std::string& group, bool is_reference, const char* counter) {
  f();  // warm up (first-run allocations, caches)
  const std::clock_t t0 = std::clock();
  for (auto _ : state) {
    f();
    benchmark::ClobberMemory();
  }
  const double s = double(std::clock() - t0) / CLOCKS_PER_SEC / double(state.iterations());
  if (is_reference)
    reference_s[group] = s;
  else if (reference_s[group] > 0)
    state.counters[counter] = s / reference_s[group];
}

bool report(const char* what, double d, double tol) {
  std::fprintf(stderr, "second_order: %s: %.3g (at most %g)\n", what, d, tol);
  return d <= tol;
}

}  // namespace

int main(int argc, char** argv) {
  bool ok = true;
  std::unique_ptr<hvp_case> mlp = make_mlp_hvp(), w2 = make_w2_hvp();
  {
    const hvp_agreement a = check_hvp(*mlp, 0);
    ok &= report("mlp: hvp forward-over-reverse against reverse-over-reverse", a.fwd_vs_rev, mlp_fwd_vs_rev_tolerance);
    ok &= report("mlp: grad(loss, W1) against grad(loss, W1, b1, W2, b2)'s", a.gradient_w_vs_all,
                 mlp_fwd_vs_rev_tolerance);
    ok &= report("mlp: symmetry of H, |u.Hv - v.Hu| / (|u| |Hv|)", a.symmetry, mlp_fwd_vs_rev_tolerance);
    const hvp_agreement b = check_hvp(*w2, 1e-3);
    ok &= report("w2: hvp forward-over-reverse against reverse-over-reverse", b.fwd_vs_rev, w2_tolerance);
    ok &= report("w2: grad(f, w) against grad(f, w, b, sigma)'s", b.gradient_w_vs_all, w2_tolerance);
    ok &= report("w2: hvp against the central difference of the gradient", b.fwd_vs_central_difference, 1e-8);
    ok &= report("w2: symmetry of H, |u.Hv - v.Hu| / (|u| |Hv|)", b.symmetry, w2_tolerance);
    w2->hvp_fwd_rev();
    ok &= report("w2: hvp against the exact -X^T X v / sigma^2 - v",
                 distance(w2->last_hvp_fwd_rev(), w2_exact_hvp(w2->v())), w2_tolerance);
  }
  struct jac_pair {
    jacobian_shape s;
    std::unique_ptr<jacobian_case> ct, eig;
    std::vector<double> x;
  };
  std::vector<jac_pair> jacs;
  for (const jacobian_shape s : jacobian_shapes()) {
    jac_pair p{s, make_ctgrad_jacobian(s), nullptr, jacobian_point(s)};
#if defined(CTGRAD_BENCH_HAVE_EIGEN)
    p.eig = make_eigen_jacobian(s);
    const std::string what = "Jacobian n = " + std::to_string(s.n) + ", m = " + std::to_string(s.m) +
                             ": ctgrad against Eigen's AutoDiffJacobian";
    ok &= report(what.c_str(), jacobian_distance(s, *p.ct, *p.eig), jacobian_tolerance);
#endif
    jacs.push_back(std::move(p));
  }
#if !defined(CTGRAD_BENCH_HAVE_EIGEN)
  std::fprintf(stderr, "second_order: eigen3 not found, the Jacobian rows run without Eigen's AutoDiffJacobian\n");
#endif
  if (!ok) {
    std::fprintf(stderr, "second_order: a result disagrees; nothing timed\n");
    return 1;
  }

  for (auto& [name, c] : {std::pair<std::string, hvp_case*>{"mlp", mlp.get()}, {"w2", w2.get()}}) {
    hvp_case* p = c;
    const auto reg = [&](const char* row, void (hvp_case::*m)(), bool ref) {
      benchmark::RegisterBenchmark(("HVP/" + name + "/" + row).c_str(), [p, m, ref,
                                                                         g = "HVP/" + name](benchmark::State& st) {
        timed(
            st, [&] { (p->*m)(); }, g, ref, "ratio_vs_gradient_w");
      })->Unit(benchmark::kMicrosecond);
    };
    reg("gradient_w", &hvp_case::gradient_w, true);
    reg("gradient_all", &hvp_case::gradient_all, false);
    reg("hvp_fwd_rev", &hvp_case::hvp_fwd_rev, false);
    reg("hvp_rev_rev", &hvp_case::hvp_rev_rev, false);
  }
  for (jac_pair& p : jacs) {
    const std::string base = "Jacobian/n" + std::to_string(p.s.n) + "_m" + std::to_string(p.s.m) + "/";
    jacobian_case* ct = p.ct.get();
    const double* x = p.x.data();
    benchmark::RegisterBenchmark(
        (base + (ctgrad_jacobian_is_forward(p.s) ? "ctgrad_forward" : "ctgrad_reverse")).c_str(),
        [ct, x, base](benchmark::State& st) {
          timed(
              st, [&] { ct->run(x); }, base, true, "");
        })
        ->Unit(benchmark::kNanosecond);
    if (jacobian_case* e = p.eig.get())
      benchmark::RegisterBenchmark((base + "eigen").c_str(), [e, x, base](benchmark::State& st) {
        timed(
            st, [&] { e->run(x); }, base, false, "ratio_vs_ctgrad");
      })->Unit(benchmark::kNanosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

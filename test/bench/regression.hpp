// W2 of issue 7, FastAD's "regression" workload: the log-density of a Bayesian linear regression
// and its gradient, implemented by hand, with ctgrad and with the peers found at configure time.
// Shared by regression_bench.cpp (the timings) and regression_test.cpp (do they all agree?).
// Benchmark support only, not part of the library.
//
// The model (FastAD's, as in its ADBenchmark suite): X is 1000 x 150, y has 1000 entries,
//   y ~ Normal(X w + b, sigma),  w_j ~ Normal(0, 1),  b ~ Normal(0, 1),  sigma ~ Uniform(0.1, 10),
// and the objective is the log-density up to an additive constant (no log(2 pi) terms, no
// -log(9.9) from the uniform prior, constant on its support where every point here lies):
//   f(w, b, sigma) = -sum_i (y_i - x_i.w - b)^2 / (2 sigma^2) - n log(sigma) - |w|^2 / 2 - b^2 / 2.
// Every implementation computes exactly this f and its gradient with respect to (w, b, sigma).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace ctgrad_bench::w2 {

inline constexpr std::size_t n = 1000;      // observations: rows of X
inline constexpr std::size_t p = 150;       // features: columns of X, entries of w
inline constexpr std::size_t dim = p + 2;   // parameters theta = (w_0 .. w_149, b, sigma)

/// The fixed data and the point theta at which everything is evaluated.
struct problem {
  std::vector<double> X;      // n x p, row-major
  std::vector<double> y;      // n
  std::vector<double> theta;  // dim: w, b, sigma (near, not at, the values y was drawn with)
};

/// X uniform in [-1, 1) (as FastAD's benchmark), w_true, b_true ~ Normal(0, 1), sigma_true = 2,
/// y drawn from the model; theta = the true values perturbed, sigma = 1.5. Fixed seed, generated
/// from std::mt19937_64 bits only (Box-Muller), so the numbers are the same with any library.
const problem& fixed_problem();

/// One implementation of f. Objects hold their buffers (programs, tapes): one per thread.
class evaluator {
 public:
  virtual ~evaluator() = default;
  /// f(theta).
  virtual double value(const double* theta) = 0;
  /// f(theta), with df/dtheta written to g[0, dim).
  virtual double gradient(const double* theta, double* g) = 0;
};

/// Plain double loops written by hand (the limit). gradient() is one pass over X: each row's
/// residual, then that row's contribution to df/dw while it is in cache.
std::unique_ptr<evaluator> make_hand(const problem& pr);
/// The hand-written gradient with the rows of X in blocks of 8 (each block reused from L1).
std::unique_ptr<evaluator> make_hand_blocked(const problem& pr);
/// ctgrad: value() runs compile(f), gradient() runs compile(grad(f, w, b, sigma)).
std::unique_ptr<evaluator> make_ctgrad(const problem& pr);
/// ctgrad with the gradient's matrix-vector pair not fused: X w and transpose(X)·e apart.
std::unique_ptr<evaluator> make_ctgrad_apart(const problem& pr);
#if defined(CTGRAD_BENCH_HAVE_ADOLC)
/// ADOL-C: f taped once with adoubles (X and y passive); value() replays zos_forward,
/// gradient() zos_forward + fos_reverse, which is what ADOL-C's gradient() driver does.
std::unique_ptr<evaluator> make_adolc(const problem& pr);
#endif
#if defined(CTGRAD_BENCH_HAVE_SACADO)
/// Sacado's reverse mode Rad (ADvar<double>): f recorded afresh on every call, then Gradcomp().
/// value() records f and drops the recording (not timed: Rad has no value-only mode).
std::unique_ptr<evaluator> make_sacado_rad(const problem& pr);
#endif

/// The implementations built into this binary, the hand-written one first.
struct implementation {
  std::string name;  // "hand", "hand_blocked", "ctgrad", "ctgrad_apart", "adolc", "sacado_rad"
  std::unique_ptr<evaluator> eval;
  bool has_value;    // value() is a separate computation worth timing
};
std::vector<implementation> implementations(const problem& pr);

/// How far e is from ref at theta: the largest |a - b| / (1 + |b|) between e.value and ref's f,
/// between e.gradient's f and ref's f, and over the gradient's components.
struct difference {
  double value, gradient_f, gradient;
  double worst() const;
};
difference compare(evaluator& e, evaluator& ref, const double* theta);
/// The agreement every implementation must reach with the hand-written one (before any timing).
inline constexpr double tolerance = 1e-10;

/// Messages for the peers not compiled in ("W2: ADOL-C (libadolc-dev) not found ..."), one per line.
std::vector<std::string> skipped_peers();

}  // namespace ctgrad_bench::w2

// The numeric gradient checker: compares an analytic gradient (computed in float or double by the code
// under test) with Ridders-extrapolated central differences of the same function evaluated in double.
// It works on plain callables over flat spans; it is not an autodiff tool. Method: docs/gradcheck.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace ctgrad::check {

/// The floating-point type the ANALYTIC gradient was computed in (the graph under test). It sets the
/// default tolerances; the numeric side is always evaluated in double.
enum class dtype { f32, f64 };

/// What happened to one comparison.
/// - passed: |analytic - numeric| <= tolerance.
/// - failed: above the tolerance, or analytic/numeric not finite.
/// - unresolved: even with smaller steps, the stencil straddles a kink or jump of f that was not
///   declared, or the error estimate (not explained by rounding) is too large to decide. Counts as a
///   failure: never reported as a pass. Declare the kink (kink_distance) or move the point.
/// - skipped_at_kink: the point is so close to a declared kink that no stencil fits; neither pass nor
///   fail, counted in report::skipped.
enum class element_status { passed, failed, unresolved, skipped_at_kink };

/// per_element: one numeric partial derivative per input element (the full gradient).
/// projection: for inputs larger than options::full_jacobian_limit, directional derivatives u·∇f for
/// random unit vectors u, plus per-element spot checks.
enum class check_mode { per_element, projection };

/// Knobs of check_gradient(). The defaults are the documented rule; change them only with a reason.
struct options {
  /// Absolute tolerance; 0 => 32 * u * S_i, with u the unit roundoff of the analytic dtype (2^-24 or
  /// 2^-53) and S_i the magnitude scale of element i: input_block::magnitude[i] if given, else
  /// |f(x)| / N (N = number of input elements; |f(x)| for check_derivative).
  double atol = 0;
  /// Relative tolerance; 0 => max(64 * u, 1e-7): 3.8e-6 for f32, 1e-7 for f64.
  double rtol = 0;
  /// Seed of the random directions and spot-check indices (splitmix64; identical on every platform).
  std::uint64_t seed = 0x5eed;
  /// Inputs with more elements than this are checked in projection mode.
  std::size_t full_jacobian_limit = 4096;
  /// Random directions in projection mode (even ones Gaussian, odd ones aligned with the analytic signs).
  int projections = 8;
  /// Random elements also checked one by one in projection mode.
  int spot_checks = 16;
  /// How many of the worst comparisons report::worst keeps.
  int worst = 5;
};

/// One comparison: an element of an input (or, in projection mode, one direction: variable
/// "projection", index = direction number, input = NaN).
struct element_report {
  std::string variable;
  std::size_t index = 0;
  double input = 0;           // x_i
  double analytic = 0;        // the gradient under test (or u·g)
  double numeric = 0;         // Ridders' estimate of the derivative
  double error_estimate = 0;  // Ridders' error estimate of `numeric`
  double abs_err = 0;         // |analytic - numeric|
  double rel_err = 0;         // abs_err / max(|analytic|, |numeric|), 0 if both are 0
  double tolerance = 0;       // atol + rtol * scale + 4 * error_estimate (see docs/gradcheck.md)
  double kink_distance = std::numeric_limits<double>::infinity();
  element_status status = element_status::passed;
  bool weak = false;          // passed, but the tolerance could not have caught a 1e-3 relative error
};

/// The outcome of a check. `passed` is true iff at least one comparison was made and none failed or
/// was unresolved.
struct report {
  bool passed = false;
  check_mode mode = check_mode::per_element;
  dtype analytic_dtype = dtype::f64;
  std::size_t checked = 0;   // comparisons made (elements, or projections + spot checks)
  std::size_t failed = 0;    // failed + unresolved comparisons
  std::size_t skipped = 0;   // elements skipped at kinks (never counted as pass or fail)
  std::size_t weak = 0;      // passed comparisons whose tolerance (rounding of f or of the analytic
                             // dtype) could not have caught a relative error of 1e-3
  double max_abs_err = 0;    // over checked comparisons
  double max_rel_err = 0;
  double rtol = 0;           // the relative tolerance used
  std::uint64_t seed = 0;
  std::vector<element_report> worst;  // worst comparisons first (largest abs_err / tolerance)
  /// A summary line and a table of the worst comparisons: variable[index], input, analytic, numeric,
  /// error estimate, abs/rel err, tolerance, kink distance, status; and the seed.
  std::string to_string() const;
};

/// One variable: its name (for the report), its values, and the analytic gradient of f with respect to
/// them (same length). `magnitude` optionally gives, per element, the sum of the absolute values of the
/// terms that produced the analytic gradient; it sets the absolute tolerance (see options::atol).
struct input_block {
  std::string_view name;
  std::span<const double> x;
  std::span<const double> analytic;
  std::span<const double> magnitude = {};
};

/// Distance from element `flat_index` (its index in all inputs concatenated) at value x to the nearest
/// point where f is not smooth in that element; +inf if none.
using kink_distance_fn = absl::FunctionRef<double(std::size_t flat_index, double x)>;

/// The kink_distance_fn of a function without kinks: always +inf.
double no_kinks(std::size_t flat_index, double x) noexcept;

/// A kink_distance_fn for elementwise functions whose kinks sit at fixed points, e.g. {0.0} for relu,
/// {-3.0, 3.0} for hardswish. Holds a view: `points` must outlive the check.
struct kink_set {
  std::span<const double> points;
  double operator()(std::size_t flat_index, double x) const noexcept;
};

/// A derivative and an estimate of its absolute error.
struct derivative_estimate {
  double value;
  double error;
};

/// Ridders' extrapolation of central differences (f(x+h) - f(x-h)) / 2h for h = h0, h0/1.4, ...
/// (at most 10 steps, all within [x - h0, x + h0]; 1 + 2 per step evaluations of f), after Numerical
/// Recipes' dfridr. Returns the best extrapolated value and an error estimate: the larger of the
/// tableau's own estimate and a bound on the rounding noise of f propagated through it. The error is
/// +inf if f returned a non-finite value or the stencil straddles a kink or jump of f (detected by
/// the second difference not shrinking with h).
derivative_estimate ridders(absl::FunctionRef<double(double)> f, double x, double h0);

/// cbrt(DBL_EPSILON) * max(1, |x|), rounded so that (x + h) - x == h exactly.
double initial_step(double x);

/// Checks the analytic gradient of the scalar function f at the point given by `inputs`.
/// f receives all inputs concatenated (block order) and is evaluated in double. Per-element mode if
/// the total size is <= options.full_jacobian_limit, else projection mode. For dt == f32 the inputs
/// must be float-representable (they are the graph's float inputs).
/// Errors (InvalidArgument): no elements, x/analytic/magnitude sizes differ, a non-finite input, an
/// input not representable in float for f32, f(x) not finite, options out of range.
absl::StatusOr<report> check_gradient(absl::FunctionRef<double(std::span<const double>)> f,
                                      std::span<const input_block> inputs, dtype dt,
                                      const options& opts = {},
                                      kink_distance_fn kink_distance = no_kinks);

/// Checks the derivative df of a scalar function f at each of `points` (independent one-element
/// checks merged into one report, variable "x"). For second derivatives pass f = d1, df = d2.
/// kink_distance receives the point's index. Errors as check_gradient.
absl::StatusOr<report> check_derivative(absl::FunctionRef<double(double)> f,
                                        absl::FunctionRef<double(double)> df,
                                        std::span<const double> points, dtype dt,
                                        const options& opts = {},
                                        kink_distance_fn kink_distance = no_kinks);

/// Checks an analytic Hessian-vector product H v of a scalar function whose gradient (in double) is
/// given: `gradient(x, g)` writes ∇f(x) into g (same length as x). Each input_block's `analytic` holds
/// the block's part of H v. Since H is symmetric, H v = ∇(v · ∇f), so this is check_gradient of
/// x -> v · gradient(x) under the same rules. Errors as check_gradient, plus v of the wrong length.
absl::StatusOr<report> check_hessian_vector(
    absl::FunctionRef<void(std::span<const double>, std::span<double>)> gradient,
    std::span<const input_block> inputs, std::span<const double> v, dtype dt,
    const options& opts = {}, kink_distance_fn kink_distance = no_kinks);

/// Checks an analytic Jacobian-vector product J dx of a vector function F: R^n -> R^m given in double:
/// `F(x, out)` writes the m values F(x) into out (m = analytic.size()). For each output i, the numeric
/// side is Ridders' derivative of t -> F_i(x + t dx) at t = 0 (the initial step moves the element with
/// the largest |dx_k| by initial_step of the largest |x_k|), compared with analytic[i] under the pass
/// rule of check_gradient; each output is one comparison, variable "jvp" with index i. The absolute
/// tolerance's scale of output i is magnitude[i] if given, else |F_i(x)| max_k |dx_k| (check_derivative's
/// |f(x)| for t -> F_i(x + t dx / max|dx|)). Kinks: kink_distance(k, x_k) for each k with dx_k != 0
/// shrinks the step so that no element's stencil reaches a kink; if it cannot, every output is
/// skipped. For dt == f32, x and dx must be float-representable. Errors (InvalidArgument): x empty,
/// dx or magnitude of the wrong length, dx zero or not finite, no outputs, a non-finite input or F(x),
/// options out of range.
absl::StatusOr<report> check_jacobian_vector(
    absl::FunctionRef<void(std::span<const double>, std::span<double>)> F, std::span<const double> x,
    std::span<const double> dx, std::span<const double> analytic, dtype dt, const options& opts = {},
    std::span<const double> magnitude = {}, kink_distance_fn kink_distance = no_kinks);

/// Checks an analytic Jacobian of F: R^n -> R^m (`F(x, out)` writes m doubles, evaluated in double):
/// `analytic` is the m x n matrix row-major, J[i * n + k] = dF_i / dx_k, with m = analytic.size() / n.
/// Row i is check_gradient of x -> F_i(x) with the row as the analytic gradient (per-element or
/// projection mode, the same rules); the rows are merged into one report whose comparisons are named
/// "dF[i]/dx" with index k (printed dF[i]/dx[k]). `magnitude` (optional, m x n like analytic) is each
/// entry's absolute-tolerance scale, as input_block::magnitude; without it row i uses |F_i(x)| / n.
/// kink_distance(k, x_k) as for check_gradient. Errors (InvalidArgument): x empty, analytic not a
/// multiple of n or empty, magnitude of the wrong length, F(x) of a row not finite, those of
/// check_gradient (prefixed with the row).
absl::StatusOr<report> check_jacobian(
    absl::FunctionRef<void(std::span<const double>, std::span<double>)> F, std::span<const double> x,
    std::span<const double> analytic, dtype dt, const options& opts = {},
    std::span<const double> magnitude = {}, kink_distance_fn kink_distance = no_kinks);

/// n points drawn uniformly from [lo, hi] (splitmix64 with `seed`), each at least `margin` away from
/// every kink, sorted ascending. Errors (InvalidArgument): lo >= hi, margin < 0, non-finite bounds, or
/// kinks and margins covering the whole interval.
absl::StatusOr<std::vector<double>> sample_points(double lo, double hi, std::size_t n,
                                                  std::span<const double> kinks = {},
                                                  double margin = 1e-3,
                                                  std::uint64_t seed = 0x5eed);

/// "f32" / "f64"; "passed", "FAILED", "unresolved", "skipped: at kink"; "per-element", "projection".
std::string_view to_string(dtype dt) noexcept;
std::string_view to_string(element_status s) noexcept;
std::string_view to_string(check_mode m) noexcept;

}  // namespace ctgrad::check

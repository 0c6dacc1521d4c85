// Issue 23's benchmarks of forward mode and second derivatives, shared by second_order_bench.cpp
// (the timings) and second_order_test.cpp (do the values agree?). Benchmark support only, not part
// of the library. ctgrad's programs are compiled once, in second_order_ctgrad.cpp; Eigen's
// AutoDiffJacobian (the Jacobian peer) in second_order_eigen.cpp when Eigen is found.
//
// HVP: the Hessian-vector product of a scalar loss in one tensor variable W along V, against the
// gradient alone, all compile()d programs:
//   - "mlp": the 784-128-10 relu MLP's mean cross-entropy (nn::mlp, float, the training job's model)
//     on a batch of `mlp_batch` rows, W = W1 (784 x 128), V of W1's shape;
//   - "w2": W2's log-density (regression.hpp: X of 1000 x 150, double), W = w (150), V of w's shape.
// Each has three programs: grad(loss, every parameter) (the training step's / W2's gradient),
// grad(loss, W) alone, hvp(loss, W, V) (forward-over-reverse, jvp(grad(loss, W), W, V)) and
// grad(sum(grad(loss, W) * V), W) (reverse-over-reverse).
//
// Jacobian: F(x) = tanh(A x) * exp(0.1 sum(x)) + A (x * x), x of n elements, A a fixed m x n matrix,
// F of m; ctgrad's compile(jacobian(F, x), F) (forward when m >= n, reverse when m < n) beside
// Eigen's AutoDiffJacobian (forward, one AutoDiffScalar<Matrix<double, n, 1>> pass).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ctgrad_bench::second_order {

inline constexpr std::size_t mlp_batch = 64;

/// One HVP workload: run one of its programs; its results stay readable until the next run.
class hvp_case {
 public:
  virtual ~hvp_case() = default;
  virtual void gradient_all() = 0;  // grad(loss, every parameter)
  virtual void gradient_w() = 0;    // grad(loss, W)
  virtual void hvp_fwd_rev() = 0;   // hvp(loss, W, V)
  virtual void hvp_rev_rev() = 0;   // grad(sum(grad(loss, W) * V), W)
  /// The last run's dloss/dW (gradient_w or gradient_all), H V (hvp_fwd_rev), H V (hvp_rev_rev).
  virtual std::vector<double> last_gradient_w() const = 0;
  virtual std::vector<double> last_hvp_fwd_rev() const = 0;
  virtual std::vector<double> last_hvp_rev_rev() const = 0;
  /// W's current value (a copy) and setting it; V's value.
  virtual std::vector<double> w_value() const = 0;
  virtual void set_w(std::span<const double> w) = 0;
  virtual std::vector<double> v() const = 0;
  virtual void set_v(std::span<const double> v) = 0;
};
std::unique_ptr<hvp_case> make_mlp_hvp();  // fixed-seed parameters, inputs, labels, V
std::unique_ptr<hvp_case> make_w2_hvp();   // W2's fixed problem at its theta; V fixed-seed

/// One Jacobian workload of n inputs and m outputs: jac() returns J (m x n, row-major) at x.
class jacobian_case {
 public:
  virtual ~jacobian_case() = default;
  virtual void run(const double* x) = 0;
  virtual const double* jac() const = 0;    // m * n, row-major
  virtual const double* value() const = 0;  // m
};
struct jacobian_shape {
  int n, m;
};
/// The shapes measured: (n, m) = (4, 16), (8, 8), (16, 16) (forward) and (16, 8), (16, 4) (reverse).
std::vector<jacobian_shape> jacobian_shapes();
/// The fixed A (m x n, row-major) and point x (n) of a shape.
std::vector<double> jacobian_matrix(jacobian_shape s);
std::vector<double> jacobian_point(jacobian_shape s);
std::unique_ptr<jacobian_case> make_ctgrad_jacobian(jacobian_shape s);
bool ctgrad_jacobian_is_forward(jacobian_shape s);
#if defined(CTGRAD_BENCH_HAVE_EIGEN)
std::unique_ptr<jacobian_case> make_eigen_jacobian(jacobian_shape s);
#endif

/// Normwise distance max |a - b| / max |b| (0 when both are 0; 1 for different lengths).
double distance(std::span<const double> a, std::span<const double> b);
/// How far an HVP workload's results are from each other (second_order_check.cpp): forward-over-reverse
/// against reverse-over-reverse; grad(loss, W) against grad(loss, every parameter)'s W part; the
/// symmetry of H, |u.(H v) - v.(H u)| / (|u| |H v|) with a second direction u (V is restored);
/// forward-over-reverse against the central difference (g(W + h V) - g(W - h V)) / 2h of the gradient
/// (W is restored), when h > 0 (else -1: the relu MLP's gradient jumps wherever a unit's pre-activation
/// changes sign, and some of its 64 x 128 do for any step a float gradient can resolve).
struct hvp_agreement {
  double fwd_vs_rev, gradient_w_vs_all, symmetry, fwd_vs_central_difference;
};
hvp_agreement check_hvp(hvp_case& c, double h);
/// W2's H V, exactly: the Hessian in w is -X^T X / sigma^2 - I (f is quadratic in w).
std::vector<double> w2_exact_hvp(std::span<const double> v);
/// The larger distance() between two Jacobian workloads' J and between their F, at jacobian_point(s).
double jacobian_distance(jacobian_shape s, jacobian_case& a, jacobian_case& b);

// The agreements the benchmark requires before timing (and the test checks).
inline constexpr double mlp_fwd_vs_rev_tolerance = 1e-4;  // float
inline constexpr double w2_tolerance = 1e-10;             // double, against each other and exact
inline constexpr double jacobian_tolerance = 1e-12;       // ctgrad against Eigen

}  // namespace ctgrad_bench::second_order

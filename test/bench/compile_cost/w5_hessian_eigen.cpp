// Compile cost of a whole Hessian (issue 23), Eigen's peer: the W5 function of w5_hessian.cpp with
// nested AutoDiffScalars, AutoDiffScalar<Matrix<AutoDiffScalar<Matrix<double, N, 1>>, N, 1>>
// (forward over forward: f's value, gradient and N x N Hessian from one pass). N = CTGRAD_CC_N.
// CTGRAD_CC_EIGEN_LOOP=1: the terms summed by a run-time loop; by default a fold over the terms (the
// shape of w5_hessian.cpp's source), as in w5_eigen.cpp.
#include <Eigen/Core>
#include <array>
#include <unsupported/Eigen/AutoDiff>
#include <utility>

constexpr int n = CTGRAD_CC_N;
using inner = Eigen::AutoDiffScalar<Eigen::Matrix<double, n, 1>>;
using outer = Eigen::AutoDiffScalar<Eigen::Matrix<inner, n, 1>>;

outer term(const outer& u, const outer& v) {
  const outer s = 1.0 / (1.0 + exp(-(u * v)));
  return s + tanh(u) * exp(u * 0.1) + log(1.0 + u * u);
}

template <std::size_t... I>
outer sum_terms(const std::array<outer, n>& a, std::index_sequence<I...>) {
#if defined(CTGRAD_CC_EIGEN_LOOP) && CTGRAD_CC_EIGEN_LOOP
  outer f = a[0] * 0.0;
  for (int i = 0; i < n; ++i) f += term(a[i], a[(i + 1) % n]);
  return f;
#else
  return (term(a[I], a[(I + 1) % n]) + ...);
#endif
}

struct w5_result {
  double value;
  std::array<double, n> gradient;
  std::array<std::array<double, n>, n> hessian;
};
w5_result w5_hessian(const std::array<double, n>& x) {
  std::array<outer, n> a;
  for (int i = 0; i < n; ++i) {
    a[i].value() = inner(x[i], n, i);
    for (int j = 0; j < n; ++j) a[i].derivatives()(j) = inner(i == j ? 1.0 : 0.0, Eigen::Matrix<double, n, 1>::Zero());
  }
  const outer f = sum_terms(a, std::make_index_sequence<n>{});
  w5_result r;
  r.value = f.value().value();
  for (int i = 0; i < n; ++i) {
    r.gradient[i] = f.value().derivatives()[i];
    for (int j = 0; j < n; ++j) r.hessian[i][j] = f.derivatives()(i).derivatives()[j];
  }
  return r;
}

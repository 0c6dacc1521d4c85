// W5 compile cost, Eigen's AutoDiffScalar with a fixed-size vector of N derivatives: the same
// function as w5_ctgrad.cpp, the same value and gradient, N = CTGRAD_CC_N. Written two ways:
// CTGRAD_CC_EIGEN_LOOP=1, a run-time loop over the terms (what an Eigen user writes; its compile
// time hardly depends on N), and by default a fold over the terms, the shape of w5_ctgrad.cpp's
// source (every term spelled at compile time, as a compile-time graph requires).
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>
#include <array>
#include <utility>

constexpr int n = CTGRAD_CC_N;
using ad = Eigen::AutoDiffScalar<Eigen::Matrix<double, n, 1>>;

ad term(const ad& u, const ad& v) {
  const ad s = 1.0 / (1.0 + exp(-(u * v)));
  return s + tanh(u) * exp(u * 0.1) + log(1.0 + u * u);
}

template <std::size_t... I> ad sum_terms(const std::array<ad, n>& a, std::index_sequence<I...>) {
#if defined(CTGRAD_CC_EIGEN_LOOP) && CTGRAD_CC_EIGEN_LOOP
  ad f(0.0);
  for (int i = 0; i < n; ++i) f += term(a[i], a[(i + 1) % n]);
  return f;
#else
  return (term(a[I], a[(I + 1) % n]) + ...);
#endif
}

std::pair<double, std::array<double, n>> w5_gradient(const std::array<double, n>& x) {
  std::array<ad, n> a;
  for (int i = 0; i < n; ++i) a[i] = ad(x[i], n, i);
  const ad f = sum_terms(a, std::make_index_sequence<n>{});
  std::pair<double, std::array<double, n>> r;
  r.first = f.value();
  for (int i = 0; i < n; ++i) r.second[i] = f.derivatives()[i];
  return r;
}

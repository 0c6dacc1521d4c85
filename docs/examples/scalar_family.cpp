// docs/tutorial.md, "Many variables": a family of variables written as a template (indexed_name),
// a function of all of them built by a fold, and its gradient, from the scalar entry header alone.
// Built and run as a test: returns non-zero if a value differs from the hand-derived one.
#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

#include "ctgrad/scalar.hpp"  // scalar functions only: about half the compile time of ctgrad.hpp

// [1] a1, a2, ..., a16: one variable per index.
constexpr int n = 16;
template <int I> using a = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

// [2] f(a) = sum_i tanh(a_i) a_{i+1} + log(1 + a_i^2), its gradient with respect to all 16.
template <std::size_t... I>
std::pair<double, std::array<double, n>> value_and_gradient(const std::array<double, n>& x,
                                                            std::index_sequence<I...>) {
  const auto f = ((ctgrad::tanh(a<int(I)>{}) * a<int((I + 1) % n)>{} + ctgrad::log(1.0 + a<int(I)>{} * a<int(I)>{})) + ...);
  auto [value, g] = ctgrad::value_and_grad_at(ctgrad::grad(f, a<int(I)>{}...), (a<int(I)>{} = x[I])...);
  return {value, g};
}

int main() {
  std::array<double, n> x;
  for (int i = 0; i < n; ++i) x[i] = 0.1 * (i - 7);
  const auto [f, g] = value_and_gradient(x, std::make_index_sequence<n>{});
  std::printf("f = %.6f, df/da1 = %.6f, df/da16 = %.6f\n", f, g[0], g[n - 1]);

  bool ok = true;
  double ref = 0;
  for (int i = 0; i < n; ++i) {
    const int next = (i + 1) % n, prev = (i + n - 1) % n;
    ref += std::tanh(x[i]) * x[next] + std::log(1 + x[i] * x[i]);
    const double t = std::tanh(x[i]);
    const double d = (1 - t * t) * x[next] + std::tanh(x[prev]) + 2 * x[i] / (1 + x[i] * x[i]);
    ok = ok && std::fabs(g[i] - d) < 1e-14;
  }
  return ok && std::fabs(f - ref) < 1e-13 ? 0 : 1;
}

// Compile cost of a deep scalar recurrence: h_k = tanh(w_k h_{k-1} + b_k), k = 1..D (D =
// CTGRAD_CC_N), h_0 = x; the gradient of h_D with respect to every w_k and b_k (2D variables).
#include <array>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int depth = CTGRAD_CC_N;
template <int I> using wvar = ctgrad::var<ctgrad::indexed_name<'w', I + 1>(), double>;
template <int I> using bvar = ctgrad::var<ctgrad::indexed_name<'b', I + 1>(), double>;
using xvar = ctgrad::var<"x", double>;

template <int K, class H> constexpr auto unroll(const H& h) {
  if constexpr (K == depth) return h;
  else return unroll<K + 1>(ctgrad::tanh(wvar<K>{} * h + bvar<K>{}));
}
template <std::size_t... I>
std::pair<double, std::array<double, 2 * depth>> gradient(double x, const std::array<double, 2 * depth>& p,
                                                          std::index_sequence<I...>) {
  const auto h = unroll<0>(xvar{});
  const auto gs = ctgrad::grad(h, wvar<int(I)>{}..., bvar<int(I)>{}...);
  auto [v, g] = ctgrad::value_and_grad_at(gs, xvar{} = x, (wvar<int(I)>{} = p[I])..., (bvar<int(I)>{} = p[depth + I])...);
  return {v, g};
}
std::pair<double, std::array<double, 2 * depth>> recurrence_gradient(double x, const std::array<double, 2 * depth>& p) {
  return gradient(x, p, std::make_index_sequence<depth>{});
}

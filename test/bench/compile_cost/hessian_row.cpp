// Compile cost of second derivatives: the W5 function's Hessian row d/da (df/da_1), N =
// CTGRAD_CC_N variables (grad of a gradient), evaluated with value_at.
#include <array>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int n = CTGRAD_CC_N;
template <int I> using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

template <class U, class V> constexpr auto term(const U& u, const V& v) {
  return ctgrad::sigmoid(u * v) + ctgrad::tanh(u) * ctgrad::exp(u * 0.1) + ctgrad::log(1.0 + u * u);
}
template <std::size_t... I> std::array<double, n> row(const std::array<double, n>& x, std::index_sequence<I...>) {
  const auto f = (term(avar<int(I)>{}, avar<int((I + 1) % n)>{}) + ...);
  const auto d1 = ctgrad::grad(f, avar<0>{});
  return ctgrad::value_at(ctgrad::grad(d1, avar<int(I)>{}...), (avar<int(I)>{} = x[I])...);
}
std::array<double, n> hessian_row(const std::array<double, n>& x) { return row(x, std::make_index_sequence<n>{}); }

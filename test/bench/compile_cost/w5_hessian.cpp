// Compile cost of a whole Hessian (issue 23): the W5 function (w5_ctgrad.cpp) with its gradient and
// its N x N Hessian from ctgrad::hessian(f, a_1 .. a_N) and value_grad_hessian_at (the upper triangle,
// N (N + 1) / 2 entries, each row a reverse sweep of df/da_i on one flat program). N = CTGRAD_CC_N.
// Compiled (not run) by test/bench/compile_cost.sh; one function, as a user writes it.
#include <array>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int n = CTGRAD_CC_N;
template <int I>
using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

template <class U, class V>
constexpr auto term(const U& u, const V& v) {
  return ctgrad::sigmoid(u * v) + ctgrad::tanh(u) * ctgrad::exp(u * 0.1) + ctgrad::log(1.0 + u * u);
}
struct w5_result {
  double value;
  std::array<double, n> gradient;
  std::array<std::array<double, n>, n> hessian;
};
template <std::size_t... I>
w5_result hessian_of(const std::array<double, n>& x, std::index_sequence<I...>) {
  const auto f = (term(avar<int(I)>{}, avar<int((I + 1) % n)>{}) + ...);
  const auto r = ctgrad::value_grad_hessian_at(ctgrad::hessian(f, avar<int(I)>{}...), (avar<int(I)>{} = x[I])...);
  w5_result out{r.value, {}, {}};
  for (int i = 0; i < n; ++i) {
    out.gradient[i] = r.gradient[i];
    for (int j = 0; j < n; ++j) out.hessian[i][j] = r.hessian[i][j];
  }
  return out;
}
w5_result w5_hessian(const std::array<double, n>& x) { return hessian_of(x, std::make_index_sequence<n>{}); }

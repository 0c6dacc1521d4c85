// W5 compile cost with an elementwise function of the user's own (ops/function.hpp): the W5 function's
// term sigmoid(u v) + tanh(u) exp(0.1 u) + log(1 + u^2) as one struct of value and partials, summed over
// i with u = a_i, v = a_{i+1} (indices mod N); its gradient with respect to all N variables, evaluated
// with value_and_grad_at. N = CTGRAD_CC_N. Compiled (not run) by test/bench/compile_cost.sh.
#include <array>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int n = CTGRAD_CC_N;
template <int I> using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

struct w5_term {
  static constexpr std::string_view name = "w5_term";
  static constexpr std::size_t arity = 2;
  template <class T, class M = ctgrad::math::loop_math> static constexpr T sigmoid(T z) noexcept {
    return T(1) / (T(1) + M::exp(-z));
  }
  template <class T, class M = ctgrad::math::loop_math> static constexpr T value(T u, T v) noexcept {
    return sigmoid<T, M>(u * v) + M::tanh(u) * M::exp(T(0.1) * u) + M::log1p(u * u);
  }
  template <std::size_t I, class T, class M = ctgrad::math::loop_math> static constexpr T d1(T u, T v, T) noexcept {
    const T s = sigmoid<T, M>(u * v), ds = s * (T(1) - s);
    if constexpr (I == 0) {
      const T t = M::tanh(u), e = M::exp(T(0.1) * u);
      return ds * v + (T(1) - t * t) * e + T(0.1) * t * e + T(2) * u / (T(1) + u * u);
    } else {
      return ds * u;
    }
  }
};

template <std::size_t... I> std::pair<double, std::array<double, n>> gradient(const std::array<double, n>& x,
                                                                              std::index_sequence<I...>) {
  const auto f = (ctgrad::elementwise<w5_term>(avar<int(I)>{}, avar<int((I + 1) % n)>{}) + ...);
  auto [v, g] = ctgrad::value_and_grad_at(ctgrad::grad(f, avar<int(I)>{}...), (avar<int(I)>{} = x[I])...);
  return {v, g};
}
std::pair<double, std::array<double, n>> w5_user_fn_gradient(const std::array<double, n>& x) {
  return gradient(x, std::make_index_sequence<n>{});
}

// ctgrad/fn/activate.hpp — applies a scalar activation definition (a `fn::` struct: value, first
// and second derivative, parameters; see fn/definitions/) to an expression: `activate<F>(x, params...)`
// builds the same node as any elementwise function of one argument (ops/function.hpp, `fn_op<F>`),
// its parameters as literals. Not the definitions themselves (fn/definitions/*.hpp) nor the list
// (registry.hpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ctgrad/ops/function.hpp"

namespace ctgrad {

namespace detail {
template <class F, class T, std::size_t I, class Given>
constexpr T param_or_default(const Given& given) {
  if constexpr (I < std::tuple_size_v<Given>) return static_cast<T>(std::get<I>(given));
  else return static_cast<T>(F::params[I].default_value);
}
}  // namespace detail

/// Applies the activation F to x elementwise; params are F's parameters in F::params order
/// (omitted ones take PyTorch's defaults).
template <class F, expression X, class... P>
constexpr auto activate(const X& x, P... params) {
  using T = value_t<X>;
  constexpr bool floating = element_type<T>;
  constexpr bool params_fit = sizeof...(P) <= F::params.size();
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!floating) {
    static_assert(floating, "activation: needs a float or double expression");
    return invalid_expression{};
  } else if constexpr (!params_fit) {
    static_assert(params_fit, "activation: too many parameters (see the activation's parameter list)");
    return invalid_expression{};
  } else if constexpr (F::params.size() == 0) {
    return make_user_node<ops::fn_op<F>>(x);  // no lambda per expression type (compile time)
  } else {
    std::tuple<P...> given{params...};
    return [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      return make_user_node<ops::fn_op<F>>(x, lit<T, 0>{detail::param_or_default<F, T, Is>(given)}...);
    }(std::make_index_sequence<F::params.size()>{});
  }
}

}  // namespace ctgrad

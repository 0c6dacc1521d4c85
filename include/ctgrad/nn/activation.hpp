// ctgrad/nn/activation.hpp — turns a scalar activation definition (a `fn::` struct: value, first
// and second derivative, parameters; see nn/activations/) into expression nodes whose gradients
// grad() derives. Not the definitions themselves (nn/activations/*.hpp) nor the list (registry.hpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {
namespace ops {

// The math policy M reaches a definition whose value/d1/d2 take it as their second template
// parameter (`template <class T, class M = math::loop_math>`, as ctgrad's own do); one written with
// T alone computes the same in every evaluator.
#define CTGRAD_DETAIL_CALL_WITH_POLICY(f, ...)                                   \
  if constexpr (requires { F::template f<T, M>(__VA_ARGS__); })                 \
    return F::template f<T, M>(__VA_ARGS__);                                    \
  else                                                                          \
    return F::f(__VA_ARGS__)

/// y = F::value(x, params...): children are x and one literal per parameter.
template <class F>
struct activation_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T, class... P>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply(T x, P... p) noexcept {
    CTGRAD_DETAIL_CALL_WITH_POLICY(value, x, p...);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g);
  // Elementwise: the Jacobian is diagonal, so the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};

/// F'(x) (given y = F(x), which the forward pass already computed): children x, y, params.
template <class F>
struct activation_d1_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = "'";  // describe() prints sigmoid'(x, y)
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T, class... P>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply(T x, T y, P... p) noexcept {
    CTGRAD_DETAIL_CALL_WITH_POLICY(d1, x, y, p...);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g);
  // Elementwise: the Jacobian is diagonal, so the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};

/// F''(x): children x, y, params. Its own derivative (third order) is not provided: grad() reports
/// a function that needs it (differentiable = false).
template <class F>
struct activation_d2_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = "''";
  static constexpr bool differentiable = false;
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T, class... P>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply(T x, T y, P... p) noexcept {
    CTGRAD_DETAIL_CALL_WITH_POLICY(d2, x, y, p...);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G&) {
    static_assert(I != I, "grad: third derivatives of activations are not provided (grad of grad of grad)");
    return no_grad{};
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T&) {
    static_assert(I != I, "jvp: third derivatives of activations are not provided");
    return no_grad{};
  }
};

#undef CTGRAD_DETAIL_CALL_WITH_POLICY

template <class F>
template <std::size_t I, class Self, class G>
constexpr auto activation_op<F>::vjp(const Self& s, const G& g) {
  if constexpr (I == 0) {
    // d/dx: g * F'(x, y); the node's children after x are its parameters.
    return ctgrad::detail::apply([&](const auto& x, const auto&... p) {
      return make_node<mul_op>(g, make_node<activation_d1_op<F>>(x, s, p...));
    }, s.children());
  } else {
    return no_grad{};  // parameters are constants
  }
}

template <class F>
template <std::size_t I, class Self, class G>
constexpr auto activation_d1_op<F>::vjp(const Self& s, const G& g) {
  if constexpr (I == 0) {
    // The total derivative of F'(x, y(x)) in x is F''(x): all of it flows through x, none through y.
    return ctgrad::detail::apply([&](const auto& x, const auto& y, const auto&... p) {
      return make_node<mul_op>(g, make_node<activation_d2_op<F>>(x, y, p...));
    }, s.children());
  } else {
    return no_grad{};
  }
}

}  // namespace ops

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
  } else {
    std::tuple<P...> given{params...};
    return [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      return make_user_node<ops::activation_op<F>>(x, lit<T, 0>{detail::param_or_default<F, T, Is>(given)}...);
    }(std::make_index_sequence<F::params.size()>{});
  }
}

}  // namespace ctgrad

// ctgrad/ops/function.hpp — elementwise functions defined by a struct of scalar rules (the value and
// the partial derivatives, optionally the second ones), turned into expression nodes that grad(), jvp(),
// value_at and compile() handle like the built-in ops: `elementwise<F>(x, a, b)`. ctgrad's activations
// are such structs too (fn/definitions/, applied by `activate<F>` in fn/activate.hpp). Not for
// routines ctgrad cannot see into (ops/opaque.hpp) nor for row-wise ops (softmax, reductions).
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {
namespace ops {

// The derivative nodes the rules below build (defined after fn_op).
template <class F, std::size_t I> struct fn_d1_op;
template <class F, std::size_t I, std::size_t J> struct fn_d2_op;

/// The number of differentiable arguments of a function struct F: F::arity if it declares one (a
/// function of several arguments, whose rules take the argument index I), else 1 (an activation:
/// `d1(x, y, params...)`, `d2(x, y, params...)`). Arguments after them are F's parameters (literals).
template <class F> consteval std::size_t fn_arity() {
  if constexpr (requires { F::arity; }) return F::arity;
  else return 1;
}
/// How many parameters F declares (F::params: an activation's PyTorch keyword arguments); they follow
/// the arguments as literal children.
template <class F> consteval std::size_t fn_param_count() {
  if constexpr (requires { F::params.size(); }) return F::params.size();
  else return 0;
}
namespace detail {
template <class F, class Seq> struct fn_d2_probe;
template <class F, std::size_t... K> struct fn_d2_probe<F, std::index_sequence<K...>> {
  template <std::size_t> using D = double;
  static constexpr bool value = fn_arity<F>() == 1
      ? (requires(D<K>... a) { F::template d2<double>(a...); } || requires(D<K>... a) { F::d2(a...); })
      : (requires(D<K>... a) { F::template d2<0, 0, double>(a...); } ||
         requires(D<K>... a) { F::template d2<0, 0>(a...); });
};
}  // namespace detail
/// True when F declares second derivatives (`d2`, called with the arguments, y and the parameters):
/// without them, grad of grad through F is a compile error (differentiable = false on its
/// first-derivative node) whose note names F.
template <class F> consteval bool fn_has_d2() {
  return detail::fn_d2_probe<F, std::make_index_sequence<fn_arity<F>() + 1 + fn_param_count<F>()>>::value;
}

// The math policy M reaches a rule that takes it as a template parameter after T
// (`template <class T, class M = math::loop_math>`, as ctgrad's own do); one written with T alone
// computes the same in every evaluator. Rules of several arguments take the argument index (or two)
// first: `template <std::size_t I, class T, class M = math::loop_math> static constexpr T d1(T x, T a, T b, T y)`.
namespace detail {
template <class F, class M, class T, class... A>
CTGRAD_DETAIL_MATH_INLINE constexpr T fn_value(T x, A... a) noexcept {
  if constexpr (requires { F::template value<T, M>(x, a...); }) return F::template value<T, M>(x, a...);
  else if constexpr (requires { F::template value<T>(x, a...); }) return F::template value<T>(x, a...);
  else return F::value(x, a...);
}
template <class F, std::size_t I, class M, class T, class... A>
CTGRAD_DETAIL_MATH_INLINE constexpr T fn_d1(T x, A... a) noexcept {
  if constexpr (fn_arity<F>() == 1) {
    if constexpr (requires { F::template d1<T, M>(x, a...); }) return F::template d1<T, M>(x, a...);
    else if constexpr (requires { F::template d1<T>(x, a...); }) return F::template d1<T>(x, a...);
    else return F::d1(x, a...);
  } else {
    if constexpr (requires { F::template d1<I, T, M>(x, a...); }) return F::template d1<I, T, M>(x, a...);
    else if constexpr (requires { F::template d1<I, T>(x, a...); }) return F::template d1<I, T>(x, a...);
    else return F::template d1<I>(x, a...);
  }
}
template <class F, std::size_t I, std::size_t J, class M, class T, class... A>
CTGRAD_DETAIL_MATH_INLINE constexpr T fn_d2(T x, A... a) noexcept {
  if constexpr (fn_arity<F>() == 1) {
    if constexpr (requires { F::template d2<T, M>(x, a...); }) return F::template d2<T, M>(x, a...);
    else if constexpr (requires { F::template d2<T>(x, a...); }) return F::template d2<T>(x, a...);
    else return F::d2(x, a...);
  } else {
    if constexpr (requires { F::template d2<I, J, T, M>(x, a...); }) return F::template d2<I, J, T, M>(x, a...);
    else if constexpr (requires { F::template d2<I, J, T>(x, a...); }) return F::template d2<I, J, T>(x, a...);
    else return F::template d2<I, J>(x, a...);
  }
}
}  // namespace detail

/// y = F::value(x..., params...): children are F's arity arguments, then one literal per parameter.
template <class F>
struct fn_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T, class... A>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply(T x, A... a) noexcept {
    return detail::fn_value<F, M>(x, a...);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I < fn_arity<F>()) {
      // d/dx_I: g * dF/dx_I(x..., y); the node's children after the arguments are its parameters.
      constexpr std::size_t k = fn_arity<F>(), n = type_list_size<typename Self::children_types>::value;
      return [&]<std::size_t... A, std::size_t... P>(std::index_sequence<A...>, std::index_sequence<P...>) {
        return make_node<mul_op>(g, make_node<fn_d1_op<F, I>>(s.template child<A>()..., s, s.template child<k + P>()...));
      }(std::make_index_sequence<k>{}, std::make_index_sequence<n - k>{});
    } else {
      return no_grad{};  // parameters are constants
    }
  }
  // Elementwise: the Jacobian is diagonal, so the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};

/// dF/dx_I (given y = F(x...), which the forward pass already computed): children x..., y, params.
template <class F, std::size_t I>
struct fn_d1_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  // describe() prints sigmoid'(x, y) for an activation, softclip'1(x, a, b, y) for argument 1.
  static constexpr std::string_view name_suffix =
      fn_arity<F>() == 1 ? std::string_view("'") : std::string_view("'0'1'2'3'4'5'6'7'8'9").substr(2 * I, 2);
  static constexpr bool differentiable = fn_has_d2<F>();
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T, class... A>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply(T x, A... a) noexcept {
    return detail::fn_d1<F, I, M>(x, a...);
  }
  template <std::size_t J, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (J < fn_arity<F>()) {
      // The total derivative of dF/dx_I(x..., y(x...)) in x_J is d2F/dx_I dx_J: all of it flows through
      // the arguments, none through y.
      constexpr std::size_t lo = I < J ? I : J, hi = I < J ? J : I;
      return ctgrad::detail::apply([&](const auto&... c) {
        return make_node<mul_op>(g, make_node<fn_d2_op<F, lo, hi>>(c...));
      }, s.children());
    } else {
      return no_grad{};  // y (see above) and the parameters
    }
  }
  template <std::size_t J, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<J>(s, dx); }
};

/// d2F/dx_I dx_J (I <= J: the Hessian is symmetric, so one node serves both orders): children x...,
/// y, params. Its own derivative (third order) is not provided: grad() reports a function that needs
/// it (differentiable = false).
template <class F, std::size_t I, std::size_t J>
struct fn_d2_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = "''";
  static constexpr bool differentiable = false;
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T, class... A>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply(T x, A... a) noexcept {
    return detail::fn_d2<F, I, J, M>(x, a...);
  }
  template <std::size_t K, class Self, class G> static constexpr auto vjp(const Self&, const G&) {
    static_assert(K != K, "grad: third derivatives of elementwise functions are not provided (grad of grad of grad)");
    return no_grad{};
  }
  template <std::size_t K, class Self, class T> static constexpr auto jvp(const Self&, const T&) {
    static_assert(K != K, "jvp: third derivatives of elementwise functions are not provided");
    return no_grad{};
  }
};

/// True when F (a function of one argument) declares the part of its value that its first derivative
/// computes again (`shared(x)`: sigmoid's exp(-|x|)), with the value and d1 given that part:
/// `value_given(x, c, params...)`, `d1_given(x, c, params...)`, each a template <class T, class M>.
/// value_at's flat program then computes the part once for both (autodiff/lower.hpp); compile()'s
/// fused loops call value and d1, whose common part the compiler finds in the one loop body. F's
/// value and d1 must be value_given and d1_given of shared, so that the two evaluators agree bit for bit.
template <class F> consteval bool fn_has_shared() {
  if constexpr (fn_arity<F>() != 1) return false;
  else return requires(double x) { F::template shared<double, math::loop_math>(x); };
}

/// shared(x) of a function F with fn_has_shared<F>(): an instruction of value_at's flat program only
/// (no expression has this node), read by the fn_given_op below, which pass it no gradient.
template <class F>
struct fn_shared_op : elementwise_op {
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = "[shared]";
  static constexpr bool differentiable = false;  // never reached: its readers give it no adjoint
  static constexpr bool uses_math = true;
  // One copy per program, called from each use: inlined (an exp, typically), this op and
  // fn_given_op doubled the object code of W5's gradient at N = 64 and added a quarter to its g++
  // compile time (docs/design.md, "Run time: a function's shared part").
  template <class M = math::loop_math, class T>
  [[gnu::noinline]] static constexpr T apply(T x) noexcept { return apply_inline<M>(x); }
  /// The same, inline: for value_at's batches, a loop over many x that the compiler vectorises.
  template <class M = math::loop_math, class T>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply_inline(T x) noexcept { return F::template shared<T, M>(x); }
  template <std::size_t K, class Self, class G> static constexpr auto vjp(const Self&, const G&) {
    static_assert(K != K, "fn_shared_op: an internal node of value_at, never differentiated");
    return no_grad{};
  }
  template <std::size_t K, class Self, class T> static constexpr auto jvp(const Self&, const T&) {
    static_assert(K != K, "fn_shared_op: an internal node of value_at, never differentiated");
    return no_grad{};
  }
};

/// F's value (D = 0) or first derivative (D = 1) given x and its shared part: children x, c, params.
/// As F's value and d1 (fn_op, fn_d1_op), derived in x alone: c depends on x only, and the rules are
/// total derivatives, so c gets no gradient.
template <class F, std::size_t D>
struct fn_given_op : elementwise_op {
  static_assert(D <= 1);
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = D == 0 ? std::string_view("") : std::string_view("'");
  static constexpr bool differentiable = D == 0 || fn_has_d2<F>();
  static constexpr bool uses_math = true;
  // Out of line, as fn_shared_op's (the run time is the same as inlined, the object code half).
  template <class M = math::loop_math, class T, class... A>
  [[gnu::noinline]] static constexpr T apply(T x, T c, A... a) noexcept {
    return apply_inline<M>(x, c, a...);
  }
  template <class M = math::loop_math, class T, class... A>
  CTGRAD_DETAIL_MATH_INLINE static constexpr T apply_inline(T x, T c, A... a) noexcept {
    if constexpr (D == 0) return F::template value_given<T, M>(x, c, a...);
    else return F::template d1_given<T, M>(x, c, a...);
  }
  template <std::size_t J, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (J == 0) {
      return ctgrad::detail::apply([&](const auto& x, const auto& c, const auto&... p) {
        if constexpr (D == 0) {
          return make_node<mul_op>(g, make_node<fn_given_op<F, 1>>(x, c, p...));
        } else {
          const auto y = make_node<fn_given_op<F, 0>>(x, c, p...);  // the value: found again by CSE
          return make_node<mul_op>(g, make_node<fn_d2_op<F, 0, 0>>(x, y, p...));
        }
      }, s.children());
    } else {
      return no_grad{};  // the shared part (see above) and the parameters
    }
  }
  template <std::size_t J, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<J>(s, dx); }
};

}  // namespace ops

namespace detail {
template <class X, class... Xs> constexpr const auto& first_expression(const X& x, const Xs&... xs) {
  if constexpr (expression<X>) return x;
  else return first_expression(xs...);
}
}  // namespace detail

/// Applies the elementwise function F (a struct of scalar rules: docs/extending.md) to its arguments:
/// expressions of one element type (float or double) whose shapes broadcast together (NumPy rules), or
/// numbers (constants: literals, not differentiated). The result has the broadcast shape; grad() uses
/// F::d1, grad of grad F::d2 (if F declares it). Exactly fn_arity<F>() arguments, at least one an
/// expression.
template <class F, class... X>
  requires((expression<X> || ...) && (detail::operand<X> && ...))
constexpr auto elementwise(const X&... x) {
  using T = value_t<std::remove_cvref_t<decltype(detail::first_expression(x...))>>;
  constexpr bool arity_ok = sizeof...(X) == ops::fn_arity<F>();
  static_assert(arity_ok, "elementwise<F>: wrong number of arguments (F::arity, or 1 when F declares none)");
  if constexpr (!arity_ok) {
    return invalid_expression{};
  } else if constexpr (any_invalid_v<X...>) {
    return invalid_expression{};  // a misuse already reported
  } else {
    constexpr bool same_type = (std::is_same_v<value_t<decltype(detail::as_expr<T>(x))>, T> && ...);
    constexpr bool broadcasts = shapes::broadcast_all_ok<shape_t<decltype(detail::as_expr<T>(x))>...>;
    constexpr bool floating = element_type<T>;
    constexpr bool no_params = ops::fn_param_count<F>() == 0;
    static_assert(same_type, "elementwise<F>: arguments have different element types (e.g. float and double); convert one of them");
    static_assert(!same_type || broadcasts, "elementwise<F>: argument shapes do not broadcast (trailing extents must be equal or 1)");
    static_assert(!same_type || !broadcasts || floating, "elementwise<F>: arguments must be float or double expressions");
    static_assert(no_params, "elementwise<F>: F declares params (an activation): apply it with activate<F>(x, params...)");
    if constexpr (!(same_type && broadcasts && floating && no_params)) return invalid_expression{};
    else return make_user_node<ops::fn_op<F>>(detail::as_expr<T>(x)...);
  }
}

}  // namespace ctgrad

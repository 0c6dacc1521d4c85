// ctgrad/ops/elementwise.hpp — elementwise arithmetic (+ - * /, negation, exp, log, sqrt, square, abs,
// pow with an integer exponent) with NumPy broadcasting of trailing dimensions, and each op's
// vector-Jacobian product (vjp) and Jacobian-vector product (jvp, forward mode: autodiff/jvp.hpp).
// An elementwise op's Jacobian in each child is diagonal, so its jvp is its vjp rule applied to the
// child's tangent. Not for activations (fn/) nor reductions and matmul (ops/).
#pragma once

#include <concepts>
#include <string_view>
#include <type_traits>

#include "ctgrad/core/math.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/type_list.hpp"

namespace ctgrad {

/// Returned by a vjp rule when a child gets no gradient (labels, masks, literals, stop_gradient), and
/// by a jvp rule when a child's tangent does not reach the op's value.
struct no_grad {};

namespace ops {
// Each op is one row: its name, how it bends (curvature), its value (apply), its vector-Jacobian
// product for child I (vjp: the adjoint g times d value / d child I, as an expression) and its
// Jacobian-vector product (jvp: an elementwise op's Jacobian is diagonal, so its vjp rule applied to
// the child's tangent). The rules build the nodes of other ops of this file, declared first.
struct add_op; struct sub_op; struct mul_op; struct div_op; struct neg_op; struct exp_op; struct log_op;
struct sqrt_op; struct twice_op; struct square_op; struct sign_op; struct abs_op; struct powi_op;
template <class T, class Shape, int Value> struct constant_op;
}  // namespace ops

template <class T, class Shape> using zeros_node = node<ops::constant_op<T, Shape, 0>>;
template <class T, class Shape> using ones_node = node<ops::constant_op<T, Shape, 1>>;

namespace ops {

/// Defaults shared by elementwise ops: the first child's element type, the broadcast shape, and
/// children read with NumPy broadcasting. An op computes `apply(child values...)`.
/// How an op's value bends in its children, for the structural Hessian pattern (inspect.hpp):
/// nonlinear (the default: any second derivative may be nonzero), bilinear (only mixed second
/// derivatives across two different children, e.g. a * b), linear (no second derivative).
enum class curvature { nonlinear, bilinear, linear };

struct elementwise_op {
  static constexpr bool elementwise = true;
  static constexpr ops::curvature curvature = ops::curvature::nonlinear;
  static constexpr bool uses_index = false;     // true: apply_at(row, col, values...) instead
  static constexpr bool row_mapped_child = false;  // true: rank-1 children index rows, not columns
  // true: apply's first template parameter is a math policy (math::loop_math in compile()'s loops,
  // math::scalar_math in value_at), through which it calls exp, log, ... (core/math.hpp)
  static constexpr bool uses_math = false;
  template <class C0, class... Cs> using value_type = value_t<C0>;
  template <class... Cs> using shape_type = shapes::broadcast_all_t<shape_t<Cs>...>;
};

/// a + b: d/da = d/db = 1.
struct add_op : elementwise_op {
  static constexpr std::string_view name = "add";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class T> static constexpr T apply(T a, T b) noexcept { return a + b; }
  template <std::size_t I, class Self, class G>
  static constexpr auto vjp(const Self&, const G& g) { return g; }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// a - b: d/da = 1, d/db = -1.
struct sub_op : elementwise_op {
  static constexpr std::string_view name = "sub";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class T> static constexpr T apply(T a, T b) noexcept { return a - b; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G& g) {
    if constexpr (I == 0) return g; else return make_node<neg_op>(g);
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// a * b: d/da = b, d/db = a.
struct mul_op : elementwise_op {
  static constexpr std::string_view name = "mul";
  static constexpr ops::curvature curvature = ops::curvature::bilinear;
  template <class T> static constexpr T apply(T a, T b) noexcept { return a * b; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    return make_node<mul_op>(g, s.template child<1 - I>());
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// a / b: d/da = 1 / b, d/db = -(a / b) / b (the value s reused).
struct div_op : elementwise_op {
  static constexpr std::string_view name = "div";
  template <class T> static constexpr T apply(T a, T b) noexcept { return a / b; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return make_node<div_op>(g, s.template child<1>());
    else return make_node<neg_op>(make_node<div_op>(make_node<mul_op>(g, s), s.template child<1>()));
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// -a: d/da = -1.
struct neg_op : elementwise_op {
  static constexpr std::string_view name = "neg";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class T> static constexpr T apply(T a) noexcept { return -a; }
  template <std::size_t I, class Self, class G>
  static constexpr auto vjp(const Self&, const G& g) { return make_node<neg_op>(g); }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// e^a: d/da = e^a, the value itself.
struct exp_op : elementwise_op {
  static constexpr std::string_view name = "exp";
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T> static constexpr T apply(T a) noexcept { return M::exp(a); }
  template <std::size_t I, class Self, class G>
  static constexpr auto vjp(const Self& s, const G& g) { return make_node<mul_op>(g, s); }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// log a: d/da = 1 / a.
struct log_op : elementwise_op {
  static constexpr std::string_view name = "log";
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T> static constexpr T apply(T a) noexcept { return M::log(a); }
  template <std::size_t I, class Self, class G>
  static constexpr auto vjp(const Self& s, const G& g) { return make_node<div_op>(g, s.template child<0>()); }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// sqrt a: d/da = 1 / (2 sqrt a), the value reused.
struct sqrt_op : elementwise_op {
  static constexpr std::string_view name = "sqrt";
  template <class T> static constexpr T apply(T a) noexcept { return math::sqrt(a); }
  template <std::size_t I, class Self, class G>
  static constexpr auto vjp(const Self& s, const G& g) { return make_node<div_op>(g, make_node<twice_op>(s)); }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// 2a, the derivative of square and the denominator of sqrt's derivative: d/da = 2.
struct twice_op : elementwise_op {
  static constexpr std::string_view name = "twice";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class T> static constexpr T apply(T a) noexcept { return a + a; }
  template <std::size_t I, class Self, class G>
  static constexpr auto vjp(const Self&, const G& g) { return make_node<twice_op>(g); }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// a * a: d/da = 2a.
struct square_op : elementwise_op {
  static constexpr std::string_view name = "square";
  template <class T> static constexpr T apply(T a) noexcept { return a * a; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    return make_node<mul_op>(g, make_node<twice_op>(s.template child<0>()));
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// sign(a) in {-1, 0, 1}, the derivative of abs (0 at 0, as PyTorch): no derivative (piecewise constant).
struct sign_op : elementwise_op {
  static constexpr std::string_view name = "sign";
  template <class T> static constexpr T apply(T a) noexcept { return T(a > T(0)) - T(a < T(0)); }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};
/// |a|: d/da = sign(a) (0 at the kink).
struct abs_op : elementwise_op {
  static constexpr std::string_view name = "abs";
  template <class T> static constexpr T apply(T a) noexcept { return math::abs(a); }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    return make_node<mul_op>(g, make_node<sign_op>(s.template child<0>()));
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// x^n for an integer n held in a literal child (exact repeated multiplication; n < 0 divides):
/// d/dx = n x^(n-1); n gets no gradient.
struct powi_op : elementwise_op {
  static constexpr std::string_view name = "pow";
  template <class T> static constexpr T apply(T x, T n) noexcept {
    long k = static_cast<long>(n);
    bool inv = k < 0;
    unsigned long e = static_cast<unsigned long>(inv ? -k : k);
    T r = T(1), b = x;
    while (e) { if (e & 1u) r *= b; b *= b; e >>= 1u; }
    return inv ? T(1) / r : r;
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 1) {
      return no_grad{};
    } else {
      using T = value_t<Self>;
      const auto& x = s.template child<0>();
      const auto& n = s.template child<1>();
      // d/dx x^n = n * x^(n-1): the exponent n-1 is the literal minus a constant one.
      auto nm1 = make_node<sub_op>(n, ones_node<T, scalar_shape>{});
      return make_node<mul_op>(g, make_node<mul_op>(n, make_node<powi_op>(x, nm1)));
    }
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// A constant (zero or one) of a given element type and shape: used by gradients.
template <class T, class Shape, int Value>
struct constant_op : elementwise_op {
  static constexpr std::string_view name = Value == 0 ? "zeros" : "ones";
  template <class...> using value_type = T;
  template <class...> using shape_type = Shape;
  static constexpr T apply() noexcept { return T(Value); }
};
/// Identity whose gradient is cut (used for the max subtracted by softmax).
struct stop_gradient_op : elementwise_op {
  static constexpr std::string_view name = "stop_gradient";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class T> static constexpr T apply(T a) noexcept { return a; }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};
/// The value of child 0 with the derivative of child 1 (custom_gradient): every evaluator computes
/// child 0; grad and jvp see child 1, an identity in it.
struct custom_gradient_op : elementwise_op {
  static constexpr std::string_view name = "custom_gradient";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class T> static constexpr T apply(T value, T /*surrogate*/) noexcept { return value; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G& g) {
    if constexpr (I == 1) return g; else return no_grad{};
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// 1 where a == b, else 0 (the mask of max's gradient).
struct eq_mask_op : elementwise_op {
  static constexpr std::string_view name = "eq_mask";
  template <class T> static constexpr T apply(T a, T b) noexcept { return T(a == b); }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};

/// The ops of this file, one entry each. CHECKED: the derivative is the value's, and the test
/// ops/elementwise checks each one against numeric derivatives in float and double
/// (every_checked_op_passes_the_gradient_checker), with no line of its own. RULE_ONLY: the derivative
/// is by design not the value's (sign, eq_mask: piecewise constant, no gradient; stop_gradient,
/// custom_gradient: a cut or replaced gradient; constant_op: no children), tested by hand. The same
/// test fails naming any struct of this file deriving from elementwise_op that is on neither list.
#define CTGRAD_ELEMENTWISE_OPS(CHECKED, RULE_ONLY)                                                 \
  CHECKED(add_op) CHECKED(sub_op) CHECKED(mul_op) CHECKED(div_op) CHECKED(neg_op) CHECKED(exp_op)  \
  CHECKED(log_op) CHECKED(sqrt_op) CHECKED(twice_op) CHECKED(square_op) CHECKED(abs_op)            \
  CHECKED(powi_op) RULE_ONLY(sign_op) RULE_ONLY(stop_gradient_op) RULE_ONLY(custom_gradient_op)    \
  RULE_ONLY(eq_mask_op) RULE_ONLY(constant_op)

#define CTGRAD_DETAIL_OP_TYPE(op) , op
#define CTGRAD_DETAIL_OP_NONE(op)
/// The CHECKED entries of CTGRAD_ELEMENTWISE_OPS, as a type list.
using checked_elementwise_ops =
    type_list_after_first<void CTGRAD_ELEMENTWISE_OPS(CTGRAD_DETAIL_OP_TYPE, CTGRAD_DETAIL_OP_NONE)>;
#undef CTGRAD_DETAIL_OP_TYPE
#undef CTGRAD_DETAIL_OP_NONE

}  // namespace ops

namespace detail {
template <class A, class B>
inline constexpr bool same_element_type_v = std::is_same_v<value_t<A>, value_t<B>>;

// A user operand: an expression, or an arithmetic value that becomes a literal.
template <class X> concept operand = expression<X> || std::is_arithmetic_v<std::remove_cvref_t<X>>;

template <class T, class X> constexpr auto as_expr(const X& x) {
  if constexpr (expression<X>) return x;
  else return lit<T, 0>{static_cast<T>(x)};
}
/// The expression type of a user operand (a number becomes literal 0 of element type T).
template <class T, class X> using expr_t = std::conditional_t<expression<X>, X, lit<T, 0>>;
template <class A, class B> struct operand_type {
  using type = std::conditional_t<expression<A>, value_t<std::conditional_t<expression<A>, A, B>>,
                                  value_t<std::conditional_t<expression<B>, B, A>>>;
};
}  // namespace detail

namespace detail {
/// The checks of a user's `a op b`, as a class (instantiated once per pair of operand types, no code):
/// `ok` when the node can be built; otherwise one static_assert below has reported the first misuse
/// (the others wait for its fix). The operators build the node themselves (make_user_node's body,
/// written out): every function between the operator and the node is named after the operand types,
/// whose size grows with the expression, and each is mangled (g++ takes time that grows with the
/// square of a name's length) and optimised (clang emits and simplifies each before inlining it):
/// a large part of the compile time of a big scalar function (docs/design.md, "Compile time").
template <class A, class B, bool Invalid = any_invalid_v<A, B>>
struct binary_operands {
  using ok = std::false_type;  // a misuse already reported
  using T = float;
};
// Type aliases only: a static constexpr member per pair of operand types is a symbol g++ names and
// keeps (docs/design.md, "Compile time"); std::bool_constant's value is one shared member.
template <class A, class B>
struct binary_operands<A, B, false> {
  using T = typename operand_type<A, B>::type;
  using EA = expr_t<T, A>;
  using EB = expr_t<T, B>;
  using same_type = std::is_same<value_t<EA>, value_t<EB>>;
  using broadcasts = std::bool_constant<shapes::broadcast<shape_t<EA>, shape_t<EB>>::ok>;
  using floating = std::bool_constant<element_type<value_t<EA>>>;
  static_assert(same_type::value,
                "elementwise op: operands have different element types (e.g. float and double); "
                "convert one of them");
  static_assert(!same_type::value || broadcasts::value,
                "elementwise op: shapes do not broadcast (trailing extents must be equal or 1)");
  static_assert(!same_type::value || !broadcasts::value || floating::value,
                "elementwise op: arithmetic needs float or double operands (integer label "
                "variables are only for losses)");
  using ok = std::bool_constant<same_type::value && broadcasts::value && floating::value>;
};
}  // namespace detail

// Operators: expression (op) expression / number. Numbers become literals of the expression's
// element type; expressions are passed on as they are.
#define CTGRAD_BINARY_OPERATOR(sym, op_type)                                                        \
  template <detail::operand A, detail::operand B>                                                  \
    requires(expression<A> || expression<B>)                                                       \
  constexpr auto operator sym(const A& a, const B& b) {                                            \
    using checks = detail::binary_operands<A, B>;                                                  \
    using T = typename checks::T;                                                                  \
    if constexpr (!checks::ok::value) {                                                            \
      return invalid_expression{};                                                                 \
    } else { /* make_user_node's body, written out: see the comment above binary_operands */       \
      using EA = typename checks::EA;                                                              \
      using EB = typename checks::EB;                                                              \
      using R = typename detail::user_node<ops::op_type, std::index_sequence<0, 1>, EA, EB>::type;  \
      R r{};                                                                                       \
      if constexpr (R::literal_count > 0) {                                                        \
        constexpr std::array<int, 2> off = detail::literal_offsets<2>({EA::literal_count, EB::literal_count}); \
        if constexpr (expression<A>) detail::put_literals(r.literals.value, r.literals.has, off[0], a); \
        else detail::put_literals(r.literals.value, r.literals.has, off[0], EA{static_cast<T>(a)}); \
        if constexpr (expression<B>) detail::put_literals(r.literals.value, r.literals.has, off[1], b); \
        else detail::put_literals(r.literals.value, r.literals.has, off[1], EB{static_cast<T>(b)}); \
      }                                                                                            \
      return r;                                                                                    \
    }                                                                                              \
  }
CTGRAD_BINARY_OPERATOR(+, add_op)
CTGRAD_BINARY_OPERATOR(-, sub_op)
CTGRAD_BINARY_OPERATOR(*, mul_op)
CTGRAD_BINARY_OPERATOR(/, div_op)
#undef CTGRAD_BINARY_OPERATOR

/// -x
template <expression X> constexpr auto operator-(const X& x) {
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};
  } else {
    constexpr bool floating = element_type<value_t<X>>;
    static_assert(floating, "negation: needs a float or double expression");
    if constexpr (!floating) {
      return invalid_expression{};
    } else {  // make_node's body, written out (see binary_operands)
      node<ops::neg_op, X> r{};
      if constexpr (X::literal_count > 0) detail::put_literals(r.literals.value, r.literals.has, 0, x);
      return r;
    }
  }
}

#define CTGRAD_UNARY_FUNCTION(fname, op_type)                                                    \
  template <expression X> constexpr auto fname(const X& x) {                                     \
    if constexpr (any_invalid_v<X>) {                                                            \
      return invalid_expression{};                                                               \
    } else {                                                                                     \
      constexpr bool floating = element_type<value_t<X>>;                                        \
      static_assert(floating, #fname ": needs a float or double expression");                    \
      if constexpr (!floating) {                                                                 \
        return invalid_expression{};                                                             \
      } else { /* make_node's body, written out (see binary_operands) */                         \
        node<ops::op_type, X> r{};                                                               \
        if constexpr (X::literal_count > 0)                                                      \
          detail::put_literals(r.literals.value, r.literals.has, 0, x);                         \
        return r;                                                                                \
      }                                                                                          \
    }                                                                                            \
  }
/// Elementwise e^x.
CTGRAD_UNARY_FUNCTION(exp, exp_op)
/// Elementwise natural logarithm (NaN below 0, -inf at 0, as IEEE).
CTGRAD_UNARY_FUNCTION(log, log_op)
/// Elementwise square root.
CTGRAD_UNARY_FUNCTION(sqrt, sqrt_op)
/// Elementwise x*x.
CTGRAD_UNARY_FUNCTION(square, square_op)
/// Elementwise |x| (derivative 0 at 0).
CTGRAD_UNARY_FUNCTION(abs, abs_op)
/// Cuts the gradient: the value of x, treated as a constant by grad().
CTGRAD_UNARY_FUNCTION(stop_gradient, stop_gradient_op)
#undef CTGRAD_UNARY_FUNCTION

/// The value of `value` with the derivative of `surrogate`: every evaluator (value_at, compile())
/// computes `value`, while grad, jvp, hvp, hessian and jacobian differentiate `surrogate` in its
/// place. A straight-through estimator is `custom_gradient(quantized(x), x)`: the quantized value
/// forward, the identity's gradient backward. Both must have the same shape and element type; a
/// number is a constant (custom_gradient(x, 0.0) cuts the gradient, as stop_gradient(x)).
template <detail::operand A, detail::operand B>
  requires(expression<A> || expression<B>)
constexpr auto custom_gradient(const A& value, const B& surrogate) {
  if constexpr (any_invalid_v<A, B>) {
    return invalid_expression{};  // a misuse already reported
  } else {
    using T = typename detail::operand_type<A, B>::type;
    auto ea = detail::as_expr<T>(value);
    auto eb = detail::as_expr<T>(surrogate);
    using EA = decltype(ea);
    using EB = decltype(eb);
    constexpr bool same_type = detail::same_element_type_v<EA, EB>;
    constexpr bool same_shape = std::is_same_v<shape_t<EA>, shape_t<EB>> || !expression<B>;
    constexpr bool floating = element_type<value_t<EA>>;
    static_assert(same_type, "custom_gradient: the value and the surrogate have different element types; convert one of them");
    static_assert(!same_type || same_shape,
                  "custom_gradient: the value and the surrogate must have the same shape (the surrogate's "
                  "derivative stands for the value's, element by element)");
    static_assert(!same_type || !same_shape || floating, "custom_gradient: needs float or double expressions");
    if constexpr (!(same_type && same_shape && floating)) return invalid_expression{};
    else return make_user_node<ops::custom_gradient_op>(ea, eb);
  }
}

/// Elementwise x^n for an integer n (exact for small n; n may be negative).
template <expression X> constexpr auto pow(const X& x, int n) {
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};
  } else {
    constexpr bool floating = element_type<value_t<X>>;
    static_assert(floating, "pow: needs a float or double expression");
    if constexpr (!floating) return invalid_expression{};
    else return make_user_node<ops::powi_op>(x, lit<value_t<X>, 0>{static_cast<value_t<X>>(n)});
  }
}

}  // namespace ctgrad

// ctgrad/core/retype.hpp — with_element_type<U>(e): the same graph with every floating-point variable,
// literal and constant re-instantiated in element type U (a float graph evaluated in double, say).
// Not a conversion of values bound at run time: bind U data to the retyped graph's variables.
#pragma once

#include <tuple>
#include <type_traits>

#include "ctgrad/core/node.hpp"

namespace ctgrad {

/// The expression e with every floating-point variable var<"n", T, S> turned into var<"n", U, S>,
/// every floating-point literal converted to U (its id kept) and every op that carries an element
/// type (see retype_op) re-instantiated for U. Integer (label) variables are kept. The variables of
/// the result have the same names and shapes, so `var<"x", U, S>{} = data` binds them.
/// U: float, double or long double. Compile-time only; no errors at run time.
template <class U, expression E> constexpr auto with_element_type(const E& e);

/// The type of with_element_type<U>(E{}).
template <class U, class E>
using with_element_type_t = decltype(with_element_type<U>(std::declval<const E&>()));

/// The variable V with its element type replaced by U (V itself for label variables).
template <class U, class V> struct retype_var { using type = V; };
template <class U, fixed_string N, class T, class S>
  requires element_type<T>
struct retype_var<U, var<N, T, S>> { using type = var<N, U, S>; };
template <class U, class V> using retype_var_t = typename retype_var<U, V>::type;

/// Customisation point: the op Op re-instantiated for element type U. Ops are element-type agnostic
/// (they read it from their children), so the default is Op itself; an op whose template arguments
/// include an element type specialises this (ops::constant_op, ops::unit_op, below).
template <class U, class Op> struct retype_op { using type = Op; };

namespace ops {
template <class T, class Shape, int Value> struct constant_op;
}  // namespace ops
template <class U, class T, class Shape, int Value>
struct retype_op<U, ops::constant_op<T, Shape, Value>> {
  using type = ops::constant_op<std::conditional_t<element_type<T>, U, T>, Shape, Value>;
};

namespace ops {
template <class T, class Shape, std::size_t K> struct unit_op;
}  // namespace ops
template <class U, class T, class Shape, std::size_t K>
struct retype_op<U, ops::unit_op<T, Shape, K>> {
  using type = ops::unit_op<std::conditional_t<element_type<T>, U, T>, Shape, K>;
};

// ---- implementation ---------------------------------------------------------------------------
template <class U, expression E> constexpr auto with_element_type(const E& e) {
  static_assert(element_type<U>, "with_element_type: the new element type must be float, double or long double");
  if constexpr (is_var_v<E>) {
    return retype_var_t<U, E>{};
  } else if constexpr (is_lit_v<E>) {
    if constexpr (element_type<typename E::value_type>)
      return lit<U, E::literal_count - 1>{static_cast<U>(e.value)};
    else
      return e;
  } else if constexpr (is_node_v<E>) {
    return ctgrad::detail::apply([](const auto&... cs) {
      return make_node<typename retype_op<U, typename E::op>::type>(with_element_type<U>(cs)...);
    }, e.children());
  } else {
    return e;
  }
}

}  // namespace ctgrad

// ctgrad/autodiff/jvp.hpp — forward mode: jvp(f, x, dx), the directional derivative of an expression
// f of any shape along the tangent dx of one variable x, derived at compile time as an expression
// (tangents pushed from the variable to f over the graph's types, each op by its jvp rule beside its
// vjp rule). Hessian-vector products, Hessians and Jacobians build on it (autodiff/hessian.hpp).
// Not for evaluation: value_at (scalars) and compile() (tensors) evaluate the result.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {
namespace detail {

template <fixed_string OpName> struct jvp_rule_for { static constexpr bool defined = false; };

template <class Op, std::size_t I, class N, class T>
inline constexpr bool has_jvp_rule_v = requires(const N& n, const T& t) { Op::template jvp<I>(n, t); };

/// t broadcast to Shape (NumPy rules): a tangent that reached a node through a broadcast operand only.
template <class Shape, class X>
constexpr auto expand_to(const X& t) {
  if constexpr (std::is_same_v<shape_t<X>, Shape>) return t;
  else return make_node<ops::broadcast_to_op<Shape, false, -1, ops::count_scale::none>>(t);
}

// The tangent contributions of N's children I, Is... (those that have a tangent), added left to right.
template <class N, class Map, class Acc>
constexpr auto tangent_terms(const N&, const Map&, const Acc& acc, std::index_sequence<>) { return acc; }
template <class N, class Map, class Acc, std::size_t I, std::size_t... Is>
constexpr auto tangent_terms(const N& n, const Map& tan, const Acc& acc, std::index_sequence<I, Is...>) {
  using C = meta::at_t<I, typename N::children_types>;
  if constexpr (Map::template positions<C>().size() == 0) {
    return tangent_terms(n, tan, acc, std::index_sequence<Is...>{});
  } else {
    using op = typename N::op;
    const auto dc = adjoint_in<C, invalid_expression>(tan);
    using DC = std::remove_cvref_t<decltype(dc)>;
    if constexpr (!has_jvp_rule_v<op, I, N, DC>) {
      static_assert(jvp_rule_for<op_name_string<op>()>::defined,
                    "jvp: an op in the function has no forward-mode rule; give the op a static "
                    "jvp<I>(self, tangent) beside its vjp<I> (the op is named in the note below)");
      return invalid_expression{};
    } else {
      auto term = op::template jvp<I>(n, dc);
      if constexpr (std::is_same_v<decltype(term), no_grad>) {
        return tangent_terms(n, tan, acc, std::index_sequence<Is...>{});
      } else if constexpr (std::is_same_v<Acc, no_grad>) {
        return tangent_terms(n, tan, term, std::index_sequence<Is...>{});
      } else {
        return tangent_terms(n, tan, make_node<ops::add_op>(acc, term), std::index_sequence<Is...>{});
      }
    }
  }
}

/// True when one of the types in List has an entry in Map.
template <class Map, class List> inline constexpr bool any_keyed_v = false;
template <class Map, class... Cs>
inline constexpr bool any_keyed_v<Map, type_list<Cs...>> = ((Map::template positions<Cs>().size() > 0) || ...);

// Pushes tangents through Order (children before parents) from position K on: a node whose children
// have no tangent gets none (it does not depend on the variable).
template <class Order, std::size_t K, class F, class Map>
constexpr auto forward_sweep(const F& f, const Map& tan) {
  if constexpr (K == type_list_size<Order>::value) {
    return tan;
  } else {
    using N = meta::at_t<K, Order>;
    if constexpr (N::is_leaf) {
      return forward_sweep<Order, K + 1>(f, tan);
    } else {
      if constexpr (!any_keyed_v<Map, typename N::children_types>) {
        return forward_sweep<Order, K + 1>(f, tan);
      } else if constexpr (!flat::differentiable_op<typename N::op>()) {
        static_assert(flat::next_derivative_rule_for<op_name_string<typename N::op>()>::defined,
                      "jvp: this function needs the derivative of a derivative that has no rule of its own "
                      "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                      "function without d2; the op is named in the note below)");
        return tan;  // stop here: one message for the whole function
      } else {
        const N n = instance_of<N>(f);
        auto t = tangent_terms(n, tan, no_grad{},
                               std::make_index_sequence<type_list_size<typename N::children_types>::value>{});
        if constexpr (std::is_same_v<decltype(t), no_grad>) {
          return forward_sweep<Order, K + 1>(f, tan);
        } else if constexpr (std::is_same_v<decltype(t), invalid_expression>) {
          return tan;  // reported
        } else {
          return forward_sweep<Order, K + 1>(f, accumulate<N>(tan, expand_to<shape_t<N>>(t)));
        }
      }
    }
  }
}

/// The tangent of f along dx for x (dx's literal ids already after f's), zero if f does not use x.
template <class F, class X, class DX>
constexpr auto tangent(const F& f, const DX& dx) {
  using order = topo_order_t<F>;
  auto seed = accumulate<X>(empty_adj_map{}, dx);
  auto tan = forward_sweep<order, 0>(f, seed);
  return adjoint_in<F, zeros_node<value_t<F>, shape_t<F>>>(tan);
}

}  // namespace detail

/// The Jacobian-vector product J dx of the expression f (any shape) at the variable x along the
/// tangent dx (an expression or variable of x's shape and element type): the derivative of f in the
/// direction dx, an expression of f's shape (forward mode; zero when f does not use x). Every op has
/// a jvp rule beside its vjp rule. A lazy gradient in f is expanded first, so jvp(grad(f, x), x, v) is
/// the Hessian-vector product (see hvp). dx's literals are renumbered after f's.
template <expression F, class X, expression DX>
constexpr auto jvp(const F& f, const X&, const DX& dx) {
  constexpr bool floating = element_type<value_t<F>>;
  if constexpr (any_invalid_v<F, X, DX>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!is_var_v<X>) {
    static_assert(is_var_v<X>,
                  "jvp: the second argument must be a variable (ctgrad::var<...>); to push a tangent "
                  "through an intermediate, make it a variable");
    return invalid_expression{};
  } else if constexpr (!element_type<value_t<X>>) {
    static_assert(element_type<value_t<X>>,
                  "jvp: cannot take a tangent along an integer (label) variable");
    return invalid_expression{};
  } else if constexpr (!floating) {
    static_assert(floating, "jvp: the function must have a float or double value");
    return invalid_expression{};
  } else if constexpr (!std::is_same_v<shape_t<DX>, shape_t<X>> || !std::is_same_v<value_t<DX>, value_t<X>>) {
    static_assert(std::is_same_v<shape_t<DX>, shape_t<X>> && std::is_same_v<value_t<DX>, value_t<X>>,
                  "jvp: the tangent must have the variable's shape and element type (one direction per "
                  "element of the variable)");
    return invalid_expression{};
  } else {
    const auto fe = detail::expand_lazy(f);
    using FE = std::remove_cvref_t<decltype(fe)>;
    auto d = shift_literals<FE::literal_count>(dx);
    return detail::tangent<FE, X>(fe, d);
  }
}

}  // namespace ctgrad

// ctgrad/autodiff/jvp.hpp — forward mode: jvp(f, x, dx), the directional derivative of an expression
// f of any shape along the tangent dx of one variable x, derived at compile time as an expression
// (each node's tangent pulled from its children's over the graph's types, each op by its jvp rule
// beside its vjp rule). Hessian-vector products, Hessians and Jacobians build on it (autodiff/hessian.hpp).
// Not for evaluation: value_at (scalars) and compile() (tensors) evaluate the result.
#pragma once

#include <algorithm>
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

// ---- tangents on types, one class per node ----------------------------------------------------
// Every jvp rule builds its result from the node, its children and the tangent with make_node,
// which keeps literal ids (as the vjp rules do for grad: autodiff/grad.hpp), so the sweep runs on
// types alone: a node's tangent is a class keyed by the node, pulled from its children's, and the
// result's value is the literal values of f and dx (dx's ids after f's) under the result's type.
// A sweep that pushed tangents into one map, with a function per node named after the map so far,
// was quadratic in the graph (docs/design.md, "Wide graphs: adjoints pulled, not pushed").
struct no_tangent {};
template <class T> struct is_tangent_term : std::bool_constant<!std::is_same_v<T, no_tangent>> {};

template <class X, class DX, class N, bool Leaf = N::is_leaf> struct tangent_of;

// Child I's term in N's tangent: none when the child has no tangent or the rule gives no_grad; a
// missing rule is reported (once per op and child) and gives none.
template <class N, std::size_t I, class CT, bool Has = !std::is_same_v<CT, no_tangent>> struct tangent_term {
  using type = no_tangent;
};
template <class N, std::size_t I, class CT> struct tangent_term<N, I, CT, true> {
  template <bool Rule> struct apply {  // no rule: reported
    static_assert(jvp_rule_for<op_name_string<typename N::op>()>::defined,
                  "jvp: an op in the function has no forward-mode rule; give the op a static "
                  "jvp<I>(self, tangent) beside its vjp<I> (the op is named in the note below)");
    using type = no_tangent;
  };
  template <bool B> struct apply_rule {
    using raw = decltype(N::op::template jvp<I>(std::declval<const N&>(), std::declval<const CT&>()));
    using type = std::conditional_t<std::is_same_v<raw, no_grad>, no_tangent, raw>;
  };
  using type = typename std::conditional_t<has_jvp_rule_v<typename N::op, I, N, CT>, apply_rule<true>, apply<false>>::type;
};

// N's tangent from its children's: the terms added left to right, broadcast to N's shape when they
// came only through a broadcast operand; none when no child has a tangent. An op without derivative
// rules that a tangent reaches (a third derivative) is reported and passes nothing on.
template <class X, class DX, class N, class Is = std::make_index_sequence<type_list_size<typename N::children_types>::value>>
struct node_tangent;
template <class X, class DX, class N, std::size_t... Is>
struct node_tangent<X, DX, N, std::index_sequence<Is...>> {
  template <std::size_t I> using child_tangent = typename tangent_of<X, DX, meta::at_t<I, typename N::children_types>>::type;
  static constexpr bool reached = meta::any_of({!std::is_same_v<child_tangent<Is>, no_tangent>..., false});
  template <bool Reached, bool Rules, bool = false> struct pick {
    using terms = meta::filter_t<is_tangent_term, type_list<typename tangent_term<N, Is, child_tangent<Is>>::type...>>;
    template <class L> struct sum { using type = no_tangent; };
    template <class T0, class... Ts> struct sum<type_list<T0, Ts...>> {
      using type = decltype(expand_to<shape_t<N>>(std::declval<const typename sum_types<T0, Ts...>::type&>()));
    };
    using type = typename sum<terms>::type;
  };
  template <bool Rules, bool B> struct pick<false, Rules, B> { using type = no_tangent; };
  template <bool B> struct pick<true, false, B> {
    static_assert(flat::next_derivative_rule_for<op_name_string<typename N::op>()>::defined,
                  "jvp: this function needs the derivative of a derivative that has no rule of its own "
                  "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                  "function without d2; the op is named in the note below)");
    using type = no_tangent;
  };
  using type = typename pick<reached, flat::differentiable_op<typename N::op>()>::type;
};
template <class X, class DX, class N> struct tangent_of<X, DX, N, true> {
  using type = std::conditional_t<std::is_same_v<N, X>, DX, no_tangent>;
};
template <class X, class DX, class N> struct tangent_of<X, DX, N, false> : node_tangent<X, DX, N> {};

// The tangents of every node of Order, formed in order (children first), so that a node's children
// are complete when it asks for them: nesting stays a few levels deep, whatever the graph's depth.
template <class X, class DX, class Order> struct forward_sweep;
template <class X, class DX, class... Ns> struct forward_sweep<X, DX, type_list<Ns...>> {
  using tangents = type_list<typename tangent_of<X, DX, Ns>::type...>;
};

// ---- tangents by value: the fallback ------------------------------------------------------------
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

// Pushes tangents by value through Order (children before parents) from position K on: a node whose
// children have no tangent gets none. Only for rules that make literals of their own (a user's op
// whose rule multiplies by 3.0, say), whose values the types alone do not carry; one function per
// node, named after the map so far: quadratic over a wide graph.
template <class Order, std::size_t K, class F, class Map>
constexpr auto value_sweep(const F& f, const Map& tan) {
  if constexpr (K == type_list_size<Order>::value) {
    return tan;
  } else {
    using N = meta::at_t<K, Order>;
    if constexpr (N::is_leaf) {
      return value_sweep<Order, K + 1>(f, tan);
    } else {
      if constexpr (!any_keyed_v<Map, typename N::children_types>) {
        return value_sweep<Order, K + 1>(f, tan);
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
          return value_sweep<Order, K + 1>(f, tan);
        } else if constexpr (std::is_same_v<decltype(t), invalid_expression>) {
          return tan;  // reported
        } else {
          return value_sweep<Order, K + 1>(f, accumulate<N>(tan, expand_to<shape_t<N>>(t)));
        }
      }
    }
  }
}

/// The tangent of f along dx for x (dx's literal ids already after f's), zero if f does not use x.
template <class F, class X, class DX>
constexpr auto tangent(const F& f, const DX& dx) {
  using order = topo_order_t<F>;
  using tangents = typename forward_sweep<X, DX, order>::tangents;
  using found = meta::at_t<type_list_size<order>::value - 1, tangents>;  // F is the order's last node
  using T = std::conditional_t<std::is_same_v<found, no_tangent>, zeros_node<value_t<F>, shape_t<F>>, found>;
  constexpr int pool = std::max(F::literal_count, DX::literal_count);
  if constexpr (T::literal_count == 0) {
    return T{};
  } else if constexpr (T::literal_count > pool) {
    // A rule made literals of its own (a user's op): their values are not f's or dx's.
    auto tan = value_sweep<order, 0>(f, accumulate<X>(empty_adj_map{}, dx));
    return adjoint_in<F, zeros_node<value_t<F>, shape_t<F>>>(tan);
  } else {
    using P = typename literals_of<F, DX>::type;
    node_literals<P, pool> src{};  // f's and dx's literal values by id (dx's ids come after f's)
    put_literals(src.literals.value, src.literals.has, 0, f);
    put_literals(src.literals.value, src.literals.has, 0, dx);
    return instance_from<T>(src);
  }
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

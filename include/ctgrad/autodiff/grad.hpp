// ctgrad/autodiff/grad.hpp — grad(f, v...): the derivatives of a scalar expression with respect to
// variables, derived at compile time as expressions (reverse-mode accumulation over the graph's
// types). Because the result is an expression, grad of a gradient works (second derivatives).
// Not for evaluation: see eval/value_at.hpp (scalars) and eval/compile.hpp (tensors).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>
#include <type_traits>

#include "ctgrad/autodiff/lower.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {

/// The gradients of a scalar function F with respect to several variables Vs, as expressions.
/// `gs[v]` is the expression of df/dv; compile(gs) evaluates f and every gradient together.
namespace detail {
inline constexpr invalid_expression invalid_placeholder{};
}  // namespace detail

template <class F, class Vars, class... Gs>
struct gradient_set {
  using function_type = F;
  using variables = Vars;
  using gradient_types = type_list<Gs...>;
  static constexpr int literal_count = std::max({F::literal_count, Gs::literal_count...});
  F function;
  detail::tuple<Gs...> grads;

  /// The gradient expression with respect to variable V (a compile error if V was not requested).
  template <class V> constexpr const auto& operator[](const V&) const {
    if constexpr (!meta::contains_v<V, Vars>) {
      static_assert(meta::contains_v<V, Vars>,
                    "gradient_set: no gradient was requested for this variable; name it in grad(f, ...)");
      return detail::invalid_placeholder;
    } else {
      return detail::get<meta::index_of<V, Vars>::value>(grads);
    }
  }
};

namespace detail {

// ---- the adjoint map: every contribution to a node's adjoint, in the order they were made ------
// Append-only: a contribution (Key, Expr) is added as one more flat base (no per-step copy of a
// std::tuple, whose recursive layout made backprop quadratic in classes and cubic in compile time).
// A node's adjoint is the sum of its contributions, formed when backprop reaches the node (all its
// consumers are processed by then: parents come first in the order).
template <std::size_t I, class Expr> struct adj_slot { [[no_unique_address]] Expr expr; };
template <std::size_t I, class Expr> constexpr const Expr& slot_expr(const adj_slot<I, Expr>& s) { return s.expr; }

template <class Keys, class Exprs, class Idx = std::make_index_sequence<type_list_size_v<Keys>>>
struct adj_map;
template <class... Keys, class... Exprs, std::size_t... Is>
struct adj_map<type_list<Keys...>, type_list<Exprs...>, std::index_sequence<Is...>> : adj_slot<Is, Exprs>... {
  using keys = type_list<Keys...>;
  using exprs = type_list<Exprs...>;

  /// The positions of Key's contributions, in order.
  template <class Key> static constexpr auto positions() {
    constexpr bool match[] = {CTGRAD_IS_SAME(Key, Keys)..., false};
    constexpr std::size_t n = (std::size_t{0} + ... + std::size_t(CTGRAD_IS_SAME(Key, Keys)));
    std::array<std::size_t, n> at{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < sizeof...(Keys); ++i)
      if (match[i]) at[k++] = i;
    return at;
  }
};
using empty_adj_map = adj_map<type_list<>, type_list<>>;

template <class Key, class C, class... Keys, class... Exprs, std::size_t... Is>
constexpr auto accumulate(const adj_map<type_list<Keys...>, type_list<Exprs...>, std::index_sequence<Is...>>& adj,
                          const C& c) {
  return adj_map<type_list<Keys..., Key>, type_list<Exprs..., C>>{
      static_cast<const adj_slot<Is, Exprs>&>(adj)..., adj_slot<sizeof...(Is), C>{c}};
}

// The sum of contributions at positions Ps, added left to right: the adjoint they make together.
template <std::size_t... Ps, class Acc, class Map>
constexpr auto sum_left(const Acc& acc, const Map& adj) {
  if constexpr (sizeof...(Ps) == 0) {
    return acc;
  } else {
    return [&]<std::size_t Q, std::size_t... Qs>(std::index_sequence<Q, Qs...>) {
      using E = meta::at_t<Q, typename Map::exprs>;
      return sum_left<Qs...>(make_node<ops::add_op>(acc, slot_expr<Q, E>(adj)), adj);
    }(std::index_sequence<Ps...>{});
  }
}
template <std::size_t P, std::size_t... Ps, class Map>
constexpr auto sum_slots(const Map& adj) {
  return sum_left<Ps...>(slot_expr<P, meta::at_t<P, typename Map::exprs>>(adj), adj);
}

// Key's adjoint: the sum of its contributions; Missing when it has none.
template <class Key, class Missing, class Map>
constexpr auto adjoint_in(const Map& adj) {
  constexpr auto at = Map::template positions<Key>();
  if constexpr (at.size() == 0) {
    return Missing{};
  } else {
    return [&]<std::size_t... Ks>(std::index_sequence<Ks...>) {
      return sum_slots<at[Ks]...>(adj);
    }(std::make_index_sequence<at.size()>{});
  }
}

// True when the gradient must flow into E: E is a float expression containing one of the Vars.
template <class E, class Vars> struct reaches;
template <class E, class... Vs> struct reaches<E, type_list<Vs...>>
    : std::bool_constant<element_type<value_t<E>> && (contains_v<E, Vs> || ...)> {};

using flat::differentiable_op;

template <class Vars, class N, class G, class Adj>
constexpr auto propagate(const N&, const G&, const Adj& adj) { return adj; }

template <class Vars, class N, std::size_t I, std::size_t... Is, class G, class Adj>
constexpr auto propagate(const N& n, const G& g, const Adj& adj) {
  using C = meta::at_t<I, typename N::children_types>;
  if constexpr (!reaches<C, Vars>::value) {
    return propagate<Vars, N, Is...>(n, g, adj);
  } else {
    auto contribution = N::op::template vjp<I>(n, g);
    if constexpr (std::is_same_v<decltype(contribution), no_grad>) {
      return propagate<Vars, N, Is...>(n, g, adj);
    } else {
      auto reduced = reduce_to<shape_t<C>>(contribution);
      return propagate<Vars, N, Is...>(n, g, accumulate<C>(adj, reduced));
    }
  }
}


// Processes the nodes of Order (parents before children) from position K on, propagating adjoints
// to children. The order is one type argument and the position a number: passing the remaining
// nodes as a pack would make every step's instantiation as long as the graph.
template <class Vars, class Order, std::size_t K, class F, class Adj>
constexpr auto backprop(const F& f, const Adj& adj) {
  if constexpr (K == type_list_size_v<Order>) {
    return adj;
  } else {
    using N = meta::at_t<K, Order>;
    constexpr bool has_adjoint = Adj::template positions<N>().size() > 0;
    if constexpr (!has_adjoint || N::is_leaf) {
      return backprop<Vars, Order, K + 1>(f, adj);
    } else if constexpr (!differentiable_op<typename N::op>() && reaches<N, Vars>::value) {
      static_assert(flat::next_derivative_rule_for<op_name_string<typename N::op>()>::defined,
                    "grad: this function needs the derivative of a derivative that has no rule of its own "
                    "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                    "function without d2; the op is named in the note below)");
      return adj;  // stop here: one message for the whole function
    } else {
      const N n = instance_of<N>(f);
      const auto g = adjoint_in<N, invalid_expression>(adj);
      auto next = [&]<std::size_t... Is>(std::index_sequence<Is...>) {
        return propagate<Vars, N, Is...>(n, g, adj);
      }(std::make_index_sequence<type_list_size_v<typename N::children_types>>{});
      return backprop<Vars, Order, K + 1>(f, next);
    }
  }
}

template <class F, class... Vs>
constexpr auto adjoints(const F& f) {
  using order = meta::reverse_t<topo_order_t<F>>;
  using seed_type = ones_node<value_t<F>, scalar_shape>;
  auto seed = accumulate<F>(empty_adj_map{}, seed_type{});
  auto adj = backprop<type_list<Vs...>, order, 0>(f, seed);
  // f does not depend on a variable without contributions: its gradient is zero.
  return detail::make_tuple(adjoint_in<Vs, zeros_node<value_t<Vs>, shape_t<Vs>>>(adj)...);
}

// ---- lazy gradients (grad_op nodes) as nested adjoint expressions --------------------------------
/// True when E holds a lazy gradient (a grad_op node) somewhere.
template <class E> inline constexpr bool has_lazy_v = false;
template <class Op, class... Cs>
inline constexpr bool has_lazy_v<node<Op, Cs...>> = is_grad_op_v<Op> || (has_lazy_v<Cs> || ...);

template <std::size_t K, class F, class... Vs>
constexpr auto nested_gradient(const F& f, type_list<Vs...>*) {
  return detail::get<K>(adjoints<F, Vs...>(f));
}

/// E with every lazy gradient replaced by its nested adjoint expression (autodiff as above): what
/// compile() plans, and what grad() derives through when the graph is not a scalar one.
template <class E>
constexpr auto expand_lazy(const E& e) {
  if constexpr (!has_lazy_v<E>) {
    return e;
  } else if constexpr (is_grad_op_v<typename E::op>) {
    using op = typename E::op;
    return nested_gradient<op::index>(expand_lazy(e.template child<0>()),
                                      static_cast<typename op::variables*>(nullptr));
  } else {
    return detail::apply([](const auto&... cs) { return make_node<typename E::op>(expand_lazy(cs)...); },
                         e.children());
  }
}

/// The gradients of a scalar graph as lazy grad_op nodes (derived on the flat program by value_at,
/// expanded by compile()).
template <class F, class... Vs>
constexpr auto lazy_gradients(const F& f) {
  using vars = type_list<Vs...>;
  if constexpr (sizeof...(Vs) == 1) {
    return make_node<ops::grad_op<0, vars>>(f);
  } else {
    // Each lazy gradient holds f's literal values, initialised as an aggregate (its one base):
    // make_node would be a function per gradient, named after f's type.
    return [&]<std::size_t... K>(std::index_sequence<K...>) {
      if constexpr (is_node_v<F> && F::literal_count > 0)
        return gradient_set<F, vars, node<ops::grad_op<K, vars>, F>...>{f, {node<ops::grad_op<K, vars>, F>{{f.literals}}...}};
      else
        return gradient_set<F, vars, node<ops::grad_op<K, vars>, F>...>{f, {make_node<ops::grad_op<K, vars>>(f)...}};
    }(std::index_sequence_for<Vs...>{});
  }
}

}  // namespace detail

/// The derivatives of the scalar expression f with respect to the variables vs, derived at compile
/// time. With one variable: the derivative's expression. With several: a gradient_set (index it by
/// variable; compile() it to evaluate f and all gradients in one program).
/// A variable f does not use gets a zero gradient (documented choice: it keeps grad-of-grad total).
template <expression F, class... Vs>
constexpr auto grad(const F& f, const Vs&...) {
  constexpr bool some = sizeof...(Vs) > 0;
  constexpr bool vars = (is_var_v<Vs> && ...);
  constexpr bool scalar = shape_t<F>::rank == 0;
  constexpr bool floating = element_type<value_t<F>>;
  constexpr bool float_vars = (element_type<value_t<Vs>> && ...);
  if constexpr (any_invalid_v<F, Vs...>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!some) {
    static_assert(some, "grad: name at least one variable to differentiate with respect to");
    return invalid_expression{};
  } else if constexpr (!vars) {
    static_assert(vars,
                  "grad: differentiate with respect to variables (ctgrad::var<...>) only, not "
                  "expressions; to differentiate through an intermediate, make it a variable");
    return invalid_expression{};
  } else if constexpr (!scalar) {
    static_assert(scalar,
                  "grad: the function must be a scalar (rank 0) expression; reduce it with sum() or mean() first");
    return invalid_expression{};
  } else if constexpr (!floating) {
    static_assert(floating, "grad: the function must have a float or double value");
    return invalid_expression{};
  } else if constexpr (!float_vars) {
    static_assert(float_vars,
                  "grad: cannot differentiate with respect to an integer (label) variable");
    return invalid_expression{};
  } else if constexpr (detail::flat::flat_ok_v<F, value_t<F>> &&
                       ((shape_t<Vs>::rank == 0 && std::is_same_v<value_t<Vs>, value_t<F>>) && ...)) {
    // A scalar graph: the gradients stay lazy (grad_op nodes), derived on the flat program.
    using root = node<ops::grad_op<0, type_list<Vs...>>, F>;
    if constexpr (!detail::flat::missing_rule_op_v<value_t<F>, root, F>.empty()) {
      static_assert(detail::flat::next_derivative_rule_for<
                        detail::flat::third_derivative_op_name<value_t<F>, root>()>::defined,
                    "grad: this function needs the derivative of a derivative that has no rule of its own "
                    "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                    "function without d2; the op is named in the note below)");
      return invalid_expression{};
    } else {
      return detail::lazy_gradients<F, Vs...>(f);
    }
  } else {
    const auto fe = detail::expand_lazy(f);
    using FE = std::remove_cvref_t<decltype(fe)>;
    auto gs = detail::adjoints<FE, Vs...>(fe);
    if constexpr (sizeof...(Vs) == 1) {
      return detail::get<0>(gs);
    } else {
      return detail::apply([&](const auto&... g) {
        return gradient_set<FE, type_list<Vs...>, std::remove_cvref_t<decltype(g)>...>{fe, {g...}};
      }, gs);
    }
  }
}

template <class E> inline constexpr bool is_gradient_set_v = false;
template <class F, class V, class... Gs> inline constexpr bool is_gradient_set_v<gradient_set<F, V, Gs...>> = true;

}  // namespace ctgrad

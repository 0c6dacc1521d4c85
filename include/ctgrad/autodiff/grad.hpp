// ctgrad/autodiff/grad.hpp — grad(f, v...): the derivatives of a scalar expression with respect to
// variables, derived at compile time as expressions (reverse-mode accumulation over the graph's
// types). Because the result is an expression, grad of a gradient works (second derivatives).
// Not for evaluation: see eval/value_at.hpp (scalars) and eval/compile.hpp (tensors).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
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

template <class Keys, class Exprs, class Idx = std::make_index_sequence<type_list_size<Keys>::value>>
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
// One class per sub-expression, each asking its children (not a list of all nodes below every
// node, which would be quadratic in the depth of the graph).
template <class E, class Vars> struct depends_on_any : std::bool_constant<meta::contains_v<E, Vars>> {};
template <class Op, class... Cs, class Vars>
struct depends_on_any<node<Op, Cs...>, Vars> : std::bool_constant<(depends_on_any<Cs, Vars>::value || ...)> {};
template <class E, class Vars>
struct reaches : std::bool_constant<element_type<value_t<E>> && depends_on_any<E, Vars>::value> {};

using flat::differentiable_op;

// ---- reverse accumulation on types -------------------------------------------------------------
// A node holds only its literal values, and every derivative rule builds its result from the node,
// its children and the adjoint with make_node, which keeps literal ids (ops/elementwise.hpp): a
// gradient's literals are f's literals, with f's ids. So the sweep runs on types alone, with
// classes (no function per node or per contribution, whose symbols g++ names after the growing
// adjoint map and mangles, before anything is inlined; docs/design.md, "Gradients on types"), and
// the gradient's value is f's literal values under the gradient's type (gradient_value).

// One contribution to Key's adjoint (its expression type).
template <class Key, class Expr> struct adj_entry {};

// The K-th true entry of match (counting from 0): a plain function, no code per type.
constexpr std::size_t nth_true(std::size_t k, std::initializer_list<bool> match) {
  std::size_t i = 0;
  for (bool m : match) {
    if (m && k-- == 0) return i;
    ++i;
  }
  return i;
}

// The contributions added left to right: ((e0 + e1) + e2) ..., as sum_left builds them.
template <class Acc, class... Es> struct sum_types { using type = Acc; };
template <class Acc, class E, class... Es> struct sum_types<Acc, E, Es...> {
  using type = typename sum_types<node<ops::add_op, Acc, E>, Es...>::type;
};
template <class Missing, class... Es> struct adjoint_sum { using type = Missing; };
template <class Missing, class E, class... Es> struct adjoint_sum<Missing, E, Es...> {
  using type = typename sum_types<E, Es...>::type;
};

// Key's adjoint in the contributions Entries: their sum in order of contribution; Missing when none.
template <class Key, class Missing, class Entries> struct adjoint_type;
template <class Key, class Missing, class... Ks, class... Es>
struct adjoint_type<Key, Missing, type_list<adj_entry<Ks, Es>...>> {
  static constexpr std::size_t count = meta::sum({std::size_t(CTGRAD_IS_SAME(Key, Ks))...});
  template <class J> struct pick;
  template <std::size_t... J> struct pick<std::index_sequence<J...>> {
    using type = typename adjoint_sum<Missing,
        meta::at_t<nth_true(J, {CTGRAD_IS_SAME(Key, Ks)...}), type_list<Es...>>...>::type;
  };
  using type = typename pick<std::make_index_sequence<count>>::type;
};

template <class Entries, class E> struct append_entry;
template <class... Es, class E> struct append_entry<type_list<Es...>, E> { using type = type_list<Es..., E>; };

// Child I's contribution from node N with adjoint G (vjp, then reduced to the child's shape), added
// to Entries unless the child gets no gradient.
template <class C, class Raw, class Entries, class N, class G, std::size_t I> struct add_contribution {
  using type = typename append_entry<Entries,
      adj_entry<C, decltype(reduce_to<shape_t<C>>(std::declval<const Raw&>()))>>::type;
};
template <class C, class Entries, class N, class G, std::size_t I>
struct add_contribution<C, no_grad, Entries, N, G, I> {
  // A rule that gives no gradient may stop the compilation when it is made (the derivative node of
  // an opaque op, which cannot be differentiated again, names the op): make it, at compile time.
  static_assert((N::op::template vjp<I>(N{}, G{}), true));
  using type = Entries;
};
template <class Vars, class N, class G, std::size_t I, class Entries,
          bool Reaches = reaches<meta::at_t<I, typename N::children_types>, Vars>::value>
struct contribute { using type = Entries; };
template <class Vars, class N, class G, std::size_t I, class Entries>
struct contribute<Vars, N, G, I, Entries, true> {
  using raw = decltype(N::op::template vjp<I>(std::declval<const N&>(), std::declval<const G&>()));
  using type = typename add_contribution<meta::at_t<I, typename N::children_types>, raw, Entries, N, G, I>::type;
};
template <class Vars, class N, class G, class Entries, class Is> struct propagate_types { using type = Entries; };
template <class Vars, class N, class G, class Entries, std::size_t I, std::size_t... Is>
struct propagate_types<Vars, N, G, Entries, std::index_sequence<I, Is...>> {
  using type = typename propagate_types<Vars, N, G, typename contribute<Vars, N, G, I, Entries>::type,
                                        std::index_sequence<Is...>>::type;
};

// One step of the sweep over Order (parents before children): node K's contributions added to
// Entries; `end` when the sweep stops there (past the last node, or at an op without derivative
// rules, reported once). The order is one type argument and the position a number: passing the
// remaining nodes as a pack would make every step's instantiation as long as the graph.
template <class M> struct leaf_or_end : std::bool_constant<M::is_leaf> {};
template <> struct leaf_or_end<void> : std::true_type {};
template <class Vars, class Order, std::size_t K, class Entries, class N = void, int Case = 0>
struct backprop_step;
template <class Vars, class Order, std::size_t K, class Entries>
struct backprop_step<Vars, Order, K, Entries, void, 0> {
  // 1: past the end; 2: no adjoint, or a leaf; 3: an op without derivative rules; 4: propagate.
  template <class L, bool In = (K < type_list_size<L>::value)> struct at_k { using type = void; };
  template <class L> struct at_k<L, true> { using type = meta::at_t<K, L>; };
  using N = typename at_k<Order>::type;
  template <class M, int C = std::is_void_v<M> ? 1
                             : adjoint_type<M, invalid_expression, Entries>::count == 0 || leaf_or_end<M>::value ? 2
                                                                                                               : 0>
  struct kind : std::integral_constant<int, C> {};
  template <class M> struct kind<M, 0>
      : std::integral_constant<int, !differentiable_op<typename M::op>() && reaches<M, Vars>::value ? 3 : 4> {};
  using step = backprop_step<Vars, Order, K, Entries, N, kind<N>::value>;
  using type = typename step::type;
  static constexpr bool end = step::end;
};
template <class Vars, class Order, std::size_t K, class Entries, class N>
struct backprop_step<Vars, Order, K, Entries, N, 1> {
  using type = Entries;
  static constexpr bool end = true;
};
template <class Vars, class Order, std::size_t K, class Entries, class N>
struct backprop_step<Vars, Order, K, Entries, N, 2> {
  using type = Entries;
  static constexpr bool end = false;
};
template <class Vars, class Order, std::size_t K, class Entries, class N>
struct backprop_step<Vars, Order, K, Entries, N, 3> {
  static_assert(flat::next_derivative_rule_for<op_name_string<typename N::op>()>::defined,
                "grad: this function needs the derivative of a derivative that has no rule of its own "
                "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                "function without d2; the op is named in the note below)");
  using type = Entries;  // stop here: one message for the whole function
  static constexpr bool end = true;
};
template <class Vars, class Order, std::size_t K, class Entries, class N>
struct backprop_step<Vars, Order, K, Entries, N, 4> {
  using G = typename adjoint_type<N, invalid_expression, Entries>::type;
  using next = typename propagate_types<Vars, N, G, Entries,
                                        std::make_index_sequence<type_list_size<typename N::children_types>::value>>::type;
  using type = next;
  static constexpr bool end = false;
};

// Up to Budget steps from K, and where the sweep is after them. The sweep runs block by block, so
// the depth of nested instantiations is a block's length plus the number of blocks, not the number
// of nodes (g++ stops at a depth of 900: one step after another was two levels per node, a gradient
// of a graph of 450 nodes).
template <class Vars, class Order, std::size_t K, class Entries, std::size_t Budget, bool End = false>
struct backprop_block {
  using step = backprop_step<Vars, Order, K, Entries>;
  using rest = backprop_block<Vars, Order, K + 1, typename step::type, Budget - 1, step::end>;
  using type = typename rest::type;
  static constexpr std::size_t next = rest::next;
  static constexpr bool end = rest::end;
};
template <class Vars, class Order, std::size_t K, class Entries, std::size_t Budget>
struct backprop_block<Vars, Order, K, Entries, Budget, true> {
  using type = Entries;
  static constexpr std::size_t next = K;
  static constexpr bool end = true;
};
template <class Vars, class Order, std::size_t K, class Entries>
struct backprop_block<Vars, Order, K, Entries, 0, false> {
  using type = Entries;
  static constexpr std::size_t next = K;
  static constexpr bool end = false;
};
inline constexpr std::size_t backprop_block_length = 64;
// Processes the nodes of Order from position K on, a block at a time.
template <class Vars, class Order, std::size_t K, class Entries, bool End = false>
struct backprop_types {
  using block = backprop_block<Vars, Order, K, Entries, backprop_block_length>;
  using type = typename backprop_types<Vars, Order, block::next, typename block::type, block::end>::type;
};
template <class Vars, class Order, std::size_t K, class Entries>
struct backprop_types<Vars, Order, K, Entries, true> { using type = Entries; };

// Every contribution made by the sweep over F for the variables Vs (the seed: df/df = 1).
template <class F, class... Vs> struct gradient_entries {
  using type = typename backprop_types<type_list<Vs...>, meta::reverse_t<topo_order_t<F>>, 0,
                                       type_list<adj_entry<F, ones_node<value_t<F>, scalar_shape>>>>::type;
};
// df/dV as a type: V's adjoint; a variable without contributions gets a zero gradient.
template <class F, class V, class... Vs> struct gradient_type {
  using type = typename adjoint_type<V, zeros_node<value_t<V>, shape_t<V>>,
                                     typename gradient_entries<F, Vs...>::type>::type;
};
// The gradient G of f as a value: f's literal values under G's type (see above).
template <class G, class F> constexpr G gradient_value(const F& f) {
  static_assert(G::literal_count <= F::literal_count,
                "grad: a derivative rule made a literal of its own; rules must build on the node's literals");
  return instance_from<G>(f);
}

template <class F, class... Vs>
constexpr auto adjoints(const F& f) {
  return detail::make_tuple(gradient_value<typename gradient_type<F, Vs, Vs...>::type>(f)...);
}

// ---- lazy gradients (grad_op nodes) as nested adjoint expressions --------------------------------
/// True when E holds a lazy gradient (a grad_op node) somewhere.
template <class E> struct has_lazy : std::false_type {};
template <class Op, class... Cs>
struct has_lazy<node<Op, Cs...>> : std::bool_constant<is_grad_op_v<Op> || (has_lazy<Cs>::value || ...)> {};

template <std::size_t K, class F, class... Vs>
constexpr auto nested_gradient(const F& f, type_list<Vs...>*) {
  return gradient_value<typename gradient_type<F, meta::at_t<K, type_list<Vs...>>, Vs...>::type>(f);
}

/// E with every lazy gradient replaced by its nested adjoint expression (autodiff as above): what
/// compile() plans, and what grad() derives through when the graph is not a scalar one.
template <class E>
constexpr auto expand_lazy(const E& e) {
  if constexpr (!has_lazy<E>::value) {
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

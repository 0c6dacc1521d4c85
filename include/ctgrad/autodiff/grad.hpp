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

// ---- a map of contributions per node, in the order they were made ------------------------------
// (jvp's by-value sweep, for rules that make literals of their own: autodiff/jvp.hpp; grad's sweep
// below and jvp's sweep on types no longer use it.) Append-only: a contribution (Key, Expr)
// is added as one more flat base (no per-step copy of a std::tuple, whose recursive layout was
// quadratic in classes). A node's entry is the sum of its contributions, formed when the walk
// reaches the node. Each step is a function named after the map so far: quadratic over a wide
// graph (docs/design.md, "Wide graphs: adjoints pulled, not pushed").
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

// ---- reverse accumulation on types, pulled node by node ---------------------------------------
// A node holds only its literal values, and every derivative rule builds its result from the node,
// its children and the adjoint with make_node, which keeps literal ids (ops/elementwise.hpp): a
// gradient's literals are f's literals, with f's ids. So the sweep runs on types alone, with
// classes (no function per node or per contribution, whose symbols g++ names after the growing
// adjoint map and mangles, before anything is inlined; docs/design.md, "Gradients on types"), and
// the gradient's value is f's literal values under the gradient's type (gradient_value).
//
// Each node's adjoint is its own class, keyed by the node's position in the sweep's order (parents
// first): the sum of the contributions of the edges that reach it from its consumers, in the order
// a sweep pushing contributions down would make them (consumers in order, a consumer's children in
// order). Who consumes a node is computed once, on positions (sweep_graph), so no class carries the
// list of contributions made so far (a list one entry longer per step, searched once per node: the
// wide graphs' quadratic cost, docs/design.md, "Wide graphs: adjoints pulled, not pushed").

// The sweep's graph: for each node of Order (by position), the edges from its consumers, as
// (consumer's position, child slot), in the order the sweep meets them.
template <class Order> struct sweep_graph;
template <class... Ns> struct sweep_graph<type_list<Ns...>> {
  static constexpr std::size_t node_count = sizeof...(Ns);
  static constexpr std::size_t edges = edge_count<type_list<Ns...>>::value;
  struct incoming {
    std::array<std::size_t, node_count + 1> first{};  // node c's edges: [first[c], first[c + 1])
    std::array<std::size_t, edges + 1> consumer{};
    std::array<std::size_t, edges + 1> slot{};
  };
  static constexpr incoming in = [] {
    using table = meta::position_table<type_list<Ns...>>;
    std::array<std::size_t, node_count + 1> begin{};  // node p's children: kid[begin[p] .. begin[p + 1])
    std::array<std::size_t, edges + 1> kid{};
    std::size_t i = 0, e = 0;
    meta::in_order{(begin[i] = e,
                    e = put_positions(kid.data(), e, typename child_positions<table, typename children_of<Ns>::type>::type{}),
                    ++i, 0)...};
    begin[i] = e;
    incoming g{};
    std::array<std::size_t, node_count + 1> fill{};
    for (std::size_t k = 0; k < e; ++k) ++fill[kid[k]];
    for (std::size_t c = 0, at = 0; c <= node_count; ++c) {
      const std::size_t n = fill[c];
      g.first[c] = fill[c] = at;
      at += n;
    }
    for (std::size_t p = 0; p < node_count; ++p)  // consumers in order, each one's children in order
      for (std::size_t k = begin[p]; k < begin[p + 1]; ++k) {
        g.consumer[fill[kid[k]]] = p;
        g.slot[fill[kid[k]]++] = k - begin[p];
      }
    return g;
  }();
};

// Markers: a node without an adjoint (no contribution reached it), an edge that contributes nothing.
struct no_adjoint {};
struct no_contribution {};
template <class T> struct is_contribution : std::bool_constant<!std::is_same_v<T, no_contribution>> {};

// The contributions added left to right: ((e0 + e1) + e2) ..., as sum_left builds them.
template <class Acc, class... Es> struct sum_types { using type = Acc; };
template <class Acc, class E, class... Es> struct sum_types<Acc, E, Es...> {
  using type = typename sum_types<node<ops::add_op, Acc, E>, Es...>::type;
};
template <class Missing, class List> struct adjoint_sum { using type = Missing; };
template <class Missing, class E, class... Es> struct adjoint_sum<Missing, type_list<E, Es...>> {
  using type = typename sum_types<E, Es...>::type;
};

// Child I's contribution from node N with adjoint G: vjp, then reduced to the child's shape.
template <class N, class G, std::size_t I, class C = meta::at_t<I, typename N::children_types>,
          class Raw = decltype(N::op::template vjp<I>(std::declval<const N&>(), std::declval<const G&>()))>
struct vjp_contribution { using type = decltype(reduce_to<shape_t<C>>(std::declval<const Raw&>())); };
template <class N, class G, std::size_t I, class C>
struct vjp_contribution<N, G, I, C, no_grad> {
  // A rule that gives no gradient may stop the compilation when it is made (the derivative node of
  // an opaque op, which cannot be differentiated again, names the op): make it, at compile time.
  static_assert((N::op::template vjp<I>(N{}, G{}), true));
  using type = no_contribution;
};

template <class Vars, class Order, std::size_t K> struct adjoint_at;

// Edge E's contribution to its child: none when the child does not lead to a variable (its vjp is
// not even formed) or when the consumer does not propagate.
template <class Vars, class Order, std::size_t E, std::size_t P = sweep_graph<Order>::in.consumer[E],
          std::size_t I = sweep_graph<Order>::in.slot[E], class N = meta::at_t<P, Order>,
          bool Reaches = reaches<meta::at_t<I, typename N::children_types>, Vars>::value>
struct edge_contribution { using type = no_contribution; };
template <class Vars, class Order, std::size_t E, std::size_t P, std::size_t I, class N>
struct edge_contribution<Vars, Order, E, P, I, N, true> {
  template <class A, bool Propagates = A::propagates> struct from { using type = no_contribution; };
  template <class A> struct from<A, true> { using type = typename vjp_contribution<N, typename A::type, I>::type; };
  using type = typename from<adjoint_at<Vars, Order, P>>::type;
};

// Node K's adjoint (type): the seed df/df = 1 for the function (position 0), else the sum of its
// contributions in order, or no_adjoint when it has none.
template <class Vars, class Order, std::size_t K> struct adjoint_value {
  using N = meta::at_t<K, Order>;
  static constexpr std::size_t first = sweep_graph<Order>::in.first[K];
  template <class Es> struct pick;
  template <std::size_t... Es> struct pick<std::index_sequence<Es...>> {
    using type = typename adjoint_sum<no_adjoint, meta::filter_t<is_contribution,
        type_list<typename edge_contribution<Vars, Order, first + Es>::type...>>>::type;
  };
  template <std::size_t J, bool Seed = (J == 0)> struct sum {
    using type = typename pick<std::make_index_sequence<sweep_graph<Order>::in.first[K + 1] - first>>::type;
  };
  template <std::size_t J> struct sum<J, true> { using type = ones_node<value_t<N>, scalar_shape>; };
  using type = typename sum<K>::type;
  static constexpr bool inner = !std::is_same_v<type, no_adjoint> && !N::is_leaf;
  template <class M, bool Inner = inner> struct has_rule : std::true_type {};
  template <class M> struct has_rule<M, true> : std::bool_constant<differentiable_op<typename M::op>()> {};
  /// Its children get contributions from it (formed only for the children that lead to a variable).
  static constexpr bool propagates = inner && has_rule<N>::value;
  /// It has an adjoint, leads to a variable, and its op has no derivative rule.
  static constexpr bool missing_rule = inner && !has_rule<N>::value && reaches<N, Vars>::value;
};

// The first node (in order) that has an adjoint and needs a derivative rule it lacks stops the
// compilation, with one message for the whole function; it passes no contribution on.
template <class N, bool Report> struct report_missing_rule {};
template <class N> struct report_missing_rule<N, true> {
  static_assert(flat::next_derivative_rule_for<op_name_string<typename N::op>()>::defined,
                "grad: this function needs the derivative of a derivative that has no rule of its own "
                "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                "function without d2; the op is named in the note below)");
};
template <class Vars, class Order, std::size_t K, bool Missing = adjoint_value<Vars, Order, K>::missing_rule>
struct first_missing_rule : std::false_type {};
template <class Vars, class Order, std::size_t K>
struct first_missing_rule<Vars, Order, K, true> : std::bool_constant<[]<std::size_t... J>(std::index_sequence<J...>) {
  return !meta::any_of({adjoint_value<Vars, Order, J>::missing_rule...});
}(std::make_index_sequence<K>{})> {};

template <class Vars, class Order, std::size_t K>
struct adjoint_at : adjoint_value<Vars, Order, K>,
                    report_missing_rule<meta::at_t<K, Order>, first_missing_rule<Vars, Order, K>::value> {};

// The adjoints of every node of Order, formed in order (parents first), so that a node's consumers'
// adjoints are complete when it asks for them: the depth of nested instantiations stays a few
// levels, not the depth of the graph (g++ stops at 900).
template <class Vars, class Order, class Ks = std::make_index_sequence<type_list_size<Order>::value>>
struct sweep;
template <class Vars, class Order, std::size_t... Ks> struct sweep<Vars, Order, std::index_sequence<Ks...>> {
  using adjoints = type_list<typename adjoint_at<Vars, Order, Ks>::type...>;
};

// df/dV as a type: V's adjoint; a variable without contributions gets a zero gradient.
template <class F, class V, class... Vs> struct gradient_type {
  using order = meta::reverse_t<topo_order_t<F>>;
  static_assert(std::is_same_v<meta::at_t<0, order>, F>);
  using adjoints = typename sweep<type_list<Vs...>, order>::adjoints;
  template <class W, bool In = meta::contains_v<W, order>> struct of { using type = no_adjoint; };
  template <class W> struct of<W, true> {
    using type = meta::at_t<meta::position_in<W, meta::position_table<order>>::value, adjoints>;
  };
  using found = typename of<V>::type;
  using type = std::conditional_t<std::is_same_v<found, no_adjoint>, zeros_node<value_t<V>, shape_t<V>>, found>;
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

// ctgrad/autodiff/grad.hpp — grad(f, v...): the derivatives of a scalar expression with respect to
// variables, derived at compile time as expressions (reverse-mode accumulation over the graph's
// types). Because the result is an expression, grad of a gradient works (second derivatives).
// Not for evaluation: see eval/value_at.hpp (scalars) and eval/compile.hpp (tensors).
#pragma once

#include <algorithm>
#include <tuple>
#include <type_traits>

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
  std::tuple<Gs...> grads;

  /// The gradient expression with respect to variable V (a compile error if V was not requested).
  template <class V> constexpr const auto& operator[](const V&) const {
    if constexpr (!meta::contains_v<V, Vars>) {
      static_assert(meta::contains_v<V, Vars>,
                    "gradient_set: no gradient was requested for this variable; name it in grad(f, ...)");
      return detail::invalid_placeholder;
    } else {
      return std::get<meta::index_of_v<V, Vars>>(grads);
    }
  }
};

namespace detail {

// ---- the adjoint map: (node type -> adjoint expression), a type-level association list -----
template <class Key, class Expr> struct adj_entry { Expr expr; };

template <class Key, class... Entries> struct find_entry;
template <class Key> struct find_entry<Key> { static constexpr int index = -1; };
template <class Key, class K, class E, class... Rest> struct find_entry<Key, adj_entry<K, E>, Rest...> {
  static constexpr int index = std::is_same_v<Key, K> ? 0
                               : (find_entry<Key, Rest...>::index < 0 ? -1 : 1 + find_entry<Key, Rest...>::index);
};

// Adds contribution c to the adjoint of Key (inserting it when Key has none yet).
template <class Key, class C, class... Entries>
constexpr auto accumulate(const std::tuple<Entries...>& adj, const C& c) {
  constexpr int i = find_entry<Key, Entries...>::index;
  if constexpr (i < 0) {
    return std::tuple_cat(adj, std::tuple<adj_entry<Key, C>>{{c}});
  } else {
    return [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      auto pick = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        if constexpr (J == std::size_t(i)) {
          auto sum = make_node<ops::add_op>(std::get<J>(adj).expr, c);
          return adj_entry<Key, decltype(sum)>{sum};
        } else {
          return std::get<J>(adj);
        }
      };
      return std::tuple{pick(std::integral_constant<std::size_t, Is>{})...};
    }(std::index_sequence_for<Entries...>{});
  }
}

// True when the gradient must flow into E: E is a float expression containing one of the Vars.
template <class E, class Vars> struct reaches;
template <class E, class... Vs> struct reaches<E, type_list<Vs...>>
    : std::bool_constant<element_type<value_t<E>> && (contains_v<E, Vs> || ...)> {};

// An op whose derivative is not provided says so with `static constexpr bool differentiable = false`.
template <class Op> constexpr bool differentiable_op() {
  if constexpr (requires { Op::differentiable; }) return Op::differentiable; else return true;
}

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


// Processes the nodes of Order (parents before children), propagating adjoints to children.
template <class Vars, class F, class Adj>
constexpr auto backprop(const F&, const Adj& adj, type_list<>) { return adj; }

template <class Vars, class F, class Adj, class N, class... Rest>
constexpr auto backprop(const F& f, const Adj& adj, type_list<N, Rest...>) {
  constexpr int i = []<class... Es>(std::tuple<Es...>*) { return find_entry<N, Es...>::index; }(
      static_cast<Adj*>(nullptr));
  if constexpr (i < 0 || N::is_leaf) {
    return backprop<Vars>(f, adj, type_list<Rest...>{});
  } else if constexpr (!differentiable_op<typename N::op>() && reaches<N, Vars>::value) {
    static_assert(differentiable_op<typename N::op>(),
                  "grad: this function contains a derivative that ctgrad cannot differentiate again "
                  "(third derivatives of activations, second derivatives of binary_cross_entropy); "
                  "use binary_cross_entropy_with_logits or stop at the second derivative");
    return adj;  // stop here: one message for the whole function
  } else {
    const N& n = *find_instance<N>(f);
    const auto& g = std::get<i>(adj).expr;
    auto next = [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      return propagate<Vars, N, Is...>(n, g, adj);
    }(std::make_index_sequence<type_list_size_v<typename N::children_types>>{});
    return backprop<Vars>(f, next, type_list<Rest...>{});
  }
}

template <class V, class Adj>
constexpr auto adjoint_of(const Adj& adj) {
  constexpr int i = []<class... Es>(std::tuple<Es...>*) { return find_entry<V, Es...>::index; }(
      static_cast<Adj*>(nullptr));
  if constexpr (i < 0) return zeros_node<value_t<V>, shape_t<V>>{};   // f does not depend on V
  else return std::get<i>(adj).expr;
}

template <class F, class... Vs>
constexpr auto adjoints(const F& f) {
  using order = meta::reverse_t<topo_order_t<F>>;
  auto seed = std::tuple<adj_entry<F, ones_node<value_t<F>, scalar_shape>>>{{}};
  auto adj = backprop<type_list<Vs...>>(f, seed, order{});
  return std::tuple{adjoint_of<Vs>(adj)...};
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
  } else {
    auto gs = detail::adjoints<F, Vs...>(f);
    if constexpr (sizeof...(Vs) == 1) {
      return std::get<0>(gs);
    } else {
      return std::apply([&](const auto&... g) {
        return gradient_set<F, type_list<Vs...>, std::remove_cvref_t<decltype(g)>...>{f, {g...}};
      }, gs);
    }
  }
}

template <class E> inline constexpr bool is_gradient_set_v = false;
template <class F, class V, class... Gs> inline constexpr bool is_gradient_set_v<gradient_set<F, V, Gs...>> = true;

}  // namespace ctgrad

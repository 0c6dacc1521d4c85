// ctgrad/eval/plan.hpp — the buffer plan, decided at compile time from the graph's types: which
// nodes are materialised (get a buffer) and which are fused into the loops of their consumers.
// Not the loops themselves (eval/compile.hpp). The rules are in docs/design.md ("fusion").
#pragma once

#include <type_traits>

#include "ctgrad/core/node.hpp"
#include "ctgrad/eval/element.hpp"
#include "ctgrad/ops/linalg.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad::detail {

template <class N> inline constexpr bool is_elementwise_v = is_elementwise_node<N>();
template <class N> inline constexpr bool is_reduce_v = false;
template <ops::reduce_kind K, int A, bool D, class... Cs>
inline constexpr bool is_reduce_v<node<ops::reduce_op<K, A, D>, Cs...>> = true;
template <class N> inline constexpr bool is_transpose_v = false;
template <class... Cs> inline constexpr bool is_transpose_v<node<ops::transpose_op, Cs...>> = true;
template <class N> inline constexpr bool is_matmul_v = false;
template <class... Cs> inline constexpr bool is_matmul_v<node<ops::matmul_op, Cs...>> = true;

/// Does some node P of Nodes have N as child I with Pred<P, I>? Answered by one class per
/// (Nodes, Pred) deriving from tag<C> for every such child C (repeated bases are fine for
/// __is_base_of), so each question is a base lookup instead of a scan over every node.
template <class T> struct tag {};
template <class C, bool On, std::size_t I> struct edge_base {};  // I: a child may appear twice (x * x)
template <class C, std::size_t I> struct edge_base<C, true, I> : tag<C> {};
template <class P, template <class, std::size_t> class Pred, class Is = void> struct consumer_edges {};
template <class P, template <class, std::size_t> class Pred>
  requires(!P::is_leaf)
struct consumer_edges<P, Pred, void>
    : consumer_edges<P, Pred, std::make_index_sequence<type_list_size_v<typename P::children_types>>> {};
template <class P, template <class, std::size_t> class Pred, std::size_t... Is>
struct consumer_edges<P, Pred, std::index_sequence<Is...>>
    : edge_base<meta::at_t<Is, typename P::children_types>, Pred<P, Is>::value, Is>... {};
template <class Nodes, template <class, std::size_t> class Pred> struct all_consumer_edges;
template <class... Ps, template <class, std::size_t> class Pred>
struct all_consumer_edges<type_list<Ps...>, Pred> : consumer_edges<Ps, Pred>... {};

template <class N, class Nodes, template <class, std::size_t> class Pred>
struct any_consumer : std::bool_constant<__is_base_of(tag<N>, all_consumer_edges<Nodes, Pred>)> {};

template <class P, std::size_t I> struct non_matmul_edge : std::bool_constant<!is_matmul_v<P>> {};

/// The plan of a program whose distinct nodes are Nodes (children first) and outputs Outputs.
template <class Nodes, class Outputs>
struct plan {
  template <class N> static constexpr bool is_output = meta::contains_v<N, Outputs>;

  // A transpose read only by matmuls is folded into the matmul kernel's call (no buffer).
  template <class N> static constexpr bool folded_transpose =
      is_transpose_v<N> && !is_output<N> && !any_consumer<N, Nodes, non_matmul_edge>::value;

  template <class P, std::size_t I> struct needs_buffer_edge {
    using C = meta::at_t<I, typename P::children_types>;
    static constexpr bool value = [] {
      if constexpr (P::op::elementwise) return !std::is_same_v<shape_t<P>, shape_t<C>>;  // broadcast read
      else if constexpr (is_reduce_v<P>) return false;                                 // fused
      else return true;                                                                 // matmul, transpose
    }();
  };

  template <class N> static constexpr bool structural = [] {
    if constexpr (is_var_v<N>) return true;
    else if constexpr (is_lit_v<N>) return false;
    else if constexpr (!N::op::elementwise) return !folded_transpose<N>;
    else return is_output<N> || any_consumer<N, Nodes, needs_buffer_edge>::value;
  }();

  struct structural_plan { template <class N> static constexpr bool materialized = structural<N>; };

  // What a kernel rooted at R evaluates per element.
  template <class R> using kernel_list0 = std::conditional_t<is_elementwise_v<R>,
      element_list<R, structural_plan>, typename closure_fold<type_list<>, typename R::children_types, structural_plan>::type>;

  template <class N> struct is_root0 : std::bool_constant<!N::is_leaf && structural<N>> {};
  using roots0 = meta::filter_t<is_root0, Nodes>;

  template <class N, class... Rs> static constexpr int count_in(type_list<Rs...>*) {
    return (0 + ... + int(meta::contains_v<N, kernel_list0<Rs>>));
  }
  // An elementwise value fused into two or more kernels is materialised instead, so that every
  // value is computed once per program run.
  template <class N> static constexpr bool shared = is_elementwise_v<N> && !structural<N> &&
      count_in<N>(static_cast<roots0*>(nullptr)) >= 2;

  template <class N> static constexpr bool materialized = structural<N> || shared<N>;

  template <class N> struct is_kernel : std::bool_constant<!N::is_leaf && materialized<N>> {};
  /// The materialised non-leaf nodes, in evaluation order: one kernel each.
  using kernels = meta::filter_t<is_kernel, Nodes>;
};

}  // namespace ctgrad::detail

// ctgrad/eval/plan.hpp — the buffer plan, decided at compile time from the graph's types: which
// nodes are materialised (get a buffer) and which are fused into the loops of their consumers.
// Not the loops themselves (eval/compile.hpp). The rules are in docs/design.md ("fusion").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "ctgrad/core/node.hpp"
#include "ctgrad/eval/element.hpp"
#include "ctgrad/eval/gemm.hpp"
#include "ctgrad/ops/linalg.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad::detail {

// Per-node answers of the plan are classes deriving from std::bool_constant / integral_constant,
// or concepts: a static constant, function or lambda per node type would be a symbol named after
// the plan's node list and the node, which g++ carries to code generation; over a deep graph that is
// quadratic (docs/design.md, "Tensor programs: steps keyed by positions").
//
// What the plan knows of an op it reads from the op's evaluation traits (no list of ops here):
// - `elementwise`: fused into its consumers' loops; a child of another shape (a broadcast) is read
//   from a buffer;
// - a reduction (ops::reduction_op: `axis`, `init`, `combine`, `finish`): its child is fused into
//   its accumulation loop, and it shares a loop group with kernels over its child's elements;
// - any other op has a kernel of its own (`kernel<N>(context, out)`, eval/compile.hpp), and
//   `needs_buffer<I>` says whether child I must be in a buffer (true when the op does not say);
// - `foldable` (transpose): no buffer when every reader's op `folds_transpose<I>` (matmul), which
//   then reads its child in place.
template <class N> concept is_elementwise_v = is_elementwise_node<N>;
template <class N> concept is_reduce_v = is_node_v<N> && ops::reduction_op<typename N::op>;
template <class Op, std::size_t I> struct op_needs_buffer : std::true_type {};
template <class Op, std::size_t I> requires requires { Op::template needs_buffer<I>; }
struct op_needs_buffer<Op, I> : std::bool_constant<Op::template needs_buffer<I>> {};
template <class Op, std::size_t I> struct op_folds_transpose : std::false_type {};
template <class Op, std::size_t I> requires requires { Op::template folds_transpose<I>; }
struct op_folds_transpose<Op, I> : std::bool_constant<Op::template folds_transpose<I>> {};
template <class N> concept is_foldable_v = is_node_v<N> && requires { requires N::op::foldable; };
// The matrix-vector pair (below) is a pattern of matmul and transpose nodes themselves.
template <class N> struct is_transpose_s : std::false_type {};
template <class... Cs> struct is_transpose_s<node<ops::transpose_op, Cs...>> : std::true_type {};
template <class N> concept is_transpose_v = is_transpose_s<N>::value;

/// Pred<P, I> for each child I of P, as a type named by values only (a leaf: no children).
template <bool... Bs> struct bool_list {};
template <class P, template <class, std::size_t> class Pred, class Is = void> struct edge_flags {
  using type = bool_list<>;
};
template <class P, template <class, std::size_t> class Pred>
  requires(!P::is_leaf)
struct edge_flags<P, Pred, void>
    : edge_flags<P, Pred, std::make_index_sequence<type_list_size<typename P::children_types>::value>> {};
template <class P, template <class, std::size_t> class Pred, std::size_t... Is>
struct edge_flags<P, Pred, std::index_sequence<Is...>> { using type = bool_list<Pred<P, Is>::value...>; };
// Marks out[c] for each child position c whose edge's flag is set.
template <std::size_t... Ps, bool... Bs>
constexpr void mark_children(bool* out, position_list<Ps...>, bool_list<Bs...>) {
  ((out[Ps] = out[Ps] || Bs), ...);
}

template <class P, std::size_t I> struct non_folding_edge : std::bool_constant<!op_folds_transpose<typename P::op, I>::value> {};

/// A set of positions below N (constexpr), a 64-bit word at a time: the plan's dependency sets.
template <std::size_t N> struct root_set {
  std::uint64_t words[N / 64 + 1]{};
  constexpr void set(std::size_t i) { words[i / 64] |= std::uint64_t{1} << (i % 64); }
  constexpr bool test(std::size_t i) const { return (words[i / 64] >> (i % 64)) & 1; }
  constexpr root_set& operator|=(const root_set& o) {
    for (std::size_t w = 0; w < N / 64 + 1; ++w) words[w] |= o.words[w];
    return *this;
  }
  constexpr void remove(const root_set& o) {
    for (std::size_t w = 0; w < N / 64 + 1; ++w) words[w] &= ~o.words[w];
  }
  constexpr bool intersects(const root_set& o) const {
    for (std::size_t w = 0; w < N / 64 + 1; ++w)
      if (words[w] & o.words[w]) return true;
    return false;
  }
};

/// A root_set as a constant named by its words (not by the plan or a node). The plan's dependency
/// sets are these rather than `std::integral_constant<root_set<N>, value>`: g++ 12 takes two such
/// class-type template arguments for equal when their only non-zero words are equal at different
/// positions (`{4, 0}` and `{0, 4}`), which swapped the dependency sets of graphs with more than
/// 64 roots.
template <std::size_t N, std::uint64_t... Ws> struct root_set_constant {
  static constexpr root_set<N> value{{Ws...}};
};

// The graph of a plan by positions (position_list, children_of, child_positions, edge_count,
// put_positions: core/node.hpp): a node's children as their positions in the plan's node list (a
// type named by numbers only), so that what the plan asks of every kernel's fused sub-graph is
// computed on values, once per node, instead of by a type list per kernel (a deep graph's kernels
// fuse chains as long as the graph: quadratic lists, cubic to build and search).

/// The plan of a program whose distinct nodes are Nodes (children first) and outputs Outputs;
/// Grouped: kernels over the same elements may share a loop (see `plan` below). Barrier: a node
/// that no loop group spans (the product of a matrix-vector pair, `schedule_t`: what its pass reads
/// must be complete at its place), or void.
template <class Nodes, class Outputs, bool Grouped, class Barrier = void>
struct plan_impl {
  using node_table = meta::position_table<Nodes>;
  static constexpr std::size_t node_count = type_list_size<Nodes>::value;
  template <class N> struct node_position : meta::position_in<N, node_table> {};

  // An edge that needs its child in a buffer: a broadcast read by an elementwise op, or what the
  // op's needs_buffer<I> says (a reduction's input is fused into its loop; a kernel's read in place).
  template <class P, std::size_t I> struct needs_buffer_edge
      : std::bool_constant<P::op::elementwise
                               ? !std::is_same<shape_t<P>, shape_t<meta::at_t<I, typename P::children_types>>>::value
                               : op_needs_buffer<typename P::op, I>::value> {};
  // Which nodes some consumer reads through a kind of edge, by position: one pass over the edges
  // on values (a class deriving from a tag per edge, asked by __is_base_of per node, took clang
  // seconds over a graph of a few hundred nodes).
  struct consumer_kinds {
    std::array<bool, node_count + 1> buffer{};      // through an edge that needs a buffer
    std::array<bool, node_count + 1> non_folding{};  // by an edge whose op does not fold a transpose
  };
  static constexpr consumer_kinds consumers = [] {
    consumer_kinds k{};
    [&]<class... Ps>(type_list<Ps...>*) {
      meta::in_order{(mark_children(k.buffer.data(), typename child_positions<node_table, typename children_of<Ps>::type>::type{},
                                    typename edge_flags<Ps, needs_buffer_edge>::type{}),
                      mark_children(k.non_folding.data(), typename child_positions<node_table, typename children_of<Ps>::type>::type{},
                                    typename edge_flags<Ps, non_folding_edge>::type{}), 0)...};
    }(static_cast<Nodes*>(nullptr));
    return k;
  }();

  // A transpose read only by matmuls (foldable, read only through folding edges) is folded into
  // the readers' kernel calls (no buffer).
  template <class N> struct folded_transpose
      : std::bool_constant<is_foldable_v<N> && !meta::contains_v<N, Outputs> &&
                           !consumers.non_folding[node_position<N>::value]> {};

  // Materialised whatever the grouping: variables, outputs, what a buffer edge reads, and every
  // non-elementwise node but a folded transpose.
  template <class N> struct structural
      : std::bool_constant<meta::contains_v<N, Outputs> || consumers.buffer[node_position<N>::value]> {};
  template <class N> requires is_var_v<N> struct structural<N> : std::true_type {};
  template <class N> requires is_lit_v<N> struct structural<N> : std::false_type {};
  template <class N> requires(is_node_v<N> && !is_elementwise_v<N>)
  struct structural<N> : std::bool_constant<!folded_transpose<N>::value> {};

  template <class N> struct is_root0 : std::bool_constant<!N::is_leaf && structural<N>::value> {};
  using roots0 = meta::filter_t<is_root0, Nodes>;

  static constexpr std::size_t root_count = type_list_size<roots0>::value;
  template <class N> struct root_index : meta::index_of<N, roots0> {};  // root_count if none

  // ---- loop groups (multi-output fusion) ---------------------------------------------------
  // Kernels that loop over the same elements and do not depend on each other share one loop, so
  // that a value they both read is computed once per element instead of being materialised:
  // `compile(loss, grad(loss, x))` for an elementwise loss is one pass over x. A kernel's loop is
  // over its own elements (elementwise) or over its input's (a reduction over all elements or along
  // axis 1; a reduction along axis 0 of a matrix accumulates per column and is not grouped).
  template <class R> struct loopable : std::bool_constant<is_elementwise_v<R>> {};
  template <class R> requires(is_reduce_v<R>) struct loopable<R>
      : std::bool_constant<!(R::op::axis == 0 && shape_t<meta::at_t<0, typename R::children_types>>::rank == 2)> {};
  template <class R> struct loop_shape { using type = shape_t<R>; };
  template <class R> requires(is_reduce_v<R>) struct loop_shape<R> {
    using type = shape_t<meta::at_t<0, typename R::children_types>>;
  };

  // Which roots a kernel reads, as sets of positions in roots0. Under the structural plan (only the
  // structural nodes materialised), a kernel rooted at N evaluates N's inline sub-graph: the
  // elementwise nodes below N that are not structural, reached through such nodes. It reads the
  // roots that are children of N or of a node of that sub-graph. Computed on values over the
  // nodes' positions (graph below), children first: no type list per kernel.
  using row = root_set<root_count + 1>;
  using words = std::make_index_sequence<(root_count + 1) / 64 + 1>;
  /// Evaluated inside its consumers' loops under the structural plan.
  template <class N> struct inline0 : std::bool_constant<is_elementwise_v<N> && !structural<N>::value> {};
  struct graph_values {
    std::array<row, node_count + 1> direct{};   // by node: the roots its kernel would read directly
    std::array<row, node_count + 1> readers{};  // by node: the roots whose kernels evaluate it inline
    std::array<row, root_count + 1> root_direct{};  // direct, by root
  };
  static constexpr graph_values graph = [] {
    graph_values g{};
    std::array<std::size_t, node_count + 1> first{};  // node i's children: kid[first[i] .. first[i + 1])
    std::array<std::size_t, edge_count<Nodes>::value + 1> kid{};
    std::array<bool, node_count + 1> inl{};
    std::array<std::size_t, node_count + 1> root{};  // root_count: not a root
    [&]<class... Ns>(type_list<Ns...>*) {
      std::size_t i = 0, e = 0;
      meta::in_order{(first[i] = e,
                      e = put_positions(kid.data(), e, typename child_positions<node_table, typename children_of<Ns>::type>::type{}),
                      inl[i] = inline0<Ns>::value, root[i] = root_index<Ns>::value, ++i, 0)...};
      first[i] = e;
    }(static_cast<Nodes*>(nullptr));
    for (std::size_t i = 0; i < node_count; ++i)  // children first
      for (std::size_t k = first[i]; k < first[i + 1]; ++k) {
        const std::size_t c = kid[k];
        if (root[c] < root_count) g.direct[i].set(root[c]);
        else if (inl[c]) g.direct[i] |= g.direct[c];
      }
    for (std::size_t i = node_count; i-- > 0;) {  // parents first: a node's readers are complete
      row from{};
      if (root[i] < root_count) from.set(root[i]);
      else if (inl[i]) from = g.readers[i];
      else continue;
      for (std::size_t k = first[i]; k < first[i + 1]; ++k)
        if (inl[kid[k]]) g.readers[kid[k]] |= from;
    }
    for (std::size_t i = 0; i < node_count; ++i)
      if (root[i] < root_count) g.root_direct[root[i]] = g.direct[i];
    return g;
  }();
  /// The roots that the kernel rooted at N reads directly, under the structural plan.
  template <class N, class Ws = words> struct direct_inputs;
  template <class N, std::size_t... Ws> struct direct_inputs<N, std::index_sequence<Ws...>>
      : root_set_constant<root_count + 1, graph.direct[node_position<N>::value].words[Ws]...> {};

  static constexpr std::array<row, root_count + 1> close(const std::array<row, root_count + 1>& in) {
    std::array<row, root_count + 1> d{};
    for (std::size_t i = 0; i < root_count; ++i) {  // a root reads only roots placed before it
      d[i] = in[i];
      for (std::size_t j = 0; j < i; ++j)
        if (in[i].test(j)) d[i] |= d[j];
    }
    return d;
  }
  /// deps[i]: the roots whose values root i reads, directly or through other roots.
  static constexpr std::array<row, root_count + 1> deps = close(graph.root_direct);
  /// The roots that the kernel rooted at N (a root or a shared node) reads, directly or not.
  static constexpr row reads_from(const row& direct) {
    row r = direct;
    for (std::size_t k = 0; k < root_count; ++k)
      if (direct.test(k)) r |= deps[k];
    return r;
  }
  template <class N, class Ws = words> struct reads;
  template <class N, std::size_t... Ws> struct reads<N, std::index_sequence<Ws...>>
      : root_set_constant<root_count + 1, reads_from(direct_inputs<N>::value).words[Ws]...> {};

  // leader[i]: the first root of root i's group; members[l]: the roots of the group led by l.
  // With Grouped false, every root is alone.
  struct grouping {
    std::array<std::size_t, root_count + 1> leader{};
    std::array<row, root_count + 1> members{};
  };
  static constexpr grouping groups = [] {
    grouping g{};
    std::array<bool, root_count + 1> can{};
    // Roots with equal keys loop over the same shape: the key is the first root with that shape.
    std::array<std::size_t, root_count + 1> shape_key{};
    [&]<class... Rs>(type_list<Rs...>*) {
      using shapes = type_list<typename loop_shape<Rs>::type...>;
      std::size_t i = 0;
      meta::in_order{(can[i] = Grouped && loopable<Rs>::value,
                      shape_key[i] = meta::index_of<typename loop_shape<Rs>::type, shapes>::value, ++i, 0)...};
    }(static_cast<roots0*>(nullptr));
    constexpr std::size_t barrier = root_index<Barrier>::value;  // root_count without one
    for (std::size_t i = 0; i < root_count; ++i) {
      g.leader[i] = i;
      if (can[i]) {
        for (std::size_t j = 0; j < i && g.leader[i] == i; ++j) {
          if (!can[j] || g.leader[j] != j || shape_key[j] != shape_key[i]) continue;
          if ((j < barrier) != (i < barrier)) continue;
          // i may join j's group if it reads none of its kernels, and no root placed between
          // them (outside the group) reads one: the group runs at the place of its last kernel.
          bool ok = !deps[i].intersects(g.members[j]);
          for (std::size_t b = j + 1; b < i && ok; ++b)
            ok = g.leader[b] == j || !deps[b].intersects(g.members[j]);
          if (ok) g.leader[i] = j;
        }
      }
      g.members[g.leader[i]].set(i);
    }
    return g;
  }();
  static constexpr const std::array<std::size_t, root_count + 1>& leader = groups.leader;

  // An elementwise value fused into the kernels of two or more groups is materialised instead,
  // so that every value is computed once per program run.
  // The number of groups whose kernels evaluate a value inline (under the structural plan).
  static constexpr int groups_reading(const row& readers) {
    std::array<bool, root_count + 1> used{};
    for (std::size_t i = 0; i < root_count; ++i)
      if (readers.test(i)) used[leader[i]] = true;
    int n = 0;
    for (bool u : used) n += u;
    return n;
  }
  template <class N> struct shared : std::false_type {};
  template <class N> requires(is_elementwise_v<N> && !structural<N>::value)
  struct shared<N> : std::bool_constant<(groups_reading(graph.readers[node_position<N>::value]) >= 2)> {};

  template <class N> struct is_materialized : std::bool_constant<structural<N>::value || shared<N>::value> {};

  template <class N> struct is_kernel : std::bool_constant<!N::is_leaf && is_materialized<N>::value> {};
  /// The materialised non-leaf nodes, in evaluation order: one kernel each.
  using kernels = meta::filter_t<is_kernel, Nodes>;

  // Group sizes and the last root of each group, by leader (values: no type per group and root).
  static constexpr auto group_sizes = [] {
    std::array<std::size_t, root_count + 1> n{};
    for (std::size_t i = 0; i < root_count; ++i) ++n[leader[i]];
    return n;
  }();
  static constexpr auto group_last = [] {
    std::array<std::size_t, root_count + 1> last{};
    for (std::size_t i = 0; i < root_count; ++i) last[leader[i]] = i;
    return last;
  }();
  /// The number of kernels in N's group (1: N runs alone).
  template <class N> struct group_size
      : std::integral_constant<std::size_t, (root_index<N>::value < root_count
                                                 ? group_sizes[leader[root_index<N>::value]] : 1)> {};
  /// A group runs in one loop at the place of its last kernel; the others wait for it.
  template <class N> struct runs_group_here
      : std::bool_constant<(root_index<N>::value == root_count ||
                            group_last[leader[root_index<N>::value]] == root_index<N>::value)> {};
  // The kernels of N's group, in evaluation order (a type_list; used for groups of two or more).
  template <std::size_t L> struct led_by {
    template <class N> struct pred
        : std::bool_constant<(root_index<N>::value < root_count && leader[root_index<N>::value] == L)> {};
  };
  template <class N> using group_t = meta::filter_t<led_by<leader[root_index<N>::value]>::template pred, roots0>;

  /// Loops a run makes: one per kernel, but one per group of kernels.
  static constexpr std::size_t loop_count = [] {
    std::size_t groups = 0;
    for (std::size_t i = 0; i < root_count; ++i) groups += leader[i] == i;
    return type_list_size<kernels>::value - root_count + groups;
  }();

  // The group runs late: valid only when no kernel placed between a group's first and last
  // kernels reads one of the group's kernels. (Otherwise plan<> takes the ungrouped plan.)
  template <class List> struct kernel_rows;
  template <class... Ks> struct kernel_rows<type_list<Ks...>> {
    static constexpr std::array<std::size_t, sizeof...(Ks) + 1> root{root_index<Ks>::value..., root_count};
    static constexpr std::array<row, sizeof...(Ks) + 1> read{reads<Ks>::value..., row{}};
  };
  template <class Rows> static constexpr bool check_order() {
    std::array<std::size_t, root_count + 1> seen{};  // for each group: its kernels run so far
    row open{};                                      // the kernels of groups begun, not finished
    for (std::size_t k = 0; k < type_list_size<kernels>::value; ++k) {
      const std::size_t r = Rows::root[k];
      row others = open;
      if (r < root_count) others.remove(groups.members[leader[r]]);
      if (Rows::read[k].intersects(others)) return false;
      if (r < root_count) {
        const std::size_t g = leader[r];
        if (seen[g]++ == 0) open |= groups.members[g];
        if (seen[g] == group_sizes[g]) open.remove(groups.members[g]);
      }
    }
    return true;
  }
  static constexpr bool valid = [] {
    if constexpr (!Grouped || loop_count == type_list_size<kernels>::value) return true;  // no groups
    else return check_order<kernel_rows<kernels>>();
  }();
};

// ---- matrix-vector pairs ----------------------------------------------------------------------
// The gradient of a function of t = matmul(A, v), A a matrix and v a vector, with respect to v is
// matmul(transpose(A), e), where e is the adjoint of t. When e is computed from t element by
// element (e_i reads t_i and values that do not depend on t, as in a regression's residuals), one
// pass over A gives both products: per block of rows, their dot products with v, then e for those
// rows, then the rows scaled by e and added to the result while they are still in L1 (eval/gemm.hpp,
// `kernel::gemv_pair`; compile.hpp runs it). The pair is found here from the node types; the node
// order is changed so that everything e reads apart from t is computed before t (`schedule_t`).

/// Does N's value depend on node X (N is X, or X is below it)?
template <class N, class X> struct depends_on_s : std::bool_constant<CTGRAD_IS_SAME(N, X)> {};
template <class Children, class X> struct any_depends_on;
template <class... Cs, class X>
struct any_depends_on<type_list<Cs...>, X> : std::bool_constant<(depends_on_s<Cs, X>::value || ...)> {};
template <class N, class X> requires(!N::is_leaf && !CTGRAD_IS_SAME(N, X))
struct depends_on_s<N, X> : any_depends_on<typename N::children_types, X> {};
template <class N, class X> concept depends_on = depends_on_s<N, X>::value;

/// Is N, at element i, a function of element i of T (T's shape, rank 1) and of values that do not
/// depend on T? Only elementwise nodes of T's shape may lie between N and T.
template <class N, class T> struct row_local_s : std::bool_constant<CTGRAD_IS_SAME(N, T) || !depends_on<N, T>> {};
template <class Children, class T> struct all_row_local;
template <class... Cs, class T>
struct all_row_local<type_list<Cs...>, T> : std::bool_constant<(row_local_s<Cs, T>::value && ...)> {};
template <class N, class T> concept reads_other = !CTGRAD_IS_SAME(N, T) && depends_on<N, T>;
template <class N, class T> requires reads_other<N, T>
struct row_local_s<N, T> : std::false_type {};  // not elementwise, or another shape, or row-mapped
template <class N, class T>
  requires(reads_other<N, T> && is_elementwise_v<N> && CTGRAD_IS_SAME(shape_t<N>, shape_t<T>) &&
           !N::op::row_mapped_child)
struct row_local_s<N, T> : all_row_local<typename N::children_types, T> {};
template <class N, class T> concept row_local = row_local_s<N, T>::value;

/// Whether compile() may fuse the matrix-vector pairs of matrix A. For ctgrad's own tests and
/// benchmarks, which specialise it to false for a variable of their own to get the unfused program
/// to compare with.
template <class A> inline constexpr bool fuse_matvec_pairs = true;

/// Does no node of Nodes but N itself depend on N?
template <class N, class Nodes> struct read_by_none_s {
  template <class M> struct reads : std::bool_constant<!CTGRAD_IS_SAME(M, N) && depends_on<M, N>> {};
  static constexpr bool value = type_list_size<meta::filter_t<reads, Nodes>>::value == 0;
};

// N2 = matmul(transpose(A), E) with a vector E, looking for its partner N1 = matmul(A, V); only
// where the pass sums as the two products do (kernel::gemv_pair_fits: 2 <= columns <= one block).
// N2 is complete only after the pass, and the nodes that do not depend on N1 are scheduled before
// it: so either E depends on N1 (then so does every reader of N2), or nothing reads N2. Without
// this, sum(tanh(matmul(transpose(W), v))) paired its own forward product (N2, E = v) with its
// gradient matmul(W, tanh'(N2)) (N1), and read N2 before the pass had written it.
template <class N, class Nodes> struct pair_candidate : std::false_type {};
template <class A, class E, class Nodes>
  requires(shape_t<A>::rank == 2 && shape_t<E>::rank == 1 && !is_transpose_v<A> && fuse_matvec_pairs<A> &&
           kernel::gemv_pair_fits<value_t<A>>(shape_t<A>::extents[1]))
struct pair_candidate<node<ops::matmul_op, node<ops::transpose_op, A>, E>, Nodes> {
  template <class M> struct partner : std::false_type {};
  template <class V> struct partner<node<ops::matmul_op, A, V>>
      : std::bool_constant<shape_t<V>::rank == 1 && row_local<E, node<ops::matmul_op, A, V>> &&
                           (depends_on<E, node<ops::matmul_op, A, V>> ||
                            read_by_none_s<node<ops::matmul_op, node<ops::transpose_op, A>, E>, Nodes>::value)> {};
  using partners = meta::filter_t<partner, Nodes>;
  static constexpr bool value = type_list_size<partners>::value > 0;
};

/// The first matrix-vector pair of Nodes (found: one exists): `product` t = matmul(A, v),
/// `transposed` matmul(transpose(A), e), `adjoint` e, `matrix` A.
template <class Nodes> struct pair_candidates {
  template <class N> struct is_candidate : pair_candidate<N, Nodes> {};
  using type = meta::filter_t<is_candidate, Nodes>;
};
template <class Nodes, class Candidates = typename pair_candidates<Nodes>::type> struct matvec_pair {
  static constexpr bool found = false;
};
template <class Nodes, class C0, class... Cs> struct matvec_pair<Nodes, type_list<C0, Cs...>> {
  using candidates = type_list<C0, Cs...>;
  static constexpr bool found = true;
  using transposed = meta::at_t<0, candidates>;
  using product = meta::at_t<0, typename pair_candidate<transposed, Nodes>::partners>;
  using adjoint = meta::at_t<1, typename transposed::children_types>;
  using matrix = meta::at_t<0, typename product::children_types>;
  using vector = meta::at_t<1, typename product::children_types>;
};

/// Nodes in an order for Pair: without a pair, unchanged; with one, the nodes that do not depend
/// on the product first, then those that do (each part in its old order, so children still come
/// before parents), so that at the product's place everything else its adjoint reads is computed.
template <class Nodes, class Pair> struct schedule { using type = Nodes; };
template <class Nodes, class Pair> requires(Pair::found) struct schedule<Nodes, Pair> {
  template <class N> struct before : std::bool_constant<!depends_on<N, typename Pair::product>> {};
  template <class N> struct after : std::bool_constant<depends_on<N, typename Pair::product>> {};
  using type = meta::concat_t<meta::filter_t<before, Nodes>, meta::filter_t<after, Nodes>>;
};
template <class Nodes, class Pair> using schedule_t = typename schedule<Nodes, Pair>::type;
/// The node no loop group may span (plan_impl's Barrier): Pair's product, or void.
template <class Pair> struct barrier_of { using type = void; };
template <class Pair> requires(Pair::found) struct barrier_of<Pair> { using type = typename Pair::product; };

/// The plan of a program: grouped loops where the grouping is valid, else one loop per kernel.
template <class Nodes, class Outputs, class Barrier = void>
using plan = std::conditional_t<plan_impl<Nodes, Outputs, true, Barrier>::valid, plan_impl<Nodes, Outputs, true, Barrier>,
                                plan_impl<Nodes, Outputs, false, Barrier>>;

}  // namespace ctgrad::detail

// ctgrad/eval/element.hpp — evaluation of a fused elementwise sub-graph at one element: every
// inline node gets one slot, filled in dependency order, so a value shared by the forward pass and
// the gradient is computed once per element. Used by value_at (scalars) and by compiled loops.
// Not a public API: users call value_at() or compile().
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include "ctgrad/core/math.hpp"
#include "ctgrad/core/node.hpp"

namespace ctgrad::detail {

/// Run-time facts an element needs beyond its inputs: the batch extent (for mean's count).
struct loop_info {
  std::size_t batch = 1;
};

// ---- which nodes are evaluated inline from a root ---------------------------------------
// Mat is a class with `template <class N> struct is_materialized` (a std::bool_constant). The walk's
// visited nodes are a meta::type_set (one list growing per node would be quadratic).
template <class E> concept is_elementwise_node = is_node_v<E> && E::op::elementwise;
template <class Acc, class E, class Mat> struct closure_children;
// Inline = an elementwise node that the plan does not materialise.
template <class Acc, class E, class Mat,
          bool Skip = meta::set_contains<E, Acc>::value || !is_elementwise_node<E> || Mat::template is_materialized<E>::value>
struct closure { using type = typename closure_children<Acc, E, Mat>::type; };
template <class Acc, class E, class Mat> struct closure<Acc, E, Mat, true> { using type = Acc; };

template <class Acc, class List, class Mat> struct closure_fold { using type = Acc; };
template <class Acc, class C, class... Cs, class Mat> struct closure_fold<Acc, type_list<C, Cs...>, Mat> {
  using type = typename closure_fold<typename closure<Acc, C, Mat>::type, type_list<Cs...>, Mat>::type;
};
template <class Acc, class E, class Mat> struct closure_children {
  using type = meta::set_push_t<typename closure_fold<Acc, typename E::children_types, Mat>::type, E>;
};

/// The inline nodes evaluated per element for Root, children first. Root itself is included (it
/// is computed per element even when it is the materialised output of the loop).
template <class Root, class Mat>
using element_list = std::conditional_t<Root::is_leaf, type_list<>,
    meta::set_list_t<typename closure_children<meta::empty_set, Root, Mat>::type>>;

// The per-element slots: a std::array when every inline node has one value type (the usual case;
// cheaper to compile than a std::tuple of hundreds of elements), else a std::tuple. std::get<I>
// reads either.
template <class List> struct slot_tuple { using type = std::tuple<>; };
template <class N0, class... Ns> struct slot_tuple<type_list<N0, Ns...>> {
  using type = std::conditional_t<meta::all_of({CTGRAD_IS_SAME(value_t<N0>, value_t<Ns>)...}),
                                  std::array<value_t<N0>, 1 + sizeof...(Ns)>,
                                  std::tuple<value_t<N0>, value_t<Ns>...>>;
};

template <class N, std::size_t I, class List, class Mat, class Ctx, class Slots>
constexpr auto fetch(const Ctx& ctx, const Slots& slots, std::size_t r, std::size_t c) {
  using C = meta::at_t<I, typename N::children_types>;
  if constexpr (is_lit_v<C>) return ctx.template literal<C>();
  else if constexpr (meta::contains_v<C, List>) return std::get<meta::index_of<C, List>::value>(slots);
  else return ctx.template load<N, I, C>(r, c);
}

// The math policy of an evaluation context: Ctx::math_policy where it names one (value_at's
// scalar_math), else the vectorisable loop_math (core/math.hpp, "math policies").
template <class Ctx> struct math_policy_of { using type = ::ctgrad::math::loop_math; };
template <class Ctx> requires requires { typename Ctx::math_policy; }
struct math_policy_of<Ctx> { using type = typename Ctx::math_policy; };

template <class Op> inline constexpr bool uses_math_v = false;
template <class Op> requires(Op::uses_math) inline constexpr bool uses_math_v<Op> = true;

template <class N, class List, class Mat, class Ctx, class Slots>
constexpr void compute_into(const Ctx& ctx, Slots& slots, std::size_t r, std::size_t c) {
  auto& out = std::get<meta::index_of<N, List>::value>(slots);
  [&]<std::size_t... Is>(std::index_sequence<Is...>) {
    if constexpr (N::op::uses_index)
      out = N::op::template apply_at<value_t<N>>(ctx.info(), r, c, fetch<N, Is, List, Mat>(ctx, slots, r, c)...);
    else if constexpr (uses_math_v<typename N::op>)
      out = N::op::template apply<typename math_policy_of<Ctx>::type>(fetch<N, Is, List, Mat>(ctx, slots, r, c)...);
    else
      out = N::op::apply(fetch<N, Is, List, Mat>(ctx, slots, r, c)...);
  }(std::make_index_sequence<type_list_size<typename N::children_types>::value>{});
}

// ---- steps: compile()'s per-element evaluation, keyed by positions ---------------------------
// compute_into above is named after the node, its element list and the context (the program), so
// each of its instantiations costs in proportion to the graph: quadratic over a deep graph. The
// compiled loops instead run one `step` per inline node, whose type names only the node's op, its
// value type, its slot and, per child, where the value comes from (a slot, a literal, a buffer and
// how it is indexed, or a constant op): short names, one per node (docs/design.md, "Tensor
// programs: steps keyed by positions"). The context is the program's buffers by position.
// Variables and kernels' buffers are reached as the program holds them (the variables' table, the
// arena and the kernels' offsets in it), not through one table of pointers to both: g++'s
// points-to analysis then knows that a variable's loads never alias the arena's stores, and a
// loop group's loop needs no run-time alias check per pair of them (with three variables and three
// outputs, twelve checks exceeded g++'s ten and the loop stayed scalar: vectorise_test).
template <class T> struct step_ctx {
  const void* const* vars;      // by the variable's position among the program's variables
  const T* arena;               // the kernels' buffers, at
  const std::size_t* offsets;   //   offsets by kernel position
  const T* literals;            // by literal id
  loop_info info;
};
template <std::size_t I> struct from_slot {
  template <class T, class Slots>
  static constexpr auto read(const step_ctx<T>&, const Slots& s, std::size_t, std::size_t) { return std::get<I>(s); }
};
template <std::size_t I, class V> struct from_literal {
  template <class T, class Slots>
  static constexpr V read(const step_ctx<T>& x, const Slots&, std::size_t, std::size_t) { return static_cast<V>(x.literals[I]); }
};
// A materialised value: element (UseRow ? r * Stride : 0) + (UseCol ? c : 0) of variable B
// (IsVar) or of kernel B's buffer.
template <bool IsVar, std::size_t B, bool UseRow, bool UseCol, std::size_t Stride, class V> struct from_buffer {
  template <class T, class Slots>
  static constexpr V read(const step_ctx<T>& x, const Slots&, std::size_t r, std::size_t c) {
    const V* p = nullptr;
    if constexpr (IsVar) p = static_cast<const V*>(x.vars[B]);
    else p = static_cast<const V*>(static_cast<const void*>(x.arena + x.offsets[B]));
    return p[(UseRow ? r * Stride : 0) + (UseCol ? c : 0)];
  }
};
// A materialised value read at the position the reading op gives (its evaluation trait
// child_position(r, c): ops::reshape_op's flat position, ops::column_op's column).
template <bool IsVar, std::size_t B, class Op, class V> struct from_buffer_at {
  template <class T, class Slots>
  static constexpr V read(const step_ctx<T>& x, const Slots&, std::size_t r, std::size_t c) {
    const V* p = nullptr;
    if constexpr (IsVar) p = static_cast<const V*>(x.vars[B]);
    else p = static_cast<const V*>(static_cast<const void*>(x.arena + x.offsets[B]));
    return p[Op::child_position(r, c)];
  }
};
// A constant op (no children, e.g. grad()'s seed of ones) is recomputed rather than read back from
// its buffer: see program::constant_node.
template <class Op, class V> struct from_constant {
  template <class T, class Slots>
  static constexpr V read(const step_ctx<T>&, const Slots&, std::size_t, std::size_t) { return static_cast<V>(Op::apply()); }
};
template <std::size_t Out, class Op, class V, class... Cs> struct step {
  template <class T, class Slots>
  static constexpr void compute([[maybe_unused]] const step_ctx<T>& x, Slots& s, [[maybe_unused]] std::size_t r,
                            [[maybe_unused]] std::size_t c) {
    if constexpr (Op::uses_index)
      std::get<Out>(s) = Op::template apply_at<V>(x.info, r, c, Cs::read(x, s, r, c)...);
    else if constexpr (uses_math_v<Op>)
      std::get<Out>(s) = Op::template apply<::ctgrad::math::loop_math>(Cs::read(x, s, r, c)...);
    else
      std::get<Out>(s) = Op::apply(Cs::read(x, s, r, c)...);
  }
};

/// Evaluates Root at element (r, c). Ctx provides:
///   template <class L> value_t<L> literal() const;                // a literal's value
///   template <class Parent, std::size_t I, class Child> auto load(r, c) const;  // materialised children
///   loop_info info() const;
template <class Root, class Mat, class Ctx>
constexpr value_t<Root> eval_element(const Ctx& ctx, std::size_t r, std::size_t c) {
  using list = element_list<Root, Mat>;
  if constexpr (Root::is_leaf) {
    if constexpr (is_lit_v<Root>) return ctx.template literal<Root>();
    else return ctx.template load_leaf<Root>(r, c);
  } else {
    typename slot_tuple<list>::type slots{};
    [&]<class... Ns>(type_list<Ns...>*) {
      meta::in_order{(compute_into<Ns, list, Mat>(ctx, slots, r, c), 0)...};
    }(static_cast<list*>(nullptr));
    return std::get<meta::index_of<Root, list>::value>(slots);
  }
}

}  // namespace ctgrad::detail

namespace ctgrad::detail {
/// The inline nodes of several roots together (their shared nodes once), children first.
template <class Mat, class... Roots>
using elements_list = meta::set_list_t<typename closure_fold<meta::empty_set, type_list<Roots...>, Mat>::type>;

/// The value of R at element (r, c) once the slots of List are computed: a literal, R's slot, or
/// a load (R is materialised or a leaf).
template <class R, class List, class Ctx, class Slots>
constexpr value_t<R> read_element(const Ctx& ctx, const Slots& slots, std::size_t r, std::size_t c) {
  if constexpr (is_lit_v<R>) return ctx.template literal<R>();
  else if constexpr (meta::contains_v<R, List>) return std::get<meta::index_of<R, List>::value>(slots);
  else return ctx.template load_leaf<R>(r, c);
}

/// Evaluates several roots at element (r, c) with shared slots; returns their values as a tuple.
template <class Mat, class... Roots, class Ctx>
constexpr auto eval_elements(const Ctx& ctx, std::size_t r, std::size_t c) {
  using list = elements_list<Mat, Roots...>;
  typename slot_tuple<list>::type slots{};
  [&]<class... Ns>(type_list<Ns...>*) {
    meta::in_order{(compute_into<Ns, list, Mat>(ctx, slots, r, c), 0)...};
  }(static_cast<list*>(nullptr));
  return std::tuple{read_element<Roots, list>(ctx, slots, r, c)...};
}
}  // namespace ctgrad::detail

namespace ctgrad::detail {
// What a loop group evaluates per element (eval/plan.hpp, "loop groups"), children first, shared
// nodes once: each elementwise kernel of the group (itself included, though it is materialised:
// the loop computes it) and the input of each reduction.
template <class Acc, class M, class Mat> struct group_closure {
  using type = typename closure_children<Acc, M, Mat>::type;
};
template <class Acc, class M, class Mat> requires(!M::op::elementwise)
struct group_closure<Acc, M, Mat> {
  using type = typename closure<Acc, meta::at_t<0, typename M::children_types>, Mat>::type;
};
template <class Acc, class Mat, class... Ms> struct group_fold { using type = Acc; };
template <class Acc, class Mat, class M, class... Ms> struct group_fold<Acc, Mat, M, Ms...> {
  using type = typename group_fold<typename group_closure<Acc, M, Mat>::type, Mat, Ms...>::type;
};
template <class Mat, class... Ms>
using group_element_list = meta::set_list_t<typename group_fold<meta::empty_set, Mat, Ms...>::type>;
}  // namespace ctgrad::detail

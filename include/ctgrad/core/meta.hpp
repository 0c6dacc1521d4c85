// ctgrad/core/meta.hpp — the few type-list algorithms the graph needs (membership, index, append
// unique, concatenation). Not for users; kept small so that compile times stay small.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "ctgrad/core/type_list.hpp"

// Type identity without instantiating std::is_same_v<A, B> for every pair of types compared (the
// graph algorithms compare each node type with many others; a builtin keeps that cheap).
#if defined(__GNUC__) || defined(__clang__)
#define CTGRAD_IS_SAME(A, B) __is_same(A, B)
#else
#define CTGRAD_IS_SAME(A, B) std::is_same_v<A, B>
#endif

// Membership, asked once per node of a list of nodes (contains, set_contains), as g++ and clang
// each take it best: a fold for g++ (less memory than a braced list evaluated as a constant: 756
// against 853 MB on test/eval/wide_graph_test.cpp with 60 terms), a braced list for clang, which
// refuses a fold of more than 256 arguments. CTGRAD_ANY_OF(pred<Ts>) is true when one of the
// expansion's values is. (Counting is the other way round for g++: a count of a node's
// contributions as a fold took 846 MB on the same unit, as meta::sum 756 MB.)
#if defined(__clang__)
#define CTGRAD_ANY_OF(...) ::ctgrad::meta::any_of({(__VA_ARGS__)...})
#else
#define CTGRAD_ANY_OF(...) ((__VA_ARGS__) || ...)
#endif

namespace ctgrad::meta {

/// Whether any / every value of a braced list is true: any_of({pred<Ts>...}). Questions over a list
/// of nodes use these instead of fold expressions (pred<Ts> || ...), because clang stops at a fold
/// of more than 256 arguments (its -fbracket-depth), which a compiled graph of more than 256 nodes
/// has; a braced list has no such limit (docs/design.md, "Folds and clang's bracket depth").
constexpr bool any_of(std::initializer_list<bool> values) noexcept {
  for (bool v : values)
    if (v) return true;
  return false;
}
constexpr bool all_of(std::initializer_list<bool> values) noexcept {
  for (bool v : values)
    if (!v) return false;
  return true;
}

constexpr std::size_t sum(std::initializer_list<std::size_t> values) noexcept {
  std::size_t total = 0;
  for (std::size_t v : values) total += v;
  return total;
}
/// Runs a braced list's elements in order, for statements over a list of nodes:
/// meta::in_order{(step<Ns>(), 0)...} where a comma fold (step<Ns>(), ...) would meet the same limit.
struct in_order {
  constexpr in_order(std::initializer_list<int>) noexcept {}
};

/// True when T is one of the types of List. contains_v is a concept, index_of a class deriving from
/// std::integral_constant: neither leaves a symbol named after T and List in the object file, which
/// g++ would otherwise carry through code generation for every lookup (docs/design.md, "Scalar
/// graphs: symbols, not templates"). Library code reads index_of<T, List>::value for that reason.
template <class T, class List> struct contains;
template <class T, class... Ts>
struct contains<T, type_list<Ts...>> : std::bool_constant<CTGRAD_ANY_OF(CTGRAD_IS_SAME(T, Ts))> {};
template <class T, class List> concept contains_v = contains<T, List>::value;

namespace detail {
constexpr std::size_t first_true(std::initializer_list<bool> match) {
  std::size_t i = 0;
  for (bool m : match) {
    if (m) return i;
    ++i;
  }
  return i;
}
}  // namespace detail
/// Position of T in List (the first one); List::size when absent.
template <class T, class List> struct index_of;
template <class T, class... Ts> struct index_of<T, type_list<Ts...>>
    : std::integral_constant<std::size_t, detail::first_true({CTGRAD_IS_SAME(T, Ts)..., true})> {};
template <class T, class List> inline constexpr std::size_t index_of_v = index_of<T, List>::value;

/// Concatenation of lists.
template <class... Lists> struct concat { using type = type_list<>; };
template <class... As> struct concat<type_list<As...>> { using type = type_list<As...>; };
template <class... As, class... Bs, class... Rest>
struct concat<type_list<As...>, type_list<Bs...>, Rest...> {
  using type = typename concat<type_list<As..., Bs...>, Rest...>::type;
};
template <class... Lists> using concat_t = typename concat<Lists...>::type;

/// The I-th type of List. One lookup is one step, not I: a builtin where the compiler has one,
/// else overload resolution against a class deriving from (index, type) pairs.
namespace detail {
template <std::size_t I, class T> struct indexed { using type = T; };
template <class Is, class... Ts> struct indexer;
template <std::size_t... Is, class... Ts>
struct indexer<std::index_sequence<Is...>, Ts...> : indexed<Is, Ts>... {};
template <std::size_t I, class T> indexed<I, T> pick(const indexed<I, T>*);
}  // namespace detail
template <std::size_t I, class List> struct at;
#if defined(__has_builtin) && __has_builtin(__type_pack_element)
template <std::size_t I, class... Ts> struct at<I, type_list<Ts...>> { using type = __type_pack_element<I, Ts...>; };
#else
// g++ 12 has no builtin, and one overload resolution against a class of n bases costs n
// deductions, each allocating: asking for every element of a list of n nodes was quadratic in time
// and memory (460 MB for 1,280 types). A long list is asked in two steps instead: which chunk of
// 16 (a list of n / 16 chunks, split once per list), then which type of the chunk.
namespace detail {
inline constexpr std::size_t at_chunk = 16;
// The chunks of a list, in order, each a type_list of at_chunk types (the last one shorter).
template <class Done, class Rest> struct split_chunks;
template <class... Cs, class... Rest>
  requires(sizeof...(Rest) <= at_chunk)
struct split_chunks<type_list<Cs...>, type_list<Rest...>> { using type = type_list<Cs..., type_list<Rest...>>; };
template <class... Cs, class T0, class T1, class T2, class T3, class T4, class T5, class T6, class T7, class T8, class T9, class T10, class T11, class T12, class T13, class T14, class T15, class... Rest>
  requires(sizeof...(Rest) > 0)
struct split_chunks<type_list<Cs...>, type_list<T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, Rest...>>
    : split_chunks<type_list<Cs..., type_list<T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15>>, type_list<Rest...>> {};
template <class List> struct chunk_table;
template <class... Ts> struct chunk_table<type_list<Ts...>> {
  using chunks = typename split_chunks<type_list<>, type_list<Ts...>>::type;
};
// The I-th type of a short list (a chunk, or the list of chunks).
template <std::size_t I, class List> struct pick_in;
template <std::size_t I, class... Ts> struct pick_in<I, type_list<Ts...>> {
  using type = typename decltype(pick<I>(static_cast<const indexer<std::index_sequence_for<Ts...>, Ts...>*>(nullptr)))::type;
};
}  // namespace detail
// Not a partial specialisation on type_list<Ts...>: matching one deduces the whole list per question.
template <std::size_t I, class List> struct at {
  using type = typename detail::pick_in<I % detail::at_chunk,
      typename detail::pick_in<I / detail::at_chunk, typename detail::chunk_table<List>::chunks>::type>::type;
};
#endif
template <std::size_t I, class List> using at_t = typename at<I, List>::type;

/// Positions by type in a list of distinct types, for many lookups in one list: position_table<List>
/// is built once (a class deriving from (index, type) pairs), then each position_in<T, Table> is
/// one deduction against its bases, where index_of<T, List> instantiates a fold over the whole list
/// per T. T must be in the list.
namespace detail {
template <class T, std::size_t I> std::integral_constant<std::size_t, I> pick_position(const indexed<I, T>*);
}  // namespace detail
template <class List> struct position_table;
template <class... Ts>
struct position_table<type_list<Ts...>> : detail::indexer<std::index_sequence_for<Ts...>, Ts...> {};
template <class T, class Table>
struct position_in : decltype(detail::pick_position<T>(static_cast<const Table*>(nullptr))) {};
/// True when T is in the table's list: one overload resolution against its bases (a derived-to-base
/// conversion ranks above the conversion to void*), not a fold over the list per question.
namespace detail {
template <class T, std::size_t I> std::true_type has_position(const indexed<I, T>*);
template <class T> std::false_type has_position(const void*);
}  // namespace detail
template <class T, class Table>
struct in_table : decltype(detail::has_position<T>(static_cast<const Table*>(nullptr))) {};

/// A set of distinct types built one type at a time, in order of insertion, for the depth-first
/// walks over a graph (topo_order, a kernel's fused nodes): full chunks of set_chunk types, each a
/// position table asked by one overload resolution, and the last chunk as a list. A walk that kept
/// its visited nodes in one list made a new list one type longer per node and scanned it per edge:
/// both the lists' memory and the scans grow with the square of the graph, and g++ 12 slows down
/// further once lists pass 512 types (docs/design.md, "Wide graphs"). Here a step copies at most a
/// chunk and the list of chunks; asking costs one lookup per full chunk.
inline constexpr std::size_t set_chunk = 64;
template <class List> struct set_table : position_table<List> { using list = List; };
template <class Tables, class Last> struct type_set {};
using empty_set = type_set<type_list<>, type_list<>>;
template <class T, class Set> struct set_contains;
template <class T, class... Tables, class... Ls>
struct set_contains<T, type_set<type_list<Tables...>, type_list<Ls...>>>
    : std::bool_constant<CTGRAD_ANY_OF(decltype(detail::has_position<T>(static_cast<const Tables*>(nullptr)))::value) ||
                         CTGRAD_ANY_OF(CTGRAD_IS_SAME(T, Ls))> {};
/// Set with T added at the end (T must not be in it).
template <class Set, class T> struct set_push;
template <class... Tables, class... Ls, class T>
struct set_push<type_set<type_list<Tables...>, type_list<Ls...>>, T>
    : std::conditional<(sizeof...(Ls) + 1 < set_chunk), type_set<type_list<Tables...>, type_list<Ls..., T>>,
                       type_set<type_list<Tables..., set_table<type_list<Ls..., T>>>, type_list<>>> {};
template <class Set, class T> using set_push_t = typename set_push<Set, T>::type;
/// The set's types in order of insertion.
template <class Set> struct set_list;
template <class... Tables, class... Ls> struct set_list<type_set<type_list<Tables...>, type_list<Ls...>>>
    : concat<typename Tables::list..., type_list<Ls...>> {};
template <class Set> using set_list_t = typename set_list<Set>::type;

/// Reversed list. By position, not by moving one type at a time (a recursion as deep as the list:
/// g++ stops at a depth of 900).
template <class List> struct reverse;
template <class... Ts> struct reverse<type_list<Ts...>> {
  template <std::size_t... I>
  static type_list<at_t<sizeof...(Ts) - 1 - I, type_list<Ts...>>...> pick(std::index_sequence<I...>);
  using type = decltype(pick(std::index_sequence_for<Ts...>{}));
};
template <class List> using reverse_t = typename reverse<List>::type;

/// The types T of List for which Pred<T>::value holds, in order.
template <template <class> class Pred, class List> struct filter;
namespace detail {
// The positions of the true entries of keep (a list's length + 1 entries, the last false).
template <std::size_t N, std::size_t Count>
constexpr std::array<std::size_t, Count + 1> true_positions(const std::array<bool, N>& keep) {
  std::array<std::size_t, Count + 1> out{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < N; ++i)
    if (keep[i]) out[k++] = i;
  return out;
}
}  // namespace detail
// Not a concatenation of one-element lists: that recursion is as deep as the list, and a fold.
template <template <class> class Pred, class... Ts> struct filter<Pred, type_list<Ts...>> {
  static constexpr std::array<bool, sizeof...(Ts) + 1> keep{Pred<Ts>::value..., false};
  static constexpr std::size_t count = sum({std::size_t(Pred<Ts>::value)...});
  static constexpr auto positions = detail::true_positions<sizeof...(Ts) + 1, count>(keep);
  template <std::size_t... J>
  static type_list<at_t<positions[J], type_list<Ts...>>...> pick(std::index_sequence<J...>);
  using type = decltype(pick(std::make_index_sequence<count>{}));
};
template <template <class> class Pred, class List> using filter_t = typename filter<Pred, List>::type;

/// Applies F to each index and type: f.template operator()<I, T>().
template <class List, class F> constexpr void for_each_indexed(F&& f);
namespace detail {
template <class... Ts, std::size_t... Is, class F>
constexpr void for_each_indexed_impl(type_list<Ts...>*, std::index_sequence<Is...>, F& f) {
  in_order{(f.template operator()<Is, Ts>(), 0)...};
}
}  // namespace detail
template <class List, class F> constexpr void for_each_indexed(F&& f) {
  [&]<class... Ts>(type_list<Ts...>*) {
    detail::for_each_indexed_impl(static_cast<type_list<Ts...>*>(nullptr),
                                  std::index_sequence_for<Ts...>{}, f);
  }(static_cast<List*>(nullptr));
}

}  // namespace ctgrad::meta

// ctgrad/core/meta.hpp — the few type-list algorithms the graph needs (membership, index, append
// unique, concatenation). Not for users; kept small so that compile times stay small.
#pragma once

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

namespace ctgrad::meta {

/// True when T is one of the types of List. contains_v is a concept, index_of a class deriving from
/// std::integral_constant: neither leaves a symbol named after T and List in the object file, which
/// g++ would otherwise carry through code generation for every lookup (docs/design.md, "Scalar
/// graphs: symbols, not templates"). Library code reads index_of<T, List>::value for that reason.
template <class T, class List> struct contains;
template <class T, class... Ts>
struct contains<T, type_list<Ts...>> : std::bool_constant<(CTGRAD_IS_SAME(T, Ts) || ...)> {};
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

/// List with T appended unless it is already there.
template <class List, class T> struct push_back_unique;
template <class... Ts, class T> struct push_back_unique<type_list<Ts...>, T> {
  using type = std::conditional_t<(CTGRAD_IS_SAME(T, Ts) || ...), type_list<Ts...>, type_list<Ts..., T>>;
};
template <class List, class T> using push_back_unique_t = typename push_back_unique<List, T>::type;

/// Concatenation of lists.
template <class... Lists> struct concat { using type = type_list<>; };
template <class... As> struct concat<type_list<As...>> { using type = type_list<As...>; };
template <class... As, class... Bs, class... Rest>
struct concat<type_list<As...>, type_list<Bs...>, Rest...> {
  using type = typename concat<type_list<As..., Bs...>, Rest...>::type;
};
template <class... Lists> using concat_t = typename concat<Lists...>::type;

/// Union of lists, keeping first occurrences in order.
template <class Acc, class List> struct merge_unique;
template <class Acc> struct merge_unique<Acc, type_list<>> { using type = Acc; };
template <class Acc, class H, class... Ts> struct merge_unique<Acc, type_list<H, Ts...>> {
  using type = typename merge_unique<push_back_unique_t<Acc, H>, type_list<Ts...>>::type;
};
template <class Acc, class List> using merge_unique_t = typename merge_unique<Acc, List>::type;

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
template <std::size_t I, class... Ts> struct at<I, type_list<Ts...>> {
  using type = typename decltype(detail::pick<I>(
      static_cast<const detail::indexer<std::index_sequence_for<Ts...>, Ts...>*>(nullptr)))::type;
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

/// Reversed list.
template <class List, class Acc = type_list<>> struct reverse { using type = Acc; };
template <class H, class... Ts, class... As> struct reverse<type_list<H, Ts...>, type_list<As...>> {
  using type = typename reverse<type_list<Ts...>, type_list<H, As...>>::type;
};
template <class List> using reverse_t = typename reverse<List>::type;

/// The types T of List for which Pred<T>::value holds, in order.
template <template <class> class Pred, class List> struct filter;
template <template <class> class Pred, class... Ts> struct filter<Pred, type_list<Ts...>> {
  using type = concat_t<std::conditional_t<Pred<Ts>::value, type_list<Ts>, type_list<>>...>;
};
template <template <class> class Pred, class List> using filter_t = typename filter<Pred, List>::type;

/// Applies F to each index and type: f.template operator()<I, T>().
template <class List, class F> constexpr void for_each_indexed(F&& f);
namespace detail {
template <class... Ts, std::size_t... Is, class F>
constexpr void for_each_indexed_impl(type_list<Ts...>*, std::index_sequence<Is...>, F& f) {
  (f.template operator()<Is, Ts>(), ...);
}
}  // namespace detail
template <class List, class F> constexpr void for_each_indexed(F&& f) {
  [&]<class... Ts>(type_list<Ts...>*) {
    detail::for_each_indexed_impl(static_cast<type_list<Ts...>*>(nullptr),
                                  std::index_sequence_for<Ts...>{}, f);
  }(static_cast<List*>(nullptr));
}

}  // namespace ctgrad::meta

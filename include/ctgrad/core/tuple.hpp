// ctgrad/core/tuple.hpp — the tuple that holds a node's children: one base class per element, with
// get<I>, apply and tuple_cat, nothing else. Not a std::tuple replacement for users: every node
// type instantiates one, and std::tuple's constrained constructors and std::apply's invoke traits
// were a quarter of the compiler's front end in template-heavy units (clang -ftime-trace, 2026-12-03).
#pragma once

#include <cstddef>
#include <utility>

namespace ctgrad::detail {

template <std::size_t I, class T> struct tuple_leaf { T value; };

template <class Is, class... Ts> struct tuple_base;
template <std::size_t... I, class... Ts>
struct tuple_base<std::index_sequence<I...>, Ts...> : tuple_leaf<I, Ts>... {
  constexpr tuple_base() = default;
  // Not explicit, so that `= {a, b}` and a braced member initialiser work; a constructor rather than
  // aggregate initialisation, whose brace elision clang's -Wmissing-braces (in -Wall) reports.
  constexpr tuple_base(const Ts&... ts) requires(sizeof...(Ts) > 0) : tuple_leaf<I, Ts>{ts}... {}
};

/// Ts... side by side: `tuple<A, B>{a, b}`.
template <class... Ts> struct tuple : tuple_base<std::index_sequence_for<Ts...>, Ts...> {
  using tuple_base<std::index_sequence_for<Ts...>, Ts...>::tuple_base;
};

/// tuple<Xs...>{xs...}.
template <class... Xs> constexpr tuple<Xs...> make_tuple(const Xs&... xs) { return {xs...}; }

/// Element I (found by the base class conversion: no recursion).
template <std::size_t I, class T> constexpr const T& get(const tuple_leaf<I, T>& t) noexcept { return t.value; }

template <class F, std::size_t... I, class... Ts>
constexpr decltype(auto) apply_base(F&& f, const tuple_base<std::index_sequence<I...>, Ts...>& t) {
  return static_cast<F&&>(f)(static_cast<const tuple_leaf<I, Ts>&>(t).value...);
}
/// f(elements...), like std::apply.
template <class F, class... Ts> constexpr decltype(auto) apply(F&& f, const tuple<Ts...>& t) {
  return detail::apply_base(static_cast<F&&>(f), t);
}

/// The elements of a, then those of b, ... in one tuple (like std::tuple_cat).
template <class... Ts> constexpr tuple<Ts...> tuple_cat(const tuple<Ts...>& a) { return a; }
template <class... Ts, class... Us, class... Rest>
constexpr auto tuple_cat(const tuple<Ts...>& a, const tuple<Us...>& b, const Rest&... rest) {
  auto ab = detail::apply([&](const Ts&... x) {
    return detail::apply([&](const Us&... y) { return tuple<Ts..., Us...>{x..., y...}; }, b);
  }, a);
  return detail::tuple_cat(ab, rest...);
}

}  // namespace ctgrad::detail

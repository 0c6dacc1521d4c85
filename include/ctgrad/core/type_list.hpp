// ctgrad/core/type_list.hpp — type_list<Ts...>, a plain compile-time list of types, and for_each_type,
// which calls a generic callable once per type. Deliberately tiny (no algorithms): use Boost.Hana where
// real type-level computation is needed.
#pragma once

#include <cstddef>

namespace ctgrad {

/// An empty tag listing types, e.g. `type_list<fn::relu, fn::sigmoid>`. Holds no values.
template <class... Ts> struct type_list {};

/// The number of types in a type_list (`type_list_size_v<type_list<A, B>> == 2`). The library reads
/// `type_list_size<List>::value`: a class leaves no symbol named after the list in the object file,
/// a variable template does (docs/design.md, "Scalar graphs: symbols, not templates").
template <class List> struct type_list_size { static constexpr std::size_t value = 0; };
template <class... Ts> struct type_list_size<type_list<Ts...>> { static constexpr std::size_t value = sizeof...(Ts); };
template <class List> inline constexpr std::size_t type_list_size_v = type_list_size<List>::value;

/// type_list<Ts...> without its first type: the list of an X-macro whose entries each expand to `, T`
/// is `type_list_after_first<void X(...)>` (the leading void stands before the first comma). The
/// registries of activations, losses and elementwise ops are built this way.
template <class First, class... Ts> using type_list_after_first = type_list<Ts...>;

/// Calls `f.template operator()<T>()` for each T of `List` (a type_list), in order. Usable in constant
/// expressions when f's call operator is constexpr. Example: `for_each_type<L>([]<class T>() { ... });`
template <class List, class F> constexpr void for_each_type(F&& f);

namespace detail {
template <class List> struct for_each_type_impl;
template <class... Ts> struct for_each_type_impl<type_list<Ts...>> {
  template <class F> static constexpr void apply(F& f) { (f.template operator()<Ts>(), ...); }
};
}  // namespace detail

template <class List, class F> constexpr void for_each_type(F&& f) {
  detail::for_each_type_impl<List>::apply(f);
}

}  // namespace ctgrad

// ctgrad/core/bind.hpp — bind(x = a, W = w, ...): the inputs of one evaluation gathered in a
// Boost.Hana map keyed by variable type, so a program can be run from a prepared set of bindings and
// a binding looked up by its variable. Not needed for the common case: prog.run(x = a, ...) takes
// the bindings directly.
#pragma once

#include <type_traits>

#include <boost/hana/at_key.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include "ctgrad/core/meta.hpp"
#include "ctgrad/core/node.hpp"

namespace ctgrad {

namespace detail {
template <class... Vs> inline constexpr bool all_distinct = [] {
  bool ok = true;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((ok = ok && meta::index_of<meta::at_t<I, type_list<Vs...>>, type_list<Vs...>>::value == I), ...);
  }(std::index_sequence_for<Vs...>{});
  return ok;
}();
}  // namespace detail

/// A set of bindings, at most one per variable: a hana::map from hana::type<var<...>> to binding.
template <class... Vs>
struct binding_set {
  using map_type = decltype(boost::hana::make_map(boost::hana::make_pair(boost::hana::type_c<Vs>, binding<Vs>{})...));
  map_type map;

  /// The binding of variable v (a compile error if v is not in the set).
  template <class V> constexpr const binding<V>& operator[](const V&) const {
    static_assert((std::is_same_v<V, Vs> || ...), "binding_set: this variable has no binding in the set");
    return boost::hana::at_key(map, boost::hana::type_c<V>);
  }
  /// Calls f(bindings...) with every binding of the set (e.g. a program's run).
  template <class F> constexpr decltype(auto) apply(F&& f) const {
    return boost::hana::unpack(boost::hana::values(map), static_cast<F&&>(f));
  }
};

/// Gathers bindings `v = value` into a binding_set. Binding one variable twice is a compile error.
template <class... Vs> constexpr auto bind(const binding<Vs>&... bs) {
  if constexpr (!detail::all_distinct<Vs...>) {
    static_assert(detail::all_distinct<Vs...>, "bind: a variable is bound twice; give each variable one value");
    return binding_set<>{};  // one message, no cascade
  } else {
    return binding_set<Vs...>{boost::hana::make_map(boost::hana::make_pair(boost::hana::type_c<Vs>, bs)...)};
  }
}

}  // namespace ctgrad

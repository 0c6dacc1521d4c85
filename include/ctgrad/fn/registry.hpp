// ctgrad/fn/registry.hpp — CTGRAD_ACTIVATIONS, the one list of every activation (activation_list and
// the named functions are generated from it), and the activation_fn concept each entry must model (so
// an incomplete activation cannot be registered). Not a runtime factory: look-up by name is a loop
// over activation_names.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctgrad/core/type_list.hpp"
#include "ctgrad/fn/definitions/param.hpp"
#include "ctgrad/fn/definitions/rectifiers.hpp"
#include "ctgrad/fn/definitions/sigmoids.hpp"
#include "ctgrad/fn/definitions/smooth.hpp"

namespace ctgrad {

namespace detail {
template <class F, class Seq> inline constexpr bool activation_callable = false;
template <class F> inline constexpr bool has_activation_members = false;
template <class List> inline constexpr bool names_unique = false;
}  // namespace detail

/// An activation definition (see fn/definitions/*.hpp): a struct with the docs strings name, formula,
/// derivative, range and kink_convention; `params` (std::array<param_info, 0..2>); the flags smooth and
/// uses_value_in_derivative; and, for T = float, double and long double with the parameters passed as
/// trailing T arguments, constexpr noexcept kinks<T>(p...) -> std::array<T, K>, value<T>(x, p...),
/// d1<T>(x, y, p...) and d2<T>(x, y, p...) -> T, plus reference and reference_d1 over long double.
/// value and d1 must be usable in constant expressions (checked at x = 0.5 with the default parameters).
template <class F>
concept activation_fn =
    detail::has_activation_members<F> &&
    detail::activation_callable<F, std::make_index_sequence<std::tuple_size_v<std::remove_cv_t<decltype(F::params)>>>>;

/// Every activation, in one place: one X(name) per activation, where name is both the struct fn::name
/// and its PyTorch name (fn::name::name, checked below). Everything else is generated from this line:
/// activation_list (which the graph, the tests, the gradient checker and the docs table iterate), the
/// function ctgrad::name(x, params...) of fn/activations.hpp, and the names ctgrad-train accepts in
/// -Dtrain_activations (src/tools/meson.build asks the preprocessor for this list). Adding an activation
/// = its struct in one family header + one X(name) here. Use: `#define F(name) ...` then
/// `CTGRAD_ACTIVATIONS(F)` expands F once per activation, in this order.
#define CTGRAD_ACTIVATIONS(X)                                                                   \
  X(relu) X(leaky_relu) X(relu6) X(hardtanh) X(elu) X(selu) X(celu)                           \
  X(sigmoid) X(logsigmoid) X(hardsigmoid) X(tanh) X(softsign)                                 \
  X(silu) X(gelu) X(gelu_tanh) X(mish) X(softplus) X(hardswish)

/// type_list<fn::relu, fn::leaky_relu, ...>: the structs of CTGRAD_ACTIVATIONS, in its order.
#define CTGRAD_DETAIL_ACTIVATION_TYPE(id) , fn::id
using activation_list = type_list_after_first<void CTGRAD_ACTIVATIONS(CTGRAD_DETAIL_ACTIVATION_TYPE)>;
#undef CTGRAD_DETAIL_ACTIVATION_TYPE

/// True when every entry of `List` (a type_list) models activation_fn and no two share a name.
/// The registry test static_asserts it; the line below makes a bad registration fail everywhere.
template <class List> constexpr bool is_valid_activation_registry() noexcept;

/// The PyTorch names of activation_list, in order (for docs tables and look-up by name).
inline constexpr std::size_t activation_count = type_list_size<activation_list>::value;
constexpr std::array<std::string_view, activation_count> activation_names() noexcept;

// ---- implementation details ---------------------------------------------------------------------------
namespace detail {

template <class T> inline constexpr bool is_param_array = false;
template <std::size_t N> inline constexpr bool is_param_array<std::array<param_info, N>> = N <= 2;
template <class T> inline constexpr bool is_std_array_of = false;
template <class T, std::size_t N> inline constexpr bool is_std_array_of<std::array<T, N>> = true;

template <class F>
  requires requires {
    { F::name } -> std::convertible_to<std::string_view>;
    { F::formula } -> std::convertible_to<std::string_view>;
    { F::derivative } -> std::convertible_to<std::string_view>;
    { F::range } -> std::convertible_to<std::string_view>;
    { F::kink_convention } -> std::convertible_to<std::string_view>;
    F::params;
    { F::smooth } -> std::convertible_to<bool>;
    { F::uses_value_in_derivative } -> std::convertible_to<bool>;
  }
inline constexpr bool has_activation_members<F> =
    is_param_array<std::remove_cv_t<decltype(F::params)>> && std::is_same_v<decltype(F::smooth), const bool> &&
    std::is_same_v<decltype(F::uses_value_in_derivative), const bool>;

template <class T, std::size_t> using repeat_t = T;

template <class F, class T, std::size_t... I>
concept activation_callable_as = requires(T x, repeat_t<T, I>... p, repeat_t<long double, I>... q) {
  { F::template kinks<T>(p...) } noexcept;
  requires is_std_array_of<decltype(F::template kinks<T>(p...))>;
  { F::template value<T>(x, p...) } noexcept -> std::same_as<T>;
  { F::template d1<T>(x, x, p...) } noexcept -> std::same_as<T>;
  { F::template d2<T>(x, x, p...) } noexcept -> std::same_as<T>;
  { F::reference(static_cast<long double>(x), q...) } -> std::same_as<long double>;
  { F::reference_d1(static_cast<long double>(x), q...) } -> std::same_as<long double>;
};

template <class F, std::size_t... I>
concept activation_constexpr = requires {
  typename std::bool_constant<(static_cast<void>(F::template value<double>(0.5, F::params[I].default_value...)),
                               true)>;
  typename std::bool_constant<(static_cast<void>(F::template d1<double>(
                                   0.5, F::template value<double>(0.5, F::params[I].default_value...),
                                   F::params[I].default_value...)),
                               true)>;
};

template <class F, std::size_t... I>
inline constexpr bool activation_callable<F, std::index_sequence<I...>> =
    activation_callable_as<F, float, I...> && activation_callable_as<F, double, I...> &&
    activation_callable_as<F, long double, I...> && activation_constexpr<F, I...>;

template <class... Fs> inline constexpr bool names_unique<type_list<Fs...>> = [] {
  constexpr std::array<std::string_view, sizeof...(Fs)> names{Fs::name...};
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j)
      if (names[i] == names[j]) return false;
  return true;
}();

template <class List> inline constexpr bool all_activation_fns = false;
template <class... Fs> inline constexpr bool all_activation_fns<type_list<Fs...>> = (activation_fn<Fs> && ...);

template <class... Fs>
constexpr std::array<std::string_view, sizeof...(Fs)> names_of(type_list<Fs...>) noexcept {
  return {Fs::name...};
}

}  // namespace detail

template <class List> constexpr bool is_valid_activation_registry() noexcept {
  return detail::all_activation_fns<List> && detail::names_unique<List>;
}

constexpr std::array<std::string_view, activation_count> activation_names() noexcept {
  return detail::names_of(activation_list{});
}

static_assert(detail::all_activation_fns<activation_list>,
              "activation_list: every entry must model activation_fn (docs strings, params, kinks, value, d1, d2, "
              "reference and reference_d1, constexpr and noexcept); see fn/registry.hpp");
static_assert(detail::names_unique<activation_list>, "activation_list: two activations share a name");
// The token of X(id) names the function ctgrad::id and the tool's model fn::id; F::name names the
// activation in the docs, the tool's --activation flag and its outputs. They must be one name.
#define CTGRAD_DETAIL_ACTIVATION_NAME_IS_ITS_TOKEN(id)                                                      \
  static_assert(fn::id::name == std::string_view(#id),                                                     \
                "CTGRAD_ACTIVATIONS: X(" #id ") registers fn::" #id ", whose name must be \"" #id "\" (the " \
                "function ctgrad::" #id " and ctgrad-train's --activation=" #id " are named after it)");
CTGRAD_ACTIVATIONS(CTGRAD_DETAIL_ACTIVATION_NAME_IS_ITS_TOKEN)
#undef CTGRAD_DETAIL_ACTIVATION_NAME_IS_ITS_TOKEN

}  // namespace ctgrad

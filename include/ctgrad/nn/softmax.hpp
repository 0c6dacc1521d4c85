// ctgrad/nn/softmax.hpp — softmax and log_softmax along an axis (default: the last), written as
// compositions of max-subtraction, exp, sum and log so that they are stable and differentiable to
// any order. Not for losses (nn/losses.hpp fuses log_softmax with the label lookup).
#pragma once

#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {

namespace detail {
// Reports a misuse of softmax/log_softmax (one message) and says whether the call is valid.
template <int Axis, class X> constexpr bool softmax_checks() {
  constexpr int rank = int(shape_t<X>::rank);
  constexpr int a = Axis < 0 ? rank + Axis : Axis;
  constexpr bool floating = element_type<value_t<X>>;
  constexpr bool has_axis = rank >= 1;
  constexpr bool axis_ok = a >= 0 && a < rank;
  static_assert(floating, "softmax/log_softmax: needs a float or double expression");
  static_assert(!floating || has_axis,
                "softmax/log_softmax: needs a vector or matrix expression (the softmax of a single "
                "value is always 1)");
  static_assert(!floating || !has_axis || axis_ok,
                "softmax/log_softmax: axis out of range (0 or 1 for a matrix, 0 for a vector; -1 is "
                "the last)");
  return floating && has_axis && axis_ok;
}
template <int Axis, class X> constexpr int softmax_axis() {
  constexpr int rank = int(shape_t<X>::rank);
  constexpr int a = Axis < 0 ? rank + Axis : Axis;
  return rank == 1 ? -1 : a;
}
// x - max(x) along the axis (the max is a constant for the gradient: softmax does not depend on it).
template <int Axis, class X> constexpr auto shifted_by_max(const X& x) {
  constexpr int a = softmax_axis<Axis, X>();
  return x - stop_gradient(max<a, true>(x));
}
}  // namespace detail

/// softmax(x)_i = exp(x_i) / sum_j exp(x_j) along Axis (default -1, the last), computed as
/// exp(x - max) / sum(exp(x - max)): no overflow for any finite input. Same shape as x.
template <int Axis = -1, expression X> constexpr auto softmax(const X& x) {
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!detail::softmax_checks<Axis, X>()) {
    return invalid_expression{};
  } else {
    constexpr int a = detail::softmax_axis<Axis, X>();
    auto e = exp(detail::shifted_by_max<Axis>(x));
    return e / sum<a, true>(e);
  }
}

/// log_softmax(x) = x - max - log(sum(exp(x - max))) along Axis (default the last). Same shape as x.
template <int Axis = -1, expression X> constexpr auto log_softmax(const X& x) {
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!detail::softmax_checks<Axis, X>()) {
    return invalid_expression{};
  } else {
    constexpr int a = detail::softmax_axis<Axis, X>();
    auto z = detail::shifted_by_max<Axis>(x);
    return z - log(sum<a, true>(exp(z)));
  }
}

}  // namespace ctgrad

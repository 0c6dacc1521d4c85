// ctgrad/fn/softmax.hpp — softmax and log_softmax along an axis (default: the last), written as
// compositions of max-subtraction, exp, sum and log1p so that they are stable, with a vector-Jacobian
// product of their own that keeps relative accuracy where a probability rounds to 1 (differentiable to
// any order), and their docs entries (fn::softmax, fn::log_softmax, listed in softmax_list). Not for losses
// (fn/losses.hpp fuses log_softmax with the label lookup).
#pragma once

#include <string_view>

#include "ctgrad/core/math.hpp"
#include "ctgrad/core/type_list.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {

namespace ops {
struct log_softmax_vjp_op;  // log_softmax's VJP node, built by the rule of log_softmax_op below
// The pieces of log_softmax (issue 25). With z = x - max(x) along the axis, log p = z - L with
// L = log(sum exp(z)) = log1p(s), s = the sum of exp(z) over the elements below the max plus the number
// of further maxima: 1 + s rounded would lose s where one class dominates (L ~ 1e-13 for a logit gap of
// 30), and with it log p, the loss and its gradient p - onehot for that class.

/// 1 where z == 0 (the maxima of the shifted row), else 0.
struct softmax_top_op : elementwise_op {
  static constexpr std::string_view name = "softmax_top";
  template <class T> static constexpr T apply(T z) noexcept { return T(z == T(0)); }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};
/// L = log1p(tail + (maxima - 1)).
struct softmax_lse_op : elementwise_op {
  static constexpr std::string_view name = "softmax_lse";
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T> static constexpr T apply(T tail, T maxima) noexcept {
    return M::log1p(tail + (maxima - T(1)));
  }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};
/// 1 where log p > -log 2 (the class that holds more than half the probability: at most one per row).
struct softmax_dominant_op : elementwise_op {
  static constexpr std::string_view name = "softmax_dominant";
  template <class T> static constexpr T apply(T logp) noexcept {
    return T(logp > T(-0.693147180559945309417232121458176568L));
  }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};
/// 1 - softmax_dominant.
struct softmax_not_dominant_op : elementwise_op {
  static constexpr std::string_view name = "softmax_not_dominant";
  template <class T> static constexpr T apply(T logp) noexcept {
    return T(!(logp > T(-0.693147180559945309417232121458176568L)));
  }
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) { return {}; }
  template <std::size_t I, class Self, class T> static constexpr no_grad jvp(const Self&, const T&) { return {}; }
};
/// d(log_softmax_vjp)/dS: -(1 - p) = expm1(log p) for the dominant class, else -p (children log p, p).
struct log_softmax_vjp_ds_op : elementwise_op {
  static constexpr std::string_view name = "log_softmax_vjp_ds";
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T> static constexpr T apply(T logp, T p) noexcept {
    return math::select(softmax_dominant_op::apply(logp) != T(0), M::expm1(logp), -p);
  }
  // d/dlog p of expm1(log p) (dominant) and of -p: p and -p.
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 1) {
      return no_grad{};
    } else {
      const auto& logp = s.template child<0>();
      const auto& p = s.template child<1>();
      return make_node<mul_op>(g, make_node<sub_op>(make_node<mul_op>(p, make_node<softmax_dominant_op>(logp)),
                                                   make_node<mul_op>(p, make_node<softmax_not_dominant_op>(logp))));
    }
  }
  // Elementwise in its children (diagonal Jacobian): the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};

/// softmax's probability p = e / (m + t) (children e = exp(z), t = the sum of e below the maxima and
/// m = the number of maxima, the two sums softmax_lse_op reads). m + t is carried as hi + lo (two-sum,
/// no products, so FMA contraction cannot change it) and p = q - q lo / hi with q = e / hi: the
/// division's rounding only. With two tied classes p = 1/2 - 2e-14 sits just below a power of 2, where
/// each rounding of the sum costs 1 ulp of p, and log_softmax's g - p S (which can cancel) multiplies it:
/// 4.29 ulp with sum(e) formed in order, 1.71 with m + t rounded, 1.29 with the two-sum (docs/
/// activations.md). Derivatives as e / (m + t) (m is piecewise constant: no gradient).
struct softmax_probability_op : elementwise_op {
  static constexpr std::string_view name = "softmax_probability";
  template <class T> static constexpr T apply(T e, T tail, T maxima) noexcept {
    const T hi = maxima + tail;
    const T b = hi - maxima;
    const T lo = (maxima - (hi - b)) + (tail - b);
    const T q = e / hi;
    return q - q * (lo / hi);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 2) {
      return no_grad{};
    } else {
      auto d = make_node<add_op>(s.template child<2>(), s.template child<1>());
      if constexpr (I == 0) return make_node<div_op>(g, d);
      else return make_node<neg_op>(make_node<div_op>(make_node<mul_op>(g, s), d));
    }
  }
  // Elementwise in its children (diagonal Jacobian): the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// p of a log_softmax node s (children z and softmax_lse_op(t, m)): the same node softmax() returns
/// as its value, so that the value and log_softmax's rules share it.
template <class LogSoftmax> constexpr auto softmax_probability_of(const LogSoftmax& s) {
  const auto lse = s.template child<1>();
  return make_node<softmax_probability_op>(make_node<exp_op>(s.template child<0>()), lse.template child<0>(),
                                           lse.template child<1>());
}

/// log p = z - L (children z and L) along axis A (-1: all elements of a vector); its vector-Jacobian
/// product is log_softmax_vjp_op.
template <int A> struct log_softmax_op : elementwise_op {
  static constexpr std::string_view name = "log_softmax";
  template <class T> static constexpr T apply(T z, T lse) noexcept { return z - lse; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 1) {
      return no_grad{};  // L's gradient is in child 0's (the whole Jacobian of log_softmax)
    } else {
      auto p = softmax_probability_of(s);
      auto s_all = sum<A, true>(g);
      auto s_others = sum<A, true>(make_node<mul_op>(g, make_node<softmax_not_dominant_op>(s)));
      return make_node<log_softmax_vjp_op>(g, s_all, s_others, s, p);
    }
  }
  // d log p = dz - sum(p dz) along the axis (L's tangent is in it: child 1 gets none, as in the VJP),
  // p as in the VJP.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dz) {
    if constexpr (I == 1) {
      return no_grad{};
    } else {
      auto p = softmax_probability_of(s);
      return make_node<sub_op>(dz, sum<A, true>(make_node<mul_op>(p, dz)));
    }
  }
};
/// The gradient of log_softmax for the cotangent g: g - p S, S = sum(g) along the axis. For the
/// dominant class k (p_k > 1/2) it is computed as -S_k - expm1(log p_k) S, S_k = the sum of g over the
/// other classes, so p_k - 1 (cross_entropy's gradient for a confident right answer, 1e-13 for a logit
/// gap of 30) keeps its relative accuracy instead of rounding to 0; p of the other classes is
/// e / sum(e) (softmax_probability_op), not exp(log p) (whose rounding grows with |log p|). Children: g, S, S_k, log p, p.
struct log_softmax_vjp_op : elementwise_op {
  static constexpr std::string_view name = "log_softmax_vjp";
  static constexpr bool uses_math = true;
  template <class M = math::loop_math, class T> static constexpr T apply(T g, T s, T s_others, T logp, T p) noexcept {
    const T dominant = -s_others - M::expm1(logp) * s;
    const T other = g - p * s;
    return math::select(softmax_dominant_op::apply(logp) != T(0), dominant, other);
  }
  // The derivatives of log_softmax_vjp_op in its children (p is exp(log p): its dependence on z goes
  // through the child log p, so p itself gets no gradient).
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& gout) {
    const auto& logp = s.template child<3>();
    const auto& p = s.template child<4>();
    if constexpr (I == 0) return make_node<mul_op>(gout, make_node<softmax_not_dominant_op>(logp));
    else if constexpr (I == 1) return make_node<mul_op>(gout, make_node<log_softmax_vjp_ds_op>(logp, p));
    else if constexpr (I == 2) return make_node<neg_op>(make_node<mul_op>(gout, make_node<softmax_dominant_op>(logp)));
    else if constexpr (I == 3) return make_node<neg_op>(make_node<mul_op>(make_node<mul_op>(gout, p), s.template child<1>()));
    else return no_grad{};
  }
  // Elementwise in its children (diagonal Jacobian): the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
/// softmax's value p (child 0, e / sum(e): accurate relative for every class) with the gradient of
/// exp(log p) (child 1): g p into log_softmax's own vector-Jacobian product.
struct softmax_op : elementwise_op {
  static constexpr std::string_view name = "softmax";
  template <class T> static constexpr T apply(T p, T /*logp*/) noexcept { return p; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return no_grad{};
    else return make_node<mul_op>(g, s);
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dlogp) {
    return vjp<I>(s, dlogp);  // d p = p d(log p), through child 1 only (as the VJP)
  }
};
}  // namespace ops

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
// log_softmax of the shifted z (see ops::log_softmax_op): z - log1p(s), s the sum of e = exp(z) minus
// 1 at the maxima (exp(0) is exactly 1, so e - 1 is exactly 0 there) plus the number of maxima - 1.
template <int A, class Z, class E> constexpr auto log_softmax_of_shifted(const Z& z, const E& e) {
  auto top = make_node<ops::softmax_top_op>(z);
  auto lse = make_node<ops::softmax_lse_op>(sum<A, true>(make_node<ops::sub_op>(e, top)), sum<A, true>(top));
  return make_node<ops::log_softmax_op<A>>(z, lse);
}
}  // namespace detail

/// softmax(x)_i = exp(x_i) / sum_j exp(x_j) along Axis (default -1, the last), computed as
/// exp(x - max) / sum(exp(x - max)): no overflow for any finite input. Same shape as x. (For a loss,
/// log_softmax and cross_entropy keep relative accuracy where a probability rounds to 1.)
template <int Axis = -1, expression X> constexpr auto softmax(const X& x) {
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!detail::softmax_checks<Axis, X>()) {
    return invalid_expression{};
  } else {
    constexpr int a = detail::softmax_axis<Axis, X>();
    // The value e / sum(e) with the gradient of exp(log_softmax) (ops::softmax_op), so that the
    // vector-Jacobian product keeps relative accuracy where a probability rounds to 1.
    auto z = detail::shifted_by_max<Axis>(x);
    auto logp = detail::log_softmax_of_shifted<a>(z, exp(z));
    return make_node<ops::softmax_op>(ops::softmax_probability_of(logp), logp);
  }
}

/// log_softmax(x) = x - max - log(sum(exp(x - max))) along Axis (default the last), with the log formed
/// as log1p of the sum below the max (accurate where one class dominates). Same shape as x. Its
/// gradient g - softmax(x) sum(g) is computed so that it keeps relative accuracy where p rounds to 1
/// (ops::log_softmax_vjp_op).
template <int Axis = -1, expression X> constexpr auto log_softmax(const X& x) {
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!detail::softmax_checks<Axis, X>()) {
    return invalid_expression{};
  } else {
    constexpr int a = detail::softmax_axis<Axis, X>();
    auto z = detail::shifted_by_max<Axis>(x);
    return detail::log_softmax_of_shifted<a>(z, exp(z));
  }
}

namespace fn {
// The docs entries of softmax and log_softmax, like an activation's docs strings (docs/activations.md's
// softmax table is generated from them): name, pytorch (its name in torch.nn.functional), formula,
// derivative, stable_form (what ctgrad computes), accuracy (what test/fn/softmax_losses_reference_test.cpp
// measures), parameters; and of<Axis>(x), the function, for the code that iterates softmax_list (the
// gradient checker's suite).
struct softmax {
  static constexpr std::string_view name = "softmax";
  static constexpr std::string_view pytorch = "softmax";
  static constexpr std::string_view formula = "exp(x_i) / sum_j exp(x_j) along the axis";
  static constexpr std::string_view derivative = "vjp p (g - sum(g p)); Jacobian p_i (delta_ij - p_j)";
  static constexpr std::string_view stable_form =
      "e / sum(e), e = exp(x - max), sum(e) carried as a two-sum; its vjp is g p into log_softmax's (relative where p rounds to 1)";
  static constexpr std::string_view accuracy = "value 0.67 / 0.97, vjp 1.56 / 1.29 (10 rows, logit gaps up to 1000)";
  static constexpr std::string_view parameters = "Axis = -1 (template argument; PyTorch's dim)";
  template <int Axis = -1, class X> static constexpr auto of(const X& x) { return ctgrad::softmax<Axis>(x); }
};
struct log_softmax {
  static constexpr std::string_view name = "log_softmax";
  static constexpr std::string_view pytorch = "log_softmax";
  static constexpr std::string_view formula = "x_i - log(sum_j exp(x_j)) along the axis";
  static constexpr std::string_view derivative = "vjp g - softmax(x) sum(g)";
  static constexpr std::string_view stable_form =
      "z - log1p(s), z = x - max, s = the sum of exp(z) below the max + (maxima - 1); vjp -S_others - expm1(log p) S "
      "for a class with p > 1/2";
  static constexpr std::string_view accuracy =
      "value 0.74 / 0.93, vjp 1.66 / 1.29 (10 rows, ties included)";
  static constexpr std::string_view parameters = "Axis = -1 (template argument; PyTorch's dim)";
  template <int Axis = -1, class X> static constexpr auto of(const X& x) { return ctgrad::log_softmax<Axis>(x); }
};
}  // namespace fn

/// type_list<fn::softmax, fn::log_softmax>: the softmax family, for the docs table and the checker's suite.
using softmax_list = type_list<fn::softmax, fn::log_softmax>;

}  // namespace ctgrad

// ctgrad/fn/losses.hpp — losses with PyTorch's names, defaults and reductions: mse, cross_entropy
// (integer labels, optional label smoothing), nll, binary_cross_entropy and
// binary_cross_entropy_with_logits. Each is one struct fn::<name> (its graph, its parameters and its docs
// strings) plus one X(<name>) in CTGRAD_LOSSES, the one list of losses: loss_list (which the tests, the
// gradient checker's suite and the docs table iterate) and the functions ctgrad::<name>(...) are
// generated from it. Not for activations (fn/definitions/, fn/registry.hpp).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "ctgrad/core/math.hpp"
#include "ctgrad/core/type_list.hpp"
#include "ctgrad/fn/softmax.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {

/// How a loss reduces its per-element (or per-row) values: PyTorch's 'mean' (default) and 'sum'.
enum class reduction { mean, sum };

namespace ops {

// The gradient nodes the losses' rules build (defined after the ops that build them).
template <class Shape> struct onehot_op;
struct bce_grad_op;
struct sigmoid_minus_op;

namespace detail {
/// Every label of the bound label variable L is a column index in [0, cols): the run-time check
/// that pick and onehot (its gradient) make before a program computes anything.
template <class L, class Prog> absl::Status check_labels(const Prog& p, std::size_t cols) {
  using S = shape_t<L>;
  const std::size_t batch = p.info().batch;
  const std::size_t rows = shapes::rows<S>(batch) * shapes::cols<S>(batch);  // one label per row
  for (std::size_t r = 0; r < rows; ++r) {
    const auto label = p.template load_leaf<L>(0, r);
    if (label < 0 || static_cast<std::size_t>(label) >= cols)
      return absl::InvalidArgumentError(absl::StrFormat(
          "cross_entropy/nll: label %d at row %d of variable '%s' is out of range [0, %d)",
          static_cast<long long>(label), r, L::name, cols));
  }
  return absl::OkStatus();
}
}  // namespace detail

/// out[r] = x[r, labels[r]]: the log-likelihood lookup of nll/cross_entropy. Its check() rejects
/// labels out of range before the program runs, so kernel() indexes with them unchecked.
struct pick_op {
  static constexpr bool elementwise = false;
  static constexpr std::string_view name = "pick";
  static constexpr ops::curvature curvature = ops::curvature::linear;  // in x (labels are not differentiable)
  template <class X, class L> using value_type = value_t<X>;
  template <class X, class L> using shape_type = shape<shape_t<X>::extents[0]>;
  template <class N, class Prog> static absl::Status check(const Prog& p) {
    using X = meta::at_t<0, typename N::children_types>;
    using L = meta::at_t<1, typename N::children_types>;
    return detail::check_labels<L>(p, shapes::cols<shape_t<X>>(p.info().batch));
  }
  template <class N, class Prog, class T> static absl::Status kernel(const Prog& p, T* out);
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return make_node<onehot_op<shape_t<decltype(s.template child<0>())>>>(g, s.template child<1>());
    else return no_grad{};
  }
  // Linear in x: the same lookup of the tangent (labels get none).
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) {
    if constexpr (I == 0) return make_node<pick_op>(dx, s.template child<1>());
    else return no_grad{};
  }
};

/// The gradient of pick: g[r] at column labels[r], 0 elsewhere (a one-hot scatter) over Shape.
template <class Shape>
struct onehot_op : elementwise_op {
  static constexpr std::string_view name = "onehot";
  static constexpr bool uses_index = true;
  static constexpr bool row_mapped_child = true;
  template <class G, class L> using shape_type = Shape;
  template <class T, class Info, class L>
  static constexpr T apply_at(const Info&, std::size_t, std::size_t c, T g, L label) noexcept {
    return static_cast<std::size_t>(label) == c ? g : T(0);
  }
  // An out-of-range label would silently give a row no target (a gradient-only program has no
  // pick to report it): the same check as pick's, before the program runs.
  template <class N, class Prog> static absl::Status check(const Prog& p) {
    using L = meta::at_t<1, typename N::children_types>;
    return detail::check_labels<L>(p, shapes::cols<Shape>(p.info().batch));
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return make_node<pick_op>(g, s.template child<1>());
    else return no_grad{};
  }  // Linear in g: the same scatter of the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dg) {
    if constexpr (I == 0) return make_node<onehot_op>(dg, s.template child<1>());
    else return no_grad{};
  }
};

template <class N, class Prog, class T> absl::Status pick_op::kernel(const Prog& p, T* out) {
  using X = meta::at_t<0, typename N::children_types>;   // materialised by the plan
  using L = meta::at_t<1, typename N::children_types>;   // a bound label variable
  const std::size_t batch = p.info().batch;
  const std::size_t rows = shapes::rows<shape_t<X>>(batch);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto label = p.template load_leaf<L>(0, r);  // in [0, columns of X): see check()
    out[r] = p.template load_leaf<X>(r, static_cast<std::size_t>(label));
  }
  return absl::OkStatus();
}

/// Binary cross-entropy with logits, stable form: max(x, 0) - x t + log1p(exp(-|x|)).
struct bce_logits_op : elementwise_op {
  static constexpr std::string_view name = "binary_cross_entropy_with_logits";
  template <class T> static constexpr T apply(T x, T t) noexcept {
    return math::max(x, T(0)) - x * t + math::log1p(math::exp(-math::abs(x)));
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return make_node<mul_op>(g, make_node<sigmoid_minus_op>(s.template child<0>(), s.template child<1>()));
    else return make_node<neg_op>(make_node<mul_op>(g, s.template child<0>()));
  }
  // Elementwise (diagonal Jacobian): the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};

/// Binary cross-entropy of probabilities: -(t log p + (1 - t) log(1 - p)), logs clamped at -100
/// (PyTorch), gradient (p - t) / max(p (1 - p), 1e-12) as PyTorch.
struct bce_op : elementwise_op {
  static constexpr std::string_view name = "binary_cross_entropy";
  template <class T> static constexpr T apply(T p, T t) noexcept {
    T lp = math::max(math::log(p), T(-100)), l1p = math::max(math::log1p(-p), T(-100));
    return -(t * lp + (T(1) - t) * l1p);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return make_node<mul_op>(g, make_node<bce_grad_op>(s.template child<0>(), s.template child<1>()));
    else {
      // d/dt = log(1 - p) - log(p), clamped like the value
      using T = value_t<Self>;
      (void)sizeof(T);
      return make_node<mul_op>(g, make_node<sub_op>(make_node<log_op>(make_node<sub_op>(ones_node<T, scalar_shape>{}, s.template child<0>())),
                                                    make_node<log_op>(s.template child<0>())));
    }
  }
  // Elementwise (diagonal Jacobian): the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};
struct bce_grad_op : elementwise_op {
  static constexpr std::string_view name = "binary_cross_entropy_grad";
  static constexpr bool differentiable = false;  // grad() reports a function that needs its derivative
  template <class T> static constexpr T apply(T p, T t) noexcept {
    return (p - t) / math::max(p * (T(1) - p), T(1e-12));
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G&) {
    static_assert(I != I, "grad: second derivatives of binary_cross_entropy are not provided");
    return no_grad{};
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T&) {
    static_assert(I != I, "jvp: second derivatives of binary_cross_entropy are not provided");
    return no_grad{};
  }
};
/// sigmoid(x) sigmoid(-x) = e / (1 + e)^2, e = exp(-|x|): the second derivative of bce_with_logits in
/// x, from x (s (1 - s) would be 0 once s rounds to 1, though it is 9.4e-14 at x = 30).
struct logistic_slope_op : elementwise_op {
  static constexpr std::string_view name = "logistic_slope";
  static constexpr bool differentiable = false;  // grad() reports a function that needs its derivative
  template <class T> static constexpr T apply(T x) noexcept {
    const T e = math::exp(-math::abs(x));
    const T d = T(1) + e;
    return e / (d * d);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G&) {
    static_assert(I != I, "grad: third derivatives of binary_cross_entropy_with_logits are not provided");
    return no_grad{};
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T&) {
    static_assert(I != I, "jvp: third derivatives of binary_cross_entropy_with_logits are not provided");
    return no_grad{};
  }
};
/// sigmoid(x) - t: the derivative of bce_with_logits in x, as (1 - t) - sigmoid(-x) for x >= 0 (t = 1,
/// the confident right answer, gives -sigmoid(-x) exactly instead of 1 - 1 = 0) and sigmoid(x) - t below.
struct sigmoid_minus_op : elementwise_op {
  static constexpr std::string_view name = "sigmoid_minus";
  template <class T> static constexpr T apply(T x, T t) noexcept {
    const T e = math::exp(-math::abs(x));
    const T small = e / (T(1) + e);  // sigmoid(-|x|)
    return math::select(x >= T(0), (T(1) - t) - small, small - t);
  }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (I == 0) return make_node<mul_op>(g, make_node<logistic_slope_op>(s.template child<0>()));
    else return make_node<neg_op>(g);
  }
  // Elementwise (diagonal Jacobian): the JVP is the VJP rule applied to the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) { return vjp<I>(s, dx); }
};

}  // namespace ops

namespace detail {
template <reduction R, class E> constexpr auto reduce_loss(const E& e) {
  if constexpr (R == reduction::mean) return mean(e); else return sum(e);
}
// Reports the first misuse of cross_entropy/nll's operands (one message) and says whether the call
// is valid.
template <class X, class L> constexpr bool labels_checks() {
  constexpr bool matrix = shape_t<X>::rank == 2;
  constexpr bool floating = element_type<value_t<X>>;
  constexpr bool integer = label_type<value_t<L>>;
  constexpr bool vector = shape_t<L>::rank == 1;
  constexpr bool one_per_row = [] {
    if constexpr (matrix && vector) return shape_t<L>::extents[0] == shape_t<X>::extents[0];
    else return true;
  }();
  static_assert(matrix, "cross_entropy/nll: the input must be a [batch, classes] matrix");
  static_assert(!matrix || floating, "cross_entropy/nll: the input must have float or double values");
  static_assert(!matrix || !floating || integer,
                "cross_entropy/nll: labels must be an integer variable of class indices (for "
                "probability targets use binary_cross_entropy)");
  static_assert(!matrix || !floating || !integer || vector,
                "cross_entropy/nll: labels must be a vector (rank 1) of class indices, one per row "
                "of the input");
  static_assert(!matrix || !floating || !integer || !vector || one_per_row,
                "cross_entropy/nll: labels must have one label per row of the input (their extents "
                "differ)");
  return matrix && floating && integer && vector && one_per_row;
}
// Same for mse and the binary cross-entropies: float targets of the input's shape.
template <class P, class Y> constexpr bool targets_checks() {
  constexpr bool floating = element_type<value_t<P>>;
  constexpr bool float_targets = element_type<value_t<Y>>;
  constexpr bool same_type = std::is_same_v<value_t<P>, value_t<Y>>;
  constexpr bool same_shape = std::is_same_v<shape_t<P>, shape_t<Y>>;
  static_assert(floating, "mse/binary_cross_entropy: the input must have float or double values");
  static_assert(!floating || float_targets,
                "mse/binary_cross_entropy: targets must be floating-point values (for class labels "
                "use cross_entropy)");
  static_assert(!floating || !float_targets || same_type,
                "mse/binary_cross_entropy: input and targets have different element types (e.g. "
                "float and double); convert one of them");
  static_assert(!floating || !float_targets || !same_type || same_shape,
                "mse/binary_cross_entropy: input and targets must have the same shape");
  return floating && float_targets && same_type && same_shape;
}
}  // namespace detail

// ---- the losses: one struct each (graph, parameters, docs strings) ------------------------------------------

/// One scalar parameter of a loss, after its two operands (cross_entropy's label_smoothing): `name` is
/// PyTorch's keyword, `default_value` PyTorch's default, `checked_at` the value at which the gradient
/// checker's suite checks it (a row `name(keyword=value)` of its own).
struct loss_param {
  std::string_view name;
  double default_value;
  double checked_at;
};

/// A loss's first operand: any real value (logits, predictions), or probabilities in [0, 1]
/// (binary_cross_entropy). The gradient checker's suite samples it accordingly.
enum class loss_input { real, probability };
/// A loss's second operand: integer class labels, one per row of a [batch, classes] input (no gradient),
/// or float targets of the input's shape (differentiable).
enum class loss_target { class_labels, values };

namespace fn {

// Each struct: the docs strings of docs/activations.md's losses table (name, pytorch: its name in
// torch.nn.functional, formula, derivative, stable_form: what ctgrad computes, accuracy: what
// test/fn/softmax_losses_reference_test.cpp measures, or where it does not measure), `params`, what its
// operands are (input_kind, target_kind), whether the checker also checks reduction::sum on it
// (checks_sum_reduction: the reduction is one function for every loss, checked once), and `loss<R>`, the
// graph, with a static_assert per misuse naming the loss. The function ctgrad::<name> calls loss<R>.

/// Negative log-likelihood of log-probabilities logp [B, C] at integer labels [B].
struct nll {
  static constexpr std::string_view name = "nll";
  static constexpr std::string_view pytorch = "nll_loss";
  static constexpr std::string_view formula = "-logp[y] per row, then the mean (or the sum)";
  static constexpr std::string_view derivative = "-onehot(y) in logp (over B for the mean); labels have none";
  static constexpr std::string_view stable_form = "a lookup (pick) and a negation: no rounding before the reduction";
  static constexpr std::string_view accuracy = "not in the reference table";
  static constexpr std::array<loss_param, 0> params{};
  static constexpr loss_input input_kind = loss_input::real;
  static constexpr loss_target target_kind = loss_target::class_labels;
  static constexpr bool checks_sum_reduction = false;

  template <reduction R, expression X, expression L> static constexpr auto loss(const X& logp, const L& labels) {
    if constexpr (any_invalid_v<X, L>) return invalid_expression{};  // a misuse already reported
    else if constexpr (!ctgrad::detail::labels_checks<X, L>()) return invalid_expression{};
    else return ctgrad::detail::reduce_loss<R>(-make_user_node<ops::pick_op>(logp, labels));
  }
};

/// Cross-entropy of logits [B, C] with integer labels [B]: log_softmax fused with the label
/// lookup (stable for any logits). label_smoothing = eps mixes the one-hot target with uniform
/// eps / C, as PyTorch.
struct cross_entropy {
  static constexpr std::string_view name = "cross_entropy";
  static constexpr std::string_view pytorch = "cross_entropy";
  static constexpr std::string_view formula =
      "logsumexp(z) - z[y] per row; with label_smoothing = eps, (1 - eps) (logsumexp(z) - z[y]) + eps (logsumexp(z) - "
      "mean(z))";
  static constexpr std::string_view derivative =
      "softmax(z) - onehot(y) (with eps: softmax(z) - (1 - eps) onehot(y) - eps / C), over B for the mean";
  static constexpr std::string_view stable_form =
      "nll(log_softmax(z), y), log_softmax as below; the gradient's p - 1 of a class with p > 1/2 as expm1(log p)";
  static constexpr std::string_view accuracy =
      "value 0.47 / 0.93, gradient 1.11 / 0.97, Hessian times g 1.56 / 1.29 (20 rows each, labels argmax and argmin)";
  static constexpr std::array<loss_param, 1> params{{{"label_smoothing", 0.0, 0.1}}};
  static constexpr loss_input input_kind = loss_input::real;
  static constexpr loss_target target_kind = loss_target::class_labels;
  static constexpr bool checks_sum_reduction = true;

  template <reduction R, expression X, expression L> static constexpr auto loss(const X& logits, const L& labels) {
    if constexpr (any_invalid_v<X, L>) return invalid_expression{};  // a misuse already reported
    else if constexpr (!ctgrad::detail::labels_checks<X, L>()) return invalid_expression{};
    else return nll::loss<R>(ctgrad::log_softmax(logits), labels);
  }
  template <reduction R, expression X, expression L>
  static constexpr auto loss(const X& logits, const L& labels, double label_smoothing) {
    if constexpr (any_invalid_v<X, L>) {
      return invalid_expression{};  // a misuse already reported
    } else if constexpr (!ctgrad::detail::labels_checks<X, L>()) {
      return invalid_expression{};
    } else {
      using T = value_t<X>;
      auto ls = ctgrad::log_softmax(logits);
      auto per_row = -make_user_node<ops::pick_op>(ls, labels) * (1.0 - label_smoothing) -
                     mean<1>(ls) * static_cast<T>(label_smoothing);
      return ctgrad::detail::reduce_loss<R>(per_row);
    }
  }
};

/// Mean squared error (or sum with reduction::sum) of predictions and float targets of one shape.
struct mse {
  static constexpr std::string_view name = "mse";
  static constexpr std::string_view pytorch = "mse_loss";
  static constexpr std::string_view formula = "(p - y)^2 per element, then the mean (or the sum)";
  static constexpr std::string_view derivative = "2 (p - y) in p, -2 (p - y) in y (over N for the mean)";
  static constexpr std::string_view stable_form = "square(p - y)";
  static constexpr std::string_view accuracy = "not in the reference table";
  static constexpr std::array<loss_param, 0> params{};
  static constexpr loss_input input_kind = loss_input::real;
  static constexpr loss_target target_kind = loss_target::values;
  static constexpr bool checks_sum_reduction = false;

  template <reduction R, expression P, expression Y> static constexpr auto loss(const P& pred, const Y& target) {
    if constexpr (any_invalid_v<P, Y>) return invalid_expression{};  // a misuse already reported
    else if constexpr (!ctgrad::detail::targets_checks<P, Y>()) return invalid_expression{};
    else return ctgrad::detail::reduce_loss<R>(square(pred - target));
  }
};

/// Binary cross-entropy of probabilities p in [0, 1] and targets t (logs clamped at -100, as PyTorch).
struct binary_cross_entropy {
  static constexpr std::string_view name = "binary_cross_entropy";
  static constexpr std::string_view pytorch = "binary_cross_entropy";
  static constexpr std::string_view formula = "-(t log(p) + (1 - t) log(1 - p)) per element, each log clamped at -100";
  static constexpr std::string_view derivative =
      "(p - t) / max(p (1 - p), 1e-12) in p (PyTorch's clamp), log(1 - p) - log(p) in t; no second derivative";
  static constexpr std::string_view stable_form = "max(log(p), -100) and max(log1p(-p), -100)";
  static constexpr std::string_view accuracy = "not in the reference table";
  static constexpr std::array<loss_param, 0> params{};
  static constexpr loss_input input_kind = loss_input::probability;
  static constexpr loss_target target_kind = loss_target::values;
  static constexpr bool checks_sum_reduction = false;

  template <reduction R, expression P, expression Y> static constexpr auto loss(const P& p, const Y& t) {
    if constexpr (any_invalid_v<P, Y>) return invalid_expression{};  // a misuse already reported
    else if constexpr (!ctgrad::detail::targets_checks<P, Y>()) return invalid_expression{};
    else return ctgrad::detail::reduce_loss<R>(make_user_node<ops::bce_op>(p, t));
  }
};

/// Binary cross-entropy of logits x and targets t in [0, 1], stable for any x.
struct binary_cross_entropy_with_logits {
  static constexpr std::string_view name = "binary_cross_entropy_with_logits";
  static constexpr std::string_view pytorch = "binary_cross_entropy_with_logits";
  static constexpr std::string_view formula = "-(t log(sigmoid(x)) + (1 - t) log(sigmoid(-x))) per element";
  static constexpr std::string_view derivative = "sigmoid(x) - t in x (second: sigmoid(x) sigmoid(-x)), -x in t";
  static constexpr std::string_view stable_form =
      "max(x, 0) - x t + log1p(exp(-|x|)); f' = (1 - t) - sigmoid(-x) for x >= 0; f'' = e / (1 + e)^2, e = exp(-|x|)";
  static constexpr std::string_view accuracy = "f, f', f'' 1.50 / 2.07 (33 rows, x = -1000 .. 1000, t = 0, 1, 0.25)";
  static constexpr std::array<loss_param, 0> params{};
  static constexpr loss_input input_kind = loss_input::real;
  static constexpr loss_target target_kind = loss_target::values;
  static constexpr bool checks_sum_reduction = false;

  template <reduction R, expression X, expression Y> static constexpr auto loss(const X& x, const Y& t) {
    if constexpr (any_invalid_v<X, Y>) return invalid_expression{};  // a misuse already reported
    else if constexpr (!ctgrad::detail::targets_checks<X, Y>()) return invalid_expression{};
    else return ctgrad::detail::reduce_loss<R>(make_user_node<ops::bce_logits_op>(x, t));
  }
};

}  // namespace fn

// ---- the registry ----------------------------------------------------------------------------------------------

/// Every loss, in one place: one X(name) per loss, where name is both the struct fn::name and the function
/// ctgrad::name (fn::name::name, checked below). Generated from this line: loss_list (which the tests, the
/// gradient checker's suite and docs/activations.md's losses table iterate) and the function
/// `ctgrad::name<R = reduction::mean>(input, target, params...)` below. Adding a loss = its struct above +
/// one X(name) here + its docs entry (regenerate the table). Use: `#define F(name) ...` then
/// `CTGRAD_LOSSES(F)` expands F once per loss, in this order.
#define CTGRAD_LOSSES(X) X(mse) X(cross_entropy) X(nll) X(binary_cross_entropy) X(binary_cross_entropy_with_logits)

/// A loss definition (the structs above): the docs strings name, pytorch, formula, derivative, stable_form
/// and accuracy; `params` (std::array<loss_param, N>); input_kind, target_kind and checks_sum_reduction.
namespace detail {
template <class T> inline constexpr bool is_loss_param_array = false;
template <std::size_t N> inline constexpr bool is_loss_param_array<std::array<loss_param, N>> = true;
}  // namespace detail

template <class F>
concept loss_fn = requires {
  { F::name } -> std::convertible_to<std::string_view>;
  { F::pytorch } -> std::convertible_to<std::string_view>;
  { F::formula } -> std::convertible_to<std::string_view>;
  { F::derivative } -> std::convertible_to<std::string_view>;
  { F::stable_form } -> std::convertible_to<std::string_view>;
  { F::accuracy } -> std::convertible_to<std::string_view>;
  requires detail::is_loss_param_array<std::remove_cv_t<decltype(F::params)>>;
  requires std::is_same_v<decltype(F::input_kind), const loss_input>;
  requires std::is_same_v<decltype(F::target_kind), const loss_target>;
  requires std::is_same_v<decltype(F::checks_sum_reduction), const bool>;
};

namespace detail {
template <class... Fs> constexpr std::array<std::string_view, sizeof...(Fs)> loss_names_of(type_list<Fs...>) noexcept {
  return {Fs::name...};
}
template <class List> inline constexpr bool all_loss_fns = false;
template <class... Fs> inline constexpr bool all_loss_fns<type_list<Fs...>> = (loss_fn<Fs> && ...);
}  // namespace detail

/// type_list<fn::mse, fn::cross_entropy, ...>: the structs of CTGRAD_LOSSES, in its order.
#define CTGRAD_DETAIL_LOSS_TYPE(id) , fn::id
using loss_list = type_list_after_first<void CTGRAD_LOSSES(CTGRAD_DETAIL_LOSS_TYPE)>;
#undef CTGRAD_DETAIL_LOSS_TYPE

/// The names of loss_list, in order (the functions' names; the docs table and the checker's rows).
inline constexpr std::size_t loss_count = type_list_size<loss_list>::value;
constexpr std::array<std::string_view, loss_count> loss_names() noexcept { return detail::loss_names_of(loss_list{}); }

static_assert(detail::all_loss_fns<loss_list>,
              "loss_list: every entry must model loss_fn (docs strings, params, input_kind, target_kind, "
              "checks_sum_reduction); see fn/losses.hpp");
// The token of X(id) names the function ctgrad::id and the struct fn::id; F::name names the loss in the
// docs and the checker's rows. They must be one name.
#define CTGRAD_DETAIL_LOSS_NAME_IS_ITS_TOKEN(id)                                                 \
  static_assert(fn::id::name == std::string_view(#id),                                          \
                "CTGRAD_LOSSES: X(" #id ") registers fn::" #id ", whose name must be \"" #id "\" " \
                "(the function ctgrad::" #id " is named after it)");
CTGRAD_LOSSES(CTGRAD_DETAIL_LOSS_NAME_IS_ITS_TOKEN)
#undef CTGRAD_DETAIL_LOSS_NAME_IS_ITS_TOKEN

// One function per entry of CTGRAD_LOSSES: `name<R = reduction::mean>(input, target, params...)` builds
// fn::name's graph (the parameters in PyTorch's order, e.g. cross_entropy(z, y, label_smoothing)).
#define CTGRAD_LOSS_FUNCTION(lname)                                                                    \
  template <reduction R = reduction::mean, expression A, expression B, class... P>                    \
    requires(std::is_arithmetic_v<P> && ...)                                                           \
  constexpr auto lname(const A& input, const B& target, P... params) {                                 \
    static_assert(sizeof...(P) <= fn::lname::params.size(),                                            \
                  #lname ": too many arguments (the input, the target, then at most the parameters of " \
                  "fn::" #lname "::params)");                                                          \
    if constexpr (sizeof...(P) > fn::lname::params.size()) return invalid_expression{};                \
    else return fn::lname::template loss<R>(input, target, params...);                                 \
  }
CTGRAD_LOSSES(CTGRAD_LOSS_FUNCTION)
#undef CTGRAD_LOSS_FUNCTION

}  // namespace ctgrad

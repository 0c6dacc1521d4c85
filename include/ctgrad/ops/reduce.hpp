// ctgrad/ops/reduce.hpp — reductions (sum, mean, max: over all elements or along an axis), the
// broadcasts that are their gradients, and element<K>(x) (a sum against the unit tensor e_K). Not for elementwise ops (elementwise.hpp).
#pragma once

#include <concepts>
#include <cstddef>
#include <limits>
#include <string_view>

#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {
namespace ops {

enum class reduce_kind { sum, mean, max };
enum class count_scale { none, inv_count };
// Each op states its value's shape, its evaluation traits and its derivative rules together; the
// rules build nodes of the ops below (the gradient of a reduction is a broadcast, and back), declared first.
template <reduce_kind Kind, int Axis, bool KeepDims> struct reduce_op;
template <class Shape, bool RowMapped, int Axis, count_scale Scale> struct broadcast_to_op;

/// A reduction as compile() evaluates it (eval/plan.hpp and eval/compile.hpp read these traits; no
/// list of reductions there): one child, reduced over `axis` (-1: all elements; 0: rows, [R,C] ->
/// [C], or a vector's elements; 1: columns, [R,C] -> [R]) with `init<T>` as the start value,
/// `combine(a, b)` as the step (applied to partial results too, so it must be associative up to
/// rounding, and the evaluator keeps a fixed order) and `finish(acc, count)` for the result of
/// `count` elements. The child is fused into the reduction's loop (`needs_buffer` false).
template <class Op>
concept reduction_op = requires {
  requires !Op::elementwise;
  { Op::axis } -> std::convertible_to<int>;
  { Op::template init<float> } -> std::convertible_to<float>;
  { Op::template combine<float>(1.0f, 1.0f) } -> std::same_as<float>;
  { Op::template finish<float>(1.0f, std::size_t{1}) } -> std::same_as<float>;
};

/// Reduction of the child over Axis (-1: all elements; 0: rows; 1: columns), keeping the reduced
/// dimension as extent 1 when KeepDims. Evaluated fused with its (elementwise) child.
template <reduce_kind Kind, int Axis, bool KeepDims>
struct reduce_op {
  static constexpr bool elementwise = false;
  static constexpr reduce_kind kind = Kind;
  static constexpr int axis = Axis;
  static constexpr bool keep_dims = KeepDims;
  static constexpr std::string_view name = Kind == reduce_kind::sum ? "sum" : Kind == reduce_kind::mean ? "mean" : "max";
  static constexpr ops::curvature curvature = Kind == reduce_kind::max ? ops::curvature::nonlinear : ops::curvature::linear;
  template <class C> using value_type = value_t<C>;
  template <class C> using shape_type = shapes::reduce_t<shape_t<C>, Axis, KeepDims>;
  // Evaluation traits (reduction_op): the child is fused into the accumulation loop.
  template <std::size_t I> static constexpr bool needs_buffer = false;
  template <class T> static constexpr T init = Kind == reduce_kind::max ? -std::numeric_limits<T>::infinity() : T(0);
  template <class T> static constexpr T combine(T a, T b) noexcept {
    if constexpr (Kind == reduce_kind::max) return a > b ? a : b;
    else return a + b;
  }
  template <class T> static constexpr T finish(T acc, std::size_t count) noexcept {
    if constexpr (Kind == reduce_kind::mean) return acc / static_cast<T>(count);
    else return acc;
  }
  // The gradient spreads g back over the reduced elements (divided by their count for the mean); max's
  // goes to every maximal element.
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    using XS = shape_t<decltype(s.template child<0>())>;
    constexpr bool row_mapped = Axis == 1 && !KeepDims;
    constexpr count_scale sc = Kind == reduce_kind::mean ? count_scale::inv_count : count_scale::none;
    auto spread = make_node<broadcast_to_op<XS, row_mapped, Axis, sc>>(g);
    if constexpr (Kind == reduce_kind::max) {
      auto m = make_node<broadcast_to_op<XS, row_mapped, Axis, count_scale::none>>(s);
      return make_node<mul_op>(spread, make_node<eq_mask_op>(s.template child<0>(), m));
    } else {
      return spread;
    }
  }
  // sum and mean are linear: the same reduction of the tangent. max: the tangent's sum over the maximal
  // elements (the transpose of vjp's spreading of g to every maximal element).
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) {
    if constexpr (Kind == reduce_kind::max) {
      using XS = shape_t<decltype(s.template child<0>())>;
      constexpr bool row_mapped = Axis == 1 && !KeepDims;
      auto m = make_node<broadcast_to_op<XS, row_mapped, Axis, count_scale::none>>(s);
      return make_node<reduce_op<reduce_kind::sum, Axis, KeepDims>>(
          make_node<mul_op>(dx, make_node<eq_mask_op>(s.template child<0>(), m)));
    } else {
      return make_node<reduce_op>(dx);
    }
  }
};

/// The unit tensor e_K of Shape (1 at flat position K, row-major, 0 elsewhere): a direction for jvp,
/// a selector for one element of a vector. No children.
template <class T, class Shape, std::size_t K>
struct unit_op : elementwise_op {
  static constexpr std::string_view name = "unit";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  static constexpr bool uses_index = true;
  template <class...> using value_type = T;
  template <class...> using shape_type = Shape;
  template <class U, class Info>
  static constexpr U apply_at(const Info&, std::size_t r, std::size_t c) noexcept {
    return U(r * shapes::cols<Shape>() + c == K);
  }
};

/// Broadcasts its child to Shape: the gradient of a reduction. RowMapped: a rank-1 child indexes
/// rows (the gradient of a reduction along axis 1). Scale::inv_count divides by the number of
/// elements the reduction saw (the gradient of mean).
template <class Shape, bool RowMapped, int Axis, count_scale Scale>
struct broadcast_to_op : elementwise_op {
  static constexpr std::string_view name = "broadcast_to";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  static constexpr bool row_mapped_child = RowMapped;
  static constexpr int axis = Axis;
  static constexpr count_scale scale = Scale;
  static constexpr bool uses_index = Scale == count_scale::inv_count;
  template <class C> using shape_type = Shape;
  template <class T> static constexpr T apply(T g) noexcept { return g; }
  /// g / n, n the number of elements the (mean) reduction saw, known once the batch is.
  template <class T, class Info>
  static constexpr T apply_at(const Info& info, std::size_t, std::size_t, T g) noexcept {
    std::size_t n = Axis == 0 ? shapes::rows<Shape>(info.batch)
                  : Axis == 1 ? shapes::cols<Shape>(info.batch) : shapes::size<Shape>(info.batch);
    if constexpr (Shape::rank == 1 && Axis == 0) n = shapes::cols<Shape>(info.batch);
    return g / static_cast<T>(n);
  }
  // The gradient of a broadcast is the reduction it undoes: a sum (a mean for inv_count) over what was
  // spread, keeping the child's shape.
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    using CS = shape_t<decltype(s.template child<0>())>;
    constexpr reduce_kind k = Scale == count_scale::inv_count ? reduce_kind::mean : reduce_kind::sum;
    if constexpr (CS::rank == 0) return make_node<reduce_op<k, -1, false>>(g);
    else if constexpr (RowMapped) return make_node<reduce_op<k, 1, false>>(g);
    else if constexpr (Shape::rank == CS::rank) {
      if constexpr (CS::extents[0] == 1 && CS::rank == 2 && CS::extents[1] == 1) return make_node<reduce_op<k, -1, true>>(g);
      else if constexpr (CS::rank == 2 && CS::extents[0] == 1) return make_node<reduce_op<k, 0, true>>(g);
      else if constexpr (CS::rank == 2) return make_node<reduce_op<k, 1, true>>(g);
      else return make_node<reduce_op<k, -1, true>>(g);
    } else return make_node<reduce_op<k, 0, false>>(g);
  }
  // Linear: the same broadcast of the tangent.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T& dx) {
    return make_node<broadcast_to_op>(dx);
  }
};

}  // namespace ops

namespace detail {
template <ops::reduce_kind K, int Axis, bool Keep, class X>
constexpr auto make_reduce(const X& x) {
  constexpr bool floating = element_type<value_t<X>>;
  constexpr bool axis_ok = Axis == -1 || (Axis >= 0 && Axis < int(shape_t<X>::rank));
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!floating) {
    static_assert(floating, "sum/mean/max: needs a float or double expression");
    return invalid_expression{};
  } else if constexpr (!axis_ok) {
    static_assert(axis_ok,
                  "sum/mean/max: axis out of range for the expression's rank (axis 0 or 1 for a "
                  "matrix, 0 for a vector; none for all elements)");
    return invalid_expression{};
  } else {
    return make_node<ops::reduce_op<K, Axis, Keep>>(x);
  }
}
}  // namespace detail

/// Sum of all elements (a scalar).
template <expression X> constexpr auto sum(const X& x) { return detail::make_reduce<ops::reduce_kind::sum, -1, false>(x); }
/// Sum along Axis (0 sums rows away: [R,C] -> [C]; 1 sums columns away: [R,C] -> [R]).
template <int Axis, bool KeepDims = false, expression X> constexpr auto sum(const X& x) {
  return detail::make_reduce<ops::reduce_kind::sum, Axis, KeepDims>(x);
}
/// Mean of all elements (a scalar).
template <expression X> constexpr auto mean(const X& x) { return detail::make_reduce<ops::reduce_kind::mean, -1, false>(x); }
/// Mean along Axis.
template <int Axis, bool KeepDims = false, expression X> constexpr auto mean(const X& x) {
  return detail::make_reduce<ops::reduce_kind::mean, Axis, KeepDims>(x);
}
/// Maximum of all elements; its gradient goes to every maximal element.
template <expression X> constexpr auto max(const X& x) { return detail::make_reduce<ops::reduce_kind::max, -1, false>(x); }
/// Maximum along Axis.
template <int Axis, bool KeepDims = false, expression X> constexpr auto max(const X& x) {
  return detail::make_reduce<ops::reduce_kind::max, Axis, KeepDims>(x);
}

/// Element K of a vector (or of a matrix, row-major) as a scalar expression: sum(x * e_K). Its
/// gradient is e_K g; a constant index, checked at compile time.
template <std::size_t K, expression X> constexpr auto element(const X& x) {
  constexpr bool floating = element_type<value_t<X>>;
  constexpr bool fixed = shape_t<X>::rank >= 1 && shapes::rows<shape_t<X>>() != dyn && shapes::cols<shape_t<X>>() != dyn;
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!floating || !fixed) {
    static_assert(floating && fixed, "element: needs a float or double vector or matrix of fixed extents");
    return invalid_expression{};
  } else if constexpr (K >= shapes::rows<shape_t<X>>() * shapes::cols<shape_t<X>>()) {
    static_assert(K < shapes::rows<shape_t<X>>() * shapes::cols<shape_t<X>>(),
                  "element: index out of range (elements are numbered row by row from 0)");
    return invalid_expression{};
  } else {
    return make_node<ops::reduce_op<ops::reduce_kind::sum, -1, false>>(
        make_node<ops::mul_op>(x, node<ops::unit_op<value_t<X>, shape_t<X>, K>>{}));
  }
}

/// Sums g down to Shape (undoes broadcasting): the adjoint of an operand that was broadcast.
template <class Shape, class G>
constexpr auto reduce_to(const G& g) {
  using S = shape_t<G>;
  if constexpr (std::is_same_v<S, Shape>) {
    return g;
  } else if constexpr (Shape::rank == 0) {
    return make_node<ops::reduce_op<ops::reduce_kind::sum, -1, false>>(g);
  } else if constexpr (S::rank == 2 && Shape::rank == 1) {       // [R,C] -> [C]
    return make_node<ops::reduce_op<ops::reduce_kind::sum, 0, false>>(g);
  } else if constexpr (S::rank == 2 && Shape::rank == 2) {
    if constexpr (Shape::extents[0] == 1 && Shape::extents[1] == 1)
      return make_node<ops::reduce_op<ops::reduce_kind::sum, -1, true>>(g);
    else if constexpr (Shape::extents[0] == 1)
      return make_node<ops::reduce_op<ops::reduce_kind::sum, 0, true>>(g);
    else
      return make_node<ops::reduce_op<ops::reduce_kind::sum, 1, true>>(g);
  } else {                                                          // [C] -> [1]
    return make_node<ops::reduce_op<ops::reduce_kind::sum, -1, true>>(g);
  }
}

}  // namespace ctgrad

// ctgrad/autodiff/jacobian.hpp — jacobian(F, v...): the Jacobian of a scalar, vector or matrix
// expression in scalar, vector or matrix variables, as an expression per variable (F's elements by
// the variable's, both row-major), accumulated forward (one jvp per input element) or in reverse (one
// gradient per output element), whichever is fewer, chosen at compile time from the shapes. Also the
// two ops it assembles a matrix with (unit vectors, stacking); matrices are flattened by reshape.
// Not for a function whose extent is the run-time batch and a matrix (use jvp / grad along directions).
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/autodiff/jvp.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reshape.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {
namespace ops {

/// N vectors of extent L (the children) side by side: ByColumn, an [L, N] matrix whose column k is
/// child k; else an [N, L] matrix whose row k is child k. Linear in every child.
template <bool ByColumn>
struct stack_op : elementwise_op {
  static constexpr std::string_view name = ByColumn ? "stack_columns" : "stack_rows";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  static constexpr bool uses_index = true;
  static constexpr bool row_mapped_child = ByColumn;  // a column's element r is its child's element r
  template <class C0, class... Cs>
  using shape_type = std::conditional_t<ByColumn, shape<shapes::cols<shape_t<C0>>(), 1 + sizeof...(Cs)>,
                                        shape<1 + sizeof...(Cs), shapes::cols<shape_t<C0>>()>>;
  template <class T, class Info, class... V>
  static constexpr T apply_at(const Info&, std::size_t r, std::size_t c, V... v) noexcept {
    const T values[] = {static_cast<T>(v)...};
    return values[ByColumn ? c : r];
  }
  // Child I's part of a matrix g: column (row) I, as sum(g * e_I) across the other axis.
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G& g) {
    using S = shape_t<Self>;
    using T = value_t<Self>;
    if constexpr (ByColumn) {
      return make_node<reduce_op<reduce_kind::sum, 1, false>>(
          make_node<mul_op>(g, node<unit_op<T, shape<1, S::extents[1]>, I>>{}));
    } else {
      return make_node<reduce_op<reduce_kind::sum, 0, false>>(
          make_node<mul_op>(g, node<unit_op<T, shape<S::extents[0], 1>, I>>{}));
    }
  }
  // Child I's tangent in column (row) I, zeros elsewhere.
  template <std::size_t I, class Self, class D> static constexpr auto jvp(const Self&, const D& dx) {
    using S = shape_t<Self>;
    using T = value_t<Self>;
    if constexpr (ByColumn) {
      return make_node<mul_op>(make_node<broadcast_to_op<S, true, 1, count_scale::none>>(dx),
                               node<unit_op<T, shape<1, S::extents[1]>, I>>{});
    } else {
      return make_node<mul_op>(make_node<broadcast_to_op<S, false, -1, count_scale::none>>(dx),
                               node<unit_op<T, shape<S::extents[0], 1>, I>>{});
    }
  }
};

}  // namespace ops

/// How jacobian(F, x) accumulates: forward (one jvp per element of x) or reverse (one gradient per
/// element of F). Chosen at compile time: reverse when F has fewer elements than x, else forward
/// (and forward when F's extent is the run-time batch).
enum class jacobian_mode { forward, reverse };

namespace detail {
// The number of elements of a shape (dyn when an extent is the batch).
template <class S> constexpr std::size_t element_count() {
  return S::is_static ? shapes::size<S>(1) : dyn;
}
template <class F, class X> constexpr jacobian_mode jacobian_mode_of() {
  constexpr std::size_t m = element_count<shape_t<F>>(), n = element_count<shape_t<X>>();
  return (m != dyn && m < n) ? jacobian_mode::reverse : jacobian_mode::forward;
}

// e as a vector of its elements, row-major (a vector as it is).
template <class E> constexpr auto flat_vector(const E& e) {
  if constexpr (shape_t<E>::rank == 2) return reshape<shape<element_count<shape_t<E>>()>>(e);
  else return e;
}

template <class F, class X> constexpr auto jacobian_block(const F& f, const X& x) {
  using T = value_t<F>;
  using SF = shape_t<F>;
  using SX = shape_t<X>;
  if constexpr (SF::rank == 0) {
    return grad(f, x);                                   // a gradient: x's shape
  } else if constexpr (SX::rank == 0) {
    return jvp(f, x, ones_node<T, scalar_shape>{});      // a column: F's shape
  } else if constexpr (jacobian_mode_of<F, X>() == jacobian_mode::reverse) {
    // Row i: the gradient of F's element i (row-major), sum(F * e_i), flattened.
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return make_node<ops::stack_op<false>>(flat_vector(
          grad(make_node<ops::reduce_op<ops::reduce_kind::sum, -1, false>>(
                   make_node<ops::mul_op>(f, node<ops::unit_op<T, SF, I>>{})), x))...);
    }(std::make_index_sequence<element_count<SF>()>{});
  } else {
    // Column k: the tangent of F along e_k (x's element k, row-major), flattened.
    return [&]<std::size_t... K>(std::index_sequence<K...>) {
      return make_node<ops::stack_op<true>>(flat_vector(jvp(f, x, node<ops::unit_op<T, SX, K>>{}))...);
    }(std::make_index_sequence<element_count<SX>()>{});
  }
}
}  // namespace detail

/// The accumulation order jacobian(F, x) uses for these types (jacobian_mode).
template <class F, class X>
inline constexpr jacobian_mode jacobian_mode_v = detail::jacobian_mode_of<F, X>();

/// The Jacobian of F (a scalar, vector or matrix expression) in the variables vs (scalars, vectors or
/// matrices of fixed extents), as expressions. Block for variable x: an [m, n] matrix, m = F's
/// elements (rows), n = x's (columns), both numbered row-major: J[i][k] = dF_i / dx_k, F_i =
/// F(i / C, i % C) for a [R, C] matrix F, x_k likewise; F a scalar: the gradient (x's shape); x a
/// scalar: the column dF/dx (F's shape). One variable: that block; several: a gradient_set of blocks
/// (index it by variable). Accumulated forward or in reverse, whichever needs fewer passes
/// (jacobian_mode_v). A matrix F must have fixed extents (a vector F may be the batch).
template <expression F, class... Vs>
constexpr auto jacobian(const F& f, const Vs&... vs) {
  constexpr bool some = sizeof...(Vs) > 0;
  constexpr bool vars = (is_var_v<Vs> && ...);
  constexpr bool floating = element_type<value_t<F>>;
  constexpr bool float_vars = (element_type<value_t<Vs>> && ...);
  constexpr bool f_rank = shape_t<F>::rank <= 1 || shape_t<F>::is_static;
  constexpr bool var_fixed = (shape_t<Vs>::is_static && ...);
  if constexpr (any_invalid_v<F, Vs...>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!some || !vars) {
    static_assert(some && vars,
                  "jacobian: name the variables (ctgrad::var<...>) to differentiate with respect to, not "
                  "expressions; to differentiate through an intermediate, make it a variable");
    return invalid_expression{};
  } else if constexpr (!floating) {
    static_assert(floating, "jacobian: the function must have a float or double value");
    return invalid_expression{};
  } else if constexpr (!float_vars) {
    static_assert(float_vars,
                  "jacobian: cannot differentiate with respect to an integer (label) variable; name the "
                  "float variables only");
    return invalid_expression{};
  } else if constexpr (!f_rank) {
    static_assert(f_rank,
                  "jacobian: a matrix-valued function must have fixed extents (its rows cannot be the batch); "
                  "take the jacobian of one example, or jvp along the directions you need");
    return invalid_expression{};
  } else if constexpr (!var_fixed) {
    static_assert(var_fixed,
                  "jacobian: the variables must have fixed extents (a batch variable has no fixed number of "
                  "columns in the Jacobian); bind one example, or use jvp(F, W, dW) along the directions you need");
    return invalid_expression{};
  } else if constexpr (sizeof...(Vs) == 1) {
    return detail::jacobian_block(f, vs...);
  } else {
    return gradient_set<F, type_list<Vs...>, std::remove_cvref_t<decltype(detail::jacobian_block(f, vs))>...>{
        f, {detail::jacobian_block(f, vs)...}};
  }
}

}  // namespace ctgrad

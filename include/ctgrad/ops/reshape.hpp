// ctgrad/ops/reshape.hpp — layout ops that read their child's buffer where they say (the evaluation
// trait child_position): reshape<Shape>(x), x's elements row-major in another shape, and column_op,
// a matrix's column (the tangent of A x along e_k: matmul's jvp rule, linalg.hpp). Not for transpose
// (a kernel of its own: linalg.hpp). Light on purpose: jacobian and hessian (scalar.hpp) include it.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "ctgrad/core/node.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {
namespace ops {

/// The child's elements, row-major, in Shape (the same number of elements, fixed extents): [R, C] ->
/// [R C] flattens a matrix, [R C] -> [R, C] folds a vector back. Linear: its vjp reshapes the adjoint
/// to the child's shape, its jvp the tangent to Shape.
template <class Shape>
struct reshape_op : elementwise_op {
  static constexpr std::string_view name = "reshape";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class C> using shape_type = Shape;
  // Evaluation trait (eval/compile.hpp, source_of): the child, of another shape and so in a buffer
  // (plan.hpp), is read for element (r, c) at position child_position(r, c), here the element's flat
  // position: the child's buffer seen row-major as Shape. The op itself is fused into its readers'
  // loops like any elementwise op.
  static constexpr std::size_t child_position(std::size_t r, std::size_t c) noexcept {
    return r * shapes::cols<Shape>() + c;
  }
  template <class T> static constexpr T apply(T x) noexcept { return x; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    return make_node<reshape_op<shape_t<decltype(s.template child<0>())>>>(g);
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T& dx) {
    return make_node<reshape_op>(dx);
  }
};

/// Column K of a matrix of N columns, a vector: matmul(A, e_K), the tangent of A x along the unit
/// direction e_K (matmul's jvp rule makes it), read from A's buffer instead of a product by e_K. Linear.
template <std::size_t N, std::size_t K>
struct column_op : elementwise_op {
  static constexpr std::string_view name = "column";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class C> using shape_type = shape<shape_t<C>::extents[0]>;
  // Evaluation trait (as reshape's): element i of the column is the child's (i, K).
  static constexpr std::size_t child_position(std::size_t, std::size_t c) noexcept { return c * N + K; }
  template <class T> static constexpr T apply(T x) noexcept { return x; }
  // dA = g ⊗ e_K: g in column K, zeros elsewhere.
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    using SA = shape_t<decltype(s.template child<0>())>;
    return make_node<mul_op>(make_node<broadcast_to_op<SA, true, 1, count_scale::none>>(g),
                             node<unit_op<value_t<Self>, shape<1, N>, K>>{});
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T& dx) {
    return make_node<column_op>(dx);
  }
};


}  // namespace ops

/// The elements of x, row-major, as an expression of shape Shape (`reshape<shape<6>>(X)` flattens a
/// [2, 3] matrix; `reshape<shape<2, 3>>(v)` folds a 6-vector). Both shapes of rank 1 or 2, with fixed
/// extents and the same number of elements (compile errors otherwise); x itself when Shape is its shape.
template <class Shape, expression X> constexpr auto reshape(const X& x) {
  using SX = shape_t<X>;
  constexpr bool ranks = is_shape_v<Shape> && Shape::rank >= 1 && SX::rank >= 1;
  constexpr bool fixed = ranks && Shape::is_static && SX::is_static;
  if constexpr (any_invalid_v<X>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!ranks || !fixed) {
    static_assert(ranks && fixed,
                  "reshape: needs a vector or matrix of fixed extents and a target shape<...> of rank 1 or 2 "
                  "with fixed extents (no dyn: a batch cannot be reshaped)");
    return invalid_expression{};
  } else if constexpr (shapes::size<Shape>(1) != shapes::size<SX>(1)) {
    static_assert(shapes::size<Shape>(1) == shapes::size<SX>(1),
                  "reshape: the target shape must have as many elements as the expression");
    return invalid_expression{};
  } else if constexpr (std::is_same_v<Shape, SX>) {
    return x;
  } else if constexpr (is_node_v<X>) {
    if constexpr (std::is_same_v<typename X::op, ops::reshape_op<SX>>) {
      return reshape<Shape>(x.template child<0>());  // reshape(reshape(a)) is one reshape of a
    } else {
      return make_node<ops::reshape_op<Shape>>(x);
    }
  } else {
    return make_node<ops::reshape_op<Shape>>(x);
  }
}

}  // namespace ctgrad

// ctgrad/ops/linalg.hpp — matrix products and layout: matmul (matrix·matrix, matrix·vector),
// transpose and reshape, with their vector-Jacobian and Jacobian-vector products and their kernels
// or evaluation traits (matmul calls the evaluator's gemm, eval/gemm.hpp). Not for elementwise
// products (operator* in elementwise.hpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad {
namespace ops {

/// [M,K]·[K,N] -> [M,N] and [M,K]·[K] -> [M]. Children are materialised (a transpose child is
/// folded into the kernel call instead).
struct matmul_op {
  static constexpr bool elementwise = false;
  static constexpr std::string_view name = "matmul";
  static constexpr ops::curvature curvature = ops::curvature::bilinear;
  template <class A, class B> using value_type = value_t<A>;
  template <class A, class B>
  using shape_type = std::conditional_t<shape_t<B>::rank == 2,
                                        shape<shape_t<A>::extents[0], shape_t<B>::extents[shape_t<B>::rank - 1]>,
                                        shape<shape_t<A>::extents[0]>>;
  // Evaluation traits (eval/plan.hpp reads them): both operands in buffers, and an operand that is
  // a transpose is read in place with gemm's transpose flag (a transpose read only by such readers
  // gets no buffer of its own).
  template <std::size_t I> static constexpr bool needs_buffer = true;
  template <std::size_t I> static constexpr bool folds_transpose = true;
  /// The kernel (eval/compile.hpp calls it): out = A·B by the evaluator's gemm.
  template <class N, class Ctx, class T> static absl::Status kernel(const Ctx& p, T* out);
  /// A matmul operand: its buffer, and whether gemm reads it transposed (a transpose the plan folded).
  template <class X, class Ctx> static std::pair<const value_t<X>*, bool> operand(const Ctx& p);
  // dA = G·Bᵀ, dB = Aᵀ·G; for a vector B: dA = g ⊗ b, dB = Aᵀ·g. (transpose is the function below,
  // found when the rule is instantiated.)
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    const auto& a = s.template child<0>();
    const auto& b = s.template child<1>();
    using SB = shape_t<decltype(b)>;
    if constexpr (SB::rank == 2) {
      if constexpr (I == 0) return make_node<matmul_op>(g, transpose(b));    // dA = G·Bᵀ
      else return make_node<matmul_op>(transpose(a), g);                     // dB = Aᵀ·G
    } else {
      using SA = shape_t<decltype(a)>;
      if constexpr (I == 0) return make_node<mul_op>(make_node<broadcast_to_op<SA, true, 1, count_scale::none>>(g), b);  // g ⊗ b
      else return make_node<matmul_op>(transpose(a), g);                                   // Aᵀ·g
    }
  }
  // Bilinear: d(A·B) = dA·B + A·dB, one term per child.
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) {
    if constexpr (I == 0) return make_node<matmul_op>(dx, s.template child<1>());
    else return make_node<matmul_op>(s.template child<0>(), dx);
  }
};

/// [M,N] -> [N,M].
struct transpose_op {
  static constexpr bool elementwise = false;
  static constexpr std::string_view name = "transpose";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class A> using value_type = value_t<A>;
  template <class A> using shape_type = shape<shape_t<A>::extents[1], shape_t<A>::extents[0]>;
  // Evaluation traits: foldable into readers whose op `folds_transpose` (matmul), which then read
  // the child's buffer in place; so the child needs a buffer even when the transpose has one.
  static constexpr bool foldable = true;
  template <std::size_t I> static constexpr bool needs_buffer = true;
  /// The kernel of a transpose some reader cannot fold: out[c, r] = x[r, c].
  template <class N, class Ctx, class T> static absl::Status kernel(const Ctx& p, T* out);
  // Linear: the transpose of the adjoint, and of the tangent.
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self&, const G& g) { return transpose(g); }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T& dx) { return transpose(dx); }
};

/// The child's elements, row-major, in Shape (the same number of elements, fixed extents): [R, C] ->
/// [R C] flattens a matrix, [R C] -> [R, C] folds a vector back. Linear: its vjp reshapes the adjoint
/// to the child's shape, its jvp the tangent to Shape.
template <class Shape>
struct reshape_op : elementwise_op {
  static constexpr std::string_view name = "reshape";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class C> using shape_type = Shape;
  // Evaluation trait (eval/compile.hpp, source_of): the child, of another shape and so in a buffer
  // (plan.hpp), is read at the element's flat position r * flat_child_stride + c, the child's buffer
  // seen row-major as Shape. The op itself is fused into its readers' loops like any elementwise op.
  static constexpr std::size_t flat_child_stride = shapes::cols<Shape>();
  template <class T> static constexpr T apply(T x) noexcept { return x; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    return make_node<reshape_op<shape_t<decltype(s.template child<0>())>>>(g);
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self&, const T& dx) {
    return make_node<reshape_op>(dx);
  }
};

}  // namespace ops

/// The transpose of a matrix expression (transpose(transpose(a)) is a).
template <expression A> constexpr auto transpose(const A& a) {
  if constexpr (any_invalid_v<A>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (shape_t<A>::rank != 2) {
    static_assert(shape_t<A>::rank == 2,
                  "transpose: needs a matrix (rank 2) expression; a vector has no orientation to swap");
    return invalid_expression{};
  } else if constexpr (is_node_v<A>) {
    if constexpr (std::is_same_v<typename A::op, ops::transpose_op>) return a.template child<0>();
    else return make_node<ops::transpose_op>(a);
  } else {
    return make_node<ops::transpose_op>(a);
  }
}

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

/// Matrix product: [M,K]·[K,N] -> [M,N], or matrix·vector [M,K]·[K] -> [M].
namespace detail {
// The operands' shapes as text in matmul's inner-extent note (Agree is the check itself).
template <auto LeftShape, auto RightShape, bool Agree> struct matmul_shapes {
  static constexpr bool inner_extents_agree = Agree;
};
}  // namespace detail

template <expression A, expression B> constexpr auto matmul(const A& a, const B& b) {
  using SA = shape_t<A>;
  using SB = shape_t<B>;
  constexpr bool floating = element_type<value_t<A>>;
  if constexpr (any_invalid_v<A, B>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (SA::rank != 2) {
    static_assert(SA::rank == 2,
                  "matmul: the left operand must be a matrix (rank 2); for a vector-matrix product write "
                  "matmul(transpose(W), v)");
    return invalid_expression{};
  } else if constexpr (SB::rank != 1 && SB::rank != 2) {
    static_assert(SB::rank == 1 || SB::rank == 2, "matmul: the right operand must be a matrix or a vector");
    return invalid_expression{};
  } else if constexpr (!std::is_same_v<value_t<A>, value_t<B>>) {
    static_assert(std::is_same_v<value_t<A>, value_t<B>>,
                  "matmul: operands have different element types (e.g. float and double); convert one of them");
    return invalid_expression{};
  } else if constexpr (!floating) {
    static_assert(floating, "matmul: needs float or double operands");
    return invalid_expression{};
  } else if constexpr (SA::extents[1] != SB::extents[0]) {
    // The note names both shapes as text (shapes::text), so a dyn extent reads `dyn`.
    static_assert(detail::matmul_shapes<shapes::text<SA>, shapes::text<SB>,
                                        SA::extents[1] == SB::extents[0]>::inner_extents_agree,
                  "matmul: inner extents differ (the left operand's columns must equal the right "
                  "operand's rows)");
    return invalid_expression{};
  } else {
    return make_user_node<ops::matmul_op>(a, b);
  }
}

namespace ops {

// ---- kernels -------------------------------------------------------------------------------------
// Ctx is the evaluator's view of a program (eval/compile.hpp, detail::kernel_context).

template <class X, class Ctx> std::pair<const value_t<X>*, bool> matmul_op::operand(const Ctx& p) {
  constexpr bool folded = requires { requires std::is_same_v<typename X::op, transpose_op> && !Ctx::template materialized<X>; };
  if constexpr (folded) return {p.template buffer<meta::at_t<0, typename X::children_types>>(), true};
  else return {p.template buffer<X>(), false};
}
template <class N, class Ctx, class T> absl::Status matmul_op::kernel(const Ctx& p, T* out) {
  using A = meta::at_t<0, typename N::children_types>;
  using B = meta::at_t<1, typename N::children_types>;
  const std::size_t batch = p.batch();
  const std::size_t M = shapes::rows<shape_t<A>>(batch), K = shapes::cols<shape_t<A>>(batch);
  const std::size_t Nn = shape_t<B>::rank == 2 ? shapes::cols<shape_t<B>>(batch) : 1;
  auto [pa, ta] = operand<A>(p);
  auto [pb, tb] = operand<B>(p);
  p.gemm(ta, tb, M, Nn, K, pa, ta ? M : K, pb, tb ? K : Nn, out, Nn);
  return absl::OkStatus();
}
template <class N, class Ctx, class T> absl::Status transpose_op::kernel(const Ctx& p, T* out) {
  using X = meta::at_t<0, typename N::children_types>;
  const std::size_t XR = shapes::rows<shape_t<X>>(p.batch()), XC = shapes::cols<shape_t<X>>(p.batch());
  for (std::size_t r = 0; r < XR; ++r)
    for (std::size_t c = 0; c < XC; ++c) out[c * XR + r] = p.template value<X>(r, c);
  return absl::OkStatus();
}
}  // namespace ops
}  // namespace ctgrad

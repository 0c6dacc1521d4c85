// ctgrad/ops/linalg.hpp — matrix products and transposition: matmul (matrix·matrix, matrix·vector)
// and transpose, with their vector-Jacobian and Jacobian-vector products and their kernels (matmul
// calls the evaluator's gemm, eval/gemm.hpp). Not for elementwise products (operator* in
// elementwise.hpp) nor reshaping (reshape.hpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/reduce.hpp"
#include "ctgrad/ops/reshape.hpp"

namespace ctgrad {
namespace detail {
// A tangent that is a unit vector e_K (jacobian's forward directions), or e_K times an expression
// (e_K's tangent through an elementwise op: 2 x e_K through square): its index K and the factor.
template <class D> struct unit_tangent { static constexpr bool value = false; };
template <class T, std::size_t E, std::size_t K> struct unit_tangent<node<ops::unit_op<T, shape<E>, K>>> {
  static constexpr bool value = true, scaled = false;
  static constexpr std::size_t index = K;
};
template <class T, std::size_t E, std::size_t K, class Y> struct unit_tangent<node<ops::mul_op, node<ops::unit_op<T, shape<E>, K>>, Y>> {
  static constexpr bool value = std::is_same_v<shape_t<Y>, shape<E>>, scaled = true;
  static constexpr std::size_t index = K, factor = 1;
};
template <class T, std::size_t E, std::size_t K, class Y> struct unit_tangent<node<ops::mul_op, Y, node<ops::unit_op<T, shape<E>, K>>>> {
  static constexpr bool value = std::is_same_v<shape_t<Y>, shape<E>>, scaled = true;
  static constexpr std::size_t index = K, factor = 0;
};
template <class T, std::size_t E, std::size_t K, class U, std::size_t E2, std::size_t K2>
struct unit_tangent<node<ops::mul_op, node<ops::unit_op<T, shape<E>, K>>, node<ops::unit_op<U, shape<E2>, K2>>>> {
  static constexpr bool value = false;  // e_K e_K2: the general product
};
}  // namespace detail

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
  // Bilinear: d(A·B) = dA·B + A·dB, one term per child. A tangent e_K of a vector B (jacobian's
  // forward directions) reads column K of A instead of a product (scaled by y_K for y ⊙ e_K).
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) {
    if constexpr (I == 0) {
      return make_node<matmul_op>(dx, s.template child<1>());
    } else if constexpr (::ctgrad::detail::unit_tangent<T>::value) {
      using SA = shape_t<decltype(s.template child<0>())>;
      constexpr std::size_t K = ::ctgrad::detail::unit_tangent<T>::index;
      auto col = make_node<column_op<SA::extents[1], K>>(s.template child<0>());
      if constexpr (!::ctgrad::detail::unit_tangent<T>::scaled) {
        return col;
      } else {
        const auto y = dx.template child<::ctgrad::detail::unit_tangent<T>::factor>();
        return make_node<mul_op>(col, make_node<reduce_op<reduce_kind::sum, -1, false>>(
                                          make_node<mul_op>(y, node<unit_op<value_t<Self>, shape_t<decltype(y)>, K>>{})));
      }
    } else {
      return make_node<matmul_op>(s.template child<0>(), dx);
    }
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

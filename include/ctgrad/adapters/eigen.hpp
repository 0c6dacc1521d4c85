// ctgrad/adapters/eigen.hpp — binds Eigen matrices, vectors, maps and blocks to ctgrad variables
// without copying, and views a program's results as Eigen maps. Optional: include it only in code
// that uses Eigen (ctgrad itself never depends on Eigen). Not a conversion layer: a layout that
// does not match ctgrad's (row-major, contiguous) is an error, never a silent copy.
//
// Layout. ctgrad stores a rank-2 variable shape<R, C> row-major and contiguous: element (r, c) at
// r * C + c. So a matrix bound to a rank-2 variable with more than one column must be a row-major
// Eigen type (Eigen::Matrix<T, R, C, Eigen::RowMajor>, a Map or Ref of one, a block of whole rows):
// a column-major matrix type is a compile error, since its memory holds the transpose (bind
// `m.transpose()` to a variable of the transposed shape instead). Vectors (shape<N>, shape<dyn>,
// shape<R, 1>) take either storage order. Extents and strides known only at run time are checked
// by bind() and reported as absl::InvalidArgumentError naming the variable.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"

namespace ctgrad::eigen {

/// A row-major dynamic Eigen matrix of T: the type results are viewed as.
template <class T> using row_major_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Binds the storage of Eigen object m (Matrix, Array, Map, Ref, Block, Transpose: anything with
/// direct access) to variable v, without copying: the binding points into m, which must outlive
/// the program runs that use it. Shapes: a rank-1 variable takes a vector (either orientation) of
/// its extent (any length for shape<dyn>); a rank-2 variable [R, C] takes an R x C matrix (any rows
/// for [dyn, C]), row-major when C > 1 (see the layout note above).
/// Compile errors: m is not an Eigen object with storage (e.g. `a + b`: evaluate it first), m is a
/// temporary matrix, its scalar type is not v's element type, v is a scalar variable, a
/// column-major matrix type for a rank-2 variable with several columns.
/// Errors (absl::InvalidArgumentError): extents that differ from v's shape, non-contiguous storage
/// (a block of part of the rows, a strided map).
template <class V, class M> absl::StatusOr<binding<V>> bind(const V& v, M&& m);

/// Runs prog with bindings, each either a ctgrad binding (`b = vector`) or the result of bind()
/// above: returns the first bind() error, else prog.run(bindings...).
///   absl::Status st = eigen::run(prog, eigen::bind(x, X), eigen::bind(W, W_eigen), b = bias);
template <class Program, class... Bs> absl::Status run(Program& prog, const Bs&... bs);

/// A view of a ctgrad result (or any tensor_view) as an Eigen row-major matrix map: no copy. Valid
/// as long as the view is (for a program's results: until the program runs again).
template <class T> Eigen::Map<const row_major_matrix<T>> map(tensor_view<const T> v) {
  return {v.data, static_cast<Eigen::Index>(v.rows), static_cast<Eigen::Index>(v.cols)};
}
/// A writable view of a ctgrad::tensor's storage (`eigen::map(t.view())`) as an Eigen map.
template <class T> requires(!std::is_const_v<T>) Eigen::Map<row_major_matrix<T>> map(tensor_view<T> v) {
  return {v.data, static_cast<Eigen::Index>(v.rows), static_cast<Eigen::Index>(v.cols)};
}

// ---------------------------------------------------------------------------------------------
// Implementation.
// ---------------------------------------------------------------------------------------------
namespace detail {
// Deduced through a pointer conversion: Eigen classes such as VectorBlock derive from the DenseBase
// of another expression (their base's), not DenseBase<themselves>.
template <class X> std::true_type dense_base_test(const Eigen::DenseBase<X>*);
std::false_type dense_base_test(...);
template <class X> std::true_type plain_object_test(const Eigen::PlainObjectBase<X>*);
std::false_type plain_object_test(...);
template <class D> inline constexpr bool is_eigen_dense = decltype(dense_base_test(static_cast<const D*>(nullptr)))::value;
template <class D> constexpr bool has_direct_access() {
  if constexpr (is_eigen_dense<D>) return (int(D::Flags) & Eigen::DirectAccessBit) != 0;
  else return false;
}
template <class D> constexpr bool is_plain_object() {
  return decltype(plain_object_test(static_cast<const D*>(nullptr)))::value;
}
template <class D> constexpr bool is_compile_time_vector() {
  return D::RowsAtCompileTime == 1 || D::ColsAtCompileTime == 1;
}
// Column-major storage can hold a rank-2 variable with several columns only as a vector.
template <class V, class D> constexpr bool layout_ok() {
  using S = typename V::shape_type;
  if constexpr (S::rank != 2) return true;
  else if constexpr (S::extents[1] == 1 || S::extents[0] == 1) return true;
  else return bool(D::IsRowMajor) || is_compile_time_vector<D>();
}

template <class V, class D> constexpr bool bind_checks() {
  constexpr bool dense = is_eigen_dense<D>;
  constexpr bool direct = has_direct_access<D>();
  static_assert(is_var_v<V>, "eigen::bind: the first argument must be a ctgrad variable (var<\"x\", T, shape<...>>)");
  static_assert(!is_var_v<V> || dense, "eigen::bind: the second argument must be an Eigen matrix, array, map or block");
  if constexpr (is_var_v<V> && dense) {
    using T = typename V::value_type;
    using S = typename V::shape_type;
    constexpr bool scalar_ok = std::is_same_v<typename D::Scalar, T>;
    static_assert(direct,
                  "eigen::bind: the Eigen expression has no storage of its own (e.g. a sum or a product); "
                  "evaluate it into a matrix first and bind that");
    static_assert(!direct || scalar_ok,
                  "eigen::bind: the Eigen scalar type differs from the variable's element type (e.g. "
                  "Eigen::MatrixXd bound to a float variable); ctgrad does not convert");
    static_assert(!direct || !scalar_ok || S::rank > 0,
                  "eigen::bind: the variable is a scalar; bind a number to it (v = value)");
    static_assert(!direct || !scalar_ok || S::rank == 0 || layout_ok<V, D>(),
                  "eigen::bind: a column-major Eigen matrix bound to a rank-2 variable; ctgrad reads "
                  "rows contiguously: use a row-major type (Eigen::Matrix<T, R, C, Eigen::RowMajor>) or "
                  "bind m.transpose() to a variable of the transposed shape");
    return direct && scalar_ok && S::rank > 0 && layout_ok<V, D>();
  } else {
    return false;
  }
}

template <class B> struct status_or_binding : std::false_type {};
template <class V> struct status_or_binding<absl::StatusOr<binding<V>>> : std::true_type {};
template <class B> absl::Status status_of(const B& b) {
  if constexpr (status_or_binding<B>::value) return b.status();
  else return absl::OkStatus();
}
template <class B> const auto& binding_of(const B& b) {
  if constexpr (status_or_binding<B>::value) return *b;
  else return b;
}
}  // namespace detail

template <class V, class M> absl::StatusOr<binding<V>> bind(const V&, M&& m) {
  using D = std::remove_cvref_t<M>;
  if constexpr (!detail::bind_checks<V, D>()) {
    return absl::InternalError("eigen::bind: invalid use (reported at compile time)");
  } else if constexpr (detail::is_plain_object<D>() && !std::is_lvalue_reference_v<M>) {
    static_assert(std::is_lvalue_reference_v<M>,
                  "eigen::bind: the matrix is a temporary; the binding views its storage and would "
                  "dangle: bind a named matrix");
    return absl::InternalError("eigen::bind: invalid use (reported at compile time)");
  } else {
    using T = typename V::value_type;
    using S = typename V::shape_type;
    const Eigen::Index rows = m.rows(), cols = m.cols();
    const auto fail = [&](const std::string& what) {
      return absl::InvalidArgumentError(absl::StrFormat("eigen::bind: variable '%s' has shape %s; %s", V::name,
                                                        shapes::to_string<S>(), what));
    };
    const auto dims = [&] { return absl::StrFormat("the Eigen object is %d x %d", rows, cols); };
    std::size_t size = static_cast<std::size_t>(rows * cols);
    if constexpr (S::rank == 1) {
      if (rows != 1 && cols != 1) return fail(dims() + ", not a vector");
      if (S::extents[0] != dyn && size != S::extents[0]) return fail(dims());
      const Eigen::Index step = rows == 1 ? m.colStride() : m.rowStride();
      if (size > 1 && step != 1)
        return fail(absl::StrFormat("the Eigen vector's elements are %d apart, not contiguous; copy it into a vector", step));
    } else {
      if ((S::extents[0] != dyn && static_cast<std::size_t>(rows) != S::extents[0]) ||
          static_cast<std::size_t>(cols) != S::extents[1])
        return fail(dims());
      if ((rows > 1 && m.rowStride() != cols) || (cols > 1 && m.colStride() != 1))
        return fail(absl::StrFormat(
            "the Eigen object's rows are not contiguous (row stride %d, column stride %d; needs %d and 1): "
            "a block of part of each row or a strided map; copy it into a row-major matrix",
            m.rowStride(), m.colStride(), cols));
    }
    return binding<V>{T{}, static_cast<const T*>(m.data()), size, false};
  }
}

template <class Program, class... Bs> absl::Status run(Program& prog, const Bs&... bs) {
  absl::Status st = absl::OkStatus();
  ((st.ok() ? void(st = detail::status_of(bs)) : void()), ...);
  if (!st.ok()) return st;
  return prog.run(detail::binding_of(bs)...);
}

}  // namespace ctgrad::eigen

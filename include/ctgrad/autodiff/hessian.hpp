// ctgrad/autodiff/hessian.hpp — second derivatives as compile-time expressions: hvp(f, x, v), the
// Hessian-vector product of a scalar expression, and hessian(f, v...), the Hessian of a scalar
// function in its variables (each distinct second derivative or block once, with the gradient beside
// it): entries of a flat program for scalar graphs (value_at), matrix blocks for tensor variables
// (compile()). Built on grad (reverse mode), jvp (forward mode) and jacobian.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/autodiff/jacobian.hpp"
#include "ctgrad/autodiff/jvp.hpp"
#include "ctgrad/autodiff/lower.hpp"
#include "ctgrad/core/node.hpp"

namespace ctgrad {
namespace detail {
// True when hvp/hessian of F in the variables Vs stays on the flat program (autodiff/lower.hpp): a
// scalar graph of one element type in scalar variables of that type (value_at's graphs).
template <class F, class... Vs>
inline constexpr bool scalar_graph_v = flat::flat_ok_v<F, value_t<F>> &&
                                       ((shape_t<Vs>::rank == 0 && std::is_same_v<value_t<Vs>, value_t<F>>) && ...);

// Reports the first misuse of a second-derivative operator's f and variables (one message) and says
// whether the call is valid (one function per operator: a static_assert message is a literal).
template <class F, class... Vs> constexpr bool second_order_checks_hvp() {
  constexpr bool vars = (is_var_v<Vs> && ...);
  constexpr bool scalar = shape_t<F>::rank == 0;
  constexpr bool floating = element_type<value_t<F>>;
  constexpr bool float_vars = (element_type<value_t<Vs>> && ...);
  static_assert(vars,
                "hvp: differentiate with respect to a variable (ctgrad::var<...>) only, not an "
                "expression; to differentiate through an intermediate, make it a variable");
  static_assert(!vars || scalar,
                "hvp: the function must be a scalar (rank 0) expression; reduce it with sum() or mean() first");
  static_assert(!vars || !scalar || floating, "hvp: the function must have a float or double value");
  static_assert(!vars || !scalar || !floating || float_vars,
                "hvp: cannot differentiate with respect to an integer (label) variable");
  return vars && scalar && floating && float_vars;
}
template <class F, class... Vs> constexpr bool second_order_checks_hessian() {
  constexpr bool some = sizeof...(Vs) > 0;
  constexpr bool vars = (is_var_v<Vs> && ...);
  constexpr bool scalar = shape_t<F>::rank == 0;
  constexpr bool floating = element_type<value_t<F>>;
  constexpr bool float_vars = (element_type<value_t<Vs>> && ...);
  constexpr bool fixed_vars = ((shape_t<Vs>::is_static) && ...);
  static_assert(some, "hessian: name at least one variable to differentiate with respect to");
  static_assert(!some || vars,
                "hessian: differentiate with respect to variables (ctgrad::var<...>) only, not "
                "expressions; to differentiate through an intermediate, make it a variable");
  static_assert(!some || !vars || scalar,
                "hessian: the function must be a scalar (rank 0) expression; reduce it with sum() or "
                "mean() first (for a vector function's second derivatives, take hessian of each element)");
  static_assert(!some || !vars || !scalar || floating, "hessian: the function must have a float or double value");
  static_assert(!some || !vars || !scalar || !floating || float_vars,
                "hessian: cannot differentiate with respect to an integer (label) variable");
  static_assert(!some || !vars || !scalar || !floating || !float_vars || fixed_vars,
                "hessian: the variables must have fixed extents (a batch variable's Hessian has no fixed "
                "shape); for a batch variable use hvp(f, x, v), the Hessian-vector product, which never "
                "forms the Hessian");
  return some && vars && scalar && floating && float_vars && fixed_vars;
}

// The position of H(i, j), i <= j, in the upper triangle stored row by row (n variables).
constexpr std::size_t upper_index(std::size_t i, std::size_t j, std::size_t n) {
  if (i > j) std::swap(i, j);
  return i * n - i * (i - 1) / 2 + (j - i);
}
// The blocks of a tensor hessian_set below the diagonal that are transposes (both variables tensors,
// Tensor[i]): their positions in the upper triangle, row by row.
template <bool... Tensor> struct lower_blocks {
  static constexpr std::size_t n = sizeof...(Tensor);
  // std::array, not bool[]: clang 14 rejects indexing an in-class array of deduced bound in a
  // constant expression.
  static constexpr std::array<bool, sizeof...(Tensor) + 1> tensors{Tensor..., false};
  static constexpr std::size_t count = [] {
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j) c += tensors[i] && tensors[j];
    return c;
  }();
  static constexpr std::array<std::size_t, count + 1> upper = [] {
    std::array<std::size_t, count + 1> k{};
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (tensors[i] && tensors[j]) k[c++] = upper_index(i, j, n);
    return k;
  }();
};
}  // namespace detail

/// The Hessian-vector product H v of the scalar expression f at the variable x (scalar or tensor),
/// v an expression or variable of x's shape and element type: an expression of x's shape, at the cost
/// of a small multiple of a gradient, never forming H (a tensor x of 10^5 elements is fine).
/// v is a direction, not differentiated (H(x) v even where v is an expression of x). Scalar graphs
/// (value_at's) take it reverse-over-reverse on the flat program, grad(grad(f, x) stop_gradient(v), x);
/// tensor graphs forward-over-reverse, jvp(grad(f, x), x, v) (docs/design.md, "Second derivatives").
template <expression F, class X, expression V>
constexpr auto hvp(const F& f, const X& x, const V& v) {
  if constexpr (any_invalid_v<F, X, V>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!detail::second_order_checks_hvp<F, X>()) {
    return invalid_expression{};
  } else if constexpr (!std::is_same_v<shape_t<V>, shape_t<X>> || !std::is_same_v<value_t<V>, value_t<X>>) {
    static_assert(std::is_same_v<shape_t<V>, shape_t<X>> && std::is_same_v<value_t<V>, value_t<X>>,
                  "hvp: the vector v must have the variable's shape and element type");
    return invalid_expression{};
  } else if constexpr (detail::scalar_graph_v<F, X> && detail::flat::flat_ok_v<V, value_t<F>>) {
    return grad(grad(f, x) * stop_gradient(v), x);  // v is a direction: H v, even where v uses x
  } else {
    return jvp(grad(f, x), x, v);
  }
}

/// The Hessian of a scalar function, with its gradient: `h(vi, vj)` is the expression of d2f/dvi dvj,
/// `h.gradient(vi)` that of df/dvi, `h.function` f. Each distinct second derivative is formed once:
/// the upper triangle of entries (or blocks) is stored, and h(vj, vi) is h(vi, vj) (its transpose for
/// a block of two tensor variables).
/// - Scalar graphs in scalar variables (Tensor false): h(vi, vj) is a scalar; value_at(h, ...) gives
///   the Hessian as a symmetric std::array of rows, value_grad_hessian_at(h, ...) f, its gradient and
///   its Hessian from one program (shared sub-expressions once).
/// - Otherwise (Tensor true: tensor variables, or a graph with tensors): h(vi, vj) is the block
///   jacobian(grad(f, vi), vj), an [n_i, n_j] matrix (n: a variable's elements, row-major; a scalar
///   variable's block is a vector or a scalar, as jacobian's); compile(h) evaluates f, the gradients
///   and every block in one program (prog[h(vi, vj)], prog[h.gradient(vi)]).
template <class F, class Vars, class Grads, class Upper, bool Tensor = false>
struct hessian_set;
template <class F, class... Vs, class... Gs, class... Hs, bool Tensor>
struct hessian_set<F, type_list<Vs...>, type_list<Gs...>, type_list<Hs...>, Tensor> {
  using function_type = F;
  using variables = type_list<Vs...>;
  static constexpr std::size_t size = sizeof...(Vs);
  static constexpr bool tensor = Tensor;
  static constexpr int literal_count = F::literal_count;
  F function;
  detail::tuple<Gs...> gradients;
  detail::tuple<Hs...> upper;  // H(i, j) for i <= j, row by row

  /// The expression of d2f / dvi dvj (a compile error for a variable not requested).
  template <class A, class B> constexpr decltype(auto) operator()(const A&, const B&) const {
    constexpr bool known = meta::contains_v<A, variables> && meta::contains_v<B, variables>;
    if constexpr (!known) {
      static_assert(known, "hessian_set: no second derivative was requested for this variable; name it in hessian(f, ...)");
      return detail::invalid_placeholder;
    } else {
      constexpr std::size_t i = meta::index_of<A, variables>::value, j = meta::index_of<B, variables>::value;
      constexpr std::size_t k = detail::upper_index(i, j, size);
      // transpose (ops/linalg.hpp) is found when this is instantiated (by argument-dependent lookup):
      // hessian.hpp stays light for scalar.hpp, and a tensor set is compiled with eval/compile.hpp,
      // which includes linalg.hpp.
      if constexpr (i > j && shape_t<A>::rank > 0 && shape_t<B>::rank > 0) return transpose(detail::get<k>(upper));
      else return detail::get<k>(upper);
    }
  }
  /// The expression of df / dv.
  template <class A> constexpr const auto& gradient(const A&) const {
    constexpr bool known = meta::contains_v<A, variables>;
    if constexpr (!known) {
      static_assert(known, "hessian_set: no derivative was requested for this variable; name it in hessian(f, ...)");
      return detail::invalid_placeholder;
    } else {
      return detail::get<meta::index_of<A, variables>::value>(gradients);
    }
  }
  /// What compile(h) evaluates (Tensor sets): f, the gradients, the upper blocks, then the transposed
  /// blocks h(vi, vj), i > j, of two tensor variables, row by row (a transpose kernel copies each; no
  /// second derivative is computed twice).
  constexpr auto outputs() const
    requires Tensor
  {
    using L = detail::lower_blocks<(shape_t<Vs>::rank > 0)...>;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return detail::tuple_cat(detail::make_tuple(function), gradients, upper,
                               detail::make_tuple(transpose(detail::get<L::upper[I]>(upper))...));
    }(std::make_index_sequence<L::count>{});
  }
  /// compile() takes a Tensor set as its outputs() (eval/compile.hpp).
  static constexpr bool compiles_as_set = Tensor;
};

template <class E> inline constexpr bool is_hessian_set_v = false;
template <class F, class V, class G, class H, bool T> inline constexpr bool is_hessian_set_v<hessian_set<F, V, G, H, T>> = true;

namespace detail {
template <class F, class Vars, std::size_t I, std::size_t J>
using hessian_entry_t = node<ops::grad_op<J, Vars>, node<ops::grad_op<I, Vars>, F>>;

template <class F, class Vars, std::size_t N, class Seq = std::make_index_sequence<N * (N + 1) / 2>>
struct upper_entries;
template <class F, class Vars, std::size_t N, std::size_t... K>
struct upper_entries<F, Vars, N, std::index_sequence<K...>> {
  // Entry K of the upper triangle row by row: its row i and column j.
  static constexpr std::array<std::size_t, sizeof...(K) + 1> rows = [] {
    std::array<std::size_t, sizeof...(K) + 1> r{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = i; j < N; ++j) r[k++] = i;
    return r;
  }();
  static constexpr std::array<std::size_t, sizeof...(K) + 1> cols = [] {
    std::array<std::size_t, sizeof...(K) + 1> c{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = i; j < N; ++j) c[k++] = j;
    return c;
  }();
  using type = type_list<hessian_entry_t<F, Vars, rows[K], cols[K]>...>;
};
template <class F, class Vars, std::size_t... I, std::size_t... K>
constexpr auto make_hessian_set(const F& f, std::index_sequence<I...>, std::index_sequence<K...>) {
  using U = upper_entries<F, Vars, sizeof...(I)>;
  using H = hessian_set<F, Vars, type_list<node<ops::grad_op<I, Vars>, F>...>, typename U::type>;
  return H{f, {make_node<ops::grad_op<I, Vars>>(f)...},
           {make_node<ops::grad_op<U::cols[K], Vars>>(make_node<ops::grad_op<U::rows[K], Vars>>(f))...}};
}

// The tensor path: gradient i is grad(f, vi), block (i, j), i <= j, jacobian(grad(f, vi), vj) (forward:
// one Hessian-vector product per element of vj; reverse: one gradient per element of grad(f, vi)).
template <class F, class... Vs, std::size_t... K>
constexpr auto make_tensor_hessian_set(const F& f, std::index_sequence<K...>) {
  using Vars = type_list<Vs...>;
  using U = upper_entries<F, Vars, sizeof...(Vs)>;
  const detail::tuple<decltype(grad(f, Vs{}))...> gs{grad(f, Vs{})...};
  using H = hessian_set<F, Vars, type_list<decltype(grad(f, Vs{}))...>,
                        type_list<decltype(jacobian_block(detail::get<U::rows[K]>(gs), meta::at_t<U::cols[K], Vars>{}))...>,
                        true>;
  return H{f, gs, {jacobian_block(detail::get<U::rows[K]>(gs), meta::at_t<U::cols[K], Vars>{})...}};
}
}  // namespace detail

/// The Hessian of the scalar expression f in the variables vs (with its gradient), as a hessian_set
/// of expressions derived at compile time, the upper triangle only (n (n + 1) / 2 entries or blocks).
/// A scalar graph in scalar variables: each row i the reverse sweep of df/dvi, on the flat program
/// where the sub-expressions f, its gradient and every entry share are computed once (value_at).
/// Tensor variables (fixed extents), or a graph with tensors: block (i, j) is jacobian(grad(f, vi), vj),
/// [n_i, n_j], evaluated by compile(h); h(vj, vi) is its transpose. For a batch variable, hvp.
template <expression F, class... Vs>
constexpr auto hessian(const F& f, const Vs&...) {
  if constexpr (any_invalid_v<F, Vs...>) {
    return invalid_expression{};  // a misuse already reported
  } else if constexpr (!detail::second_order_checks_hessian<F, Vs...>()) {
    return invalid_expression{};
  } else if constexpr (!detail::scalar_graph_v<F, Vs...>) {
    return detail::make_tensor_hessian_set<F, Vs...>(f, std::make_index_sequence<sizeof...(Vs) * (sizeof...(Vs) + 1) / 2>{});
  } else {
    using root = detail::hessian_entry_t<F, type_list<Vs...>, 0, 0>;
    if constexpr (!detail::flat::third_derivative_op_v<value_t<F>, root>.empty()) {
      static_assert(detail::flat::next_derivative_rule_for<
                        detail::flat::third_derivative_op_name<value_t<F>, root>()>::defined,
                    "hessian: this function needs the derivative of a derivative that has no rule of its own "
                    "(a third derivative of an activation, a second derivative of binary_cross_entropy or of a "
                    "function without d2; the op is named in the note below)");
      return invalid_expression{};
    } else {
      return detail::make_hessian_set<F, type_list<Vs...>>(f, std::index_sequence_for<Vs...>{},
                                                            std::make_index_sequence<sizeof...(Vs) * (sizeof...(Vs) + 1) / 2>{});
    }
  }
}

}  // namespace ctgrad

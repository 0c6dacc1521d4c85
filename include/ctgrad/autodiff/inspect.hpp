// ctgrad/autodiff/inspect.hpp — what the graph's types say before anything runs: the graph as text
// (`describe`, a constexpr string) and as a Graphviz DOT graph (`to_dot`), which variables each output
// depends on (`depends_on_v`, `jacobian_pattern`) and which second derivatives can be nonzero
// (`hessian_pattern`). All of it is computed from the types alone, at compile time.
//
// Lazy gradients (grad() of a scalar graph) are shown and analysed as compile() computes them: as
// their nested adjoint expressions. A sub-expression that occurs several times is one type (ctgrad's
// common-subexpression elimination), so it is one node here, used by several parents.
// Not for evaluation: see eval/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {

/// A string computed at compile time (the result of describe and to_dot): `view()`, `size()`.
template <std::size_t N>
struct static_text {
  char chars[N + 1]{};
  constexpr std::string_view view() const noexcept { return {chars, N}; }
  static constexpr std::size_t size() noexcept { return N; }
  constexpr operator std::string_view() const noexcept { return view(); }
};

namespace detail::inspect {

// ---- the roots: expressions and gradient sets, lazy gradients expanded ------------------------
template <class A> struct roots_of { using type = type_list<std::remove_cvref_t<decltype(expand_lazy(std::declval<const A&>()))>>; };
template <class F, class V, class... Gs> struct roots_of<gradient_set<F, V, Gs...>> {
  using type = type_list<std::remove_cvref_t<decltype(expand_lazy(std::declval<const F&>()))>,
                         std::remove_cvref_t<decltype(expand_lazy(std::declval<const Gs&>()))>...>;
};
template <class... As> using roots_t = meta::concat_t<typename roots_of<std::remove_cvref_t<As>>::type...>;
template <class List> struct topo_of_list;
template <class... Rs> struct topo_of_list<type_list<Rs...>> { using type = topo_order_t<Rs...>; };

// ---- a writer that counts (out == nullptr) or writes ------------------------------------------
struct writer {
  char* out = nullptr;
  std::size_t n = 0;
  constexpr void put(char c) {
    if (out) out[n] = c;
    ++n;
  }
  constexpr void put(std::string_view s) {
    for (char c : s) put(c);
  }
  constexpr void num(std::size_t v) {
    char digits[20]{};
    int k = 0;
    do {
      digits[k++] = char('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0) put(digits[--k]);
  }
};

template <class T> constexpr std::string_view type_name() {
  if constexpr (std::is_same_v<T, float>) return "float";
  else if constexpr (std::is_same_v<T, double>) return "double";
  else if constexpr (std::is_same_v<T, long double>) return "long double";
  else if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  else return "int";
}
template <class E> constexpr void put_type(writer& w) {
  w.put(type_name<value_t<E>>());
  using S = shape_t<E>;
  if constexpr (S::rank > 0) {
    w.put('[');
    for (std::size_t i = 0; i < S::rank; ++i) {
      if (i) w.put(", ");
      if (S::extents[i] == dyn) w.put("dyn");
      else w.num(S::extents[i]);
    }
    w.put(']');
  }
}

// An op's name and, for a derivative op named after its function (an activation's f' and f''), the
// suffix that tells them apart.
template <class Op> constexpr void put_op_name(writer& w) {
  w.put(Op::name);
  if constexpr (requires { Op::name_suffix; }) w.put(Op::name_suffix);
}

// A node's name in describe and to_dot: the variable's, "literal #id", or the op's.
template <class N> constexpr void put_name(writer& w) {
  if constexpr (is_var_v<N>) {
    w.put(N::name);
  } else if constexpr (is_lit_v<N>) {
    w.put("literal #");
    w.num(std::size_t(N::literal_count - 1));
  } else {
    put_op_name<typename N::op>(w);
  }
}

// describe: one line per distinct node, children first, then the outputs.
template <class Topo, class Roots> struct describer;
template <class... Ns, class... Rs> struct describer<type_list<Ns...>, type_list<Rs...>> {
  using topo = type_list<Ns...>;
  template <class N> static constexpr void line(writer& w) {
    w.put('%');
    w.num(meta::index_of<N, topo>::value);
    w.put(" = ");
    if constexpr (is_var_v<N>) w.put("var ");
    put_name<N>(w);
    if constexpr (is_node_v<N>) {
      w.put('(');
      [&]<class... Cs>(type_list<Cs...>*) {
        std::size_t k = 0;
        ((w.put(k++ ? ", %" : "%"), w.num(meta::index_of<Cs, topo>::value)), ...);
      }(static_cast<typename N::children_types*>(nullptr));
      w.put(')');
    }
    w.put(" : ");
    put_type<N>(w);
    w.put('\n');
  }
  static constexpr void write(writer& w) {
    meta::in_order{(line<Ns>(w), 0)...};
    w.put("out");
    meta::in_order{(w.put(" %"), w.num(meta::index_of<Rs, topo>::value), 0)...};
    w.put('\n');
  }
  // DOT: boxes for variables, ellipses for operations, plain text for literals; an edge per use
  // (child -> parent, labelled with the argument position when the op has several).
  template <class N> static constexpr void dot_node(writer& w) {
    w.put("  n");
    w.num(meta::index_of<N, topo>::value);
    w.put(" [label=\"");
    put_name<N>(w);
    w.put("\\n");
    put_type<N>(w);
    w.put('"');
    if constexpr (is_var_v<N>) w.put(", shape=box, style=filled, fillcolor=\"#dde8f8\"");
    else if constexpr (is_lit_v<N>) w.put(", shape=plaintext");
    if constexpr (meta::contains_v<N, type_list<Rs...>>) w.put(", peripheries=2");
    w.put("];\n");
    if constexpr (is_node_v<N>) {
      [&]<class... Cs>(type_list<Cs...>*) {
        std::size_t k = 0;
        ((w.put("  n"), w.num(meta::index_of<Cs, topo>::value), w.put(" -> n"), w.num(meta::index_of<N, topo>::value),
          sizeof...(Cs) > 1 ? (w.put(" [label=\""), w.num(k), w.put("\"]")) : void(), ++k, w.put(";\n")),
         ...);
      }(static_cast<typename N::children_types*>(nullptr));
    }
  }
  static constexpr void write_dot(writer& w) {
    w.put("digraph ctgrad {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
    meta::in_order{(dot_node<Ns>(w), 0)...};
    w.put("}\n");
  }
};

template <class D, bool Dot> constexpr auto render() {
  constexpr std::size_t n = [] {
    writer w;
    if constexpr (Dot) D::write_dot(w);
    else D::write(w);
    return w.n;
  }();
  static_text<n> t{};
  writer w{t.chars};
  if constexpr (Dot) D::write_dot(w);
  else D::write(w);
  return t;
}
template <class... As> using describer_t = describer<typename topo_of_list<roots_t<As...>>::type, roots_t<As...>>;

// ---- dependency and curvature ------------------------------------------------------------------
template <class Op> constexpr ops::curvature curvature_of() {
  if constexpr (requires { Op::curvature; }) return Op::curvature;
  else return ops::curvature::nonlinear;
}
template <class N> using cotangent = var<"ctgrad.inspect.cotangent", value_t<N>, shape_t<N>>;
template <class Op> constexpr bool op_differentiable() {
  if constexpr (requires { Op::differentiable; }) return Op::differentiable;
  else return true;
}
// Child I of N carries derivatives when N's rule gives it a gradient (a rule returning no_grad:
// labels, masks, stop_gradient, a child whose part is in another child's rule).
template <class N, std::size_t I> constexpr bool child_differentiable() {
  using C = meta::at_t<I, typename N::children_types>;
  if constexpr (is_lit_v<C> || !std::is_floating_point_v<value_t<C>>) {
    return false;
  } else if constexpr (!op_differentiable<typename N::op>()) {
    return true;  // its rules stop at a compile error: do not instantiate them; assume it may
  } else if constexpr (requires { N::op::template vjp<I>(std::declval<const N&>(), std::declval<const cotangent<N>&>()); }) {
    // The rule's return type only (unevaluated), with a leaf as the cotangent: a cotangent with
    // literals of its own would make the rule renumber the child's literals, copying its whole type.
    using R = decltype(N::op::template vjp<I>(std::declval<const N&>(), std::declval<const cotangent<N>&>()));
    return !std::is_same_v<std::remove_cvref_t<R>, no_grad>;
  } else {
    return true;  // no rule to ask: assume it may carry a derivative (conservative)
  }
}

// A set of variables: one bit per variable of the pattern.
template <std::size_t V> struct var_set {
  static constexpr std::size_t words = V == 0 ? 1 : (V + 63) / 64;
  std::array<std::uint64_t, words> bits{};
  constexpr void add(std::size_t i) { bits[i / 64] |= std::uint64_t(1) << (i % 64); }
  constexpr bool has(std::size_t i) const { return (bits[i / 64] >> (i % 64)) & 1u; }
  constexpr void merge(const var_set& o) {
    for (std::size_t k = 0; k < words; ++k) bits[k] |= o.bits[k];
  }
};

// Per node type N and variable list Vars, memoised by the compiler as variable templates (each
// distinct node is computed once, so the cost is linear in the number of distinct nodes):
// deps_v, the variables a derivative of N can flow from; hess_v, the second derivatives of N that
// may be nonzero. For N = g(children): H_N = sum_i g_i H_i + sum_ij g_ij dc_i dc_j^T, so H_N is the
// union of the children's H (those a derivative flows through) and a local term: U x U for a
// nonlinear op (U the union of the children's dependencies), S_i x S_j (i != j) for a bilinear one,
// nothing for a linear one.
template <class Vars> struct vars_info;
template <class... Vs> struct vars_info<type_list<Vs...>> {
  static constexpr std::size_t count = sizeof...(Vs);
  using set = var_set<count>;
  using matrix = std::array<set, count>;
};

template <class N, class Vars> constexpr typename vars_info<Vars>::set deps_of();
template <class N, class Vars> inline constexpr auto deps_v = deps_of<N, Vars>();

template <class N, class Vars, std::size_t... I> constexpr auto merge_deps(std::index_sequence<I...>) {
  typename vars_info<Vars>::set d{};
  ((child_differentiable<N, I>() ? d.merge(deps_v<meta::at_t<I, typename N::children_types>, Vars>) : void()), ...);
  return d;
}
template <class N, class Vars> constexpr typename vars_info<Vars>::set deps_of() {
  typename vars_info<Vars>::set d{};
  if constexpr (is_var_v<N>) {
    if constexpr (meta::contains_v<N, Vars>) d.add(meta::index_of<N, Vars>::value);
  } else if constexpr (is_node_v<N>) {
    d = merge_deps<N, Vars>(std::make_index_sequence<type_list_size<typename N::children_types>::value>{});
  }
  return d;
}

template <class Set, std::size_t V> constexpr void cross(std::array<Set, V>& h, const Set& a, const Set& b) {
  for (std::size_t i = 0; i < V; ++i)
    if (a.has(i)) h[i].merge(b);
}
template <class N, class Vars> constexpr typename vars_info<Vars>::matrix hess_of();
template <class N, class Vars> inline constexpr auto hess_v = hess_of<N, Vars>();

template <class N, class Vars, std::size_t... I> constexpr auto node_hessian(std::index_sequence<I...>) {
  using info = vars_info<Vars>;
  using Cs = typename N::children_types;
  typename info::matrix h{};
  auto add = [&](const typename info::matrix& c) {
    for (std::size_t i = 0; i < info::count; ++i) h[i].merge(c[i]);
  };
  ((child_differentiable<N, I>() ? add(hess_v<meta::at_t<I, Cs>, Vars>) : void()), ...);
  constexpr auto kind = curvature_of<typename N::op>();
  if constexpr (kind == ops::curvature::nonlinear) {
    typename info::set u{};
    ((child_differentiable<N, I>() ? u.merge(deps_v<meta::at_t<I, Cs>, Vars>) : void()), ...);
    cross(h, u, u);
  } else if constexpr (kind == ops::curvature::bilinear && sizeof...(I) > 1) {
    const typename info::set s[] = {(child_differentiable<N, I>() ? deps_v<meta::at_t<I, Cs>, Vars> : typename info::set{})...};
    for (std::size_t i = 0; i < sizeof...(I); ++i)
      for (std::size_t j = 0; j < sizeof...(I); ++j)
        if (i != j) cross(h, s[i], s[j]);
  }
  return h;
}
template <class N, class Vars> constexpr typename vars_info<Vars>::matrix hess_of() {
  if constexpr (is_node_v<N>) return node_hessian<N, Vars>(std::make_index_sequence<type_list_size<typename N::children_types>::value>{});
  else return {};
}

template <class Roots, class... Vs> struct pattern_of;
template <class... Rs, class... Vs> struct pattern_of<type_list<Rs...>, Vs...> {
  using vars = type_list<Vs...>;
  static constexpr std::array<std::array<bool, sizeof...(Vs)>, sizeof...(Rs)> jacobian() {
    std::array<std::array<bool, sizeof...(Vs)>, sizeof...(Rs)> out{};
    const typename vars_info<vars>::set d[] = {deps_v<Rs, vars>...};
    for (std::size_t r = 0; r < sizeof...(Rs); ++r)
      for (std::size_t v = 0; v < sizeof...(Vs); ++v) out[r][v] = d[r].has(v);
    return out;
  }
  static constexpr std::array<std::array<bool, sizeof...(Vs)>, sizeof...(Vs)> hessian() {
    std::array<std::array<bool, sizeof...(Vs)>, sizeof...(Vs)> out{};
    const typename vars_info<vars>::matrix h[] = {hess_v<Rs, vars>...};
    for (const auto& m : h)
      for (std::size_t i = 0; i < sizeof...(Vs); ++i)
        for (std::size_t j = 0; j < sizeof...(Vs); ++j) out[i][j] = out[i][j] || m[i].has(j);
    return out;
  }
};

}  // namespace detail::inspect

/// The graph of the expressions (or gradient sets) As as text, one line per distinct node, children
/// first (`%3 = mul(%1, %2) : double`), then `out` and the outputs' numbers. A sub-expression used
/// several times is one line, referred to by its number. A compile-time constant (static_text).
template <class... As> inline constexpr auto description_v =
    detail::inspect::render<detail::inspect::describer_t<As...>, false>();
/// describe(e...): description_v of the arguments' types (a constexpr static_text; `.view()`).
template <class... As> constexpr const auto& describe(const As&...) { return description_v<As...>; }

/// The same graph in Graphviz DOT (`dot -Tsvg`): variables as boxes, operations as ellipses,
/// outputs with a double outline, an edge from each child to each parent that uses it.
template <class... As> inline constexpr auto dot_v = detail::inspect::render<detail::inspect::describer_t<As...>, true>();
template <class... As> std::string to_dot(const As&...) { return std::string(dot_v<As...>.view()); }

/// True when a derivative of expression (or lazy gradient) F can flow from variable V: V occurs in
/// F on a path on which every op passes derivatives (not through stop_gradient, labels or masks).
template <class F, class V> inline constexpr bool depends_on_v =
    detail::inspect::pattern_of<detail::inspect::roots_t<F>, std::remove_cvref_t<V>>::jacobian()[0][0];

/// The structural Jacobian pattern of the outputs F... (expressions or lazy gradients) with
/// respect to the variables Vs...: pattern[i][j] is false when output i cannot depend on variable
/// j (its derivative is identically zero); true means it may. Per variable (a tensor variable is one
/// block).
template <class... Vs, class... Fs> constexpr auto jacobian_pattern(const Fs&...) {
  return detail::inspect::pattern_of<detail::inspect::roots_t<Fs...>, std::remove_cvref_t<Vs>...>::jacobian();
}
/// The structural Hessian pattern of the scalar function F with respect to Vs...: pattern[i][j] is
/// false when d2F / dVi dVj is identically zero by the graph's structure (linear and bilinear ops
/// have no or only mixed second derivatives); symmetric.
template <class... Vs, class F> constexpr auto hessian_pattern(const F&) {
  return detail::inspect::pattern_of<detail::inspect::roots_t<F>, std::remove_cvref_t<Vs>...>::hessian();
}

}  // namespace ctgrad

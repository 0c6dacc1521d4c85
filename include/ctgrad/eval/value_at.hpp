// ctgrad/eval/value_at.hpp — evaluates a scalar expression (or a set of gradients) at given
// variable values, inlined, with no tape and no heap: usable in constant expressions.
// Not for tensors: compile() plans buffers and loops for those (eval/compile.hpp).
#pragma once

#include <array>
#include <tuple>
#include <type_traits>

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/autodiff/hessian.hpp"
#include "ctgrad/autodiff/lower.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/eval/element.hpp"

namespace ctgrad {
namespace detail {

struct scalar_plan {
  template <class N> static constexpr bool materialized = is_var_v<N>;
};

template <class Roots, class... Vs>
struct scalar_ctx {
  using math_policy = ::ctgrad::math::scalar_math;  // one value at a time: no vectorisation to keep
  const Roots* roots;
  detail::tuple<const binding<Vs>*...> bound;

  template <class L> constexpr value_t<L> literal() const {
    value_t<L> v{};
    bool found = false;
    detail::apply([&](const auto&... r) { (read_literal<L>(r, v, found), ...); }, *roots);
    return v;
  }
  template <class L, class R> static constexpr void read_literal(const R& r, value_t<L>& v, bool& found) {
    if constexpr (std::is_same_v<R, L>) {
      if (!found) { v = r.value; found = true; }
    } else if constexpr (!R::is_leaf && R::literal_count >= L::literal_count) {
      if (!found && r.literals.has[L::literal_count - 1]) {
        v = static_cast<value_t<L>>(r.literals.value[L::literal_count - 1]);
        found = true;
      }
    }
  }
  template <class V> constexpr value_t<V> load_leaf(std::size_t, std::size_t) const {
    static_assert((std::is_same_v<V, Vs> || ...),
                  "value_at: the expression uses a variable that has no value bound (write v = value)");
    return detail::get<meta::index_of_v<V, type_list<Vs...>>>(bound)->scalar;
  }
  template <class N, std::size_t I, class C> constexpr value_t<C> load(std::size_t r, std::size_t c) const {
    return load_leaf<C>(r, c);
  }
  constexpr loop_info info() const { return {}; }
};

// True when a node among Nodes has an op that only a compiled program runs (`program_only`: opaque
// ops, whose kernels take the program's buffers).
template <class N> constexpr bool program_only_node() {
  if constexpr (is_node_v<N>) {
    if constexpr (requires { N::op::program_only; }) return N::op::program_only;
    else return false;
  } else {
    return false;
  }
}
template <class Nodes> inline constexpr bool any_program_only_v = false;
template <class... Ns> inline constexpr bool any_program_only_v<type_list<Ns...>> = (program_only_node<Ns>() || ...);

// True when every variable among Nodes is one of Bound.
template <class Nodes, class Bound> inline constexpr bool all_bound_v = false;
template <class... Ns, class Bound>
inline constexpr bool all_bound_v<type_list<Ns...>, Bound> = ((!is_var_v<Ns> || meta::contains_v<Ns, Bound>) && ...);

// ---- the flat path: scalar graphs of one element type (autodiff/lower.hpp) ----------------------
// Root K need not be walked for literals when it is a lazy gradient of a function that root 0 is,
// or that root 0 is a gradient of: the same literals (a gradient set's roots).
template <class R0, class R> inline constexpr bool same_function_v = false;
template <class R0, std::size_t K, class V, class F>
inline constexpr bool same_function_v<R0, node<ops::grad_op<K, V>, F>> =
    std::is_same_v<R0, F> || (is_node_v<R0> && meta::contains_v<F, typename R0::children_types> &&
                              is_grad_op_v<typename R0::op>);
template <class T, class... Es>
constexpr void collect_root_literals(const detail::tuple<const Es&...>& roots, T* lits) {
  using first = meta::at_t<0, type_list<Es...>>;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    ([&] {
      using R = meta::at_t<K, type_list<Es...>>;
      if constexpr (K == 0 || !same_function_v<first, R>) collect_literal_values(detail::get<K>(roots), lits);
    }(), ...);
  }(std::index_sequence_for<Es...>{});
}

template <class... Es> inline constexpr bool flat_roots_v = false;
template <class E0, class... Es>
inline constexpr bool flat_roots_v<E0, Es...> = flat::flat_ok_v<E0, value_t<E0>> && (flat::flat_ok_v<Es, value_t<E0>> && ...);

// The order value_at runs a flat program in: the live leaves first (variables, literals, numbers),
// then the live ops in program order, each value in a slot of its own (slots numbered in that
// order, so the ops' slots follow the leaves'). Arrays sized exactly, computed once per program.
template <class T, std::size_t NV, std::size_t NL, std::size_t NI, std::size_t NO, std::size_t R>
struct flat_schedule {
  static constexpr std::size_t vars = NV, lits = NL, imms = NI, ops = NO;  // slots in this order
  int var_index[NV + 1];                     // the instruction (its binding found later)
  int lit_id[NL + 1];
  T imm[NI + 1];
  int op_index[NO + 1];                      // the instruction (its function)
  int op_args[NO + 1][flat::max_args];       // operands' slots
  int root_slot[R];
};
template <auto& P>
constexpr auto make_flat_schedule() {
  constexpr std::size_t n = sizeof(P.live) / sizeof(P.live[0]);
  constexpr auto count = [](flat::kind k) {
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i) c += P.live[i] && P.code[i].k == k;
    return c;
  };
  constexpr std::size_t nv = count(flat::kind::var), nl = count(flat::kind::lit), ni = count(flat::kind::imm),
                        no = count(flat::kind::op);
  constexpr std::size_t r = sizeof(P.roots) / sizeof(P.roots[0]);
  using T = std::remove_cvref_t<decltype(P.code[0].imm)>;
  flat_schedule<T, nv, nl, ni, no, r> sc{};
  int slot_of[n] = {};
  std::size_t v = 0, l = 0, m = 0, o = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!P.live[i]) continue;
    switch (P.code[i].k) {
      case flat::kind::var: slot_of[i] = int(v); sc.var_index[v++] = int(i); break;
      case flat::kind::lit: slot_of[i] = int(nv + l); sc.lit_id[l++] = P.code[i].lit; break;
      case flat::kind::imm: slot_of[i] = int(nv + nl + m); sc.imm[m++] = P.code[i].imm; break;
      case flat::kind::op: slot_of[i] = int(nv + nl + ni + o); ++o; break;
    }
  }
  o = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!P.live[i] || P.code[i].k != flat::kind::op) continue;
    sc.op_index[o] = int(i);
    for (int j = 0; j < P.code[i].nargs; ++j) sc.op_args[o][j] = slot_of[P.code[i].a[j]];
    ++o;
  }
  for (std::size_t k = 0; k < r; ++k) sc.root_slot[k] = slot_of[P.roots[k]];
  return sc;
}
template <auto& P> inline constexpr auto flat_schedule_v = make_flat_schedule<P>();

inline constexpr std::size_t flat_chunk = 256;
// Ops First .. First + Count - 1 of a schedule (value_at_flat).
template <std::size_t First, std::size_t Count, std::size_t Base, auto& P, auto& Sc, class T>
constexpr void flat_run_chunk(T* s) {
  using flat::constant_v;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    [[maybe_unused]] const int order[] = {
        (s[Base + First + I] = constant_v<P.code[Sc.op_index[First + I]].fn>(
             s, constant_v<Sc.op_args[First + I][0]>, constant_v<Sc.op_args[First + I][1]>,
             constant_v<Sc.op_args[First + I][2]>, constant_v<Sc.op_args[First + I][3]>,
             constant_v<Sc.op_args[First + I][4]>, constant_v<Sc.op_args[First + I][5]>),
         0)...};
  }(std::make_index_sequence<Count>{});
}

// Evaluates the roots' flat program: one statement per live instruction (flat_schedule), on a
// local array of slots. Works in constant evaluation too.
template <class... Es, class... Vs>
constexpr auto value_at_flat(const detail::tuple<const Es&...>& roots, const binding<Vs>&... bs) {
  using T = value_t<meta::at_t<0, type_list<Es...>>>;
  using M = ::ctgrad::math::scalar_math;
  constexpr auto& p = flat::program_v<T, M, Es...>;
  constexpr auto& sc = flat_schedule_v<p>;
  using sched = std::remove_cvref_t<decltype(sc)>;
  constexpr std::size_t nv = sched::vars, nl = sched::lits, ni = sched::imms, no = sched::ops;
  // Which binding each variable reads (-1: not bound).
  constexpr auto bound_at = [] {
    std::array<int, nv + 1> at{};
    const void* tags[] = {&flat::type_tag<Vs>..., nullptr};
    for (std::size_t j = 0; j < nv; ++j) {
      at[j] = -1;
      for (std::size_t v = 0; v < sizeof...(Vs); ++v)
        if (tags[v] == p.code[sc.var_index[j]].var) at[j] = int(v);
    }
    return at;
  }();
  constexpr bool all_bound = [&] {
    for (std::size_t j = 0; j < nv; ++j)
      if (bound_at[j] < 0) return false;
    return true;
  }();
  static_assert(all_bound, "value_at: the expression uses a variable that has no value bound (write v = value)");
  if constexpr (!all_bound) {
    return std::tuple<value_t<Es>...>{};  // reported above; no second error
  } else {
    constexpr int literal_count = std::max({1, Es::literal_count...});
    T lits[literal_count] = {};
    collect_root_literals<T>(roots, lits);
    const T vars[] = {static_cast<T>(bs.scalar)..., T{}};
    T s[nv + nl + ni + no + 1];
    // Every index and function below is a template argument (flat::constant_v), so the front end
    // writes literal constants and direct calls: left as reads of the program (a large constant
    // array), g++'s middle end folded them one by one, which grew faster than the program.
    using flat::constant_v;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((s[J] = vars[constant_v<bound_at[J]>]), ...);
    }(std::make_index_sequence<nv>{});
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((s[nv + J] = lits[constant_v<sc.lit_id[J]>]), ...);
    }(std::make_index_sequence<nl>{});
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((s[nv + nl + J] = constant_v<sc.imm[J]>), ...);
    }(std::make_index_sequence<ni>{});
    // The ops in chunks of flat_chunk, each its own function: g++'s passes over one function grow
    // faster than its length, and a gradient can be thousands of statements.
    [&]<std::size_t... C>(std::index_sequence<C...>) {
      (flat_run_chunk<C * flat_chunk, std::min(flat_chunk, no - C * flat_chunk), nv + nl + ni, p, sc>(s), ...);
    }(std::make_index_sequence<(no + flat_chunk - 1) / flat_chunk>{});
    return [&]<std::size_t... R>(std::index_sequence<R...>) {
      return std::tuple<value_t<Es>...>{s[sc.root_slot[R]]...};
    }(std::index_sequence_for<Es...>{});
  }
}

// roots: references to the expressions (never copies: a gradient set's expressions hold the
// literals' values, and a copy per call cost as much as the arithmetic in a 10-variable gradient).
template <class... Es, class... Vs>
constexpr auto value_at_roots(const detail::tuple<const Es&...>& roots, const binding<Vs>&... bs) {
  constexpr bool scalars = ((shape_t<Es>::rank == 0) && ...);
  constexpr bool all_bound = all_bound_v<topo_order_t<Es...>, type_list<Vs...>>;
  static_assert(scalars,
                "value_at: evaluates scalar expressions only; compile() evaluates tensor expressions");
  constexpr bool elementwise = !any_program_only_v<topo_order_t<Es...>>;
  static_assert(!scalars || elementwise,
                "value_at: the expression contains an opaque op (a routine of your own, ops/opaque.hpp), "
                "which only compile()'s programs run; evaluate it with compile()");
  static_assert(!scalars || !elementwise || all_bound,
                "value_at: the expression uses a variable that has no value bound (write v = value)");
  if constexpr (!(scalars && elementwise && all_bound)) {
    return std::tuple<value_t<Es>...>{};  // reported above; no second error
  } else {
    scalar_ctx<detail::tuple<const Es&...>, Vs...> ctx{&roots, {&bs...}};
    return eval_elements<scalar_plan, Es...>(ctx, 0, 0);
  }
}

template <class... Es> constexpr detail::tuple<const Es&...> refs_of(const detail::tuple<Es...>& t) {
  return detail::apply([](const Es&... e) { return detail::tuple<const Es&...>{e...}; }, t);
}

// The flat program for scalar graphs of one element type (every graph value_at can evaluate);
// otherwise value_at_roots, which walks the node types element by element and reports what
// value_at cannot evaluate (tensor roots, unbound variables). Its constant evaluation runs on a
// local copy of the roots (g++ 12 folds reads of an object the constant evaluation did not create,
// e.g. a static_assert caller's expression, less readily).
template <class... Es, class... Vs>
constexpr auto value_at_refs(const detail::tuple<const Es&...>& roots, const binding<Vs>&... bs) {
  if constexpr (flat_roots_v<Es...>) {
    return value_at_flat(roots, bs...);
  } else {
    if (std::is_constant_evaluated()) {
      const auto local = detail::apply([](const Es&... e) { return detail::tuple<Es...>{e...}; }, roots);
      return value_at_roots(refs_of(local), bs...);
    }
    return value_at_roots(roots, bs...);
  }
}

}  // namespace detail

/// The value of the scalar expression e at the bound variable values, e.g.
/// `value_at(sigmoid(a * b), a = 1.0, b = 2.0)`. Every sub-expression is computed once; no heap.
/// For a gradient_set, returns a std::array of the gradients (in the order they were requested).
template <class E, class... Vs>
constexpr auto value_at(const E& e, const binding<Vs>&... bs) {
  if constexpr (any_invalid_v<E>) {
    return 0.0f;  // a misuse already reported
  } else if constexpr (is_gradient_set_v<E>) {
    auto vals = detail::value_at_refs(detail::refs_of(e.grads), bs...);
    return std::apply([](auto... v) { return std::array{v...}; }, vals);
  } else if constexpr (is_hessian_set_v<E>) {
    return value_grad_hessian_at(e, bs...).hessian;
  } else if constexpr (!expression<E>) {
    static_assert(expression<E>, "value_at: the first argument must be a ctgrad expression");
    return 0.0f;
  } else {
    return std::get<0>(detail::value_at_refs(detail::tuple<const E&>{e}, bs...));
  }
}

/// f's value, gradient and Hessian at a point (value_grad_hessian_at).
template <class T, std::size_t N> struct value_grad_hessian {
  T value;
  std::array<T, N> gradient;
  std::array<std::array<T, N>, N> hessian;  // symmetric: hessian[i][j] == hessian[j][i]
};

/// The value, gradient and Hessian of a hessian_set's function at the bound values, from one program
/// (each distinct second derivative once, shared sub-expressions once). Usable in constant expressions.
template <class F, class Vars, class... Gs, class... Hs, class... Vs>
constexpr auto value_grad_hessian_at(const hessian_set<F, Vars, type_list<Gs...>, type_list<Hs...>>& h,
                                     const binding<Vs>&... bs);

/// The value of f and of its gradients, computed together (shared sub-expressions once):
/// returns {f, std::array{df/dv...}}.
template <class F, class Vars, class... Gs, class... Vs>
constexpr auto value_and_grad_at(const gradient_set<F, Vars, Gs...>& gs, const binding<Vs>&... bs) {
  const auto roots =
      detail::apply([&](const Gs&... g) { return detail::tuple<const F&, const Gs&...>{gs.function, g...}; }, gs.grads);
  auto vals = detail::value_at_refs(roots, bs...);
  return std::apply([](auto f, auto... g) { return std::pair{f, std::array{g...}}; }, vals);
}

template <class F, class Vars, class... Gs, class... Hs, class... Vs>
constexpr auto value_grad_hessian_at(const hessian_set<F, Vars, type_list<Gs...>, type_list<Hs...>>& h,
                                     const binding<Vs>&... bs) {
  constexpr std::size_t n = sizeof...(Gs);
  using T = value_t<F>;
  const auto roots = detail::apply([&](const Gs&... g) {
    return detail::apply([&](const Hs&... e) { return detail::tuple<const F&, const Gs&..., const Hs&...>{h.function, g..., e...}; },
                         h.upper);
  }, h.gradients);
  const auto vals = detail::value_at_refs(roots, bs...);
  const std::array<T, 1 + n + sizeof...(Hs)> flat = std::apply([](auto... v) { return std::array<T, sizeof...(v)>{v...}; }, vals);
  value_grad_hessian<T, n> r{};
  r.value = flat[0];
  for (std::size_t i = 0; i < n; ++i) r.gradient[i] = flat[1 + i];
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) r.hessian[i][j] = flat[1 + n + detail::upper_index(i, j, n)];
  return r;
}

}  // namespace ctgrad

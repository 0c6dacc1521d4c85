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
  template <class N> struct is_materialized : std::bool_constant<is_var_v<N>> {};
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
    static_assert(meta::contains_v<V, type_list<Vs...>>,
                  "value_at: the expression uses a variable that has no value bound (write v = value)");
    return detail::get<meta::index_of<V, type_list<Vs...>>::value>(bound)->scalar;
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
template <class... Ns> inline constexpr bool any_program_only_v<type_list<Ns...>> = meta::any_of({program_only_node<Ns>()...});

// True when every variable among Nodes is one of Bound.
template <class Nodes, class Bound> inline constexpr bool all_bound_v = false;
template <class... Ns, class Bound>
inline constexpr bool all_bound_v<type_list<Ns...>, Bound> =
    meta::all_of({(!is_var_v<Ns> || meta::contains_v<Ns, Bound>)...});

// ---- the flat path: scalar graphs of one element type (autodiff/lower.hpp) ----------------------
// Root K need not be walked for literals when it is a lazy gradient of a function that root 0 is,
// or that root 0 is a gradient of: the same literals (a gradient set's roots).
template <class R0, class R> struct same_function : std::false_type {};
template <class R0, std::size_t K, class V, class F>
struct same_function<R0, node<ops::grad_op<K, V>, F>>
    : std::bool_constant<std::is_same<R0, F>::value ||
                         (is_node_v<R0> && meta::contains_v<F, typename R0::children_types> &&
                          is_grad_op_v<typename R0::op>)> {};
// One loop over the roots (no function or variable per root type: see core/node.hpp, node_literals).
template <class T, class... Es>
constexpr void collect_root_literals(const detail::tuple<const Es&...>& roots, T* lits) {
  using first = meta::at_t<0, type_list<Es...>>;
  constexpr bool walk[] = {!same_function<first, Es>::value...};
  detail::apply([&](const Es&... r) {
    std::size_t k = 0;
    meta::in_order{((k == 0 || walk[k] ? collect_literal_values(r, lits) : void()), ++k, 0)...};
  }, roots);
}

template <class... Es> inline constexpr bool flat_roots_v = false;
template <class E0, class... Es>
inline constexpr bool flat_roots_v<E0, Es...> = flat::flat_ok_v<E0, value_t<E0>> && meta::all_of({flat::flat_ok_v<Es, value_t<E0>>...});

/// The flat program of the roots in the list Roots (flat::program_v).
template <class M, class Roots> struct flat_program_of;
template <class M, class E0, class... Es> struct flat_program_of<M, type_list<E0, Es...>> {
  static constexpr auto& value = flat::program_v<value_t<E0>, M, E0, Es...>;
};

/// The operands' slots of program P's batches, the part of the program a batch reads at run time
/// (flat::exec_batch): for each batch, operand 0 of its n ops, then operand 1, ...; one array per
/// program (the program itself is never emitted).
template <auto& P>
inline constexpr auto flat_lanes_v = [] {
  std::array<int, std::max<std::size_t>(1, P.lanes)> a{};
  for (std::size_t e = 0; e < P.events; ++e) {
    const int first = P.batch_op[e], n = P.batch_n[e];
    if (n == 0) continue;
    for (int j = 0; j < P.op_nargs[first]; ++j)
      for (int k = 0; k < n; ++k) a[std::size_t(P.batch_lanes[e] + j * n + k)] = P.op_args[first + k][j];
  }
  return a;
}();
// Ops First .. First + sizeof...(I) - 1 of a program (value_at_flat), one statement each. A pack expansion in the
// function itself, not in a lambda: every function here is named after the whole program, and g++
// spends time that grows with the square of a name's length on each one (docs/design.md, "Compile time").
// Never inlined: g++ inlined the two chunks of a 16-variable gradient (each called once) into one
// block of 600 statements, and its second scheduling pass, quadratic in a block's length, took
// 0.7 s of the unit's 1.8 s. The instructions per call stay the same (W5, N = 10 and 32).
template <std::size_t First, std::size_t Base, auto& P, class T, std::size_t... I>
[[gnu::noinline]] constexpr void flat_run_chunk([[maybe_unused]] T* s, std::index_sequence<I...>) {
  using flat::constant_v;
  [[maybe_unused]] const int order[] = {
      0,  // an empty run (an event that is only a batch)
      (s[Base + First + I] = constant_v<P.op_fn[First + I]>(
           s, constant_v<P.op_args[First + I][0]>, constant_v<P.op_args[First + I][1]>,
           constant_v<P.op_args[First + I][2]>, constant_v<P.op_args[First + I][3]>,
           constant_v<P.op_args[First + I][4]>, constant_v<P.op_args[First + I][5]>),
       0)...};
}

// Evaluates the flat program of the roots in the list Roots (all of one element type T), event by
// event (flat::program: a batch, then single ops one statement each), on a local array of slots, given the values of
// the roots' literals by id (lits) and the variables' bindings. Works in constant evaluation too.
// Returns the roots' values as a std::array.
template <class Roots, class T, class... Vs>
constexpr auto value_at_flat(const T* lits, const binding<Vs>&... bs) {
  using M = ::ctgrad::math::scalar_math;
  constexpr auto& p = flat_program_of<M, Roots>::value;
  using prog = std::remove_cvref_t<decltype(p)>;
  constexpr std::size_t nv = p.vars, nl = p.lits, ni = p.imms, no = p.ops, ne = p.events;
  constexpr std::size_t nr = std::extent_v<decltype(prog::root_slot)>;
  // Which binding each variable reads (-1: not bound).
  constexpr auto bound_at = [] {
    std::array<int, nv + 1> at{};
    const void* tags[] = {&flat::type_tag<Vs>..., nullptr};
    for (std::size_t j = 0; j < nv; ++j) {
      at[j] = -1;
      for (std::size_t v = 0; v < sizeof...(Vs); ++v)
        if (tags[v] == p.var_tag[j]) at[j] = int(v);
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
    return std::array<T, nr>{};  // reported above; no second error
  } else {
    const T vars[] = {static_cast<T>(bs.scalar)..., T{}};
    T s[nv + nl + ni + no + flat::flat_padding<T>];
    [[maybe_unused]] const int* lanes = flat_lanes_v<p>.data();
    // Every index and function below is a template argument (flat::constant_v), so the front end
    // writes literal constants and direct calls: left as reads of the program (a large constant
    // array), g++'s middle end folded them one by one, which grew faster than the program. The
    // program itself is then never read at run time, so it is not emitted.
    // The ops run in chunks of flat_chunk, each its own function: g++'s passes over one function
    // grow faster than its length, and a gradient can be thousands of statements.
    // One lambda for the four steps (each lambda is a function named after the whole program).
    using flat::constant_v;
    return [&]<std::size_t... J, std::size_t... L, std::size_t... K, std::size_t... C, std::size_t... R>(
               std::index_sequence<J...>, std::index_sequence<L...>, std::index_sequence<K...>,
               std::index_sequence<C...>, std::index_sequence<R...>) {
      meta::in_order{(s[J] = vars[constant_v<bound_at[J]>], 0)...};
      meta::in_order{(s[nv + L] = lits[constant_v<p.lit_id[L]>], 0)...};
      meta::in_order{(s[nv + nl + K] = constant_v<p.imm[K]>, 0)...};
      // Each event: its batch (batch_call_v: inlined, out of line when narrow, or none), then its run of single ops (an empty run is one
      // function for the whole program, First 0).
      ((flat::batch_call_v<T, p.op_batch[p.batch_op[C]], p.batch_n[C]>(s, int(nv + nl + ni) + p.batch_op[C], p.batch_n[C], lanes + p.batch_lanes[C]),
        flat_run_chunk<(p.run_n[C] ? std::size_t(p.run_op[C]) : 0), nv + nl + ni, p>(s, std::make_index_sequence<std::size_t(p.run_n[C])>{})),
       ...);
      return std::array<T, nr>{s[constant_v<p.root_slot[R]>]...};
    }(std::make_index_sequence<nv>{}, std::make_index_sequence<nl>{}, std::make_index_sequence<ni>{},
      std::make_index_sequence<ne>{}, std::make_index_sequence<nr>{});
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
    using T = value_t<meta::at_t<0, type_list<Es...>>>;
    T lits[std::max({1, Es::literal_count...})] = {};
    collect_root_literals<T>(roots, lits);
    return value_at_flat<type_list<Es...>>(lits, bs...);
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
    if constexpr (E::tensor) {
      static_assert(!E::tensor,
                    "value_at: this Hessian has tensor blocks (tensor variables, or a graph with tensors); "
                    "evaluate it with compile(h) and read prog[h(x, y)]");
      return 0.0f;
    } else {
      return value_grad_hessian_at(e, bs...).hessian;
    }
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

namespace detail {
template <class F, class Vars, class... Gs, class... Vs>
constexpr auto value_and_grad_at_roots(const gradient_set<F, Vars, Gs...>& gs, const binding<Vs>&... bs);
}  // namespace detail

/// The value of f and of its gradients, computed together (shared sub-expressions once):
/// returns {f, std::array{df/dv...}}.
template <class F, class Vars, class... Gs, class... Vs>
constexpr auto value_and_grad_at(const gradient_set<F, Vars, Gs...>& gs, const binding<Vs>&... bs) {
  if constexpr (detail::flat_roots_v<F, Gs...> && (detail::same_function<F, Gs>::value && ...)) {
    // The gradients are lazy (grad_op nodes of f): f's literals are all the program reads. No tuple
    // of the roots, no std::apply: each would be functions named after the whole graph.
    using T = value_t<F>;
    T lits[std::max(1, F::literal_count)] = {};
    detail::collect_literal_values(gs.function, lits);
    const std::array<T, 1 + sizeof...(Gs)> vals = detail::value_at_flat<type_list<F, Gs...>>(lits, bs...);
    std::pair<T, std::array<T, sizeof...(Gs)>> r{vals[0], {}};
    for (std::size_t i = 0; i < sizeof...(Gs); ++i) r.second[i] = vals[1 + i];
    return r;
  } else {
    return detail::value_and_grad_at_roots(gs, bs...);
  }
}

namespace detail {
template <class F, class Vars, class... Gs, class... Vs>
constexpr auto value_and_grad_at_roots(const gradient_set<F, Vars, Gs...>& gs, const binding<Vs>&... bs) {
  const auto roots =
      detail::apply([&](const Gs&... g) { return detail::tuple<const F&, const Gs&...>{gs.function, g...}; }, gs.grads);
  auto vals = detail::value_at_refs(roots, bs...);
  return std::apply([](auto f, auto... g) { return std::pair{f, std::array{g...}}; }, vals);
}
}  // namespace detail

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

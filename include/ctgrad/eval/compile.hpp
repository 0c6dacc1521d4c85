// ctgrad/eval/compile.hpp — compile(outputs...): plans buffers once and returns a program that
// evaluates the outputs (expressions and gradient sets) over bound tensors with fused loops.
// Not for scalar-only code that wants constexpr: value_at() (eval/value_at.hpp) is lighter.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/eval/element.hpp"
#include "ctgrad/eval/gemm.hpp"
#include "ctgrad/eval/plan.hpp"

// The loop below it has no dependence between iterations (GCC's `ivdep`; nothing elsewhere).
#if defined(__GNUC__) && !defined(__clang__)
#define CTGRAD_IVDEP _Pragma("GCC ivdep")
#else
#define CTGRAD_IVDEP
#endif

namespace ctgrad {

template <class Outputs, class Origins> class program;
template <class... Vs> struct binding_set;  // core/bind.hpp

namespace detail {

template <class A> struct compile_arg {  // an expression
  static constexpr bool is_gradient_set = false;
  using origin = A;
  static constexpr const A& origin_of(const A& a) { return a; }
  using flat = type_list<A>;
  static constexpr int literal_count = A::literal_count;
  // Lazy gradients (grad_op nodes of scalar graphs) become nested adjoint expressions here: the
  // plan works on those. `flat` keeps the original types, by which outputs are looked up.
  static constexpr auto flatten(const A& a) { return detail::make_tuple(detail::expand_lazy(a)); }
};
template <class F, class V, class... Gs> struct compile_arg<gradient_set<F, V, Gs...>> {
  static constexpr bool is_gradient_set = true;
  using origin = F;
  static constexpr const F& origin_of(const gradient_set<F, V, Gs...>& g) { return g.function; }
  using flat = type_list<F, Gs...>;
  static constexpr int literal_count = gradient_set<F, V, Gs...>::literal_count;
  static constexpr auto flatten(const gradient_set<F, V, Gs...>& g) {
    // Without lazy gradients (a tensor graph's set) as they are: expand_lazy would be an identity
    // function per gradient, named after its type.
    if constexpr (!(has_lazy<F>::value || (has_lazy<Gs>::value || ...)))
      return detail::tuple_cat(detail::make_tuple(g.function), g.grads);
    else
      return detail::apply([&](const Gs&... gs) {
        return detail::make_tuple(detail::expand_lazy(g.function), detail::expand_lazy(gs)...);
      }, g.grads);
  }
};

// Literal renumbering of compile()'s arguments. Arguments are renumbered apart (so that equal
// types mean equal values), except a gradient set whose function has the type of an earlier
// argument: it shares that argument's literals (so f's forward values are shared with the
// gradients), which compile() verifies at run time (share_sources).
template <class... Args> constexpr std::array<int, sizeof...(Args)> share_sources() {
  using origins = type_list<typename compile_arg<Args>::origin...>;
  constexpr bool is_set[] = {compile_arg<Args>::is_gradient_set..., false};
  std::array<int, sizeof...(Args)> src{};
  meta::for_each_indexed<origins>([&]<std::size_t K, class O>() {
    int found = -1;
    meta::for_each_indexed<origins>([&]<std::size_t J, class P>() {
      if (J < K && found < 0 && is_set[K] && std::is_same_v<O, P>) found = int(J);
    });
    src[K] = found;
  });
  return src;
}
template <class... Args> constexpr std::array<int, sizeof...(Args)> literal_offsets() {
  constexpr auto src = share_sources<Args...>();
  constexpr int counts[] = {compile_arg<Args>::literal_count..., 0};
  std::array<int, sizeof...(Args)> off{};
  int running = 0;
  for (std::size_t k = 0; k < sizeof...(Args); ++k) {
    if (src[k] >= 0) off[k] = off[std::size_t(src[k])];
    else { off[k] = running; running += counts[k]; }
  }
  return off;
}

// True when a and b (one type) hold the same literal values.
template <class E> constexpr bool same_literals(const E& a, const E& b) {
  if constexpr (E::literal_count == 0) {
    return true;
  } else if constexpr (E::is_leaf) {
    return a.value == b.value;
  } else {
    for (int i = 0; i < E::literal_count; ++i)
      if (a.literals.has[i] && !(a.literals.value[i] == b.literals.value[i])) return false;
    return true;
  }
}
template <class... Args> bool shared_literals_agree(const Args&... args) {
  constexpr auto src = share_sources<Args...>();
  const detail::tuple<const Args&...> tup{args...};
  bool ok = true;
  meta::for_each_indexed<type_list<Args...>>([&]<std::size_t K, class A>() {
    if constexpr (src[K] >= 0) {
      using B = meta::at_t<std::size_t(src[K]), type_list<Args...>>;
      ok = ok && same_literals(compile_arg<A>::origin_of(detail::get<K>(tup)),
                               compile_arg<B>::origin_of(detail::get<std::size_t(src[K])>(tup)));
    }
  });
  return ok;
}

template <int Off, class Tuple> constexpr auto shift_group(const Tuple& t) {
  // Off == 0 (the first argument, and a gradient set sharing its function): the tuple as it is, not
  // an identity function per output, named after its type (a deep graph's gradients have long names).
  if constexpr (Off == 0) return t;
  else return detail::apply([](const auto&... e) { return detail::make_tuple(shift_literals<Off>(e)...); }, t);
}

template <class... Ts> struct as_list { using type = type_list<Ts...>; };
template <class... Ts> struct as_list<detail::tuple<Ts...>> { using type = type_list<Ts...>; };

// A set of outputs derived from one function (autodiff/hessian.hpp's hessian_set of tensor blocks:
// `compiles_as_set`): evaluated as its outputs(), f first, sharing f's literals like a gradient set.
template <class A> concept output_set = requires(const A& a) {
  requires A::compiles_as_set;
  a.function;
  a.outputs();
};
template <class A> requires output_set<A> struct compile_arg<A> {
  static constexpr bool is_gradient_set = true;
  using origin = typename A::function_type;
  static constexpr const origin& origin_of(const A& a) { return a.function; }
  using outputs_type = decltype(std::declval<const A&>().outputs());
  using flat = typename as_list<outputs_type>::type;
  static constexpr int literal_count = A::literal_count;
  static constexpr auto flatten(const A& a) {
    return detail::apply([](const auto&... e) { return detail::make_tuple(detail::expand_lazy(e)...); }, a.outputs());
  }
};


template <class V> std::string var_name() { return std::string(V::name); }

// How a program runs its matrix-vector pair (plan.hpp, "matrix-vector pairs"), if it has one:
// `active` when the pair runs as one pass (kernel::gemv_pair) at the product's place. `chain`: the
// kernels between the product and its adjoint, computed in that pass for each block of rows (the
// adjoint last). Everything else the adjoint reads must be complete at the product's place; the
// node order (schedule_t) puts it before, but a loop group holding one of those kernels runs at the
// place of its last kernel, which may come later: then the pair is not fused.
template <class Pair, class Plan, class Kernels, bool = Pair::found> struct pair_fusion {
  static constexpr bool active = false;
  using checked = type_list<>;
  template <class N> struct runs_pass : std::false_type {};
  template <class N> struct computed_early : std::false_type {};
  static constexpr std::size_t saved_loops = 0;
};
template <class Pair, class Plan, class Kernels> struct pair_fusion<Pair, Plan, Kernels, true> {
  using product = typename Pair::product;
  using adjoint = typename Pair::adjoint;
  template <class K> struct in_chain : std::bool_constant<!CTGRAD_IS_SAME(K, product) &&
                                                          depends_on<K, product> && depends_on<adjoint, K>> {};
  using chain = meta::filter_t<in_chain, Kernels>;
  template <class K> struct read_early : std::bool_constant<depends_on<adjoint, K> && !depends_on<K, product>> {};
  template <class K> struct done_before
      : std::bool_constant<(Plan::template root_index<K>::value == Plan::root_count ||
                            Plan::group_last[Plan::leader[Plan::template root_index<K>::value]] <
                                Plan::template root_index<product>::value)> {};
  template <class... Ks> static constexpr bool all_done_before(type_list<Ks...>*) { return meta::all_of({done_before<Ks>::value...}); }
  static constexpr bool active = all_done_before(static_cast<meta::filter_t<read_early, Kernels>*>(nullptr));
  /// The kernels the pass computes, in the order run_check_finite checks them.
  using checked = meta::concat_t<type_list<product>, chain, type_list<typename Pair::transposed>>;
  /// The pass runs at the product's place.
  template <class N> struct runs_pass : std::bool_constant<active && CTGRAD_IS_SAME(N, product)> {};
  /// Computed in the pass, not at its own place: the transposed product, and the chain's kernels
  /// that run alone (a kernel in a loop group is computed again by its group: the same values).
  template <class N> struct computed_early
      : std::bool_constant<active && (CTGRAD_IS_SAME(N, typename Pair::transposed) ||
                                      (meta::contains_v<N, chain> && Plan::template group_size<N>::value == 1))> {};
  /// The loops the pass saves: one per kernel computed early (the product's own loop is the pass).
  static constexpr std::size_t saved_loops = []<class... Ks>(type_list<Ks...>*) {
    return (std::size_t{0} + ... + std::size_t(computed_early<Ks>::value));
  }(static_cast<Kernels*>(nullptr));
};

}  // namespace detail

namespace detail {
template <class A> constexpr bool is_compile_arg() { return expression<A> || is_gradient_set_v<A> || output_set<A>; }
template <class A> struct compile_value { using type = void; };
template <class A> requires expression<A> struct compile_value<A> { using type = value_t<A>; };
template <class A> requires output_set<A> struct compile_value<A> { using type = value_t<typename A::function_type>; };
template <class F, class V, class... Gs> struct compile_value<gradient_set<F, V, Gs...>> { using type = value_t<F>; };
template <class... Args> struct first_value { using type = void; };
template <class A, class... As> struct first_value<A, As...> { using type = typename compile_value<A>::type; };

// Reports the first misuse among compile()'s arguments (one message) and says whether they are valid.
template <class... Args> constexpr bool compile_checks() {
  constexpr bool some = sizeof...(Args) > 0;
  constexpr bool args_ok = (is_compile_arg<Args>() && ...);
  constexpr bool floating = (element_type<typename compile_value<Args>::type> && ...);
  constexpr bool same_type =
      (std::is_same_v<typename compile_value<Args>::type, typename first_value<Args...>::type> && ...);
  static_assert(some, "compile: give at least one output");
  static_assert(!some || args_ok,
                "compile: outputs must be expressions or gradient sets (from grad()), or Hessian sets of "
                "tensor variables (from hessian())");
  static_assert(!some || !args_ok || floating,
                "compile: outputs must have float or double values (integer label variables are "
                "inputs only)");
  static_assert(!some || !args_ok || !floating || same_type,
                "compile: outputs have different element types (e.g. float and double); a program "
                "computes in one type");
  return some && args_ok && floating && same_type;
}

/// What compile() returns after reporting a misuse: accepts run() and reads without further errors.
struct invalid_program {
  template <class... Bs> absl::Status run(const Bs&...) { return absl::InternalError("invalid program"); }
  template <class E> tensor_view<const float> operator[](const E&) const { return {}; }
  template <std::size_t I> tensor_view<const float> get() const { return {}; }
  std::size_t batch() const noexcept { return 0; }
};
}  // namespace detail

/// A view of the results of a program run; valid until the program runs again.
template <class Program>
class results {
 public:
  explicit results(const Program* p) : p_(p) {}
  /// The value of an output of the program (an expression given to compile(), or a gradient).
  template <class E> auto operator[](const E& e) const { return (*p_)[e]; }

 private:
  const Program* p_;
};

// Code that must be inlined into a compiled loop for it to vectorise (GCC and clang).
#if defined(__GNUC__) || defined(__clang__)
#define CTGRAD_ALWAYS_INLINE __attribute__((always_inline))
#else
#define CTGRAD_ALWAYS_INLINE
#endif

namespace detail {
// The value a loop group's kernel M takes per element: M itself (elementwise), or the input of a
// reduction (with the reduction's op, whose init, combine and finish the loop calls, and its axis).
template <class M> struct group_value {
  using type = M;
  using reduction = void;
  static constexpr int axis = 0;
};
template <class M> requires is_reduce_v<M> struct group_value<M> {
  using type = meta::at_t<0, typename M::children_types>;
  using reduction = typename M::op;
  static constexpr int axis = M::op::axis;
};

// 16 independent partial results per row for a reduction: vectorisable without reassociating, and
// the same order on every run, as run_reduce sums.
inline constexpr std::size_t group_lanes = 16;

// One kernel of a loop group, by positions: a reduction by the rules of its op Reduction (init,
// combine, finish: ops::reduction_op) along Axis, or elementwise (Reduction void), its value read
// from Source (a step source: a slot, a buffer or a literal).
template <class T, class Reduction> constexpr T group_init() {
  if constexpr (std::is_void_v<Reduction>) return T(0);
  else return Reduction::template init<T>;
}
template <class T, class Reduction, int Axis, class Source> struct group_member {
  static constexpr bool Reduce = !std::is_void_v<Reduction>;
  static constexpr std::size_t lanes = Reduce ? group_lanes : 1;
  static constexpr T init = group_init<T, Reduction>();
  template <class Slots>
  CTGRAD_ALWAYS_INLINE static void element(std::array<T, lanes>& l, T* out, const step_ctx<T>& x, const Slots& slots,
                                           std::size_t r, std::size_t c, std::size_t k, std::size_t cols) {
    if constexpr (Reduce) l[k] = Reduction::template combine<T>(l[k], Source::read(x, slots, r, c));
    else out[r * cols + c] = Source::read(x, slots, r, c);
  }
  static void start_row(std::array<T, lanes>& l) {
    if constexpr (Reduce) l.fill(init);
  }
  static void end_row(const std::array<T, lanes>& l, T* out, T& total, std::size_t r, std::size_t cols) {
    if constexpr (Reduce) {
      T acc = init;
      for (std::size_t k = 0; k < group_lanes; ++k) acc = Reduction::template combine<T>(acc, l[k]);
      if constexpr (Axis == 1) out[r] = Reduction::template finish<T>(acc, cols);
      else total = Reduction::template combine<T>(total, acc);
    }
  }
  static void end(T* out, T total, std::size_t count) {
    if constexpr (Reduce && Axis != 1) out[0] = Reduction::template finish<T>(total, count);
  }
};
}  // namespace detail

namespace detail {
// One variable's binding (ignored unless `used` by the graph): its buffer into `slot`, its size
// checked against its shape, its batch extent against the others'. A free function named after the
// variable only, not a member of the program (whose name lists every node: docs/design.md,
// "Gradients on types").
template <class V>
void bind_variable(const binding<V>& b, const void*& slot, bool used, std::size_t& batch, std::string& from,
                   absl::Status& st) {
  if (!used || !st.ok()) return;
  using S = shape_t<V>;
  const void* p = b.is_number ? static_cast<const void*>(&b.scalar) : static_cast<const void*>(b.data);
  std::size_t size = b.is_number ? 1 : b.size;
  slot = p;
  if constexpr (S::is_static) {
    constexpr std::size_t want = shapes::size<S>(1);
    if (size != want)
      st = absl::InvalidArgumentError(absl::StrFormat("bind: variable '%s' has shape %s (%d elements); the bound buffer has %d",
                                                      V::name, shapes::to_string<S>(), want, size));
  } else {
    static_assert(S::rank == 1 || S::extents[1] != dyn, "var: `dyn` is allowed only as the first extent");
    constexpr std::size_t per_row = S::rank == 2 ? S::extents[1] : 1;
    if (size % per_row != 0) {
      st = absl::InvalidArgumentError(absl::StrFormat(
          "bind: variable '%s' has shape %s; the bound buffer has %d elements, not a multiple of %d",
          V::name, shapes::to_string<S>(), size, per_row));
      return;
    }
    std::size_t rows = size / per_row;
    if (from.empty()) {
      batch = rows; from = std::string(V::name);
      if (rows == 0) st = absl::InvalidArgumentError(absl::StrFormat("bind: empty batch (variable '%s' has no rows)", V::name));
    } else if (rows != batch) {
      st = absl::InvalidArgumentError(absl::StrFormat(
          "bind: variable '%s' has batch extent %d where variable '%s' has %d", V::name, rows, from, batch));
    }
  }
}
}  // namespace detail

namespace detail {
/// What the kernel and the check of an op see of a program's run (an op with a kernel of its own:
/// `kernel<N>(context, out)`, `check<N>(context)`; docs/contributing.md): the values of the run,
/// by node type, and the evaluator's gemm. It also serves as the context of element.hpp's
/// evaluation for run_check_finite.
template <class Program> class kernel_context {
 public:
  using value_type = typename Program::T;
  explicit kernel_context(const Program& p) noexcept : p_(p) {}
  /// The batch extent of the run (the rows of a `dyn` shape).
  std::size_t batch() const noexcept { return p_.batch_; }
  loop_info info() const noexcept { return {p_.batch_}; }
  /// The value of literal L.
  template <class L> value_t<L> literal() const { return p_.template literal<L>(); }
  /// Element (r, c) of X, a variable or a node with a buffer.
  template <class X> value_t<X> load_leaf(std::size_t r, std::size_t c) const { return p_.template load_leaf<X>(r, c); }
  /// Element (r, c) of X, read from its buffer or, X fused, computed.
  template <class X> value_t<X> value(std::size_t r, std::size_t c) const { return p_.template value<X>(r, c); }
  /// The values of X, a variable or a node with a buffer (every child of an op whose needs_buffer
  /// says so, but literals), row-major: for kernels that hand a whole buffer to a routine.
  template <class X> const value_t<X>* buffer() const { return p_.template ptr_of<X>(); }
  /// Whether the plan gives X a buffer.
  template <class X> static constexpr bool materialized = Program::plan_type::template is_materialized<X>::value;
  /// C = op(A) op(B) (op: transposed where ta, tb say; row-major, leading dimensions lda, ldb, ldc)
  /// by the built-in kernel or BLAS (eval/gemm.hpp).
  static void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const value_type* a, std::size_t lda,
                   const value_type* b, std::size_t ldb, value_type* c, std::size_t ldc) {
    kernel::gemm<value_type>(ta ? kernel::trans::yes : kernel::trans::no, tb ? kernel::trans::yes : kernel::trans::no,
                             m, n, k, value_type(1), a, lda, b, ldb, value_type(0), c, ldc);
  }
  /// Child C (the I-th) of P at (r, c), as a fused loop reads it (element.hpp's context).
  template <class P, std::size_t I, class C> value_t<C> load(std::size_t r, std::size_t c) const {
    return p_.template load<P, I, C>(r, c);
  }

 private:
  const Program& p_;
};
}  // namespace detail

/// A compiled program: evaluates its outputs for given bindings. Buffers are planned at compile
/// and allocated on the first run (again only when a larger batch arrives): later runs make no
/// heap allocation. A program is not shared between threads; compile one per thread.
template <class... Outs, class... Origs>
class program<type_list<Outs...>, type_list<Origs...>> {
 public:
  using outputs = type_list<Outs...>;
  using pair_type = detail::matvec_pair<topo_order_t<Outs...>>;
  using nodes = detail::schedule_t<topo_order_t<Outs...>, pair_type>;
  using plan_type = detail::plan<nodes, outputs, typename detail::barrier_of<pair_type>::type>;
  using kernels = typename plan_type::kernels;
  template <class N> struct is_var_node : std::bool_constant<is_var_v<N>> {};
  using vars = meta::filter_t<is_var_node, nodes>;
  using T = value_t<meta::at_t<0, outputs>>;
  static_assert(element_type<T>, "compile: outputs must have float or double values");
  using fusion = detail::pair_fusion<pair_type, plan_type, kernels>;

  explicit program(detail::tuple<Outs...> outs, absl::Status compile_status = absl::OkStatus())
      : outs_(std::move(outs)), compile_status_(std::move(compile_status)) {
    detail::apply([&](const auto&... o) { (detail::collect_literal_values(o, literals_.data()), ...); }, outs_);
  }

  /// Evaluates every output for the bound variables (one binding per variable of the graph).
  /// Errors (absl::InvalidArgumentError): a buffer whose size does not fit the variable's shape,
  /// batch extents that disagree, an empty batch, a label out of range.
  /// Runs with a prepared set of bindings: prog.run(bind(x = a, W = w)) (core/bind.hpp).
  template <class... Vs> absl::Status run(const binding_set<Vs...>& set) {
    return set.apply([&](const auto&... b) { return run(b...); });
  }

  template <class... Vs> absl::Status run(const binding<Vs>&... bs) { return run_impl<false>(bs...); }

  /// run() with an opt-in check for finding where a NaN or an infinity comes from: the bound float
  /// variables, then every value the program computes, in evaluation order. The first non-finite
  /// value is reported (absl::FailedPreconditionError) with the node that produced it from finite
  /// inputs: its form (op and children, one level deep), its position in the expression (nodes
  /// numbered children first, as compile() orders them) and its shape:
  ///   "check_finite: log(x) (node 4 of 6, shape [dyn, 3]) produced nan at [1, 1]"
  ///   "check_finite: variable 'x' holds inf at [0, 2]"
  /// run()'s own errors are returned unchanged. Slower than run(): every value is read once more,
  /// and where a fused loop produced a non-finite value its nodes are evaluated again at that
  /// element one by one. Only programs that call it compile this code.
  template <class... Vs> absl::Status run_check_finite(const binding<Vs>&... bs) {
    return run_impl<true>(bs...);
  }
  template <class... Vs> absl::Status run_check_finite(const binding_set<Vs...>& set) {
    return set.apply([&](const auto&... b) { return run_check_finite(b...); });
  }

 private:
  template <bool CheckFinite, class... Vs> absl::Status run_impl(const binding<Vs>&... bs) {
    if (!compile_status_.ok()) return compile_status_;
    [&]<class... Gv>(type_list<Gv...>*) {
      static_assert((meta::contains_v<Gv, type_list<Vs...>> && ...),
                    "compile: a variable of the graph has no binding in this call (bind every variable: v = value)");
    }(static_cast<vars*>(nullptr));
    std::size_t batch = 0;
    std::string batch_from;
    absl::Status st = absl::OkStatus();
    // Bindings of variables the graph does not use are accepted and ignored (their index is the
    // table's spare last entry).
    (detail::bind_variable(bs, var_ptrs_[meta::index_of<Vs, vars>::value], meta::contains_v<Vs, vars>, batch,
                           batch_from, st), ...);
    if (!st.ok()) return st;
    if (batch == 0) batch = batch_from.empty() ? 1 : 0;
    if (batch == 0) return absl::InvalidArgumentError(absl::StrFormat("bind: empty batch (variable '%s' has no rows)", batch_from));
    prepare(batch);
    if (auto checked = run_checks(); !checked.ok()) return checked;
    if constexpr (CheckFinite) {
      if (auto finite = check_finite_inputs(); !finite.ok()) return finite;
    }
    return run_kernels<CheckFinite>();
  }

 public:
  /// run(), then a view of the results.
  template <class... Vs> absl::StatusOr<results<program>> operator()(const binding<Vs>&... bs) {
    absl::Status st = run(bs...);
    if (!st.ok()) return st;
    return results<program>(this);
  }

  /// The value of output e (by the expression given to compile) from the last run.
  template <class E> tensor_view<const T> operator[](const E&) const {
    if constexpr (!meta::contains_v<E, type_list<Origs...>>) {
      static_assert(meta::contains_v<E, type_list<Origs...>>,
                    "program: this expression is not an output of the program; pass it to compile() "
                    "(or read a gradient with prog[gs[v]])");
      return {};
    } else {
      static_assert(unambiguous<E>(),
                    "program: two different outputs have this expression's type (e.g. sum(v * 2.0) and "
                    "sum(v * 3.0)); read them by position with get<I>()");
      return get<meta::index_of<E, type_list<Origs...>>::value>();
    }
  }

  /// The value of the I-th output (outputs of gradient sets counted as f, then each gradient).
  template <std::size_t I> tensor_view<const T> get() const {
    if constexpr (I >= type_list_size<outputs>::value) {
      static_assert(I < type_list_size<outputs>::value,
                    "program: get<I>() past the last output (gradient sets count as f, then each gradient)");
      return {};
    } else {
      using N = meta::at_t<I, outputs>;
      return {ptr_of<N>(), shapes::rows<shape_t<N>>(batch_), shapes::cols<shape_t<N>>(batch_)};
    }
  }

  std::size_t batch() const noexcept { return batch_; }
  /// Bytes of intermediate buffers currently held.
  std::size_t buffer_bytes() const noexcept { return capacity_ * sizeof(T); }
  static constexpr std::size_t kernel_count = type_list_size<kernels>::value;
  /// Loops a run makes: kernels over the same elements that do not depend on each other share one
  /// (`compile(loss, grad(loss, x))` for an elementwise loss: one pass over x), and a matrix-vector
  /// pair is one pass over its matrix (`matmul(X, w)`, `transpose(X)·e` and what lies between), so
  /// this is at most kernel_count.
  static constexpr std::size_t loop_count = plan_type::loop_count - fusion::saved_loops;
  /// Whether the gradient's matrix-vector pair (`matmul(X, w)` and `transpose(X)·e` for e computed
  /// element by element from X w) runs as one pass over X (docs/design.md, "Matrix-vector pairs").
  static constexpr bool fuses_matvec_pair = fusion::active;

 private:
  friend class detail::kernel_context<program>;
  using context = detail::kernel_context<program>;
  // ---- what kernels read (through context) -------------------------------------------------
  /// The value of literal L (outputs' literal ids are apart, or equal values: compile_valid).
  template <class L> value_t<L> literal() const { return static_cast<value_t<L>>(literals_[L::literal_count - 1]); }
  template <class X> value_t<X> load_leaf(std::size_t r, std::size_t c) const {
    using S = shape_t<X>;
    return ptr_of<X>()[r * shapes::cols<S>(batch_) + c];
  }
  // A materialised child C of P at (r, c) (fetch reads literals and inline children itself),
  // indexed as the compiled loops' steps index it: one definition, source_of below.
  template <class P, std::size_t I, class C> value_t<C> load(std::size_t r, std::size_t c) const {
    const std::array<T, 0> no_slots{};
    return source_of<typename P::op, C, type_list<>>::type::read(step_context(), no_slots, r, c);
  }
  // Every output given as E was renumbered to the same type (E names one output).
  template <class E> static constexpr bool unambiguous() {
    using first = meta::at_t<meta::index_of<E, type_list<Origs...>>::value, outputs>;
    return ((!std::is_same_v<Origs, E> || std::is_same_v<Outs, first>) && ...);
  }

  template <class N> const value_t<N>* ptr_of() const {
    if constexpr (is_var_v<N>) return static_cast<const value_t<N>*>(var_ptrs_[meta::index_of<N, vars>::value]);
    else return arena_.get() + offsets_[meta::index_of<N, kernels>::value];
  }
  // Kernel K's buffer (by position: a function per kernel would be named after the program).
  T* out_at(std::size_t k) { return arena_.get() + offsets_[k]; }

  // Each kernel's elements per batch row (dynamic shapes) or in all (static ones): values, so that
  // planning the buffers is one loop, not code per kernel.
  template <class List> struct kernel_sizes;
  template <class... Ks> struct kernel_sizes<type_list<Ks...>> {
    static constexpr std::array<std::size_t, sizeof...(Ks) + 1> per_row{shapes::size<shape_t<Ks>>(1)..., 0};
    static constexpr std::array<bool, sizeof...(Ks) + 1> dynamic{!shape_t<Ks>::is_static..., false};
  };

  void prepare(std::size_t batch) {
    if (batch == batch_ && arena_) return;
    using sizes = kernel_sizes<kernels>;
    constexpr std::size_t nk = type_list_size<kernels>::value;
    std::size_t total = 0;
    for (std::size_t k = 0; k < nk; ++k) {
      offsets_[k] = total;
      const std::size_t n = sizes::dynamic[k] ? sizes::per_row[k] * batch : sizes::per_row[k];
      total += (n + 15) / 16 * 16;  // 64-byte aligned for float
    }
    if (total > capacity_) {
      arena_ = detail::aligned_alloc_array<T>(total);
      capacity_ = total;
    }
    batch_ = batch;
  }

  // Run-time checks of the bound data, before any kernel: an op with a static
  // `check<N>(context)` (the label range of cross_entropy/nll and of its gradient) is checked
  // once for every node of the graph that uses it, fused or not, so that no program, not even
  // one that computes only a gradient, runs on data its ops cannot take.
  // Only the nodes whose op has a check are visited (a class filter: no code per node).
  template <class N> struct has_check : std::bool_constant<requires(const context& p) { N::op::template check<N>(p); }> {};
  absl::Status run_checks() {
    absl::Status st = absl::OkStatus();
    const context ctx(*this);
    [&]<class... Ns>(type_list<Ns...>*) {
      meta::in_order{(st = st.ok() ? Ns::op::template check<Ns>(ctx) : st, 0)...};
    }(static_cast<meta::filter_t<has_check, nodes>*>(nullptr));
    return st;
  }

  template <bool CheckFinite = false> absl::Status run_kernels() {
    absl::Status st = absl::OkStatus();
    meta::for_each_indexed<kernels>([&]<std::size_t K, class N>() {
      if constexpr (fusion::template computed_early<N>::value) {
        // computed (and checked) by the matrix-vector pair's pass, at the product's place
      } else if constexpr (fusion::template runs_pass<N>::value) {
        if (st.ok()) run_pair();
        if constexpr (CheckFinite) {
          [&]<class... Cs>(type_list<Cs...>*) {
            meta::in_order{(st = st.ok() ? check_finite_kernel<Cs>() : st, 0)...};
          }(static_cast<typename fusion::checked*>(nullptr));
        }
      } else if constexpr (plan_type::template group_size<N>::value == 1) {
        if (st.ok()) st = run_kernel<N>();
        if constexpr (CheckFinite) {
          if (st.ok()) st = check_finite_kernel<N>();
        }
      } else if constexpr (plan_type::template runs_group_here<N>::value) {
        // N is the last kernel of its group: the group's kernels run in one loop (plan.hpp).
        using group = typename plan_type::template group_t<N>;
        if (st.ok()) run_group(static_cast<group*>(nullptr));
        if constexpr (CheckFinite) {
          [&]<class... Ms>(type_list<Ms...>*) {
            meta::in_order{(st = st.ok() ? check_finite_kernel<Ms>() : st, 0)...};
          }(static_cast<group*>(nullptr));
        }
      }
    });
    return st;
  }

  // ---- run_check_finite ------------------------------------------------------------------
  template <class S> static std::string position(std::size_t r, std::size_t c) {
    if constexpr (S::rank == 0) return "[]";
    else if constexpr (S::rank == 1) return absl::StrFormat("[%d]", c);
    else return absl::StrFormat("[%d, %d]", r, c);
  }
  template <class V> static const char* non_finite_name(V v) {
    return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
  }
  // A node as messages show it, one level deep: "log(x)", "mul(log(...), w)", "div(literal, sqrt(...))".
  template <class N> static std::string op_name() {
    if constexpr (is_var_v<N>) return std::string(N::name);
    else if constexpr (is_lit_v<N>) return "literal";
    else if constexpr (requires { N::op::name; }) return std::string(N::op::name);
    else return "?";
  }
  template <class N> static std::string node_form() {
    std::string out = op_name<N>() + "(";
    [&]<class... Cs>(type_list<Cs...>*) {
      std::size_t i = 0;
      ((out += (i++ ? ", " : "") + (Cs::is_leaf ? op_name<Cs>() : op_name<Cs>() + "(...)")), ...);
    }(static_cast<typename N::children_types*>(nullptr));
    return out + ")";
  }
  template <class N, class V> static absl::Status report_non_finite(V v, std::size_t r, std::size_t c) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "check_finite: %s (node %d of %d, shape %s) produced %s at %s", node_form<N>(),
        meta::index_of<N, nodes>::value + 1, type_list_size<nodes>::value, shapes::to_string<shape_t<N>>(),
        non_finite_name(v), position<shape_t<N>>(r, c)));
  }

  absl::Status check_finite_inputs() const {
    absl::Status st = absl::OkStatus();
    meta::for_each_indexed<vars>([&]<std::size_t K, class V>() {
      if constexpr (std::is_floating_point_v<value_t<V>>) {
        using S = shape_t<V>;
        for (std::size_t r = 0; st.ok() && r < shapes::rows<S>(batch_); ++r)
          for (std::size_t c = 0; st.ok() && c < shapes::cols<S>(batch_); ++c) {
            const auto v = load_leaf<V>(r, c);
            if (!std::isfinite(v))
              st = absl::FailedPreconditionError(absl::StrFormat(
                  "check_finite: variable '%s' holds %s at %s", std::string(V::name),
                  non_finite_name(v), position<S>(r, c)));
          }
      }
    });
    return st;
  }

  // Scans the values of node X (a kernel's output, or an inline node read by one) for the first
  // non-finite one, and locates the node that produced it.
  template <class X> absl::Status check_finite_values() const {
    if constexpr (!std::is_floating_point_v<value_t<X>> || X::is_leaf) {
      return absl::OkStatus();  // labels; variables were checked first, literals are finite
    } else {
      using S = shape_t<X>;
      for (std::size_t r = 0; r < shapes::rows<S>(batch_); ++r)
        for (std::size_t c = 0; c < shapes::cols<S>(batch_); ++c)
          if (!std::isfinite(value<X>(r, c))) return locate_non_finite<X>(r, c);
      return absl::OkStatus();
    }
  }
  template <class N> absl::Status check_finite_kernel() const {
    if constexpr (!std::is_floating_point_v<value_t<N>>) {
      return absl::OkStatus();
    } else {
      using S = shape_t<N>;
      const std::size_t C = shapes::cols<S>(batch_);
      const value_t<N>* out = ptr_of<N>();
      for (std::size_t i = 0; i < shapes::size<S>(batch_); ++i)
        if (!std::isfinite(out[i])) return locate_non_finite<N>(i / C, i % C);
      return absl::OkStatus();
    }
  }
  // X's value at (r, c) is not finite; every materialised value computed before X was checked.
  template <class X> absl::Status locate_non_finite(std::size_t r, std::size_t c) const {
    if constexpr (detail::is_elementwise_node<X>) {
      // Evaluate X's fused nodes at (r, c) again, children first: the first that is not finite
      // had finite inputs (its materialised inputs were checked, its inline ones come earlier).
      using list = detail::element_list<X, plan_type>;
      typename detail::slot_tuple<list>::type slots{};
      absl::Status st = absl::OkStatus();
      [&]<class... Ns>(type_list<Ns...>*) {
        meta::in_order{([&] {
          if (!st.ok()) return;
          detail::compute_into<Ns, list, plan_type>(context(*this), slots, r, c);
          const auto v = std::get<meta::index_of<Ns, list>::value>(slots);
          if constexpr (std::is_floating_point_v<decltype(v)>) {
            if (!std::isfinite(v)) st = report_non_finite<Ns>(v, r, c);
          }
        }(), 0)...};
      }(static_cast<list*>(nullptr));
      return st.ok() ? report_non_finite<X>(value<X>(r, c), r, c) : st;
    } else {
      // matmul, reductions, pick: first the inline children they read element by element.
      absl::Status st = absl::OkStatus();
      [&]<class... Cs>(type_list<Cs...>*) {
        ((st = st.ok() && detail::is_elementwise_node<Cs> && !plan_type::template is_materialized<Cs>::value
                   ? check_finite_values<Cs>() : st), ...);
      }(static_cast<typename X::children_types*>(nullptr));
      if (!st.ok()) return st;
      return report_non_finite<X>(ptr_of<X>()[r * shapes::cols<shape_t<X>>(batch_) + c], r, c);
    }
  }

  template <class X> value_t<X> value(std::size_t r, std::size_t c) const {
    if constexpr (is_lit_v<X>) return literal<X>();
    else if constexpr (detail::is_elementwise_node<X> && !plan_type::template is_materialized<X>::value)
      return element_at<X>(step_context(), r, c);
    else return load_leaf<X>(r, c);
  }

  // ---- steps: the per-element evaluation of the loops (eval/element.hpp) -----------------
  using step_ctx = detail::step_ctx<T>;
  // Where a step reads child C of an inline node with op Op, in the element list L: a literal, a
  // slot of L, a constant op recomputed, or a buffer (variables first, then kernels) indexed by C's
  // shape as load() does.
  // A materialised constant such as grad()'s seed of ones (broadcast, so it has a buffer) is
  // recomputed rather than read back: its buffer shares the arena with the loop's output, so the
  // compiler must assume that every store may change it and reloads it each iteration, which keeps
  // the loop scalar (GCC: "latch block not empty", or "control flow in loop" once the reloaded
  // value is multiplied in one arm of a derivative's condition).
  template <class C> struct constant_node : std::false_type {};
  template <class C> requires detail::is_elementwise_node<C>
  struct constant_node<C>
      : std::bool_constant<type_list_size<typename C::children_types>::value == 0 && !C::op::uses_index> {};
  template <class C, bool Var = is_var_v<C>> struct source_index
      : meta::position_in<C, meta::position_table<kernels>> {};
  template <class C> struct source_index<C, true> : meta::position_in<C, meta::position_table<vars>> {};
  // L's positions (meta::position_table): a step asks where its node and its children are in L by
  // one lookup each, not by a fold over L (quadratic over a loop group of hundreds of nodes).
  template <class Op, class C, class L, class Table = meta::position_table<L>,
            int K = is_lit_v<C> ? 0 : meta::in_table<C, Table>::value ? 1 : constant_node<C>::value ? 2 : 3>
  struct source_of {
    using S = shape_t<C>;
    static constexpr bool row_mapped = S::rank == 1 && Op::elementwise && Op::row_mapped_child;
    using type = detail::from_buffer<is_var_v<C>, source_index<C>::value,
                                     S::rank == 2 ? S::extents[0] != 1 : row_mapped,
                                     S::rank == 2 ? S::extents[1] != 1 : (S::rank == 1 && !row_mapped && S::extents[0] != 1),
                                     S::rank == 2 ? S::extents[1] : 1, value_t<C>>;
  };
  // An op that says where it reads its child (the trait child_position(r, c): ops::reshape_op,
  // ops::column_op): the child's buffer at that position.
  template <class Op, class C, class L, class Table>
    requires requires { Op::child_position(std::size_t{0}, std::size_t{0}); }
  struct source_of<Op, C, L, Table, 3> {
    using type = detail::from_buffer_at<is_var_v<C>, source_index<C>::value, Op, value_t<C>>;
  };
  template <class Op, class C, class L, class Table> struct source_of<Op, C, L, Table, 0> {
    using type = detail::from_literal<std::size_t(C::literal_count - 1), value_t<C>>;
  };
  template <class Op, class C, class L, class Table> struct source_of<Op, C, L, Table, 1> {
    using type = detail::from_slot<meta::position_in<C, Table>::value>;
  };
  template <class Op, class C, class L, class Table> struct source_of<Op, C, L, Table, 2> {
    using type = detail::from_constant<typename C::op, value_t<C>>;
  };
  template <class N, class L, class Cs = typename N::children_types> struct step_of;
  template <class N, class L, class... Cs> struct step_of<N, L, type_list<Cs...>> {
    using type = detail::step<meta::position_in<N, meta::position_table<L>>::value, typename N::op, value_t<N>,
                              typename source_of<typename N::op, Cs, L>::type...>;
  };
  // The steps of element list L, in order: one function per list (a loop group or a kernel).
  template <class L> struct steps;
  template <class... Ns> struct steps<type_list<Ns...>> {
    template <class Slots>
    static void compute([[maybe_unused]] const step_ctx& x, [[maybe_unused]] Slots& slots,
                    [[maybe_unused]] std::size_t r, [[maybe_unused]] std::size_t c) {
      meta::in_order{(step_of<Ns, type_list<Ns...>>::type::compute(x, slots, r, c), 0)...};
    }
  };
  step_ctx step_context() const { return {var_ptrs_.data(), arena_.get(), offsets_.data(), literals_.data(), {batch_}}; }
  // Root (an elementwise node) at element (r, c), with its fused nodes.
  template <class Root> static value_t<Root> element_at(const step_ctx& x, std::size_t r, std::size_t c) {
    using list = detail::element_list<Root, plan_type>;
    typename detail::slot_tuple<list>::type slots{};
    steps<list>::compute(x, slots, r, c);
    return std::get<meta::index_of<Root, list>::value>(slots);
  }

  template <class N> absl::Status run_kernel() {
    using S = shape_t<N>;
    const std::size_t R = shapes::rows<S>(batch_), C = shapes::cols<S>(batch_);
    T* out = out_at(meta::index_of<N, kernels>::value);
    if constexpr (detail::is_elementwise_node<N>) {
      const step_ctx x = step_context();
      for (std::size_t r = 0; r < R; ++r) {
        T* row = out + r * C;
        for (std::size_t c = 0; c < C; ++c) row[c] = element_at<N>(x, r, c);
      }
    } else if constexpr (detail::is_reduce_v<N>) {
      run_reduce<N>(out);
    } else if constexpr (requires(const context& p, T* o) { N::op::template kernel<N>(p, o); }) {
      // an op with a kernel of its own (matmul, transpose, label lookups, opaque ops)
      return N::op::template kernel<N>(context(*this), out);
    } else {
      static_assert(!std::is_same_v<N, N>,
                    "compile: an op that is not elementwise needs a kernel<N>(context, out) returning "
                    "absl::Status, or the traits of a reduction (axis, init, combine, finish: "
                    "ops::reduction_op); see the recipe for a non-elementwise op in docs/contributing.md");
    }
    return absl::OkStatus();
  }

  // A reduction by its op's rules (ops::reduction_op): the start value, the step, and the result
  // from the accumulated value over `count` elements (mean divides). run_group follows them too.
  template <class N> struct reduction {
    static constexpr T init = N::op::template init<T>;
    static constexpr T combine(T a, T b) noexcept { return N::op::template combine<T>(a, b); }
    static constexpr T finish(T acc, std::size_t count) noexcept { return N::op::template finish<T>(acc, count); }
  };

  template <class N> void run_reduce(T* out) {
    using op = typename N::op;
    using X = meta::at_t<0, typename N::children_types>;
    using XS = shape_t<X>;
    const std::size_t XR = shapes::rows<XS>(batch_), XC = shapes::cols<XS>(batch_);
    constexpr T init = reduction<N>::init;
    constexpr auto combine = reduction<N>::combine;
    constexpr bool per_column = op::axis == 0 && XS::rank == 2;   // [R,C] -> [C]
    constexpr bool per_row = op::axis == 1;                         // [R,C] -> [R]
    if constexpr (per_column) {
      for (std::size_t c = 0; c < XC; ++c) out[c] = init;
      for (std::size_t r = 0; r < XR; ++r)
        for (std::size_t c = 0; c < XC; ++c) out[c] = combine(out[c], value<X>(r, c));
      for (std::size_t c = 0; c < XC; ++c) out[c] = reduction<N>::finish(out[c], XR);
    } else {
      // 16 independent partial results per row: vectorisable without reassociating, and the
      // same order on every run (deterministic).
      constexpr std::size_t W = 16;
      T total = init;
      for (std::size_t r = 0; r < XR; ++r) {
        T lanes[W];
        for (std::size_t k = 0; k < W; ++k) lanes[k] = init;
        std::size_t c = 0;
        // The k loop is the vector loop (16 lanes: two AVX vectors of float). Not unrolled into the
        // c loop: GCC then vectorises the c loop instead, with the 16 lanes as an interleaved group
        // (strided loads and shuffles), which measured 1.5x slower on sum(sigmoid(x) * tanh(x)).
        for (; c + W <= XC; c += W)  // chunk loop: not vectorised itself (vectorise_test.sh)
          for (std::size_t k = 0; k < W; ++k) lanes[k] = combine(lanes[k], value<X>(r, c + k));
        for (std::size_t k = 0; c + k < XC; ++k) lanes[k] = combine(lanes[k], value<X>(r, c + k));
        T acc = init;
        for (std::size_t k = 0; k < W; ++k) acc = combine(acc, lanes[k]);
        if constexpr (per_row) {
          out[r] = reduction<N>::finish(acc, XC);
        } else {
          total = combine(total, acc);
        }
      }
      if constexpr (!per_row) out[0] = reduction<N>::finish(total, XR * XC);
    }
  }

  // One loop for a group of kernels over the same elements (plan.hpp, "loop groups"): elementwise
  // kernels store each element, reductions accumulate it, and the values they share are computed
  // once per element. Each reduction sums in the order run_reduce does (16 partial results per
  // row), so a grouped kernel gives the same result as the same kernel run alone.
  template <class... Ms> void run_group(type_list<Ms...>*) {
    run_group_impl(static_cast<type_list<Ms...>*>(nullptr), std::index_sequence_for<Ms...>{});
  }
  // Kernel M of a loop group, by position: its reduction rule (or none: an elementwise kernel, which
  // stores its slot), its axis, and where its value comes from in the group's element list. The
  // value is read as an elementwise parent that maps no child by row reads it (add_op stands for
  // that parent: source_of asks the op only whether a rank-1 child is row-mapped).
  template <class M, class L> struct group_member_of {
    using type = detail::group_member<T, typename detail::group_value<M>::reduction, detail::group_value<M>::axis,
                                      typename source_of<ops::add_op, typename detail::group_value<M>::type, L>::type>;
  };
  // Kernel Is of the group reads and writes only its own lane array and output, indices being
  // template constants. (A version with one T lanes[kernels][16] array indexed by a counter
  // incremented across the fold was miscompiled by g++ 12 at -O3: the two row sums of log_softmax's
  // group in an MLP's gradient program came out 0; -fno-strict-aliasing hid it. Test
  // fn/softmax_losses_reference, "mlp_gradient_program".) What each kernel does per element, per row
  // and at the end is a function of detail::group_member, named by positions, not by the program.
  template <class... Ms, std::size_t... Is> void run_group_impl(type_list<Ms...>*, std::index_sequence<Is...>) {
    using Group = type_list<Ms...>;
    using S = typename plan_type::template loop_shape<meta::at_t<0, Group>>::type;
    const std::size_t XR = shapes::rows<S>(batch_), XC = shapes::cols<S>(batch_);
    // What each kernel reads per element: itself (elementwise) or its input (a reduction).
    using list = detail::group_element_list<plan_type, Ms...>;
    constexpr std::size_t W = detail::group_lanes;
    std::tuple<std::array<T, group_member_of<Ms, list>::type::lanes>...> lanes;
    T totals[sizeof...(Is)] = {group_member_of<Ms, list>::type::init...};
    T* const outs[sizeof...(Is)] = {out_at(meta::index_of<Ms, kernels>::value)...};
    const step_ctx x = step_context();
    auto element = [&](std::size_t r, std::size_t c, std::size_t k) CTGRAD_ALWAYS_INLINE {
      typename detail::slot_tuple<list>::type slots{};
      steps<list>::compute(x, slots, r, c);
      meta::in_order{(group_member_of<Ms, list>::type::element(std::get<Is>(lanes), outs[Is], x, slots, r, c, k, XC), 0)...};
    };
    for (std::size_t r = 0; r < XR; ++r) {
      meta::in_order{(group_member_of<Ms, list>::type::start_row(std::get<Is>(lanes)), 0)...};
      std::size_t c = 0;
      // Iterations are independent: a group's kernels read none of each other's outputs (plan.hpp),
      // and each writes its own buffer at (r, c) only. Said to g++, which otherwise versions the
      // loop with a run-time alias check per pair of a variable read and an output written, and
      // gives up past ten (a user's function of three variables and its three gradients).
      for (; c + W <= XC; c += W)  // chunk loop: not vectorised itself (vectorise_test.sh)
        CTGRAD_IVDEP for (std::size_t k = 0; k < W; ++k) element(r, c + k, k);
      CTGRAD_IVDEP for (std::size_t k = 0; c + k < XC; ++k) element(r, c + k, k);
      meta::in_order{(group_member_of<Ms, list>::type::end_row(std::get<Is>(lanes), outs[Is], totals[Is], r, XC), 0)...};
    }
    meta::in_order{(group_member_of<Ms, list>::type::end(outs[Is], totals[Is], XR * XC), 0)...};
  }

  // The matrix-vector pair in one pass over the matrix: per block of rows, the product's elements,
  // then the chain's (the adjoint last), then the rows added into the transposed product.
  void run_pair() {
    using A = typename pair_type::matrix;
    const std::size_t M = shapes::rows<shape_t<A>>(batch_), K = shapes::cols<shape_t<A>>(batch_);
    const step_ctx x = step_context();
    kernel::gemv_pair<T>(M, K, ptr_of<A>(), K, ptr_of<typename pair_type::vector>(),
                         out_at(meta::index_of<typename pair_type::product, kernels>::value), ptr_of<typename pair_type::adjoint>(),
                         out_at(meta::index_of<typename pair_type::transposed, kernels>::value), [&](std::size_t i0, std::size_t i1) {
      [&]<class... Cs>(type_list<Cs...>*) {
        meta::in_order{([&] {
          T* out = out_at(meta::index_of<Cs, kernels>::value);
          for (std::size_t i = i0; i < i1; ++i) out[i] = element_at<Cs>(x, 0, i);
        }(), 0)...};
      }(static_cast<typename fusion::chain*>(nullptr));
    });
  }

  detail::tuple<Outs...> outs_;
  std::array<T, std::size_t(std::max({1, Outs::literal_count...}))> literals_{};  // by literal id
  absl::Status compile_status_;
  std::unique_ptr<T[], detail::aligned_delete> arena_;
  std::size_t capacity_ = 0;
  std::size_t batch_ = 0;
  std::array<std::size_t, type_list_size<kernels>::value + 1> offsets_{};
  std::array<const void*, type_list_size<vars>::value + 1> var_ptrs_{};
};

namespace detail {
template <class... Args>
auto compile_valid(const Args&... args) {
  constexpr auto off = detail::literal_offsets<Args...>();
  auto shifted = [&]<std::size_t... Ks>(std::index_sequence<Ks...>) {
    return detail::tuple_cat(detail::shift_group<off[Ks]>(detail::compile_arg<Args>::flatten(args))...);
  }(std::index_sequence_for<Args...>{});
  using outs = typename detail::as_list<decltype(shifted)>::type;
  using origs = meta::concat_t<typename detail::compile_arg<Args>::flat...>;
  absl::Status st = absl::OkStatus();
  if (!detail::shared_literals_agree(args...))
    st = absl::InvalidArgumentError(
        "compile: a gradient set's function has the type of another output but different literal "
        "values; compile the gradient set alone (compile(grad(f, ...)) evaluates f too)");
  return program<outs, origs>(shifted, std::move(st));
}
}  // namespace detail

/// Compiles outputs — expressions and gradient sets (from grad()) — into one program that
/// evaluates them all together, each shared value once. `compile(loss, grad(loss, W, b))`.
template <class... Args>
auto compile(const Args&... args) {
  if constexpr (any_invalid_v<Args...>) {
    return detail::invalid_program{};  // a misuse already reported
  } else if constexpr (!detail::compile_checks<Args...>()) {
    return detail::invalid_program{};
  } else {
    return detail::compile_valid(args...);
  }
}

}  // namespace ctgrad

// ctgrad/check/graph.hpp — the gradient checker applied to ctgrad graphs: compares grad(f, v...) (in
// f's own element type) with numeric derivatives of the same graph re-instantiated in double.
// Not the checking engine (check/gradcheck.hpp) nor the activation suite (check/suite.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/autodiff/hessian.hpp"
#include "ctgrad/autodiff/jacobian.hpp"
#include "ctgrad/autodiff/jvp.hpp"
#include "ctgrad/check/detail/splitmix64.hpp"
#include "ctgrad/check/gradcheck.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/retype.hpp"
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/fn/activate.hpp"

namespace ctgrad::check {

/// The variables a graph check differentiates with respect to: `wrt(W, b)`. An empty tag.
template <class... Vs> struct wrt_list {};
/// Names the variables to check the gradient for (floating-point ctgrad::var's of the graph).
template <class... Vs> constexpr wrt_list<Vs...> wrt(const Vs&...) noexcept { return {}; }

/// Checks grad(f, vs...) of the scalar (rank-0) graph f at the values bound by `bindings` (one per
/// variable of f, written `x = value` as for value_at and compile; labels and data included).
/// The analytic gradient is grad(f, vs...) evaluated in f's element type (float or double: dtype f32
/// or f64) — with value_at when every variable of f is a scalar, with compile() otherwise. The numeric
/// one differentiates with_element_type<double>(f), the same graph in double, at the same values
/// (float data converted exactly). Kinks: each activation applied directly to a checked variable
/// contributes its kinks (at the node's parameters) to that variable's kink distance; any other kink
/// is left to the engine's detector (an element straddling one is `unresolved`, a failure).
/// Blocks of the report are named after the variables. Errors: those of check_gradient, and a
/// binding that compile() rejects (its absl::Status, prefixed "check_gradients: ").
template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_gradients(const F& f, wrt_list<Vs...> vars, const options& opts,
                                       const binding<Bs>&... bindings);
/// As above with the default options.
template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_gradients(const F& f, wrt_list<Vs...> vars, const binding<Bs>&... bindings);

/// Checks the second derivatives of the scalar graph f whose variables are all scalars: the
/// Hessian-vector product H v, with H = [grad(grad(f, vi), vj)] obtained as grad(sum_i v_i grad(f, vi),
/// vs...) in f's element type, against the numeric derivative of v · ∇f where ∇f is grad of the graph
/// in double (check_hessian_vector). v is drawn from opts.seed, each entry a float in ±[0.5, 1.5).
/// The absolute tolerance's scale (input_block::magnitude) of element i is |v_i| max(|f|, |grad f|_inf).
/// Kinks as check_gradients. Errors: those of check_hessian_vector.
template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_second_order(const F& f, wrt_list<Vs...> vars, const options& opts,
                                          const binding<Bs>&... bindings);
/// As above with the default options.
template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_second_order(const F& f, wrt_list<Vs...> vars, const binding<Bs>&... bindings);

/// Checks the forward mode: jvp(f, x, dx) of the graph f (any shape) at the bound values, along the
/// tangent `dx` (x's element type, one value per element of x as bound), evaluated in f's element type
/// (f32 or f64 tolerances), against check_jacobian_vector's numeric derivative of t -> f(x + t dx) of
/// the same graph in double (with_element_type<double>), output by output ("jvp[i]" in the report, f's
/// elements row-major). With value_at when every variable of f is a scalar and f is a scalar, with
/// compile() otherwise. Kinks as check_gradients. Errors: those of check_jacobian_vector (dx of the
/// wrong length, dx zero), and a binding compile() rejects ("check_jvp: bind: ...").
template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jvp(const F& f, wrt_list<X> var, std::type_identity_t<std::span<const value_t<X>>> dx,
                                 const options& opts, const binding<Bs>&... bindings);
/// As above with the default options.
template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jvp(const F& f, wrt_list<X> var, std::type_identity_t<std::span<const value_t<X>>> dx,
                                 const binding<Bs>&... bindings);

/// Checks jacobian(f, x) (f of rank 0, 1 or 2, x a variable of rank 0, 1 or 2 with fixed extents; both
/// flattened row-major), evaluated in f's element type, against check_jacobian's numeric derivatives of each element f_i of the graph
/// in double: row i is a check_gradient of f_i ("dF[i]/dx[k]" in the report). Kinks as
/// check_gradients. Errors: those of check_jacobian, and a binding compile() rejects.
template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jacobian(const F& f, wrt_list<X> var, const options& opts,
                                      const binding<Bs>&... bindings);
/// As above with the default options.
template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jacobian(const F& f, wrt_list<X> var, const binding<Bs>&... bindings);

/// Checks hvp(f, x, v) of the scalar graph f in one variable x of any shape (tensor graphs: forward
/// over reverse; scalar graphs: reverse over reverse), evaluated in f's element type, against the
/// numeric derivative of v · grad(f, x) of the graph in double (check_hessian_vector). v is drawn from
/// opts.seed as in check_second_order (floats, |v_i| in [0.5, 1.5)), and so is the absolute
/// tolerance's scale: |v_i| max(|f|, |grad f|_inf). Kinks as check_gradients. Errors: those of
/// check_hessian_vector, and a binding compile() rejects.
template <expression F, class X, class... Bs>
absl::StatusOr<report> check_hvp(const F& f, wrt_list<X> var, const options& opts, const binding<Bs>&... bindings);
/// As above with the default options.
template <expression F, class X, class... Bs>
absl::StatusOr<report> check_hvp(const F& f, wrt_list<X> var, const binding<Bs>&... bindings);

/// The kinks, as values of variable V, of the activations applied directly to V in f (`relu(x)` puts
/// 0 in the list, `hardtanh(x, -2.0, 0.5)` puts -2 and 0.5), computed in double at the node's
/// parameters; duplicates are kept. Empty when V enters activations only through other ops.
template <class V, expression F> std::vector<double> input_kinks(const F& f, const V& v = {});

/// The dtype of the analytic gradient of a graph with element type T (f32 for float, f64 for double).
template <class T> constexpr dtype dtype_of() noexcept {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "check: graphs are checked in float or double");
  return std::is_same_v<T, float> ? dtype::f32 : dtype::f64;
}

// ---- implementation details --------------------------------------------------------------------
namespace detail {

template <class Op> struct activation_of { using type = void; };
// An elementwise function of one argument that declares its kinks (every activation does).
template <class Fn>
  requires(ops::fn_arity<Fn>() == 1 && requires { Fn::template kinks<double>; })
struct activation_of<ops::fn_op<Fn>> { using type = Fn; };

template <class V, class N, class F>
void collect_kinks(const F& f, std::vector<double>& out) {
  if constexpr (is_node_v<N>) {
    using Fn = typename activation_of<typename N::op>::type;
    if constexpr (!std::is_void_v<Fn>) {
      if constexpr (std::is_same_v<meta::at_t<0, typename N::children_types>, V>) {
        const N n = instance_of<N>(f);
        ctgrad::detail::apply([&](const auto&, const auto&... p) {
          for (const double k : Fn::template kinks<double>(static_cast<double>(p.value)...)) out.push_back(k);
        }, n.children());
      }
    }
  }
}

template <class N> inline constexpr bool is_tensor_var_v = false;
template <fixed_string Nm, class T, class S> inline constexpr bool is_tensor_var_v<var<Nm, T, S>> = S::rank != 0;
template <class List> inline constexpr bool any_tensor_var_v = false;
template <class... Ns> inline constexpr bool any_tensor_var_v<type_list<Ns...>> = (is_tensor_var_v<Ns> || ...);

// A binding's values viewed as a span of its element type.
template <class B> std::span<const typename binding<B>::T> values_of(const binding<B>& b) {
  if (b.is_number) return {&b.scalar, 1};
  return {b.data, b.size};
}

// One binding re-made for the double graph: floating-point values copied into double storage
// (exactly), labels passed through.
template <class B>
struct double_binding {
  using out_var = retype_var_t<double, B>;
  std::vector<double> storage;
  binding<B> original;
  bool is_number = false;

  explicit double_binding(const binding<B>& b) : original(b), is_number(b.is_number) {
    if constexpr (element_type<typename B::value_type>) {
      auto v = values_of(b);
      storage.assign(v.begin(), v.end());
    }
  }
  binding<out_var> bind() const {
    if constexpr (element_type<typename B::value_type>) {
      if (is_number) return {storage[0], nullptr, 1, true};
      return {0.0, storage.data(), storage.size(), false};
    } else {
      return original;
    }
  }
};

template <class V, class... Bs> constexpr std::size_t binding_index() {
  constexpr std::size_t i = meta::index_of<V, type_list<Bs...>>::value;
  static_assert(i < sizeof...(Bs), "check_gradients: every variable in wrt(...) needs a binding (v = value)");
  return i;
}

// The graph machinery shared by the first- and second-order checks.
template <class F, class Vars, class... Bs> struct graph_check;
template <class F, class... Vs, class... Bs>
struct graph_check<F, type_list<Vs...>, Bs...> {
  using T = value_t<F>;
  static constexpr std::size_t nv = sizeof...(Vs);
  // compile() rather than value_at: a tensor variable, or an op only programs run (opaque ops).
  static constexpr bool tensor = any_tensor_var_v<topo_order_t<F>> || ctgrad::detail::any_program_only_v<topo_order_t<F>>;
  static constexpr std::array<std::size_t, nv> bidx{binding_index<Vs, Bs...>()...};

  const F& f;
  std::tuple<const binding<Bs>&...> bindings;
  std::tuple<double_binding<Bs>...> dbl;
  std::array<std::vector<double>, nv> x;         // the checked variables' values, in double
  std::array<std::vector<double>, nv> kinks;     // per checked variable
  std::array<std::size_t, nv + 1> offset{};      // flat index of each block

  graph_check(const F& fn, const binding<Bs>&... bs) : f(fn), bindings(bs...), dbl(double_binding<Bs>(bs)...) {
    std::size_t k = 0;
    ((x[k] = std::get<binding_index<Vs, Bs...>()>(dbl).storage, kinks[k] = input_kinks<Vs>(f),
      offset[k + 1] = offset[k] + x[k].size(), ++k), ...);
  }

  // The checked variables' values concatenated (the point of the check).
  std::vector<double> flat() const {
    std::vector<double> out;
    for (const auto& b : x) out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  std::size_t block_of(std::size_t flat) const {
    std::size_t b = 0;
    while (b + 1 < nv && flat >= offset[b + 1]) ++b;
    return b;
  }
  double kink_distance(std::size_t flat, double v) const {
    double d = std::numeric_limits<double>::infinity();
    for (const double k : kinks[block_of(flat)]) d = std::min(d, std::abs(v - k));
    return d;
  }
  // Writes the flat point y into the double storage of the checked variables.
  void load(std::span<const double> y) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((std::copy(y.begin() + static_cast<std::ptrdiff_t>(offset[K]),
                  y.begin() + static_cast<std::ptrdiff_t>(offset[K + 1]),
                  std::get<bidx[K]>(dbl).storage.begin())), ...);
    }(std::make_index_sequence<nv>{});
  }
  template <class G> auto value_at_double(const G& g) const {
    return std::apply([&](const auto&... d) { return value_at(g, d.bind()...); }, dbl);
  }
  template <class G> auto value_at_user(const G& g) const {
    return std::apply([&](const auto&... b) { return value_at(g, b...); }, bindings);
  }
  template <class P> absl::Status run_double(P& prog) const {
    return std::apply([&](const auto&... d) { return prog.run(d.bind()...); }, dbl);
  }
  template <class P> absl::Status run_user(P& prog) const {
    return std::apply([&](const auto&... b) { return prog.run(b...); }, bindings);
  }
  // Evaluates the expression g of the user's element type (with one more binding `extra`, e.g. a
  // tangent) into a flat vector of doubles: value_at for a scalar g of a graph of scalar variables,
  // compile() otherwise.
  template <class G, class E> absl::StatusOr<std::vector<double>> eval_user(const G& g, const binding<E>& extra) const {
    if constexpr (!tensor && shape_t<G>::rank == 0) {
      const auto r = std::apply([&](const auto&... b) { return value_at(g, b..., extra); }, bindings);
      return std::vector<double>{static_cast<double>(r)};
    } else {
      auto prog = compile(g);
      const absl::Status st = std::apply([&](const auto&... b) { return prog.run(b..., extra); }, bindings);
      if (!st.ok()) return st;
      auto view = prog.template get<0>();
      return std::vector<double>(view.begin(), view.end());
    }
  }
  std::array<input_block, nv> blocks(const std::array<std::vector<double>, nv>& analytic) const {
    std::array<input_block, nv> out;
    std::size_t k = 0;
    ((out[k] = input_block{Vs::name, x[k], analytic[k]}, ++k), ...);
    return out;
  }
};

inline absl::Status annotate(const absl::Status& st) {
  return absl::Status(st.code(), std::string("check_gradients: ") + std::string(st.message()));
}

// The double graph g as a vector function of the checked variables' values (flat, in double): each
// call loads the point and writes g's elements (row-major) into out. value_at for a scalar g of a graph
// of scalar variables, one compiled program otherwise.
template <class GC, class G> struct double_function {
  static constexpr bool scalar = !GC::tensor && shape_t<G>::rank == 0;
  GC& gc;
  G g;
  std::conditional_t<scalar, int, decltype(compile(std::declval<const G&>()))> prog;

  double_function(GC& c, const G& graph) : gc(c), g(graph), prog(make_prog(graph)) {}
  static auto make_prog(const G& graph) {
    if constexpr (scalar) return 0;
    else return compile(graph);
  }
  // g's elements at the bound values (also checks the bindings once).
  absl::StatusOr<std::vector<double>> at_start() {
    if constexpr (scalar) {
      return std::vector<double>{static_cast<double>(gc.value_at_double(g))};
    } else {
      if (absl::Status st = gc.run_double(prog); !st.ok()) return st;
      auto view = prog.template get<0>();
      return std::vector<double>(view.begin(), view.end());
    }
  }
  void operator()(std::span<const double> y, std::span<double> out) {
    gc.load(y);
    if constexpr (scalar) {
      out[0] = static_cast<double>(gc.value_at_double(g));
    } else {
      if (!gc.run_double(prog).ok()) {
        std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
        return;
      }
      auto view = prog.template get<0>();
      if (static_cast<std::size_t>(view.end() - view.begin()) != out.size()) {
        std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
        return;
      }
      std::copy(view.begin(), view.end(), out.begin());
    }
  }
};

inline absl::Status annotate(std::string_view who, const absl::Status& st) {
  return absl::Status(st.code(), std::string(who) + ": " + std::string(st.message()));
}

// The tangent / direction variable the checks bind next to the user's (x's type and shape).
template <class X> using direction_var = var<"ctgrad.check.direction", value_t<X>, shape_t<X>>;

// Float-representable |v_i| in [0.5, 1.5) with random signs, from the seed (check_second_order's v).
inline std::vector<double> random_direction(std::size_t n, std::uint64_t seed) {
  std::vector<double> v(n);
  splitmix64 rng{seed};
  for (double& e : v) {
    const std::uint64_t z = rng.next();
    e = static_cast<double>(static_cast<float>((z & 1u ? -1.0 : 1.0) * (0.5 + splitmix64::unit(z))));
  }
  return v;
}

// Converts value_at's result on a gradient (one variable: a number; several: an array) into blocks.
template <std::size_t N, class R> std::array<std::vector<double>, N> as_blocks(const R& r) {
  std::array<std::vector<double>, N> out;
  if constexpr (N == 1 && std::is_arithmetic_v<R>) {
    out[0] = {static_cast<double>(r)};
  } else {
    for (std::size_t i = 0; i < N; ++i) out[i] = {static_cast<double>(r[i])};
  }
  return out;
}

}  // namespace detail

template <class V, expression F> std::vector<double> input_kinks(const F& f, const V&) {
  std::vector<double> out;
  for_each_type<topo_order_t<F>>([&]<class N>() { detail::collect_kinks<V, N>(f, out); });
  return out;
}

template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_gradients(const F& f, wrt_list<Vs...>, const options& opts,
                                       const binding<Bs>&... bindings) {
  static_assert(sizeof...(Vs) > 0, "check_gradients: name the variables to check with wrt(v, ...)");
  static_assert(shape_t<F>::rank == 0, "check_gradients: the graph must be a scalar (rank 0); reduce it with sum() or mean()");
  using T = value_t<F>;
  constexpr dtype dt = dtype_of<T>();
  constexpr std::size_t nv = sizeof...(Vs);
  detail::graph_check<F, type_list<Vs...>, Bs...> gc(f, bindings...);
  const auto g = grad(f, Vs{}...);
  const auto fd = with_element_type<double>(f);
  std::array<std::vector<double>, nv> analytic;
  auto kink = [&](std::size_t i, double v) { return gc.kink_distance(i, v); };
  if constexpr (!decltype(gc)::tensor) {
    analytic = detail::as_blocks<nv>(gc.value_at_user(g));
    auto numeric_f = [&](std::span<const double> y) {
      gc.load(y);
      return gc.value_at_double(fd);
    };
    const auto blocks = gc.blocks(analytic);
    return check_gradient(numeric_f, blocks, dt, opts, kink);
  } else {
    auto prog = compile(g);
    if (absl::Status st = gc.run_user(prog); !st.ok()) return detail::annotate(st);
    std::size_t k = 0;
    ((analytic[k] = [&] {
       auto view = prog.template get<(nv == 1 ? 0 : 1 + meta::index_of<Vs, type_list<Vs...>>::value)>();
       return std::vector<double>(view.begin(), view.end());
     }(), ++k), ...);
    auto dprog = compile(fd);
    if (absl::Status st = gc.run_double(dprog); !st.ok()) return detail::annotate(st);
    auto numeric_f = [&](std::span<const double> y) {
      gc.load(y);
      if (!gc.run_double(dprog).ok()) return std::numeric_limits<double>::quiet_NaN();
      return dprog.template get<0>().item();
    };
    const auto blocks = gc.blocks(analytic);
    return check_gradient(numeric_f, blocks, dt, opts, kink);
  }
}

template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_gradients(const F& f, wrt_list<Vs...> vars, const binding<Bs>&... bindings) {
  return check_gradients(f, vars, options{}, bindings...);
}

template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_second_order(const F& f, wrt_list<Vs...>, const options& opts,
                                          const binding<Bs>&... bindings) {
  static_assert(sizeof...(Vs) > 0, "check_second_order: name the variables to check with wrt(v, ...)");
  static_assert(shape_t<F>::rank == 0, "check_second_order: the graph must be a scalar (rank 0)");
  static_assert(!detail::any_tensor_var_v<topo_order_t<F>>,
                "check_second_order: checks graphs whose variables are all scalars (value_at graphs)");
  using T = value_t<F>;
  constexpr dtype dt = dtype_of<T>();
  constexpr std::size_t nv = sizeof...(Vs);
  detail::graph_check<F, type_list<Vs...>, Bs...> gc(f, bindings...);
  // v: float-representable, |v_i| in [0.5, 1.5), signs and sizes from the seed (splitmix64).
  const std::vector<double> v = detail::random_direction(nv, opts.seed);
  // Analytic: H v = grad(sum_i v_i grad(f, v_i)), in T.
  const auto vdotg = [&]<std::size_t... K>(std::index_sequence<K...>) {
    return ((grad(f, Vs{}) * static_cast<T>(v[K])) + ...);
  }(std::index_sequence_for<Vs...>{});
  const auto analytic = detail::as_blocks<nv>(gc.value_at_user(grad(vdotg, Vs{}...)));
  // Numeric: the gradient of the double graph, differentiated along v by the engine.
  const auto gd = grad(with_element_type<double>(f), retype_var_t<double, Vs>{}...);
  auto gradient = [&](std::span<const double> y, std::span<double> out) {
    gc.load(y);
    const auto r = gc.value_at_double(gd);
    if constexpr (nv == 1) out[0] = r;
    else for (std::size_t i = 0; i < nv; ++i) out[i] = r[i];
  };
  auto kink = [&](std::size_t i, double x) { return gc.kink_distance(i, x); };
  // Absolute-tolerance scale of element i: |v_i| * max(|f(x)|, max_j |df/dx_j|). A second derivative
  // computed in float from terms of f's size cancels like the first one does (tanh'' = -2y (1 - y^2)
  // with y rounding near 1 is exact only to ~u |y|), which the default scale |v . grad f| misses.
  std::array<double, nv> g0{};
  gradient(std::span<const double>(gc.flat()), g0);
  double scale = std::abs(gc.value_at_double(with_element_type<double>(f)));
  for (double e : g0) scale = std::max(scale, std::abs(e));
  std::array<std::vector<double>, nv> magnitude;
  for (std::size_t i = 0; i < nv; ++i) magnitude[i] = {std::abs(v[i]) * scale};
  auto blocks = gc.blocks(analytic);
  for (std::size_t i = 0; i < nv; ++i) blocks[i].magnitude = magnitude[i];
  return check_hessian_vector(gradient, blocks, v, dt, opts, kink);
}

template <expression F, class... Vs, class... Bs>
absl::StatusOr<report> check_second_order(const F& f, wrt_list<Vs...> vars, const binding<Bs>&... bindings) {
  return check_second_order(f, vars, options{}, bindings...);
}

template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jvp(const F& f, wrt_list<X>, std::type_identity_t<std::span<const value_t<X>>> dx,
                                 const options& opts, const binding<Bs>&... bindings) {
  using T = value_t<F>;
  static_assert(std::is_same_v<value_t<X>, T>, "check_jvp: x must have the graph's element type");
  constexpr dtype dt = dtype_of<T>();
  using GC = detail::graph_check<F, type_list<X>, Bs...>;
  GC gc(f, bindings...);
  const detail::direction_var<X> dv;
  // Analytic: jvp(f, x, dx) in T.
  const auto jv = jvp(f, X{}, dv);
  if (dx.size() != gc.x[0].size())
    return absl::InvalidArgumentError(absl::StrFormat("check_jvp: dx has %d entries but x ('%s') has %d",
                                                      dx.size(), std::string(X::name), gc.x[0].size()));
  absl::StatusOr<std::vector<double>> analytic = [&]() -> absl::StatusOr<std::vector<double>> {
    if constexpr (shape_t<X>::rank == 0) {
      return gc.eval_user(jv, dv = dx[0]);
    } else {
      return gc.eval_user(jv, dv = dx);
    }
  }();
  if (!analytic.ok()) return detail::annotate("check_jvp", analytic.status());
  // Numeric: the double graph along dx.
  detail::double_function<GC, decltype(with_element_type<double>(f))> fd(gc, with_element_type<double>(f));
  if (auto f0 = fd.at_start(); !f0.ok()) return detail::annotate("check_jvp", f0.status());
  const std::vector<double> x = gc.flat(), dxd(dx.begin(), dx.end());
  auto kink = [&](std::size_t i, double v) { return gc.kink_distance(i, v); };
  auto fn = [&](std::span<const double> y, std::span<double> out) { fd(y, out); };
  return check_jacobian_vector(fn, x, dxd, *analytic, dt, opts, {}, kink);
}

template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jvp(const F& f, wrt_list<X> var, std::type_identity_t<std::span<const value_t<X>>> dx,
                                 const binding<Bs>&... bindings) {
  return check_jvp(f, var, dx, options{}, bindings...);
}

template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jacobian(const F& f, wrt_list<X>, const options& opts, const binding<Bs>&... bindings) {
  using T = value_t<F>;
  constexpr dtype dt = dtype_of<T>();
  using GC = detail::graph_check<F, type_list<X>, Bs...>;
  GC gc(f, bindings...);
  // Analytic: jacobian(f, x) in T, an [m, n] matrix row-major (a row or a column for a scalar f or x).
  const auto J = jacobian(f, X{});
  absl::StatusOr<std::vector<double>> analytic = [&]() -> absl::StatusOr<std::vector<double>> {
    if constexpr (!GC::tensor && shape_t<decltype(J)>::rank == 0) {
      return std::vector<double>{static_cast<double>(gc.value_at_user(J))};
    } else {
      auto prog = compile(J);
      if (absl::Status st = gc.run_user(prog); !st.ok()) return st;
      auto view = prog.template get<0>();
      return std::vector<double>(view.begin(), view.end());
    }
  }();
  if (!analytic.ok()) return detail::annotate("check_jacobian", analytic.status());
  detail::double_function<GC, decltype(with_element_type<double>(f))> fd(gc, with_element_type<double>(f));
  if (auto f0 = fd.at_start(); !f0.ok()) return detail::annotate("check_jacobian", f0.status());
  const std::vector<double> x = gc.flat();
  auto kink = [&](std::size_t i, double v) { return gc.kink_distance(i, v); };
  auto fn = [&](std::span<const double> y, std::span<double> out) { fd(y, out); };
  return check_jacobian(fn, x, *analytic, dt, opts, {}, kink);
}

template <expression F, class X, class... Bs>
absl::StatusOr<report> check_jacobian(const F& f, wrt_list<X> var, const binding<Bs>&... bindings) {
  return check_jacobian(f, var, options{}, bindings...);
}

template <expression F, class X, class... Bs>
absl::StatusOr<report> check_hvp(const F& f, wrt_list<X>, const options& opts, const binding<Bs>&... bindings) {
  static_assert(shape_t<F>::rank == 0, "check_hvp: the graph must be a scalar (rank 0)");
  using T = value_t<F>;
  static_assert(std::is_same_v<value_t<X>, T>, "check_hvp: x must have the graph's element type");
  constexpr dtype dt = dtype_of<T>();
  using GC = detail::graph_check<F, type_list<X>, Bs...>;
  GC gc(f, bindings...);
  const std::size_t n = gc.x[0].size();
  const std::vector<double> v = detail::random_direction(n, opts.seed);
  const std::vector<T> vt(v.begin(), v.end());  // exact: v is float-representable
  const detail::direction_var<X> dv;
  // Analytic: hvp(f, x, v) in T.
  const auto hv = hvp(f, X{}, dv);
  absl::StatusOr<std::vector<double>> analytic = [&] {
    if constexpr (shape_t<X>::rank == 0) return gc.eval_user(hv, dv = vt[0]);
    else return gc.eval_user(hv, dv = vt);
  }();
  if (!analytic.ok()) return detail::annotate("check_hvp", analytic.status());
  // Numeric: the gradient of the double graph, differentiated along v by the engine.
  using GD = decltype(grad(with_element_type<double>(f), retype_var_t<double, X>{}));
  detail::double_function<GC, GD> gd(gc, grad(with_element_type<double>(f), retype_var_t<double, X>{}));
  absl::StatusOr<std::vector<double>> g0 = gd.at_start();
  if (!g0.ok()) return detail::annotate("check_hvp", g0.status());
  if (g0->size() != n)
    return absl::InternalError(absl::StrFormat("check_hvp: the gradient has %d elements, x %d", g0->size(), n));
  auto gradient = [&](std::span<const double> y, std::span<double> out) { gd(y, out); };
  auto kink = [&](std::size_t i, double x) { return gc.kink_distance(i, x); };
  // Absolute-tolerance scale as check_second_order: |v_i| max(|f(x)|, max_j |df/dx_j|).
  detail::double_function<GC, decltype(with_element_type<double>(f))> fd(gc, with_element_type<double>(f));
  absl::StatusOr<std::vector<double>> f0 = fd.at_start();
  if (!f0.ok()) return detail::annotate("check_hvp", f0.status());
  double scale = std::abs((*f0)[0]);
  for (double e : *g0) scale = std::max(scale, std::abs(e));
  std::vector<double> magnitude(n);
  for (std::size_t i = 0; i < n; ++i) magnitude[i] = std::abs(v[i]) * scale;
  std::array<std::vector<double>, 1> blocks_analytic{std::move(*analytic)};
  auto blocks = gc.blocks(blocks_analytic);
  blocks[0].magnitude = magnitude;
  return check_hessian_vector(gradient, blocks, v, dt, opts, kink);
}

template <expression F, class X, class... Bs>
absl::StatusOr<report> check_hvp(const F& f, wrt_list<X> var, const binding<Bs>&... bindings) {
  return check_hvp(f, var, options{}, bindings...);
}

}  // namespace ctgrad::check

// Tests for ctgrad/fn/activate.hpp (activate<F>, the d1/d2 nodes) and the named functions of
// fn/activations.hpp: for every activation of the registry, the graph computes exactly what the scalar
// definition (fn/definitions/*.hpp) computes — value, grad and grad of grad — in value_at (at run time and in
// constant expressions) and in a compiled tensor program. Accuracy against references is activations_test's job.
#define BOOST_TEST_MODULE activation_graph
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/ctgrad.hpp"

namespace {

using namespace ctgrad;

template <class List> struct as_tuple;
template <class... Fs> struct as_tuple<type_list<Fs...>> { using type = std::tuple<Fs...>; };
using all_activations = as_tuple<activation_list>::type;

template <class F> constexpr std::size_t n_params = std::tuple_size_v<std::remove_cv_t<decltype(F::params)>>;
template <class F, class T> using params_t = std::array<T, n_params<F>>;

// Two parameter sets per activation: PyTorch's defaults, and 1.5 d + 0.25 of each default d (keeps
// min_val < max_val and alpha, beta > 0; changes every parameter, so a dropped parameter shows).
template <class F, class T> constexpr params_t<F, T> param_set(bool alternative) {
  params_t<F, T> p{};
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double d = F::params[i].default_value;
    p[i] = static_cast<T>(alternative ? 1.5 * d + 0.25 : d);
  }
  return p;
}

template <class F, class T, std::size_t... I>
constexpr T value_of(T x, const params_t<F, T>& p, std::index_sequence<I...>) {
  return F::template value<T>(x, p[I]...);
}
template <class F, class T, std::size_t... I>
constexpr T d1_of(T x, const params_t<F, T>& p, std::index_sequence<I...> s) {
  return F::template d1<T>(x, value_of<F>(x, p, s), p[I]...);
}
template <class F, class T, std::size_t... I>
constexpr T d2_of(T x, const params_t<F, T>& p, std::index_sequence<I...> s) {
  return F::template d2<T>(x, value_of<F>(x, p, s), p[I]...);
}
template <class F, class X, class T, std::size_t... I>
constexpr auto activate_with(const X& x, const params_t<F, T>& p, std::index_sequence<I...>) {
  return activate<F>(x, p[I]...);
}
template <class F> using seq = std::make_index_sequence<n_params<F>>;

// Both tails, the saturation range, a walk over [-12, 12] that does not hit the kinks, and every kink of the
// activation with its two neighbouring representable values. 105 + 3 * kinks points: not a multiple of the
// 16 lanes of the compiled reductions, so their tail loops run too.
template <class F, class T> std::vector<T> points(const params_t<F, T>& p) {
  std::vector<T> xs{T(-1e4), T(-100), T(-30), T(-15.5), T(0), T(15.5), T(30), T(100), T(1e4)};
  for (int i = 0; i < 96; ++i) xs.push_back(static_cast<T>(-12.0 + 0.2531 * i));
  const auto kinks = std::apply([](auto... q) { return F::template kinks<T>(q...); }, p);
  for (T k : kinks)
    for (T v : {k, std::nextafter(k, std::numeric_limits<T>::infinity()), std::nextafter(k, -std::numeric_limits<T>::infinity())})
      xs.push_back(v);
  return xs;
}

template <class F, class Law> void for_types_and_params(Law law) {
  for (bool alternative : {false, true}) {
    law.template operator()<float>(param_set<F, float>(alternative));
    law.template operator()<double>(param_set<F, double>(alternative));
  }
}

template <class T> const char* type_name() { return std::is_same_v<T, float> ? "float" : "double"; }

// Same value up to 2 ulp, or both NaN. Not bit for bit: g++ contracts a * b + c into an FMA
// (-ffp-contract=fast is its C++ default) differently in differently inlined contexts, so the graph
// and a direct call of the definition may round the last bit differently.
template <class T> bool same(T a, T b) {
  if (a == b || (std::isnan(a) && std::isnan(b))) return true;
  return std::abs(a - b) <= 2 * std::numeric_limits<T>::epsilon() * std::max(std::abs(a), std::abs(b));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(activation)

BOOST_AUTO_TEST_CASE_TEMPLATE(value_grad_and_grad_of_grad_at_a_point_equal_the_definition, F, all_activations) {
  for_types_and_params<F>([]<class T>(const params_t<F, T>& p) {
    constexpr var<"a", T> a{};
    const auto y = activate_with<F>(a, p, seq<F>{});
    const auto dy = grad(y, a);
    const auto ddy = grad(dy, a);
    int failures = 0;
    for (T x : points<F, T>(p)) {
      const T v = value_at(y, a = x), d1 = value_at(dy, a = x), d2 = value_at(ddy, a = x);
      const T want_v = value_of<F>(x, p, seq<F>{}), want_d1 = d1_of<F>(x, p, seq<F>{}),
              want_d2 = d2_of<F>(x, p, seq<F>{});
      if (!(same(v, want_v) && same(d1, want_d1) && same(d2, want_d2)) && ++failures <= 5)
        BOOST_ERROR(F::name << " in " << type_name<T>() << " at x = " << x << ": graph (" << v << ", " << d1 << ", "
                            << d2 << "), definition (" << want_v << ", " << want_d1 << ", " << want_d2 << ")");
    }
    BOOST_TEST(failures == 0);
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(compiled_program_over_a_vector_equals_the_scalar_path, F, all_activations) {
  for_types_and_params<F>([]<class T>(const params_t<F, T>& p) {
    constexpr var<"a", T> a{};
    const var<"v", T, shape<dyn>> v;
    const auto y = activate_with<F>(v, p, seq<F>{});
    const auto loss = sum(y);
    const auto g = grad(loss, v);        // F'(v) elementwise
    const auto h = grad(sum(g), v);      // F''(v) elementwise (the Hessian of sum(F(v)) is diagonal)
    auto prog = compile(y, loss, g, h);
    const std::vector<T> xs = points<F, T>(p);
    BOOST_TEST_REQUIRE(prog.run(v = xs).ok());
    const auto ys = prog.template get<0>(), gs = prog.template get<2>(), hs = prog.template get<3>();
    BOOST_TEST_REQUIRE(ys.size() == xs.size());
    BOOST_TEST_REQUIRE(gs.size() == xs.size());
    BOOST_TEST_REQUIRE(hs.size() == xs.size());

    const auto ya = activate_with<F>(a, p, seq<F>{});
    const auto dya = grad(ya, a);
    const auto ddya = grad(dya, a);
    int failures = 0;
    long double exact_sum = 0, magnitude = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const T x = xs[i];
      const T sv = value_at(ya, a = x), sd1 = value_at(dya, a = x), sd2 = value_at(ddya, a = x);
      exact_sum += ys[i];
      magnitude += std::fabs(static_cast<long double>(ys[i]));
      if (!(same(ys[i], sv) && same(gs[i], sd1) && same(hs[i], sd2)) && ++failures <= 5)
        BOOST_ERROR(F::name << " in " << type_name<T>() << " at x = " << x << ": program (" << ys[i] << ", " << gs[i]
                            << ", " << hs[i] << "), value_at (" << sv << ", " << sd1 << ", " << sd2 << ")");
    }
    BOOST_TEST(failures == 0);
    // The reduction adds in 16 lanes, not in index order: equal to the exact sum within n eps sum |y|.
    const long double tol = xs.size() * std::numeric_limits<T>::epsilon() * magnitude;
    BOOST_TEST(std::fabs(prog.template get<1>().item() - exact_sum) <= tol,
               F::name << " in " << type_name<T>() << ": sum " << prog.template get<1>().item() << " vs "
                       << double(exact_sum));
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(value_and_grad_through_the_graph_are_constant_expressions, F, all_activations) {
  static constexpr var<"a", double> a{};
  static constexpr var<"b", float> b{};
  static constexpr auto pd = param_set<F, double>(false);
  static constexpr auto pf = param_set<F, float>(false);
  static_assert(value_at(activate_with<F>(a, pd, seq<F>{}), a = 0.5) == value_of<F>(0.5, pd, seq<F>{}));
  static_assert(value_at(grad(activate_with<F>(a, pd, seq<F>{}), a), a = 0.5) == d1_of<F>(0.5, pd, seq<F>{}));
  static_assert(value_at(activate_with<F>(b, pf, seq<F>{}), b = -1.5f) == value_of<F>(-1.5f, pf, seq<F>{}));
  static_assert(value_at(grad(activate_with<F>(b, pf, seq<F>{}), b), b = -1.5f) == d1_of<F>(-1.5f, pf, seq<F>{}));
  BOOST_TEST(F::name.size() > 0u);  // the checks above are compile-time; the case exists to name them
}

// Known values of the named functions, checked by the compiler (each exact in binary floating point).
namespace known {
constexpr var<"a", double> a{};
static_assert(value_at(grad(sigmoid(a), a), a = 0.0) == 0.25);
static_assert(value_at(grad(grad(sigmoid(a), a), a), a = 0.0) == 0.0);
static_assert(value_at(grad(tanh(a), a), a = 0.0) == 1.0);
static_assert(value_at(grad(relu(a), a), a = 0.0) == 0.0);        // PyTorch: relu'(0) = 0
static_assert(value_at(grad(relu(a), a), a = 2.0) == 1.0);
static_assert(value_at(grad(leaky_relu(a, 0.25), a), a = -1.0) == 0.25);
static_assert(value_at(grad(hardswish(a), a), a = 3.0) == 1.5);   // PyTorch: closed middle piece
static_assert(value_at(grad(hardsigmoid(a), a), a = 0.0) == 1.0 / 6.0);
static_assert(value_at(grad(softsign(a), a), a = 1.0) == 0.25);
static_assert(value_at(grad(softplus(a), a), a = 0.0) == 0.5);
static_assert(value_at(grad(silu(a), a), a = 0.0) == 0.5);
static_assert(value_at(grad(elu(a, 0.5), a), a = 0.0) == 0.5);    // PyTorch: x <= 0 takes the exp branch
static_assert(value_at(hardtanh(a, -2.0, 2.0) * 2.0, a = 3.0) == 4.0);
}  // namespace known

BOOST_AUTO_TEST_CASE(named_functions_are_activate_with_pytorch_defaults) {
  var<"a", double> a;
  for (double x : {-3.5, -0.25, 0.75, 7.0}) {
    BOOST_TEST(value_at(leaky_relu(a), a = x) == value_at(activate<fn::leaky_relu>(a, 0.01), a = x));
    BOOST_TEST(value_at(hardtanh(a), a = x) == value_at(activate<fn::hardtanh>(a, -1.0, 1.0), a = x));
    BOOST_TEST(value_at(softplus(a, 2.0), a = x) == value_at(activate<fn::softplus>(a, 2.0, 20.0), a = x));
    BOOST_TEST(value_at(elu(a, 0.3), a = x) == fn::elu::value(x, 0.3));
  }
}

BOOST_AUTO_TEST_SUITE_END()

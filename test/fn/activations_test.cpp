// Laws every registered activation obeys (ctgrad/fn/registry.hpp + fn/definitions/*.hpp), written once and
// applied to every entry of activation_list: reference accuracy, finite-difference consistency of d1 and d2,
// documented kink conventions, range and saturation, constant evaluation, NaN propagation.
#define BOOST_TEST_MODULE activations
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/core/type_list.hpp"
#include "ctgrad/fn/activations.hpp"
#include "ctgrad/fn/registry.hpp"

namespace {

using namespace ctgrad;

// The registry test can only be built when every registered activation is complete and named uniquely.
static_assert(is_valid_activation_registry<activation_list>(),
              "activation_list must hold complete, uniquely named activations");

template <class List> struct as_tuple;
template <class... Fs> struct as_tuple<type_list<Fs...>> { using type = std::tuple<Fs...>; };
using all_activations = as_tuple<activation_list>::type;

template <class F> constexpr std::size_t n_params = std::tuple_size_v<std::remove_cv_t<decltype(F::params)>>;
template <class F> using params_t = std::array<long double, n_params<F>>;

// ---- per-activation test data: the only place a new activation must be described ------------------------
// Every specialisation states the non-default parameter set, the documented f' at each kink, and any
// tolerance beyond the base one (4 ulp in float, 1e-14 relative in double), with the reason:
//   value_kappa / d1_kappa: add 4 eps |x g'(x)| for g = f / f' (the error of evaluating at x(1 + eps)),
//     for functions whose formula rounds an argument that is then amplified (tails, zeros away from 0);
//   d1_floor: add 4 eps * d1_floor, an absolute error for derivatives computed from y.
template <class F> struct law_traits {
  static_assert(sizeof(F) == 0,
                "activations_test: every registered activation needs a law_traits specialisation "
                "(non-default parameters, documented kink derivatives, tolerances)");
};

struct base_traits {
  static constexpr long double value_kappa = 0, d1_kappa = 0, d1_floor = 0;
};

template <> struct law_traits<fn::relu> : base_traits {
  static constexpr params_t<fn::relu> alt{};
  static std::array<long double, 1> kink_d1(const params_t<fn::relu>&) { return {0.0L}; }
};
template <> struct law_traits<fn::leaky_relu> : base_traits {
  static constexpr params_t<fn::leaky_relu> alt{0.2L};
  static std::array<long double, 1> kink_d1(const params_t<fn::leaky_relu>& p) { return {p[0]}; }
};
template <> struct law_traits<fn::relu6> : base_traits {
  static constexpr params_t<fn::relu6> alt{};
  static std::array<long double, 2> kink_d1(const params_t<fn::relu6>&) { return {0.0L, 0.0L}; }
};
template <> struct law_traits<fn::hardtanh> : base_traits {
  static constexpr params_t<fn::hardtanh> alt{-2.0L, 0.5L};
  static std::array<long double, 2> kink_d1(const params_t<fn::hardtanh>&) { return {0.0L, 0.0L}; }
};
template <> struct law_traits<fn::elu> : base_traits {
  static constexpr params_t<fn::elu> alt{0.7L};
  static std::array<long double, 1> kink_d1(const params_t<fn::elu>& p) { return {p[0]}; }
};
template <> struct law_traits<fn::selu> : base_traits {
  static constexpr params_t<fn::selu> alt{};
  static std::array<long double, 1> kink_d1(const params_t<fn::selu>&) { return {fn::selu::scale * fn::selu::alpha}; }
};
template <> struct law_traits<fn::celu> : base_traits {
  // exp(x / alpha): the rounding of x / alpha (exact for alpha = 1) is amplified by |x / alpha|.
  static constexpr long double value_kappa = 1, d1_kappa = 1;
  static constexpr params_t<fn::celu> alt{0.7L};
  static std::array<long double, 1> kink_d1(const params_t<fn::celu>&) { return {1.0L}; }
};
template <> struct law_traits<fn::sigmoid> : base_traits {
  // d1 = y (1 - y) reads y, which near 1 carries only absolute precision: absolute error <= eps/4 * 4.
  static constexpr long double d1_floor = 0.25L;
  static constexpr params_t<fn::sigmoid> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::sigmoid>&) { return {}; }
};
template <> struct law_traits<fn::logsigmoid> : base_traits {
  static constexpr params_t<fn::logsigmoid> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::logsigmoid>&) { return {}; }
};
template <> struct law_traits<fn::hardsigmoid> : base_traits {
  static constexpr params_t<fn::hardsigmoid> alt{};
  static std::array<long double, 2> kink_d1(const params_t<fn::hardsigmoid>&) { return {0.0L, 0.0L}; }
};
template <> struct law_traits<fn::tanh> : base_traits {
  // d1 = (1 - y)(1 + y) reads y: absolute error <= a few eps (max |f'| = 1).
  static constexpr long double d1_floor = 1.0L;
  static constexpr params_t<fn::tanh> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::tanh>&) { return {}; }
};
template <> struct law_traits<fn::softsign> : base_traits {
  static constexpr params_t<fn::softsign> alt{};
  static std::array<long double, 1> kink_d1(const params_t<fn::softsign>&) { return {1.0L}; }
};
template <> struct law_traits<fn::silu> : base_traits {
  static constexpr long double d1_kappa = 1;  // d1 = s (1 + x s(-x)) cancels at its zero x = -1.2785
  static constexpr params_t<fn::silu> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::silu>&) { return {}; }
};
template <> struct law_traits<fn::gelu> : base_traits {
  static constexpr long double d1_kappa = 1;  // Phi + x phi cancels at its zero x = -0.7518
  static constexpr params_t<fn::gelu> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::gelu>&) { return {}; }
};
template <> struct law_traits<fn::gelu_tanh> : base_traits {
  // sigmoid(2u) amplifies the rounding of u = k (x + 0.044715 x^3) by 2|u| in the left tail (double only;
  // float evaluates in double); d1 cancels at its zero x = -0.7525.
  static constexpr long double value_kappa = 1, d1_kappa = 1;
  static constexpr params_t<fn::gelu_tanh> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::gelu_tanh>&) { return {}; }
};
template <> struct law_traits<fn::mish> : base_traits {
  static constexpr long double d1_kappa = 1;  // t + x g cancels at its zero x = -1.1924
  static constexpr params_t<fn::mish> alt{};
  static std::array<long double, 0> kink_d1(const params_t<fn::mish>&) { return {}; }
};
template <> struct law_traits<fn::softplus> : base_traits {
  // beta = 0.5 keeps threshold / beta exact, so the kink law can evaluate exactly at the switch.
  static constexpr params_t<fn::softplus> alt{0.5L, 15.0L};
  static std::array<long double, 1> kink_d1(const params_t<fn::softplus>& p) {
    return {1.0L / (1.0L + std::exp(-p[1]))};
  }
};
template <> struct law_traits<fn::hardswish> : base_traits {
  static constexpr long double d1_kappa = 1;  // x/3 + 1/2 cancels at its zero x = -1.5
  static constexpr params_t<fn::hardswish> alt{};
  static std::array<long double, 2> kink_d1(const params_t<fn::hardswish>&) { return {-0.5L, 1.5L}; }
};

// ---- calling an activation with a parameter array --------------------------------------------------------
template <class F> params_t<F> default_params() {
  params_t<F> p{};
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = F::params[i].default_value;
  return p;
}
// The parameters as T holds them (the reference is evaluated with exactly these values).
template <class F, class T> params_t<F> rounded(const params_t<F>& p) {
  params_t<F> r{};
  for (std::size_t i = 0; i < p.size(); ++i) r[i] = static_cast<long double>(static_cast<T>(p[i]));
  return r;
}
template <class F> using seq = std::make_index_sequence<n_params<F>>;

template <class F, class T, std::size_t... I> T value_impl(T x, const params_t<F>& p, std::index_sequence<I...>) {
  return F::template value<T>(x, static_cast<T>(p[I])...);
}
template <class F, class T> T value_of(T x, const params_t<F>& p) { return value_impl<F>(x, p, seq<F>{}); }

template <class F, class T, std::size_t... I> T d1_impl(T x, const params_t<F>& p, std::index_sequence<I...>) {
  return F::template d1<T>(x, F::template value<T>(x, static_cast<T>(p[I])...), static_cast<T>(p[I])...);
}
template <class F, class T> T d1_of(T x, const params_t<F>& p) { return d1_impl<F>(x, p, seq<F>{}); }

template <class F, class T, std::size_t... I> T d2_impl(T x, const params_t<F>& p, std::index_sequence<I...>) {
  return F::template d2<T>(x, F::template value<T>(x, static_cast<T>(p[I])...), static_cast<T>(p[I])...);
}
template <class F, class T> T d2_of(T x, const params_t<F>& p) { return d2_impl<F>(x, p, seq<F>{}); }

template <class F, class T, std::size_t... I> auto kinks_impl(const params_t<F>& p, std::index_sequence<I...>) {
  return F::template kinks<T>(static_cast<T>(p[I])...);
}
template <class F, class T> auto kinks_of(const params_t<F>& p) { return kinks_impl<F, T>(p, seq<F>{}); }

template <class F, std::size_t... I> long double ref_impl(long double x, const params_t<F>& p, std::index_sequence<I...>) {
  return F::reference(x, p[I]...);
}
template <class F> long double ref_of(long double x, const params_t<F>& p) { return ref_impl<F>(x, p, seq<F>{}); }
template <class F, std::size_t... I>
long double ref_d1_impl(long double x, const params_t<F>& p, std::index_sequence<I...>) {
  return F::reference_d1(x, p[I]...);
}
template <class F> long double ref_d1_of(long double x, const params_t<F>& p) { return ref_d1_impl<F>(x, p, seq<F>{}); }

// ---- grids and tolerances ---------------------------------------------------------------------------------
// Dense linear part, logarithmic magnitudes from 1e-30 to 1e4, the extremes +-1e4, and each kink with its
// neighbours (next representable values and +-1e-3). Every point is representable in T.
template <class T> std::vector<T> grid(const std::vector<long double>& kinks) {
  std::vector<T> xs;
  for (int i = -40 * 32; i <= 40 * 32; ++i) xs.push_back(static_cast<T>(i / 32.0L));
  for (int e = -30; e <= 4; ++e)
    for (long double m : {1.0L, 1.25L, 2.0L, 3.5L, 5.0L, 7.5L}) {
      const long double v = m * std::pow(10.0L, static_cast<long double>(e));
      if (v <= 1e4L) {
        xs.push_back(static_cast<T>(v));
        xs.push_back(static_cast<T>(-v));
      }
    }
  xs.push_back(T(1e4));
  xs.push_back(T(-1e4));
  for (long double k : kinks) {
    const T kt = static_cast<T>(k);
    for (T v : {kt, std::nextafter(kt, std::numeric_limits<T>::infinity()),
                std::nextafter(kt, -std::numeric_limits<T>::infinity()), static_cast<T>(k + 1e-3L),
                static_cast<T>(k - 1e-3L)})
      xs.push_back(v);
  }
  return xs;
}

template <class F, class T> std::vector<long double> kink_points(const params_t<F>& p) {
  std::vector<long double> r;
  for (auto k : kinks_of<F, T>(p)) r.push_back(static_cast<long double>(k));
  return r;
}

// Spacing of T at |v| (the smallest subnormal below the normal range).
template <class T> long double ulp_of(long double v) {
  const T a = std::fabs(static_cast<T>(v));
  if (a < std::numeric_limits<T>::min()) return std::numeric_limits<T>::denorm_min();
  return static_cast<long double>(std::nextafter(a, std::numeric_limits<T>::infinity())) - a;
}

// The base accuracy contract: 4 ulp in float, 1e-14 relative in double. Results in the subnormal range
// are held to an absolute max(1, |x|) * (smallest normal), since their relative precision is inherently
// reduced (e.g. silu(-740) = -740 * sigmoid(-740), with sigmoid(-740) subnormal).
template <class T> long double base_tolerance(long double ref, long double x) {
  const long double sub = std::fmax(1.0L, std::fabs(x)) * std::numeric_limits<T>::min();
  if constexpr (std::is_same_v<T, float>) return 4 * ulp_of<T>(ref) + sub;
  else return 1e-14L * std::fabs(ref) + sub;
}

// Central difference (long double) with a step suited to a smooth function of size ~1 at x.
template <class G> long double central_difference(G g, long double x) {
  const long double h = 1e-6L * std::fmax(1.0L, std::fabs(x));
  return (g(x + h) - g(x - h)) / (2 * h);
}

template <class T> const char* type_name() { return std::is_same_v<T, float> ? "float" : "double"; }

template <class F> std::string describe(const params_t<F>& p) {
  std::ostringstream s;
  s << F::name << "(";
  for (std::size_t i = 0; i < p.size(); ++i) s << (i ? ", " : "") << F::params[i].name << "=" << double(p[i]);
  s << ")";
  return s.str();
}

// Range strings are "[lo, hi]" / "(lo, hi)" where each bound is a number, inf, or a parameter name with an
// optional minus sign. The law checks the closed interval: saturated values reach open bounds exactly.
template <class F> std::pair<long double, long double> parse_range(const params_t<F>& p) {
  const std::string_view r = F::range;
  BOOST_REQUIRE(r.size() > 4 && (r.front() == '[' || r.front() == '(') && (r.back() == ']' || r.back() == ')'));
  const auto comma = r.find(", ");
  BOOST_REQUIRE(comma != std::string_view::npos);
  auto bound = [&](std::string_view t) -> long double {
    long double sign = 1;
    if (!t.empty() && t.front() == '-') {
      sign = -1;
      t.remove_prefix(1);
    }
    if (t == "inf") return sign * std::numeric_limits<long double>::infinity();
    for (std::size_t i = 0; i < p.size(); ++i)
      if (t == F::params[i].name) return sign * p[i];
    const std::string s(t);
    std::size_t used = 0;
    const long double v = std::stold(s, &used);
    BOOST_REQUIRE_MESSAGE(used == s.size(), F::name << ": range bound '" << s << "' is not a number");
    return sign * v;
  };
  return {bound(r.substr(1, comma - 1)), bound(r.substr(comma + 2, r.size() - comma - 3))};
}

template <class F, class Law> void for_types_and_params(Law law) {
  for (const auto& p : {default_params<F>(), law_traits<F>::alt}) {
    law.template operator()<float>(p);
    law.template operator()<double>(p);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(activations)

// ---- the laws ------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(value_and_d1_match_long_double_reference_on_dense_grid, F, all_activations) {
  using tr = law_traits<F>;
  for_types_and_params<F>([]<class T>(const params_t<F>& p0) {
    const params_t<F> p = rounded<F, T>(p0);
    const long double eps = std::numeric_limits<T>::epsilon();
    int failures = 0;
    long double worst_value = 0, worst_d1 = 0;  // in units of the allowed error
    for (T x : grid<T>(kink_points<F, T>(p))) {
      const long double xl = x;
      const long double ref = ref_of<F>(xl, p), ref_d1 = ref_d1_of<F>(xl, p);
      const long double got = value_of<F>(x, p), got_d1 = d1_of<F>(x, p);
      const long double ref_d2 =
          tr::d1_kappa > 0 ? central_difference([&](long double t) { return ref_d1_of<F>(t, p); }, xl) : 0.0L;
      const long double tol_v = base_tolerance<T>(ref, xl) + 4 * eps * tr::value_kappa * std::fabs(xl * ref_d1);
      const long double tol_d =
          base_tolerance<T>(ref_d1, xl) + 4 * eps * (tr::d1_kappa * std::fabs(xl * ref_d2) + tr::d1_floor);
      const long double ev = std::fabs(got - ref) / tol_v, ed = std::fabs(got_d1 - ref_d1) / tol_d;
      worst_value = std::fmax(worst_value, ev);
      worst_d1 = std::fmax(worst_d1, ed);
      if (!(ev <= 1 && ed <= 1) && ++failures <= 5)
        BOOST_ERROR(describe<F>(p) << " in " << type_name<T>() << " at x = " << double(x) << ": value "
                                   << double(got) << " vs " << double(ref) << ", d1 " << double(got_d1) << " vs "
                                   << double(ref_d1));
    }
    BOOST_TEST(failures == 0);
    BOOST_TEST_MESSAGE(describe<F>(p) << " " << type_name<T>() << ": worst error / allowed: value "
                                      << double(worst_value) << ", d1 " << double(worst_d1));
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(d1_matches_central_difference_of_value_in_long_double, F, all_activations) {
  for (const auto& p : {default_params<F>(), law_traits<F>::alt}) {
    const auto kinks = kink_points<F, long double>(p);
    int failures = 0;
    for (long double x : grid<long double>(kinks)) {
      if (std::fabs(x) > 100) continue;
      const long double h = 1e-6L * std::fmax(1.0L, std::fabs(x));
      bool near_kink = false;
      for (long double k : kinks) near_kink |= std::fabs(x - k) <= 2 * h;
      if (near_kink) continue;
      const long double fd = central_difference([&](long double t) { return value_of<F>(t, p); }, x);
      const long double d1 = d1_of<F>(x, p);
      if (!(std::fabs(d1 - fd) <= 1e-9L * (1 + std::fabs(d1))) && ++failures <= 5)
        BOOST_ERROR(describe<F>(p) << " at x = " << double(x) << ": d1 " << double(d1) << " vs difference "
                                   << double(fd));
    }
    BOOST_TEST(failures == 0);
  }
}

// Smooth activations everywhere; the others wherever the difference stencil does not straddle a kink.
BOOST_AUTO_TEST_CASE_TEMPLATE(d2_matches_central_difference_of_d1_in_long_double, F, all_activations) {
  for (const auto& p : {default_params<F>(), law_traits<F>::alt}) {
    const auto kinks = kink_points<F, long double>(p);
    int failures = 0;
    for (long double x : grid<long double>(kinks)) {
      if (std::fabs(x) > 100) continue;
      const long double h = 1e-6L * std::fmax(1.0L, std::fabs(x));
      bool near_kink = false;
      for (long double k : kinks) near_kink |= std::fabs(x - k) <= 2 * h;
      if (near_kink) continue;
      const long double fd = central_difference([&](long double t) { return d1_of<F>(t, p); }, x);
      const long double d2 = d2_of<F>(x, p);
      if (!(std::fabs(d2 - fd) <= 1e-8L * (1 + std::fabs(d2))) && ++failures <= 5)
        BOOST_ERROR(describe<F>(p) << " at x = " << double(x) << ": d2 " << double(d2) << " vs difference "
                                   << double(fd));
    }
    BOOST_TEST(failures == 0);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(d1_at_each_kink_follows_documented_convention, F, all_activations) {
  for (const auto& p0 : {default_params<F>(), law_traits<F>::alt}) {
    auto check = [&]<class T>() {
      const params_t<F> p = rounded<F, T>(p0);
      const auto kinks = kinks_of<F, T>(p);
      const auto expected = law_traits<F>::kink_d1(p);
      static_assert(std::tuple_size_v<decltype(kinks)> == std::tuple_size_v<decltype(expected)>,
                    "law_traits::kink_d1 must give one derivative per kink");
      BOOST_TEST(F::smooth == kinks.empty());
      for (std::size_t i = 0; i < kinks.size(); ++i) {
        const long double got = d1_of<F>(kinks[i], p);
        BOOST_TEST(std::fabs(got - expected[i]) <= 2 * ulp_of<T>(expected[i]),
                   describe<F>(p) << " " << type_name<T>() << ": f'(" << double(kinks[i]) << ") = " << double(got)
                                  << ", documented " << double(expected[i]) << " (" << F::kink_convention << ")");
      }
    };
    check.template operator()<float>();
    check.template operator()<double>();
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(saturates_finite_and_stays_in_documented_range, F, all_activations) {
  for_types_and_params<F>([]<class T>(const params_t<F>& p0) {
    const params_t<F> p = rounded<F, T>(p0);
    const auto [lo, hi] = parse_range<F>(p);
    const long double slack = 4 * std::numeric_limits<T>::epsilon();
    int failures = 0;
    for (T x : grid<T>(kink_points<F, T>(p))) {
      const T v = value_of<F>(x, p), g = d1_of<F>(x, p), h = d2_of<F>(x, p);
      const bool ok = std::isfinite(v) && std::isfinite(g) && std::isfinite(h) &&
                      v >= lo - slack * std::fabs(lo) && v <= hi + slack * std::fabs(hi);
      if (!ok && ++failures <= 5)
        BOOST_ERROR(describe<F>(p) << " " << type_name<T>() << " at x = " << double(x) << ": f = " << double(v)
                                   << ", f' = " << double(g) << ", f'' = " << double(h) << ", range " << F::range);
    }
    BOOST_TEST(failures == 0);
    // At +-1e4 every activation is saturated: its value and slope equal the reference limits.
    for (T x : {T(-1e4), T(1e4)}) {
      BOOST_TEST(std::fabs(value_of<F>(x, p) - ref_of<F>(x, p)) <= base_tolerance<T>(ref_of<F>(x, p), x));
      BOOST_TEST(std::fabs(d1_of<F>(x, p) - ref_d1_of<F>(x, p)) <= base_tolerance<T>(ref_d1_of<F>(x, p), x));
    }
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(value_and_d1_evaluate_in_constant_expressions, F, all_activations) {
  constexpr auto eval = []<class T>(T x) {
    return [x]<std::size_t... I>(std::index_sequence<I...>) {
      const T y = F::template value<T>(x, static_cast<T>(F::params[I].default_value)...);
      return std::array<T, 2>{y, F::template d1<T>(x, y, static_cast<T>(F::params[I].default_value)...)};
    }(seq<F>{});
  };
  constexpr std::array<double, 4> xs{-2.5, -0.25, 0.5, 4.0};
  constexpr std::array<std::array<double, 2>, 4> at_compile_time{eval(xs[0]), eval(xs[1]), eval(xs[2]), eval(xs[3])};
  constexpr std::array<float, 2> in_float = eval(0.5f);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto at_run_time = eval(xs[i]);
    for (int k = 0; k < 2; ++k)
      BOOST_TEST(at_compile_time[i][k] == at_run_time[k], boost::test_tools::tolerance(1e-13));
  }
  BOOST_TEST(in_float[0] == eval(0.5f)[0], boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(in_float[1] == eval(0.5f)[1], boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(value_propagates_nan, F, all_activations) {
  const auto p = default_params<F>();
  BOOST_TEST(std::isnan(value_of<F>(std::numeric_limits<float>::quiet_NaN(), p)));
  BOOST_TEST(std::isnan(value_of<F>(std::numeric_limits<double>::quiet_NaN(), p)));
}

// ---- the registry and the seeds' examples ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(relu_and_sigmoid_map_minus_two_zero_two_as_in_the_seed_examples) {
  const std::array<double, 3> x{-2, 0, 2};
  const std::array<double, 3> relu_expected{0, 0, 2}, sigmoid_expected{0.1192, 0.5, 0.8808};
  for (std::size_t i = 0; i < x.size(); ++i) {
    BOOST_TEST(fn::relu::value(x[i]) == relu_expected[i]);
    BOOST_TEST(std::fabs(fn::sigmoid::value(x[i]) - sigmoid_expected[i]) < 5e-5);
  }
  static_assert(fn::sigmoid::d1(0.0, fn::sigmoid::value(0.0)) == 0.25);
}

// CTGRAD_ACTIVATIONS (fn/registry.hpp) is the only list of activations: one X(name) line gives the
// struct its place in activation_list (hence every law above, the gradient checker and the docs table),
// its function ctgrad::name and its name in ctgrad-train's -Dtrain_activations. This case proves each of
// those follows from the line, for every line; no name or count is written here.
BOOST_AUTO_TEST_CASE(each_registry_line_gives_its_list_entry_function_and_name) {
  const var<"x", double> x;
  std::vector<std::string_view> lines;
#define CTGRAD_TEST_REGISTRY_LINE(id)                                                                          \
  static_assert(std::is_same_v<decltype(ctgrad::id(x)), decltype(activate<fn::id>(x))>,                    \
                "ctgrad::" #id "(x) must be activate<fn::" #id ">(x)");                                       \
  static_assert(std::is_same_v<typename decltype(ctgrad::id(x))::op, ops::fn_op<fn::id>>,                    \
                "ctgrad::" #id "(x) must build an fn_op<fn::" #id "> node");                                  \
  lines.push_back(#id);
  CTGRAD_ACTIVATIONS(CTGRAD_TEST_REGISTRY_LINE)
#undef CTGRAD_TEST_REGISTRY_LINE
  // The list holds the lines' structs in the lines' order, each named by its line (the tool looks a
  // model up by this name and compiles fn::<name>), and no name twice.
  const auto names = activation_names();
  BOOST_TEST(std::vector<std::string_view>(names.begin(), names.end()) == lines, boost::test_tools::per_element());
  std::size_t visited = 0;
  for_each_type<activation_list>([&]<class F>() {
    BOOST_TEST_CONTEXT("activation_list[" << visited << "]") {
      BOOST_REQUIRE(visited < lines.size());
      BOOST_TEST(F::name == lines[visited]);
    }
    ++visited;
  });
  BOOST_TEST(visited == lines.size());
  BOOST_TEST(activation_count == lines.size());
  static_assert(detail::names_unique<activation_list>);
}

// The names users type: ctgrad-train's defaults (--activation=relu,sigmoid, meson_options.txt) and the
// -Dtrain_activations command of docs/training.md, and the checkpoints named <checkpoint>.<name>.ckpt. A
// rename of one of these breaks users' commands and files, so it is a decision, not a side effect of
// editing a struct's docs strings. (Every other name is only checked to be unique and to match its line.)
BOOST_AUTO_TEST_CASE(names_users_type_into_the_tool_stay_pytorchs) {
  const auto names = activation_names();
  for (std::string_view used : {"relu", "sigmoid", "tanh", "gelu", "silu", "elu"})
    BOOST_TEST(std::find(names.begin(), names.end(), used) != names.end(), used << " is not in the registry");
}

BOOST_AUTO_TEST_CASE(parameters_have_pytorchs_names_and_defaults) {
  BOOST_TEST(fn::leaky_relu::params[0].name == "negative_slope");
  BOOST_TEST(fn::leaky_relu::params[0].default_value == 0.01);
  BOOST_TEST(fn::elu::params[0].name == "alpha");
  BOOST_TEST(fn::elu::params[0].default_value == 1.0);
  BOOST_TEST(fn::celu::params[0].default_value == 1.0);
  BOOST_TEST(fn::hardtanh::params[0].name == "min_val");
  BOOST_TEST(fn::hardtanh::params[0].default_value == -1.0);
  BOOST_TEST(fn::hardtanh::params[1].name == "max_val");
  BOOST_TEST(fn::hardtanh::params[1].default_value == 1.0);
  BOOST_TEST(fn::softplus::params[0].name == "beta");
  BOOST_TEST(fn::softplus::params[0].default_value == 1.0);
  BOOST_TEST(fn::softplus::params[1].name == "threshold");
  BOOST_TEST(fn::softplus::params[1].default_value == 20.0);
}

// Definitions missing a piece, or whose value cannot run at compile time, are not activations.
struct without_d2 {
  static constexpr std::string_view name = "x", formula = "x", derivative = "1", range = "(-inf, inf)",
                                    kink_convention = "none";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true, uses_value_in_derivative = false;
  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T> static constexpr T value(T x) noexcept { return x; }
  template <class T> static constexpr T d1(T, T) noexcept { return T(1); }
  static long double reference(long double x) { return x; }
  static long double reference_d1(long double) { return 1; }
};
struct complete : without_d2 {
  template <class T> static constexpr T d2(T, T) noexcept { return T(0); }
};
struct runtime_only_value : complete {
  template <class T> static T value(T x) noexcept { return std::exp(x); }
};
struct throwing_d1 : complete {
  template <class T> static constexpr T d1(T, T) { return T(1); }
};
struct three_params : complete {
  static constexpr std::array<param_info, 3> params{{{"a", 1}, {"b", 2}, {"c", 3}}};
};

BOOST_AUTO_TEST_CASE(activation_fn_rejects_incomplete_definitions) {
  BOOST_TEST(activation_fn<complete>);
  BOOST_TEST(!activation_fn<without_d2>);
  BOOST_TEST(!activation_fn<runtime_only_value>);
  BOOST_TEST(!activation_fn<throwing_d1>);
  BOOST_TEST(!activation_fn<three_params>);
  BOOST_TEST(!(is_valid_activation_registry<type_list<fn::relu, fn::relu>>()));  // duplicate names
  BOOST_TEST((is_valid_activation_registry<type_list<fn::relu, complete>>()));
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE math
#include <boost/test/unit_test.hpp>

#include "ctgrad/core/math.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>

namespace m = ctgrad::math;

namespace {

// ---- ulp error against a long double reference ---------------------------------------------------
template <class T> long double ulp_at(long double ref) {
  int e = 0;
  std::frexp(ref, &e);  // |ref| = f 2^e, f in [0.5, 1)
  const int lowest = std::numeric_limits<T>::min_exponent - std::numeric_limits<T>::digits;
  return std::ldexp(1.0L, std::max(e - std::numeric_limits<T>::digits, lowest));
}

// Error of y in ulps of T at the reference; a result that must be NaN/inf counts as exact only if it is.
template <class T> double ulp_error(T y, long double ref) {
  if (std::isnan(ref)) return std::isnan(y) ? 0.0 : 1e30;
  const long double rounded = static_cast<long double>(static_cast<T>(ref));
  if (std::isinf(rounded)) return static_cast<long double>(y) == rounded ? 0.0 : 1e30;
  if (std::isnan(y)) return 1e30;
  return static_cast<double>(std::fabs(static_cast<long double>(y) - ref) / ulp_at<T>(ref));
}

struct range { long double lo, hi; bool log_spaced; };
struct worst { double ulps = 0; long double at = 0; };

// Max ulp error of f vs ref over `points` points per range (linear or log spaced, endpoints included).
template <class T, class F, class R> worst scan(F f, R ref, std::initializer_list<range> ranges, long points) {
  worst w;
  for (const range& r : ranges) {
    for (long i = 0; i <= points; ++i) {
      const long double t = static_cast<long double>(i) / points;
      const long double xl = r.log_spaced ? std::exp(std::log(r.lo) + (std::log(r.hi) - std::log(r.lo)) * t)
                                          : r.lo + (r.hi - r.lo) * t;
      const T x = static_cast<T>(xl);
      const double u = ulp_error<T>(f(x), ref(static_cast<long double>(x)));
      if (u > w.ulps) w = {u, static_cast<long double>(x)};
    }
  }
  return w;
}

template <class T> constexpr long points_per_range = sizeof(T) == 4 ? 200000 : 60000;

#define CTGRAD_CHECK_ULPS(T, fn, bound, ...)                                                              \
  do {                                                                                                    \
    const worst w = scan<T>([](T x) { return m::fn(x); }, [](long double x) { return std::fn(x); },      \
                            {__VA_ARGS__}, points_per_range<T>);                                          \
    BOOST_TEST_MESSAGE(#fn "<" #T ">: max " << w.ulps << " ulp at " << static_cast<double>(w.at));       \
    BOOST_TEST(w.ulps <= (bound), #fn "<" #T ">: " << w.ulps << " ulp at x = "                            \
                                       << static_cast<double>(w.at) << " exceeds " << (bound));           \
  } while (false)

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr float inff = std::numeric_limits<float>::infinity();
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr float qnanf = std::numeric_limits<float>::quiet_NaN();

template <class T> T opaque(T x) {  // defeats constant folding: the run-time path is tested
  volatile T v = x;
  return v;
}

}  // namespace

// ---- constant evaluation -----------------------------------------------------------------------
static_assert(m::exp(0.0) == 1.0 && m::exp(0.0f) == 1.0f, "exp(0) must be exactly 1 at compile time");
static_assert(m::log(1.0) == 0.0 && m::log(1.0f) == 0.0f, "log(1) must be exactly 0 at compile time");
static_assert(m::expm1(0.0) == 0.0 && m::log1p(0.0) == 0.0, "expm1(0) and log1p(0) must be 0");
static_assert(m::tanh(0.0) == 0.0 && m::erf(0.0f) == 0.0f, "tanh(0) and erf(0) must be 0");
static_assert(m::sqrt(4.0) == 2.0 && m::sqrt(2.0) == 1.4142135623730951, "sqrt must be correctly rounded");
static_assert(m::sqrt(2.0f) == 1.41421354f && m::sqrt(0x1p-1070) == 0x1p-535, "sqrt of float and of a subnormal");
static_assert(m::exp(1000.0) == inf && m::exp(-inf) == 0.0 && m::exp(-1000.0) == 0.0, "exp saturates");
static_assert(m::log(0.0) == -inf && m::log(inf) == inf, "log of 0 and inf");
static_assert(m::tanh(inff) == 1.0f && m::tanh(-inf) == -1.0 && m::erf(-inf) == -1.0, "tanh/erf saturate");
static_assert(m::log(-1.0) != m::log(-1.0), "log of a negative number is NaN at compile time too");
static_assert(m::exp(1.0) > 2.718281828459045 && m::exp(1.0) <= 2.7182818284590455, "exp(1) within 1 ulp");
static_assert(m::erf(0.5) > 0.5204998778130464 && m::erf(0.5) < 0.5204998778130467, "erf(0.5) within 1 ulp");
static_assert(m::exp(1.0L) > 2.7182818284590452L && m::exp(1.0L) < 2.7182818284590453L, "long double exp");

// Run-time results equal the compile-time ones (same code; contraction into FMA could differ by
// rounding, so the comparison is exact only when the compiler does not contract, i.e. GCC in ISO mode).
BOOST_AUTO_TEST_CASE(constexpr_results_match_run_time_results) {
  constexpr double xs[] = {-3.7, -0.3, 1e-8, 0.4, 0.9, 1.7, 2.5, 5.0, 30.0};
  constexpr double cexp[] = {m::exp(xs[0]), m::exp(xs[1]), m::exp(xs[2]), m::exp(xs[3]), m::exp(xs[4]),
                             m::exp(xs[5]), m::exp(xs[6]), m::exp(xs[7]), m::exp(xs[8])};
  constexpr double ctanh[] = {m::tanh(xs[0]), m::tanh(xs[1]), m::tanh(xs[2]), m::tanh(xs[3]), m::tanh(xs[4]),
                              m::tanh(xs[5]), m::tanh(xs[6]), m::tanh(xs[7]), m::tanh(xs[8])};
  constexpr double cerf[] = {m::erf(xs[0]), m::erf(xs[1]), m::erf(xs[2]), m::erf(xs[3]), m::erf(xs[4]),
                             m::erf(xs[5]), m::erf(xs[6]), m::erf(xs[7]), m::erf(xs[8])};
  constexpr double clog1p[] = {m::log1p(xs[1]), m::log1p(xs[2]), m::log1p(xs[3]), m::log1p(xs[8])};
  constexpr double clog[] = {m::log(xs[2]), m::log(xs[3]), m::log(xs[5]), m::log(xs[8])};
  constexpr double csqrt[] = {m::sqrt(xs[2]), m::sqrt(xs[5]), m::sqrt(xs[8])};
  constexpr float cexpf = m::exp(-3.7f), cexpm1f = m::expm1(0.3f), ctanhf = m::tanh(0.7f), cerff = m::erf(1.3f);
  const double tol = 1.0;  // ulps allowed between the two paths when FMA contraction may differ
  for (int i = 0; i < 9; ++i) {
    BOOST_TEST(ulp_error<double>(m::exp(opaque(xs[i])), cexp[i]) <= tol, "exp at " << xs[i]);
    BOOST_TEST(ulp_error<double>(m::tanh(opaque(xs[i])), ctanh[i]) <= tol, "tanh at " << xs[i]);
    BOOST_TEST(ulp_error<double>(m::erf(opaque(xs[i])), cerf[i]) <= tol, "erf at " << xs[i]);
  }
  const int l1[] = {1, 2, 3, 8}, lg[] = {2, 3, 5, 8}, sq[] = {2, 5, 8};
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST(ulp_error<double>(m::log1p(opaque(xs[l1[i]])), clog1p[i]) <= tol);
    BOOST_TEST(ulp_error<double>(m::log(opaque(xs[lg[i]])), clog[i]) <= tol);
  }
  for (int i = 0; i < 3; ++i) BOOST_TEST(m::sqrt(opaque(xs[sq[i]])) == csqrt[i]);  // both correctly rounded
  BOOST_TEST(ulp_error<float>(m::exp(opaque(-3.7f)), cexpf) <= tol);
  BOOST_TEST(ulp_error<float>(m::expm1(opaque(0.3f)), cexpm1f) <= tol);
  BOOST_TEST(ulp_error<float>(m::tanh(opaque(0.7f)), ctanhf) <= tol);
  BOOST_TEST(ulp_error<float>(m::erf(opaque(1.3f)), cerff) <= tol);
}

// ---- accuracy on dense grids --------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(exp_is_within_1_5_ulp_up_to_overflow_and_into_subnormals) {
  CTGRAD_CHECK_ULPS(float, exp, 1.5, {-104, 89, false}, {-1, 1, false}, {1e-30L, 1, true}, {-88, -86, false});
  CTGRAD_CHECK_ULPS(double, exp, 1.5, {-746, 710, false}, {-1, 1, false}, {1e-300L, 1, true}, {705, 709.78L, false},
                    {-745, -700, false});
}

BOOST_AUTO_TEST_CASE(expm1_is_within_2_ulp_and_exact_near_zero) {
  CTGRAD_CHECK_ULPS(float, expm1, 2.0, {-25, 89, false}, {-1, 1, false}, {1e-30L, 1, true}, {-20, -1e-30L, false});
  CTGRAD_CHECK_ULPS(double, expm1, 2.0, {-45, 710, false}, {-1, 1, false}, {1e-300L, 1, true}, {-1, -1e-300L, false});
}

BOOST_AUTO_TEST_CASE(log_is_within_1_ulp_over_all_positive_numbers) {
  CTGRAD_CHECK_ULPS(float, log, 1.0, {1e-45L, 3.4e38L, true}, {0.5, 2, false}, {0.999, 1.001, false});
  CTGRAD_CHECK_ULPS(double, log, 1.0, {4.9e-324L, 1.79e308L, true}, {0.5, 2, false}, {0.999999, 1.000001, false});
}

BOOST_AUTO_TEST_CASE(log1p_is_within_1_ulp_near_zero_and_near_minus_one) {
  CTGRAD_CHECK_ULPS(float, log1p, 1.0, {1e-40L, 3e38L, true}, {-0.9999999L, 1, false}, {-1, -1e-30L, false});
  CTGRAD_CHECK_ULPS(double, log1p, 1.0, {1e-310L, 1e308L, true}, {-0.999999999999L, 1, false}, {-1, -1e-300L, false});
}

BOOST_AUTO_TEST_CASE(tanh_is_within_1_5_ulp_near_zero_and_in_saturation) {
  CTGRAD_CHECK_ULPS(float, tanh, 1.5, {-12, 12, false}, {1e-40L, 1, true}, {0.55, 0.75, false}, {8, 12, false});
  CTGRAD_CHECK_ULPS(double, tanh, 1.5, {-22, 22, false}, {1e-310L, 1, true}, {0.55, 0.75, false}, {17, 22, false});
}

BOOST_AUTO_TEST_CASE(erf_is_within_1_5_ulp_near_zero_and_in_the_tails) {
  CTGRAD_CHECK_ULPS(float, erf, 1.5, {-5, 5, false}, {1e-40L, 1, true}, {0.9, 2.2, false}, {3.5, 4.5, false});
  CTGRAD_CHECK_ULPS(double, erf, 1.5, {-7, 7, false}, {1e-310L, 1, true}, {0.9, 2.2, false}, {5.5, 6.5, false});
}

BOOST_AUTO_TEST_CASE(erfc_is_relatively_accurate_over_its_whole_range_including_the_far_tail) {
  CTGRAD_CHECK_ULPS(float, erfc, 1.5, {-5, 0.5, false});
  CTGRAD_CHECK_ULPS(double, erfc, 1.5, {-7, 0.5, false});
  // The tail down to underflow (x ~ 10 float, ~ 26.5 double): relative, not absolute, accuracy.
  CTGRAD_CHECK_ULPS(float, erfc, 5, {0.5, 9, false});
  CTGRAD_CHECK_ULPS(double, erfc, 8, {0.5, 26, false});
  BOOST_TEST(m::erfc(opaque(30.0)) == 0.0);
  BOOST_TEST(m::erfc(opaque(12.0f)) == 0.0f);
}

BOOST_AUTO_TEST_CASE(sqrt_is_correctly_rounded) {
  CTGRAD_CHECK_ULPS(float, sqrt, 0.5, {1e-45L, 3e38L, true});
  CTGRAD_CHECK_ULPS(double, sqrt, 0.5, {4.9e-324L, 1.7e308L, true});
}

// ---- special values (run-time path) ---------------------------------------------------------------
BOOST_AUTO_TEST_CASE(exp_and_expm1_give_inf_zero_and_minus_one_at_the_extremes) {
  BOOST_TEST(m::exp(opaque(89.0f)) == inff);
  BOOST_TEST(m::exp(opaque(710.0)) == inf);
  BOOST_TEST(m::exp(opaque(1e300)) == inf);
  BOOST_TEST(m::exp(opaque(inf)) == inf);
  BOOST_TEST(m::exp(opaque(-inf)) == 0.0);
  BOOST_TEST(m::exp(opaque(-1e300)) == 0.0);
  BOOST_TEST(m::exp(opaque(-104.0f)) == 0.0f);
  BOOST_TEST(m::exp(opaque(-745.0)) == 4.9406564584124654e-324);  // the smallest subnormal
  BOOST_TEST(m::exp(opaque(709.78)) < inf);
  BOOST_TEST(std::isnan(m::exp(opaque(qnan))));
  BOOST_TEST(std::isnan(m::exp(opaque(qnanf))));
  BOOST_TEST(m::expm1(opaque(-inf)) == -1.0);
  BOOST_TEST(m::expm1(opaque(-50.0f)) == -1.0f);
  BOOST_TEST(m::expm1(opaque(inff)) == inff);
  BOOST_TEST(m::expm1(opaque(1e-300)) == 1e-300);
  BOOST_TEST(std::signbit(m::expm1(opaque(-0.0))));
  BOOST_TEST(std::isnan(m::expm1(opaque(qnan))));
}

BOOST_AUTO_TEST_CASE(log_and_log1p_give_minus_inf_at_the_pole_and_nan_below) {
  BOOST_TEST(m::log(opaque(0.0)) == -inf);
  BOOST_TEST(m::log(opaque(-0.0f)) == -inff);
  BOOST_TEST(std::isnan(m::log(opaque(-1.0))));
  BOOST_TEST(std::isnan(m::log(opaque(-inff))));
  BOOST_TEST(m::log(opaque(inf)) == inf);
  BOOST_TEST(std::isnan(m::log(opaque(qnan))));
  BOOST_TEST(m::log(opaque(4.9406564584124654e-324)) == -744.44007192138126);
  BOOST_TEST(m::log1p(opaque(-1.0)) == -inf);
  BOOST_TEST(m::log1p(opaque(-1.0f)) == -inff);
  BOOST_TEST(std::isnan(m::log1p(opaque(-1.5))));
  BOOST_TEST(m::log1p(opaque(inf)) == inf);
  BOOST_TEST(std::isnan(m::log1p(opaque(qnanf))));
  BOOST_TEST(m::log1p(opaque(1e-30f)) == 1e-30f);
  BOOST_TEST(std::signbit(m::log1p(opaque(-0.0))));
}

BOOST_AUTO_TEST_CASE(tanh_and_erf_saturate_to_plus_minus_one_and_keep_the_sign_of_zero) {
  BOOST_TEST(m::tanh(opaque(inf)) == 1.0);
  BOOST_TEST(m::tanh(opaque(-inff)) == -1.0f);
  BOOST_TEST(m::tanh(opaque(1e4)) == 1.0);
  BOOST_TEST(m::tanh(opaque(-1e4f)) == -1.0f);
  BOOST_TEST(std::signbit(m::tanh(opaque(-0.0))));
  BOOST_TEST(std::isnan(m::tanh(opaque(qnan))));
  BOOST_TEST(m::erf(opaque(inf)) == 1.0);
  BOOST_TEST(m::erf(opaque(-inff)) == -1.0f);
  BOOST_TEST(m::erf(opaque(-1e4)) == -1.0);
  BOOST_TEST(std::signbit(m::erf(opaque(-0.0f))));
  BOOST_TEST(std::isnan(m::erf(opaque(qnanf))));
  BOOST_TEST(m::erfc(opaque(-inf)) == 2.0);
  BOOST_TEST(m::erfc(opaque(inff)) == 0.0f);
  BOOST_TEST(std::isnan(m::erfc(opaque(qnan))));
}

BOOST_AUTO_TEST_CASE(sqrt_and_helpers_handle_signed_zero_and_nan) {
  BOOST_TEST(std::signbit(m::sqrt(opaque(-0.0))));
  BOOST_TEST(std::isnan(m::sqrt(opaque(-1.0f))));
  BOOST_TEST(m::sqrt(opaque(inf)) == inf);
  BOOST_TEST(m::abs(opaque(-0.0)) == 0.0);
  BOOST_TEST(!std::signbit(m::abs(opaque(-0.0))));
  BOOST_TEST(m::abs(opaque(-2.5f)) == 2.5f);
  BOOST_TEST(m::copysign(opaque(3.0), -0.0) == -3.0);
  BOOST_TEST(m::copysign(opaque(-3.0f), 1.0f) == 3.0f);
  BOOST_TEST(m::max(opaque(1.0), 2.0) == 2.0);
  BOOST_TEST(m::min(opaque(1.0f), 2.0f) == 1.0f);
  BOOST_TEST(std::isnan(m::max(opaque(qnan), 0.0)));  // NaN in x propagates (relu(NaN) stays NaN)
  BOOST_TEST(m::max(opaque(1.0), qnan) == 1.0);
  BOOST_TEST(m::select(opaque(1.0) > 0.0, 5.0, 7.0) == 5.0);
  BOOST_TEST(m::select(opaque(1.0f) < 0.0f, 5.0f, 7.0f) == 7.0f);
}

BOOST_AUTO_TEST_CASE(long_double_forwards_to_the_standard_library_at_run_time) {
  BOOST_TEST(m::exp(opaque(1.5L)) == std::exp(opaque(1.5L)));
  BOOST_TEST(m::erf(opaque(0.5L)) == std::erf(opaque(0.5L)));
  constexpr long double c = m::tanh(0.5L);
  BOOST_TEST(std::fabs(c - std::tanh(0.5L)) <= 4 * std::numeric_limits<long double>::epsilon());
  constexpr long double l = m::log1p(1e-10L);
  BOOST_TEST(std::fabs(l - std::log1p(1e-10L)) <= 4 * std::numeric_limits<long double>::epsilon() * 1e-10L);
}

// ---- math policies: scalar_math gives loop_math's results, bit for bit ------------------------------
namespace {
template <class T> bool same_bits(T a, T b) {
  return std::bit_cast<ctgrad::detail::math::uint_for<T>>(a) == std::bit_cast<ctgrad::detail::math::uint_for<T>>(b);
}
// Every function of both policies at x; counts the arguments where the bits differ.
template <class T> int policy_mismatches(T x) {
  using L = m::loop_math;
  using S = m::scalar_math;
  const T v = opaque(x);
  return !same_bits(L::exp(v), S::exp(v)) + !same_bits(L::expm1(v), S::expm1(v)) + !same_bits(L::log(v), S::log(v)) +
         !same_bits(L::log1p(v), S::log1p(v)) + !same_bits(L::tanh(v), S::tanh(v)) +
         !same_bits(L::erf(v), S::erf(v)) + !same_bits(L::erfc(v), S::erfc(v));
}
template <class T> void check_policies_agree() {
  using U = ctgrad::detail::math::uint_for<T>;
  int bad = 0;
  long tried = 0;
  // The special arguments, the edges of every branch of scalar_math, and their neighbours.
  const T lim = std::numeric_limits<T>::max(), tiny = std::numeric_limits<T>::denorm_min();
  const T edges[] = {T(0), -T(0), T(1), T(-1), T(0.625), T(-0.625), tiny, -tiny, std::numeric_limits<T>::min(),
                     lim, -lim, std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                     std::numeric_limits<T>::quiet_NaN(), T(-0.5), T(1e-30), T(-1e-30), T(0x1p-60), T(-0x1p-60),
                     ctgrad::detail::math::fp_traits<T>::exp_lo, ctgrad::detail::math::fp_traits<T>::exp_hi,
                     ctgrad::detail::math::fp_traits<T>::expm1_lo, ctgrad::detail::math::fp_traits<T>::tanh_sat,
                     -ctgrad::detail::math::fp_traits<T>::tanh_sat, ctgrad::detail::math::fp_traits<T>::exp_overflow};
  for (T e : edges)
    for (int step = -2; step <= 2; ++step) {
      const T x = step < 0 ? std::nextafter(e, -std::numeric_limits<T>::infinity())
                  : step > 0 ? std::nextafter(e, std::numeric_limits<T>::infinity()) : e;
      bad += policy_mismatches(x);
      ++tried;
    }
  // Bit patterns spread evenly over the whole encoding (both signs, subnormals, NaN payloads), then
  // a dense grid where the functions are used most.
  constexpr U patterns = 1u << 20;
  for (U i = 0; i < patterns; ++i, ++tried) bad += policy_mismatches(std::bit_cast<T>(U(i * (U(~U(0)) / patterns))));
  for (long i = -200000; i <= 200000; ++i, ++tried) bad += policy_mismatches(T(i) * T(1e-4));
  BOOST_TEST_MESSAGE(tried << " arguments");
  BOOST_TEST(bad == 0);
}
}  // namespace

BOOST_AUTO_TEST_CASE(scalar_math_gives_the_same_bits_as_loop_math_everywhere) {
  check_policies_agree<float>();
  check_policies_agree<double>();
  static_assert(m::scalar_math::exp(1.0) == m::exp(1.0) && m::scalar_math::log(2.0f) == m::log(2.0f),
                "scalar_math is usable in constant expressions, with the same results");
}

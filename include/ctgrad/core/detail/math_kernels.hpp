// ctgrad/core/detail/math_kernels.hpp — how ctgrad::math's functions are computed: the bit-level
// view of float and double, the minimax coefficients, the branch-free kernels and their scalar
// variants, the long double and constant-evaluation fallbacks, and the definitions of the functions
// core/math.hpp declares (their contracts are there). Included by core/math.hpp; not included alone.
#pragma once

#include "ctgrad/core/math.hpp"


namespace ctgrad::detail::math {

// ---- bit-level view of float/double ----------------------------------------------------------
template <class T> struct fp_traits;
template <> struct fp_traits<float> {
  using uint = std::uint32_t;
  static constexpr int mant_bits = 23;
  static constexpr uint bias = 127;
  static constexpr float round_magic = 12582912.0f;            // 0x1.8p23: x + magic rounds x to an integer
  static constexpr float ln2_hi = 0.693145751953125f;          // 15 significant bits: n * ln2_hi is exact
  static constexpr float ln2_lo = 1.42860682030941723212e-6f;
  static constexpr float log2e = 1.44269504088896340736f;
  static constexpr float exp_lo = -104.0f, exp_hi = 89.0f;      // clamp: e^x is 0 / inf beyond
  static constexpr float exp_overflow = 88.72283935546875f;     // largest x with finite e^x
  static constexpr float expm1_lo = -20.0f;                     // expm1(x) rounds to -1 below
  static constexpr float tanh_sat = 10.0f;                      // tanh(x) rounds to 1 beyond
  static constexpr float erf_sat = 4.0f;                        // erf(x) rounds to 1 beyond
  static constexpr float tiny = 0x1p-60f;                       // expm1(x) == x below
  static constexpr float scale_up = 0x1p23f;                    // makes a subnormal normal
};
template <> struct fp_traits<double> {
  using uint = std::uint64_t;
  static constexpr int mant_bits = 52;
  static constexpr uint bias = 1023;
  static constexpr double round_magic = 6755399441055744.0;     // 0x1.8p52
  static constexpr double ln2_hi = 6.93147180369123816490e-01;  // 32 significant bits
  static constexpr double ln2_lo = 1.90821492927058770002e-10;
  static constexpr double log2e = 1.44269504088896338700e+00;
  static constexpr double exp_lo = -746.0, exp_hi = 710.0;
  static constexpr double exp_overflow = 709.782712893383973096;
  static constexpr double expm1_lo = -40.0;
  static constexpr double tanh_sat = 20.0;
  static constexpr double erf_sat = 6.0;
  static constexpr double tiny = 0x1p-60;
  static constexpr double scale_up = 0x1p52;
};

template <class T> using uint_for = typename fp_traits<T>::uint;
template <class T> constexpr uint_for<T> to_bits(T x) noexcept { return std::bit_cast<uint_for<T>>(x); }
template <class T> constexpr T from_bits(uint_for<T> u) noexcept { return std::bit_cast<T>(u); }
template <class T> constexpr uint_for<T> sign_mask = uint_for<T>(1) << (sizeof(T) * 8 - 1);
template <class T> constexpr uint_for<T> mant_mask = (uint_for<T>(1) << fp_traits<T>::mant_bits) - 1;
template <class T> constexpr T inf_v = std::numeric_limits<T>::infinity();
template <class T> constexpr T nan_v = std::numeric_limits<T>::quiet_NaN();

// An unsigned integer u < 2^mant_bits as T, without an int -> float conversion instruction
// (int64 -> double has no AVX2 instruction, this keeps double loops vectorisable on x86-64-v3).
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T small_uint_to_fp(uint_for<T> u) noexcept {
  constexpr T two_m = T(uint_for<T>(1) << fp_traits<T>::mant_bits);
  return from_bits<T>(to_bits(two_m) | u) - two_m;
}

// Horner evaluation c[0] + x*(c[1] + x*(...)), unrolled at compile time so that the caller's loop
// has no inner loop (a condition for auto-vectorisation at -O2).
template <class T, std::size_t N, std::size_t... I>
CTGRAD_DETAIL_MATH_INLINE constexpr T horner_impl(T x, const T (&c)[N], std::index_sequence<I...>) noexcept {
  T acc = c[N - 1];
  ((acc = acc * x + c[N - 2 - I]), ...);
  return acc;
}
template <class T, std::size_t N> CTGRAD_DETAIL_MATH_INLINE constexpr T horner(T x, const T (&c)[N]) noexcept {
  return horner_impl(x, c, std::make_index_sequence<N - 1>{});
}
// ---- minimax coefficients (fitted with a Lawson/Remez iteration against mpmath at 50 digits) ----
// exp:   e^r = 1 + r + r^2 * P(r),             |r| <= ln2/2
// expm1: e^r - 1 = r + r^2/2 + r^3 * P(r),     |r| <= ln2/2
// log:   log(1+f) = 2s + s z P(z), s = f/(2+f), z = s^2 <= 0.0295
// tanh:  tanh(x) = x + x^3 P(x^2),             |x| < 0.625
// erf:   erf(x) = x + x P(x^2),                |x| < 1
// erfcx: e^(x^2) erfc(x) = P(x - c)            on [1,2] (c=1.5), [2,6] (c=4; erf only) and [2,2.3] (c=2.15; erfc) in double, [1,4] (c=2.5) in float
template <class T> struct coeffs;
template <> struct coeffs<double> {
  static constexpr double exp[] = {0.5000000000000013, 0.16666666666666696, 0.04166666666651523, 0.008333333333308778, 0.0013888888947049406, 0.0001984126991422396, 2.4801489918884502e-05, 2.7557218965372306e-06, 2.763128570367839e-07, 2.5117055315756373e-08};
  static constexpr double expm1[] = {0.16666666666666677, 0.041666666666666685, 0.00833333333332168, 0.0013888888888871527, 0.00019841269886014653, 2.4801587353336512e-05, 2.75572443154934e-06, 2.755724792029249e-07, 2.5109001100323046e-08, 2.092305121154975e-09};
  static constexpr double log[] = {0.6666666666666734, 0.3999999999941458, 0.28571428742411215, 0.22222198570594143, 0.1818356446926107, 0.15314046679190665, 0.14795990492363667};
  static constexpr double tanh[] = {-0.33333333333333315, 0.13333333333329742, -0.05396825396605863, 0.021869488468707787, -0.008863234312456782, 0.003592113998661254, -0.0014557259401890544, 0.0005894517651537153, -0.00023701163493883477, 9.155824228425927e-05, -3.018704768011492e-05, 6.042391403659047e-06};
  static constexpr double erf_small[] = {0.12837916709551257, -0.3761263890318375, 0.11283791670954858, -0.026866170645072913, 0.005223977624780991, -0.0008548326978747427, 0.00012055331037039794, -1.4925593509330622e-05, 1.6460972844265841e-06, -1.6350025407393398e-07, 1.4657880494314264e-08, -1.1365666520589536e-09, 5.945259798331334e-11};
  // erfcx on [1, 2] centred at 1.5: Chebyshev fit on [0.98, 2.02] (mpmath), relative error 6e-20 (the
  // previous 16 coefficients erred by up to 2.1 units of 2^-53 near 2).
  static constexpr double erfcx_1_2[] = {0.3215854164543175, -0.16362291773256007, 0.07615103985547737, -0.032930905299562635, 0.01337734095306984, -0.005145957547985809, 0.0018861348769113942, -0.0006619300663818332, 0.00022330994660007064, -7.265892276034457e-05, 2.286428826656896e-05, -6.974985599402252e-06, 2.0671204638307897e-06, -5.9611997187644e-07, 1.6700603844969107e-07, -4.5831134277839325e-08, 1.338147757954602e-08, -3.4986985157244403e-09};
  static constexpr double erfcx_2_6[] = {0.1369994576358231, -0.03238350605740377, 0.007465432698525205, -0.0016811857771649552, 0.00037034494467839133, -7.990703760331115e-05, 1.693988585295296e-05, -3.4472514932725503e-06, 7.618811637940665e-07, -1.5512774786175967e-07, -2.6905265657890216e-08, -6.056786705278552e-08, -2.952645120235197e-08, -1.0562934632308524e-08, -2.0124990431591902e-09, -1.9735497984680388e-10};
  // erfcx on [2, 2.3] (the continued fraction takes over at 2.3), centred at 2.15: Chebyshev fit on
  // [1.98, 2.32] (mpmath), relative error 6e-20. (A fit over [2, 6] centred at 4 erred by up to 10 units
  // of 2^-53 on [2, 2.3]: erfc 7.3 ulp there, gelu's left tail 9.8 ulp.)
  static constexpr double erfcx_2_23[] = {0.24026721104206, -0.09523015961465457, 0.035522367870552816, -0.012571379128644264, 0.004246951371923994, -0.0013761734715363192, 0.00042939281154143877, -0.00012942255817790913, 3.7782988234257025e-05, -1.0708263841693996e-05, 2.970181752656043e-06, -7.976144090872971e-07};
};
template <> struct coeffs<float> {
  static constexpr float exp[] = {5.000000000e-01f, 1.666651815e-01f, 4.166620597e-02f, 8.368887007e-03f, 1.395048224e-03f};
  static constexpr float expm1[] = {1.666666716e-01f, 4.166648164e-02f, 8.333282545e-03f, 1.393331331e-03f, 1.990968303e-04f};
  static constexpr float log[] = {6.666666269e-01f, 4.000033438e-01f, 2.853730619e-01f, 2.358222157e-01f};
  static constexpr float tanh[] = {-3.333333135e-01f, 1.333320588e-01f, -5.394675955e-02f, 2.170068771e-02f, -8.177360520e-03f, 2.142926678e-03f};
  static constexpr float erf_small[] = {1.283791671e-01f, -3.761262596e-01f, 1.128358543e-01f, -2.685381286e-02f, 5.188329145e-03f, -8.010199526e-04f, 7.853864372e-05f};
  static constexpr float erfcx_1_4[] = {2.108063400e-01f, -7.434938103e-02f, 2.492953278e-02f, -8.000187576e-03f, 2.520720707e-03f, -6.491583190e-04f, 2.236598084e-04f, -1.362287585e-04f, -5.779078128e-05f, -2.799650611e-05f};
};

// ---- implementations for float and double -----------------------------------------------------
// Out-of-range arguments are not clamped on entry: GCC threads the clamp's constant into the rest of
// the function and the resulting branches (with FP operations that may trap) are not if-converted,
// which stops vectorisation. The kernels compute garbage for such lanes and a select at the end
// replaces it; constant evaluation answers those arguments before reaching the kernels.


// 2^n for n = round(x / ln2) as two normal factors s1 * s2 (so that 2^n may be subnormal or 2^128),
// together with n as a floating value. `kd` is x * log2e + round_magic.
template <class T> struct pow2_split { T n, s1, s2; };
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr pow2_split<T> split_pow2(T kd) noexcept {
  using tr = fp_traits<T>;
  using U = uint_for<T>;
  // bits(kd) = bits(magic) + n exactly for |n| < 2^(mant_bits-1); u = n + 2*bias >= 0.
  const U u = to_bits(kd) - to_bits(tr::round_magic) + 2 * tr::bias;
  const U h = u >> 1;  // floor(n / 2) + bias
  return {kd - tr::round_magic, from_bits<T>(h << tr::mant_bits), from_bits<T>((u - h) << tr::mant_bits)};
}

// Each kernel is its main computation (the *_main functions), then the selects that answer the
// special arguments. The *_scalar variants (math::scalar_math, for one value at a time) branch to
// the main computation when the argument is ordinary and to the whole kernel otherwise: the same
// operations on the same values, so bit for bit the same results, without the selects' cost.

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T exp_main(T x) noexcept {
  using tr = fp_traits<T>;
  const auto [n, s1, s2] = split_pow2(x * tr::log2e + tr::round_magic);
  const T r = (x - n * tr::ln2_hi) - n * tr::ln2_lo;
  const T p = T(1) + (r + (r * r) * horner(r, coeffs<T>::exp));
  return p * s1 * s2;  // one rounding into the subnormal range; overflows to +inf when e^x does
}

// e^(x + x_lo) for |x_lo| <= ulp(x): x_lo is added to the reduced argument, where it is not lost (erfc's
// e^(-a^2) with a^2 split exactly; a factor (1 + x_lo) would cost one more rounding). Underflows to 0
// below exp_lo like exp_core; no overflow handling (callers pass x <= 0).
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T exp_lo_core(T x, T x_lo) noexcept {
  using tr = fp_traits<T>;
  const auto [n, s1, s2] = split_pow2(x * tr::log2e + tr::round_magic);
  const T r = ((x - n * tr::ln2_hi) - n * tr::ln2_lo) + x_lo;
  const T p = T(1) + (r + (r * r) * horner(r, coeffs<T>::exp));
  return ctgrad::math::select(x < tr::exp_lo, T(0), p * s1 * s2);
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T exp_core(T x) noexcept {
  using tr = fp_traits<T>;
  T y = exp_main(x);
  y = ctgrad::math::select(x > tr::exp_hi, inf_v<T>, y);
  return ctgrad::math::select(x < tr::exp_lo, T(0), y);  // a NaN x gives a NaN r, p and y
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T expm1_main(T x) noexcept {
  using tr = fp_traits<T>;
  using U = uint_for<T>;
  const T kd = x * tr::log2e + tr::round_magic;
  const T n = kd - tr::round_magic;
  const T r = (x - n * tr::ln2_hi) - n * tr::ln2_lo;
  const T r2 = r * r;
  const T q = r + (r2 * T(0.5) + (r2 * r) * horner(r, coeffs<T>::expm1));  // e^r - 1
  // t = 2^(n-1): n-1 lies in [-60, 1023] here, a normal exponent for float and double.
  const U e = to_bits(kd) - to_bits(tr::round_magic) + (tr::bias - 1);
  const T t = from_bits<T>(e << tr::mant_bits);
  // e^x - 1 = 2^n (q + 1) - 1 = 2 (t q + (t - 1/2)); t - 1/2 and the doubling are exact.
  return T(2) * (t * q + (t - T(0.5)));
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T expm1_core(T x) noexcept {
  using tr = fp_traits<T>;
  T y = expm1_main(x);
  y = ctgrad::math::select(ctgrad::math::abs(x) < tr::tiny, x, y);
  y = ctgrad::math::select(x > tr::exp_hi, inf_v<T>, y);
  return ctgrad::math::select(x < tr::expm1_lo, T(-1), y);  // keeps x (and -0.0) where q/2 could lose bits as a subnormal
}

// log(m) for m in [sqrt(1/2), sqrt(2)) given f = m - 1 (exact), plus k*ln2 and a correction c.
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T log_kernel(T f, T k, T c) noexcept {
  using tr = fp_traits<T>;
  const T s = f / (T(2) + f);
  const T z = s * s;
  const T hfsq = T(0.5) * f * f;
  const T rr = z * horner(z, coeffs<T>::log);
  return s * (hfsq + rr) + (k * tr::ln2_lo + c) - hfsq + f + k * tr::ln2_hi;
}

// Adding (1 - bits(sqrt(1/2))) to the bits moves the exponent boundary to sqrt(2): the exponent field
// is then k + bias with m = 2^-k * x in [sqrt(1/2), sqrt(2)).
template <class T> constexpr uint_for<T> sqrt_half_bits = to_bits(T(0.70710678118654752440L));

// log(xs) - k_extra * ln2 for a positive normal xs (k_extra: the exponent a subnormal was scaled by).
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T log_main(T xs, T k_extra) noexcept {
  using tr = fp_traits<T>;
  using U = uint_for<T>;
  const U ix = to_bits(xs) + (to_bits(T(1)) - sqrt_half_bits<T>);
  const T k = small_uint_to_fp<T>(ix >> tr::mant_bits) - (T(tr::bias) + k_extra);
  const T f = from_bits<T>((ix & mant_mask<T>) + sqrt_half_bits<T>) - T(1);
  return log_kernel(f, k, T(0));
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T log_core(T x) noexcept {
  using tr = fp_traits<T>;
  using U = uint_for<T>;
  const bool sub = x < from_bits<T>(U(1) << tr::mant_bits);  // subnormal (or zero / negative)
  const T xs = ctgrad::math::select(sub, x * tr::scale_up, x);
  T y = log_main(xs, ctgrad::math::select(sub, T(tr::mant_bits), T(0)));
  y = ctgrad::math::select(x == inf_v<T>, x, y);
  y = ctgrad::math::select(x == T(0), -inf_v<T>, y);
  y = ctgrad::math::select(x < T(0), nan_v<T>, y);
  return ctgrad::math::select(x != x, x, y);
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T log1p_main(T x) noexcept {
  using tr = fp_traits<T>;
  using U = uint_for<T>;
  const T u = T(1) + x;
  const U iu = to_bits(u) + (to_bits(T(1)) - sqrt_half_bits<T>);
  const T k = small_uint_to_fp<T>(iu >> tr::mant_bits) - T(tr::bias);  // u in [-1, inf): sign bit clear
  const bool k0 = k == T(0);
  // c ~ log(1+x) - log(u): the rounding error of u, relative to u (zero once it is below an ulp).
  T c = ctgrad::math::select(k >= T(2), T(1) - (u - x), x - (u - T(1)));
  c = ctgrad::math::select(k0, T(0), ctgrad::math::select(k > T(tr::mant_bits + 1), T(0), c / u));  // no ||: it would branch
  const T f = ctgrad::math::select(k0, x, from_bits<T>((iu & mant_mask<T>) + sqrt_half_bits<T>) - T(1));
  return log_kernel(f, k, c);
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T log1p_core(T x) noexcept {
  T y = log1p_main(x);
  y = ctgrad::math::select(x == inf_v<T>, x, y);
  y = ctgrad::math::select(x == T(-1), -inf_v<T>, y);
  y = ctgrad::math::select(x < T(-1), nan_v<T>, y);
  y = ctgrad::math::select(x == T(0), x, y);  // keeps -0.0
  return ctgrad::math::select(x != x, x, y);
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T tanh_small(T a) noexcept {
  const T z = a * a;
  return a + (a * z) * horner(z, coeffs<T>::tanh);
}
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T tanh_large(T e) noexcept { return T(1) - T(2) / (e + T(2)); }

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T tanh_core(T x) noexcept {
  using tr = fp_traits<T>;
  const T a = ctgrad::math::abs(x);
  const T small = tanh_small(a);
  T y = tanh_large(expm1_core(T(2) * a));
  y = ctgrad::math::select(a < T(0.625), small, y);
  y = ctgrad::math::select(a > tr::tanh_sat, T(1), y);
  return ctgrad::math::copysign(y, x);
}

// ---- the scalar variants (see above: the same results as the kernels, bit for bit) ----------
template <class T> CTGRAD_DETAIL_MATH_INLINE T exp_scalar(T x) noexcept {
  using tr = fp_traits<T>;
  if (x >= tr::exp_lo && x <= tr::exp_hi) [[likely]] return exp_main(x);
  return exp_core(x);
}
template <class T> CTGRAD_DETAIL_MATH_INLINE T expm1_scalar(T x) noexcept {
  using tr = fp_traits<T>;
  if (x >= tr::expm1_lo && x <= tr::exp_hi && ctgrad::math::abs(x) >= tr::tiny) [[likely]] return expm1_main(x);
  return expm1_core(x);
}
template <class T> CTGRAD_DETAIL_MATH_INLINE T log_scalar(T x) noexcept {
  using U = uint_for<T>;
  if (x >= from_bits<T>(U(1) << fp_traits<T>::mant_bits) && x < inf_v<T>) [[likely]] return log_main(x, T(0));
  return log_core(x);
}
template <class T> CTGRAD_DETAIL_MATH_INLINE T log1p_scalar(T x) noexcept {
  if (x > T(-1) && x < inf_v<T> && x != T(0)) [[likely]] return log1p_main(x);
  return log1p_core(x);
}
template <class T> CTGRAD_DETAIL_MATH_INLINE T tanh_scalar(T x) noexcept {
  const T a = ctgrad::math::abs(x);
  if (a < T(0.625)) return ctgrad::math::copysign(tanh_small(a), x);
  // 2a lies in expm1's ordinary range here, where expm1_core is expm1_main.
  if (a <= fp_traits<T>::tanh_sat) return ctgrad::math::copysign(tanh_large(expm1_main(T(2) * a)), x);
  return tanh_core(x);
}

template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T erf_core(T x) noexcept {
  using tr = fp_traits<T>;
  const T a = ctgrad::math::abs(x);
  const T ac = a;
  const T z = ac * ac;
  const T small = ac + ac * horner(z, coeffs<T>::erf_small);
  T erfcx;
  if constexpr (std::is_same_v<T, float>) {
    erfcx = horner(ac - 2.5f, coeffs<float>::erfcx_1_4);
  } else {
    // Both pieces are evaluated and the results blended: blending the coefficients instead lets GCC
    // rebuild a branch on the (constant) tables, which stops vectorisation.
    const double r12 = horner(ac - 1.5, coeffs<double>::erfcx_1_2);
    const double r26 = horner(ac - 4.0, coeffs<double>::erfcx_2_6);
    erfcx = ctgrad::math::select(ac < 2.0, r12, r26);
  }
  T y = T(1) - exp_core(-z) * erfcx;
  y = ctgrad::math::select(ac < T(1), small, y);
  y = ctgrad::math::select(ac > tr::erf_sat, T(1), y);
  return ctgrad::math::copysign(y, x);
}

// erfc(x) = 1 - erf(x) for x < 1 (erf(x) <= 0.85 there, so at most a few ulp are lost); beyond,
// e^(-x^2) * erfcx(x) with x^2 split exactly (Dekker) so that the exponential keeps full relative
// accuracy: erfcx is the minimax polynomial of erf_core up to 2 (float) / 2.3 (double) and a
// fixed-depth continued fraction 1/sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / ...))) above.
// Every piece is computed and blended, so a loop over erfc still vectorises.
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T erfc_core(T x) noexcept {
  constexpr bool is_float = std::is_same_v<T, float>;
  constexpr T split = is_float ? T(4097) : T(134217729);       // 2^12 + 1, 2^27 + 1
  // The polynomials are only relatively accurate below these (beyond, erf_core needs them absolutely).
  constexpr T poly_end = is_float ? T(2) : T(2.3);
  constexpr int cf_depth = is_float ? 24 : 48;
  constexpr T zero_beyond = is_float ? T(11) : T(27.5);         // erfc underflows to 0 beyond
  const T small = T(1) - erf_core(x);
  const T a = ctgrad::math::select(x < T(1), T(1), ctgrad::math::select(x > zero_beyond, zero_beyond, x));
  T erfcx_poly;
  if constexpr (is_float) {
    erfcx_poly = horner(a - 2.5f, coeffs<float>::erfcx_1_4);
  } else {
    const double r12 = horner(a - 1.5, coeffs<double>::erfcx_1_2);
    const double r26 = horner(a - 2.15, coeffs<double>::erfcx_2_23);
    erfcx_poly = ctgrad::math::select(a < 2.0, r12, r26);
  }
  T t = a;
#pragma GCC unroll 48
  for (int n = cf_depth; n > 0; --n) t = a + T(n) * T(0.5) / t;
  const T erfcx_cf = T(0.564189583547756286948079451560772586L) / t;
  const T erfcx = ctgrad::math::select(a < poly_end, erfcx_poly, erfcx_cf);
  // a^2 = hi + lo exactly.
  const T hi = a * a;
  const T c = split * a;
  const T a1 = c - (c - a);
  const T a2 = a - a1;
  const T lo = ((a1 * a1 - hi) + T(2) * a1 * a2) + a2 * a2;
  T y = exp_lo_core(-hi, -lo) * erfcx;
  y = ctgrad::math::select(x > zero_beyond, T(0), y);
  y = ctgrad::math::select(x < T(1), small, y);
  return ctgrad::math::select(x != x, x, y);
}

// ---- long double and constant-evaluation fallbacks ---------------------------------------------
// Plain series, used only for long double in constant expressions (no accuracy claim beyond ~1e-17).
constexpr long double ld_exp(long double x) noexcept {
  if (x != x) return x;
  if (x > 11357.0L) return std::numeric_limits<long double>::infinity();
  if (x < -11400.0L) return 0.0L;
  int k = 0;
  while (x > 0.125L || x < -0.125L) { x /= 2; ++k; }
  long double s = 0, t = 1;
  for (int i = 1; i < 30; ++i) { t *= x / i; s += t; }  // s = e^x - 1, squared back below
  for (int i = 0; i < k; ++i) s = s * (s + 2);
  return s + 1;
}
constexpr long double ld_expm1(long double x) noexcept {
  if (x > 0.5L || x < -0.5L) return ld_exp(x) - 1;
  long double s = 0, t = 1;
  for (int i = 1; i < 40; ++i) { t *= x / i; s += t; }
  return s;
}
constexpr long double ld_log(long double x) noexcept {
  if (x != x) return x;
  if (x < 0) return std::numeric_limits<long double>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<long double>::infinity();
  if (x == std::numeric_limits<long double>::infinity()) return x;
  int e = 0;
  while (x > 1.4142135623730950488L) { x /= 2; ++e; }
  while (x < 0.70710678118654752440L) { x *= 2; --e; }
  const long double z = (x - 1) / (x + 1), z2 = z * z;
  long double s = 0, p = z;
  for (int i = 1; i < 80; i += 2) { s += p / i; p *= z2; }
  return 2 * s + e * 0.693147180559945309417232121458176568L;
}
constexpr long double ld_log1p(long double x) noexcept {
  if (x != x || x > 0.25L || x < -0.25L) return ld_log(1 + x);
  const long double z = x / (2 + x), z2 = z * z;
  long double s = 0, p = z;
  for (int i = 1; i < 80; i += 2) { s += p / i; p *= z2; }
  return 2 * s;
}
constexpr long double ld_erf(long double x) noexcept {
  if (x != x) return x;
  const long double a = x < 0 ? -x : x;
  long double r;
  if (a > 6.5L) {
    r = 1;
  } else if (a < 2.5L) {  // Taylor series
    long double s = 0, t = a;
    for (int n = 0; n < 120; ++n) { s += t / (2 * n + 1); t *= -a * a / (n + 1); }
    r = s * 1.12837916709551257389615890312154517L;
  } else {  // erfc continued fraction (Lentz), converges fast for a >= 2.5
    long double f = a, c = a, d = 0;
    for (int n = 1; n < 200; ++n) {
      const long double an = n * 0.5L;
      d = a + an * d; d = 1 / d;
      c = a + an / c;
      f *= c * d;
    }
    r = 1 - ld_exp(-a * a) / f * 0.56418958354775628694807945156077259L;
  }
  return x < 0 ? -r : r;
}
constexpr long double ld_sqrt(long double x) noexcept {
  if (x != x || x < 0) return std::numeric_limits<long double>::quiet_NaN();
  if (x == 0 || x == std::numeric_limits<long double>::infinity()) return x;
  long double g = x > 1 ? x : 1;
  for (int i = 0; i < 20000; ++i) {
    const long double n = (g + x / g) / 2;
    if (n >= g) break;
    g = n;
  }
  return g;
}

// Correctly rounded square root by integer arithmetic, for constant evaluation (x > 0, finite).
__extension__ using uint128 = unsigned __int128;
template <class T> constexpr T ce_sqrt(T x) noexcept {
  using tr = fp_traits<T>;
  using U = uint_for<T>;
  const U b = to_bits(x);
  const int biased = int(b >> tr::mant_bits);
  uint128 m = b & mant_mask<T>;
  int e = biased == 0 ? 1 - int(tr::bias) - tr::mant_bits : biased - int(tr::bias) - tr::mant_bits;
  if (biased != 0) m |= uint128(1) << tr::mant_bits;
  while ((m >> tr::mant_bits) == 0) { m <<= 2; e -= 2; }  // normalise subnormals, keep e's parity
  if (e % 2 != 0) { m <<= 1; e -= 1; }
  constexpr int extra = 2 * (tr::mant_bits + 3) - tr::mant_bits;  // root gets >= mant_bits + 3 bits
  uint128 rad = m << (extra + (extra & 1));
  const int shift2 = extra + (extra & 1);  // even
  uint128 root = 0, bit = uint128(1) << 126;
  while (bit > rad) bit >>= 2;
  while (bit != 0) {
    if (rad >= root + bit) { rad -= root + bit; root = (root >> 1) + bit; } else { root >>= 1; }
    bit >>= 2;
  }
  const bool sticky = rad != 0;
  int len = 0;
  for (uint128 t = root; t != 0; t >>= 1) ++len;
  const int drop = len - (tr::mant_bits + 1);
  U q = U(root >> drop);
  const uint128 rem = root & ((uint128(1) << drop) - 1), half = uint128(1) << (drop - 1);
  if (rem > half || (rem == half && (sticky || (q & 1)))) ++q;
  // x = m 2^e, sqrt(x) = root 2^((e - shift2)/2) (truncated) = q 2^(drop + (e - shift2)/2)
  const int p = drop + (e - shift2) / 2;
  return T(q) * from_bits<T>(U(p + int(tr::bias)) << tr::mant_bits);
}

}  // namespace ctgrad::detail::math

namespace ctgrad::math {

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T abs(T x) noexcept {
  if constexpr (std::is_same_v<T, long double>) {
    return x < 0 ? -x : (x == 0 ? T(0) : x);  // NaN: returned as is
  } else {
    using namespace ctgrad::detail::math;
    return from_bits<T>(to_bits(x) & ~sign_mask<T>);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T copysign(T mag, T sgn) noexcept {
  if constexpr (std::is_same_v<T, long double>) {
    const bool neg = sgn < 0 || (sgn == 0 && T(1) / sgn < 0);
    return neg ? -abs(mag) : abs(mag);
  } else {
    using namespace ctgrad::detail::math;
    return from_bits<T>((to_bits(mag) & ~sign_mask<T>) | (to_bits(sgn) & sign_mask<T>));
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T select(bool cond, T a, T b) noexcept {
  if constexpr (std::is_same_v<T, long double>) {
    return cond ? a : b;
  } else {  // by bit masks: never turned into a branch
    using namespace ctgrad::detail::math;
    const uint_for<T> m = uint_for<T>(0) - uint_for<T>(cond);
    return from_bits<T>((to_bits(a) & m) | (to_bits(b) & ~m));
  }
}
template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T max(T x, T y) noexcept { return x < y ? y : x; }
template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T min(T x, T y) noexcept { return y < x ? y : x; }

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T exp(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    return std::is_constant_evaluated() ? d::ld_exp(x) : std::exp(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (x > d::fp_traits<T>::exp_overflow) return d::inf_v<T>;
      if (x < d::fp_traits<T>::exp_lo) return T(0);
    }
    return d::exp_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T expm1(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    return std::is_constant_evaluated() ? d::ld_expm1(x) : std::expm1(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (x > d::fp_traits<T>::exp_overflow) return d::inf_v<T>;
      if (x < d::fp_traits<T>::expm1_lo) return T(-1);
    }
    return d::expm1_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T log(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    return std::is_constant_evaluated() ? d::ld_log(x) : std::log(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (x < T(0)) return d::nan_v<T>;
    }
    return d::log_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T log1p(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    return std::is_constant_evaluated() ? d::ld_log1p(x) : std::log1p(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (x < T(-1)) return d::nan_v<T>;
      if (x == T(-1)) return -d::inf_v<T>;
      if (x == d::inf_v<T>) return x;
    }
    return d::log1p_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T tanh(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      const T a = abs(x);
      const T e = a > 40 ? T(0) : d::ld_expm1(-2 * a);  // tanh|x| = -e / (e + 2)
      return copysign(a > 40 ? T(1) : -e / (e + 2), x);
    }
    return std::tanh(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (abs(x) > d::fp_traits<T>::tanh_sat) return copysign(T(1), x);
    }
    return d::tanh_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T erf(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    return std::is_constant_evaluated() ? d::ld_erf(x) : std::erf(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (abs(x) > d::fp_traits<T>::erf_sat) return copysign(T(1), x);
    }
    return d::erf_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T erfc(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if constexpr (std::is_same_v<T, long double>) {
    return std::is_constant_evaluated() ? 1 - d::ld_erf(x) : std::erfc(x);
  } else {
    if (std::is_constant_evaluated()) {
      if (x != x) return x;
      if (x < -d::fp_traits<T>::erf_sat) return T(2);
    }
    return d::erfc_core(x);
  }
}

template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE constexpr T sqrt(T x) noexcept {
  namespace d = ctgrad::detail::math;
  if (std::is_constant_evaluated()) {
    if constexpr (std::is_same_v<T, long double>) {
      return d::ld_sqrt(x);
    } else {
      if (x != x) return x;
      if (x < T(0)) return d::nan_v<T>;
      if (x == T(0) || x == d::inf_v<T>) return x;
      return d::ce_sqrt(x);
    }
  }
  return std::sqrt(x);
}

}  // namespace ctgrad::math

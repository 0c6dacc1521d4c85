// Loops the auto-vectoriser must handle: compiled (not linked) by check_vectorised.sh, which asserts
// that the compiler reports every line marked `VEC(<name>)` as a vectorised loop. The trip count is a
// compile-time constant as in ctgrad's fused kernels; with a run-time count GCC 12 vectorises these
// loops at -O3 (its -O2 "very cheap" cost model refuses any loop that needs a scalar epilogue).
#include "ctgrad/core/math.hpp"

#define VEC(name)

namespace m = ctgrad::math;

void exp_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::exp(x[i]); }  VEC(exp float)
void exp_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::exp(x[i]); }  VEC(exp double)
void expm1_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::expm1(x[i]); }  VEC(expm1 float)
void expm1_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::expm1(x[i]); }  VEC(expm1 double)
void log_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::log(x[i]); }  VEC(log float)
void log_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::log(x[i]); }  VEC(log double)
void log1p_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::log1p(x[i]); }  VEC(log1p float)
void log1p_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::log1p(x[i]); }  VEC(log1p double)
void tanh_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::tanh(x[i]); }  VEC(tanh float)
void tanh_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::tanh(x[i]); }  VEC(tanh double)
void erf_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::erf(x[i]); }  VEC(erf float)
void erf_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::erf(x[i]); }  VEC(erf double)
void erfc_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::erfc(x[i]); }  VEC(erfc float)
void erfc_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::erfc(x[i]); }  VEC(erfc double)
// A fused chain as ctgrad emits it: gelu-like x * (1 + erf(x / sqrt 2)) / 2 and a tanh derivative.
void chain_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + m::erf(x[i] * 0.70710678f)); }  VEC(gelu chain float)
void chain_d(const double* __restrict x, double* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) { const double t = m::tanh(x[i]); y[i] = 1.0 - t * t; } }  VEC(tanh derivative double)
void select_f(const float* __restrict x, float* __restrict y) { constexpr int n = 1024; for (int i = 0; i < n; ++i) y[i] = m::max(x[i], 0.0f) + m::copysign(m::abs(x[i]), -1.0f); }  VEC(max abs copysign float)

// W2's limit: f and its gradient as plain double loops (see regression.hpp for f), written the
// way a careful user would without -ffast-math: the row dot products keep 16 independent partial
// sums, so g++ vectorises them without reassociating (a single running sum would stay scalar).
#include <array>
#include <cmath>

#include "regression.hpp"

namespace ctgrad_bench::w2 {
namespace {

// x . w over p entries: 16 lanes, then the lanes added in a fixed order.
inline double dot(const double* __restrict x, const double* __restrict w) noexcept {
  constexpr std::size_t L = 16;
  double lane[L] = {};
  std::size_t j = 0;
  for (; j + L <= p; j += L)
#pragma GCC unroll 16
    for (std::size_t k = 0; k < L; ++k) lane[k] += x[j + k] * w[j + k];
  for (std::size_t k = 0; j + k < p; ++k) lane[k] += x[j + k] * w[j + k];
  double s = 0;
  for (std::size_t k = 0; k < L; ++k) s += lane[k];
  return s;
}

// The gradient's last step, from gw = sum_i r_i x_i / sigma^2, ss = sum_i r_i^2 and sr = sum_i r_i:
// writes df/dw, df/db, df/dsigma to g and returns f.
inline double finish_gradient(const double* gw, double ss, double sr, const double* theta, double* g) {
  const double* w = theta;
  const double b = theta[p], sigma = theta[p + 1];
  const double inv_s2 = 1.0 / (sigma * sigma);
  double ww = 0;
  for (std::size_t j = 0; j < p; ++j) {
    ww += w[j] * w[j];
    g[j] = gw[j] - w[j];
  }
  g[p] = sr * inv_s2 - b;
  g[p + 1] = ss * inv_s2 / sigma - double(n) / sigma;
  return -0.5 * ss * inv_s2 - double(n) * std::log(sigma) - 0.5 * ww - 0.5 * b * b;
}

class hand final : public evaluator {
 public:
  explicit hand(const problem& pr) : X_(pr.X.data()), y_(pr.y.data()) {}

  double value(const double* theta) override {
    const double* w = theta;
    const double b = theta[p], sigma = theta[p + 1];
    double ss = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double r = y_[i] - dot(X_ + i * p, w) - b;
      ss += r * r;
    }
    double ww = 0;
    for (std::size_t j = 0; j < p; ++j) ww += w[j] * w[j];
    return -0.5 * ss / (sigma * sigma) - double(n) * std::log(sigma) - 0.5 * ww - 0.5 * b * b;
  }

  // df/dw = sum_i r_i x_i / sigma^2 - w, df/db = sum_i r_i / sigma^2 - b,
  // df/dsigma = sum_i r_i^2 / sigma^3 - n / sigma, with r_i = y_i - x_i . w - b.
  double gradient(const double* theta, double* g) override {
    const double* w = theta;
    const double b = theta[p], sigma = theta[p + 1];
    const double inv_s2 = 1.0 / (sigma * sigma);
    std::array<double, p> gw{};  // a local accumulator: no aliasing with X for the compiler to fear
    double ss = 0, sr = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double* x = X_ + i * p;
      const double r = y_[i] - dot(x, w) - b;
      ss += r * r;
      sr += r;
      const double a = r * inv_s2;
      for (std::size_t j = 0; j < p; ++j) gw[j] += a * x[j];  // the row is still in L1
    }
    return finish_gradient(gw.data(), ss, sr, theta, g);
  }

 private:
  const double* X_;
  const double* y_;
};

// The gradient as an expert would block it: the dot products of 8 rows, then those rows (still in
// L1) scaled and added to the gradient, 8 at a time, so that gw is loaded and stored once per 8 rows
// instead of once per row. The value is hand's.
class hand_blocked final : public evaluator {
 public:
  explicit hand_blocked(const problem& pr) : X_(pr.X.data()), y_(pr.y.data()), plain_(pr) {}

  double value(const double* theta) override { return plain_.value(theta); }

  double gradient(const double* theta, double* g) override {
    const double* w = theta;
    const double b = theta[p], sigma = theta[p + 1];
    const double inv_s2 = 1.0 / (sigma * sigma);
    constexpr std::size_t B = 8;
    static_assert(n % B == 0);
    std::array<double, p> gw{};
    double ss = 0, sr = 0;
    for (std::size_t i0 = 0; i0 < n; i0 += B) {
      const double* x = X_ + i0 * p;
      double a[B];
      for (std::size_t k = 0; k < B; ++k) {
        const double r = y_[i0 + k] - dot(x + k * p, w) - b;
        ss += r * r;
        sr += r;
        a[k] = r * inv_s2;
      }
      for (std::size_t j = 0; j < p; ++j) {
        double s = gw[j];
#pragma GCC unroll 8
        for (std::size_t k = 0; k < B; ++k) s += a[k] * x[k * p + j];
        gw[j] = s;
      }
    }
    return finish_gradient(gw.data(), ss, sr, theta, g);
  }

 private:
  const double* X_;
  const double* y_;
  hand plain_;
};

}  // namespace

std::unique_ptr<evaluator> make_hand(const problem& pr) { return std::make_unique<hand>(pr); }
std::unique_ptr<evaluator> make_hand_blocked(const problem& pr) { return std::make_unique<hand_blocked>(pr); }

}  // namespace ctgrad_bench::w2

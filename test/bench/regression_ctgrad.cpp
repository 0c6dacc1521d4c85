// W2 with ctgrad: f written with ctgrad's ops (matmul of X by the vector w, the scalar b
// broadcast over the rows, square, sum, log of the scalar sigma), one compiled program for the
// value and one for compile(grad(f, w, b, sigma)), whose matmul(X, w) and transpose(X)·e run as one
// pass over X (docs/design.md, "Matrix-vector pairs"). In its own translation unit, compiled once
// for the benchmark and the test.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "ctgrad/ctgrad.hpp"
#include "regression.hpp"

// ctgrad_apart: the same program with the matrix-vector pair not fused (the knob ctgrad's tests
// use), so that the benchmark shows what the one-pass gradient gains, side by side.
namespace ctgrad::detail {
template <> inline constexpr bool fuse_matvec_pairs<var<"X_apart", double, shape<ctgrad_bench::w2::n, ctgrad_bench::w2::p>>> = false;
}  // namespace ctgrad::detail

namespace ctgrad_bench::w2 {
namespace {

using namespace ctgrad;
constexpr var<"y", double, shape<n>> y;
constexpr var<"w", double, shape<p>> w;
constexpr var<"b", double> b;
constexpr var<"sigma", double> sigma;

// f = -sum((y - (X w + b))^2) / (2 sigma^2) - n log(sigma) - sum(w^2) / 2 - b^2 / 2
template <class XV> constexpr auto make_f(XV X) {
  const auto r = y - (matmul(X, w) + b);
  return -0.5 * sum(square(r)) / square(sigma) - double(n) * log(sigma) - 0.5 * sum(square(w)) -
         0.5 * square(b);
}

using X_fused = var<"X", double, shape<n, p>>;
using X_apart = var<"X_apart", double, shape<n, p>>;

template <class XV> class ctgrad_eval final : public evaluator {
  static constexpr XV X{};
  static constexpr auto f = make_f(X);
  static constexpr auto df = grad(f, w, b, sigma);

 public:
  explicit ctgrad_eval(const problem& pr) : X_(pr.X), y_(pr.y) {}

  double value(const double* theta) override {
    const absl::Status st = value_.run(X = X_, y = y_, w = std::span<const double>(theta, p),
                                       b = theta[p], sigma = theta[p + 1]);
    return st.ok() ? value_.template get<0>().item() : fail(st);
  }

  double gradient(const double* theta, double* g) override {
    const absl::Status st = grad_.run(X = X_, y = y_, w = std::span<const double>(theta, p),
                                      b = theta[p], sigma = theta[p + 1]);
    if (!st.ok()) return fail(st);
    const auto dw = grad_[df[w]];
    std::copy(dw.data, dw.data + p, g);
    g[p] = grad_[df[b]].item();
    g[p + 1] = grad_[df[sigma]].item();
    return grad_[f].item();
  }

 private:
  [[noreturn]] static double fail(const absl::Status& st) {
    // The extents are compile-time constants that match the data: a failure is a bug here.
    std::fprintf(stderr, "W2 ctgrad: %s\n", std::string(st.message()).c_str());
    std::abort();
  }

  std::span<const double> X_, y_;
  decltype(compile(f)) value_ = compile(f);
  decltype(compile(df)) grad_ = compile(df);
};

static_assert(decltype(compile(grad(make_f(X_fused{}), w, b, sigma)))::fuses_matvec_pair);
static_assert(!decltype(compile(grad(make_f(X_apart{}), w, b, sigma)))::fuses_matvec_pair);

}  // namespace

std::unique_ptr<evaluator> make_ctgrad(const problem& pr) { return std::make_unique<ctgrad_eval<X_fused>>(pr); }
std::unique_ptr<evaluator> make_ctgrad_apart(const problem& pr) {
  return std::make_unique<ctgrad_eval<X_apart>>(pr);
}

}  // namespace ctgrad_bench::w2

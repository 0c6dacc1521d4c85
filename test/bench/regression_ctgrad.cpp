// W2 with ctgrad: f written with ctgrad's ops (matmul of X by the vector w, the scalar b
// broadcast over the rows, square, sum, log of the scalar sigma), one compiled program for the
// value and one for compile(grad(f, w, b, sigma)). In its own translation unit, compiled once for
// the benchmark and the test.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "ctgrad/ctgrad.hpp"
#include "regression.hpp"

namespace ctgrad_bench::w2 {
namespace {

using namespace ctgrad;
constexpr var<"X", double, shape<n, p>> X;
constexpr var<"y", double, shape<n>> y;
constexpr var<"w", double, shape<p>> w;
constexpr var<"b", double> b;
constexpr var<"sigma", double> sigma;

// f = -sum((y - (X w + b))^2) / (2 sigma^2) - n log(sigma) - sum(w^2) / 2 - b^2 / 2
constexpr auto make_f() {
  const auto r = y - (matmul(X, w) + b);
  return -0.5 * sum(square(r)) / square(sigma) - double(n) * log(sigma) - 0.5 * sum(square(w)) -
         0.5 * square(b);
}
constexpr auto f = make_f();
constexpr auto df = grad(f, w, b, sigma);

class ctgrad_eval final : public evaluator {
 public:
  explicit ctgrad_eval(const problem& pr) : X_(pr.X), y_(pr.y) {}

  double value(const double* theta) override {
    const absl::Status st = value_.run(X = X_, y = y_, w = std::span<const double>(theta, p),
                                       b = theta[p], sigma = theta[p + 1]);
    return st.ok() ? value_.get<0>().item() : fail(st);
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

}  // namespace

std::unique_ptr<evaluator> make_ctgrad(const problem& pr) { return std::make_unique<ctgrad_eval>(pr); }

}  // namespace ctgrad_bench::w2

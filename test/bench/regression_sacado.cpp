// W2 with Sacado's reverse mode Rad (Sacado::Rad::ADvar<double>, the header-only Sacado_trad.hpp):
// every call records f from fresh independent variables (X and y are plain doubles), then
// Gradcomp() sweeps the recording backwards; the adjoints are read with adj(). Forward mode
// (SFad<double, 152>) would carry 152 partials through each of ~2 n p operations: not sensible here.
// Compiled with -w (Sacado's headers warn under C++20).
#include <Sacado_trad.hpp>

#include <vector>

#include "regression.hpp"

namespace ctgrad_bench::w2 {
namespace {

using ad = Sacado::Rad::ADvar<double>;

class sacado_rad_eval final : public evaluator {
 public:
  explicit sacado_rad_eval(const problem& pr) : X_(pr.X.data()), y_(pr.y.data()), theta_(dim) {}

  double value(const double* theta) override {
    const double f = record(theta).val();
    ad::Gradcomp(0);  // drop the recording without a backward sweep
    return f;
  }

  double gradient(const double* theta, double* g) override {
    const double f = record(theta).val();
    ad::Gradcomp();
    for (std::size_t k = 0; k < dim; ++k) g[k] = theta_[k].adj();
    return f;
  }

 private:
  ad record(const double* theta) {
    for (std::size_t k = 0; k < dim; ++k) theta_[k] = theta[k];  // new independent variables
    const ad* w = theta_.data();
    const ad& b = theta_[p];
    const ad& sigma = theta_[p + 1];
    ad ss = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      ad z = 0.0;
      for (std::size_t j = 0; j < p; ++j) z += X_[i * p + j] * w[j];
      const ad r = y_[i] - z - b;
      ss += r * r;
    }
    ad ww = 0.0;
    for (std::size_t j = 0; j < p; ++j) ww += w[j] * w[j];
    return -0.5 * ss / (sigma * sigma) - double(n) * log(sigma) - 0.5 * ww - 0.5 * b * b;
  }

  const double* X_;
  const double* y_;
  std::vector<ad> theta_;
};

}  // namespace

std::unique_ptr<evaluator> make_sacado_rad(const problem& pr) { return std::make_unique<sacado_rad_eval>(pr); }

}  // namespace ctgrad_bench::w2

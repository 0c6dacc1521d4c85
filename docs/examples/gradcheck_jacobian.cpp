// docs/gradcheck.md, "Forward mode, Jacobians and Hessian-vector products": check_jvp,
// check_jacobian and check_hvp on tensor graphs, and check_jacobian_vector on a plain callable.
// Returns non-zero if a check does not pass.
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"

namespace {
// Prints why a check did not pass; true if it passed.
bool report_ok(const absl::StatusOr<ctgrad::check::report>& r) {
  if (!r.ok()) std::puts(r.status().ToString().c_str());
  else if (!r->passed) std::puts(r->to_string().c_str());
  return r.ok() && r->passed;
}
}  // namespace

int main() {
  using namespace ctgrad;
  namespace check = ctgrad::check;

  // [graph]
  var<"x", float, shape<3>> x;
  var<"A", float, shape<4, 3>> A;
  auto F = tanh(matmul(A, x)) * sum(x * x);   // [4] from [3], a float graph
  std::vector<float> xv{0.5f, -0.25f, 0.75f}, dx{1.0f, -0.5f, 0.25f};
  std::vector<float> av{-0.625f, -0.5f, -0.375f, -0.25f, -0.125f, 0.0f, 0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f};
  auto r1 = check::check_jvp(F, check::wrt(x), dx, x = xv, A = av);     // jvp(F, x, dx): 4 outputs
  auto r2 = check::check_jacobian(F, check::wrt(x), x = xv, A = av);    // jacobian(F, x): 4 x 3 entries
  auto r3 = check::check_hvp(sum(F), check::wrt(x), x = xv, A = av);    // hvp(sum(F), x, v)
  // [graph]
  if (!report_ok(r1) || !report_ok(r2) || !report_ok(r3)) return 1;

  // [engine]
  auto G = [](std::span<const double> y, std::span<double> out) {   // G: R^2 -> R^2
    out[0] = std::sin(y[0] * y[1]);
    out[1] = std::exp(y[0]) + y[1];
  };
  std::vector<double> y{0.5, 2.0}, dy{1.0, -1.0};
  std::vector<double> jv{std::cos(1.0) * (2.0 - 0.5), std::exp(0.5) - 1.0};   // J dy, worked by hand
  auto r4 = check::check_jacobian_vector(G, y, dy, jv, check::dtype::f64);
  // [engine]
  if (!report_ok(r4)) return 1;
  std::printf("%s%s%s%s", r1->to_string().c_str(), r2->to_string().c_str(), r3->to_string().c_str(),
              r4->to_string().c_str());
  return 0;
}

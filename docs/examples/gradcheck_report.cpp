// docs/gradcheck.md, "Reading a report": report::to_string() of a failing check (a derivative with
// the wrong sign from x = 1 on) and of a passing float check with weak comparisons. The expected
// text below is the page's: returns non-zero if a report reads otherwise.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ctgrad/check/gradcheck.hpp"

namespace {
namespace check = ctgrad::check;

bool failed = false;

// Compares a report's text with the expected one (a raw string that starts with a line break, so
// that its lines stand in this file as the page shows them).
void expect(const absl::StatusOr<check::report>& r, bool passes, std::string_view want) {
  want.remove_prefix(1);
  if (!r.ok()) {
    std::printf("error: %s\n", r.status().ToString().c_str());
    failed = true;
  } else if (r->passed != passes || r->to_string() != want) {
    std::printf("report differs from docs/gradcheck.md:\n%s--- expected:\n%.*s", r->to_string().c_str(),
                static_cast<int>(want.size()), want.data());
    failed = true;
  }
}

double square(double x) { return x * x; }
double wrong_twice(double x) { return x < 1 ? 2 * x : -2 * x; }  // the sign is wrong from x = 1 on

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
// sigmoid' as a float graph computes it: y (1 - y) with y = sigmoid(x) in float.
double sigmoid_d1_f32(double x) {
  const float y = 1 / (1 + std::exp(-static_cast<float>(x)));
  return static_cast<double>(y * (1 - y));
}
}  // namespace

int main() {
  // x^2 against a derivative whose sign is wrong from x = 1 on: fails at 1 and 2.
  const std::vector<double> points = {-1.5, 0.25, 1.0, 2.0};
  expect(check::check_derivative(square, wrong_twice, points, check::dtype::f64), false, R"(
gradient check FAILED: 4 checked (per-element, analytic f64), 2 failed, 0 skipped at kinks, 0 weak; max abs err 8, max rel err 2, rtol 1e-07; seed 0x5eed
  variable[index]                 input       analytic        numeric    err.est    abs.err    rel.err        tol  kink.dist  status
  x[2]                                1             -2              2   1.43e-10   4.00e+00   2.00e+00   2.01e-07        inf  FAILED
  x[3]                                2             -4              4   2.86e-10   8.00e+00   2.00e+00   4.01e-07        inf  FAILED
  x[1]                             0.25            0.5            0.5   8.94e-12   1.64e-12   3.28e-12   5.00e-08        inf  passed
  x[0]                             -1.5             -3             -3   4.81e-10   4.44e-16   1.48e-16   3.02e-07        inf  passed
)");

  // sigmoid' in float passes, but at 8 and 12 the float rule's tolerance is too wide to have caught
  // a relative error of 1e-3: the report says so (weak).
  const std::vector<double> float_points = {-4, -1, 0, 1, 4, 8, 12};
  expect(check::check_derivative(sigmoid, sigmoid_d1_f32, float_points, check::dtype::f32), true, R"(
gradient check passed: 7 checked (per-element, analytic f32), 0 failed, 0 skipped at kinks, 2 weak; max abs err 5.47e-08, max rel err 0.00883, rtol 3.81e-06; seed 0x5eed
  weak: passed with a tolerance (rounding of f or of the analytic dtype) too wide to have caught a relative error of 1e-3
  variable[index]                 input       analytic        numeric    err.est    abs.err    rel.err        tol  kink.dist  status
  x[6]                               12   6.198845e-06   6.144139e-06   1.19e-11   5.47e-08   8.83e-03   1.91e-06        inf  passed (weak)
  x[4]                                4     0.01766273     0.01766271   4.92e-11   2.76e-08   1.56e-06   1.94e-06        inf  passed
  x[5]                                8   0.0003352233   0.0003352377   2.50e-11   1.44e-08   4.29e-05   1.91e-06        inf  passed (weak)
  x[1]                               -1      0.1966119      0.1966119   3.85e-11   7.62e-09   3.88e-08   1.26e-06        inf  passed
  x[0]                               -4     0.01766271     0.01766271   1.76e-12   3.60e-10   2.04e-08   1.02e-07        inf  passed
)");
  return failed ? 1 : 0;
}

// docs/gradcheck.md, "Checking your own graphs": check_gradients on a scalar graph and on a tensor
// graph, and check_second_order. Returns non-zero if a check does not pass.
#include <cstdio>
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

  // [scalar]
  var<"a", float> a;
  var<"b", float> b;
  auto f = sigmoid(a * b) + softplus(a, 2.0f, 10.0f);   // a float graph
  auto r1 = check::check_gradients(f, check::wrt(a, b), a = 0.75f, b = -1.5f);
  // [scalar]
  if (!report_ok(r1)) return 1;

  // [tensor]
  var<"x", double, shape<dyn, 3>> x;   // data, not checked
  var<"w", double, shape<3>> w;
  var<"y", int, shape<dyn>> y;
  auto loss = cross_entropy(relu(x * w), y);   // kinks of relu(...) at 0: see "Kinks" below
  std::vector<double> xv{0.5, -1.0, 2.0, 1.5, 0.25, -0.75}, wv{0.3, -0.6, 0.9};
  std::vector<int> yv{2, 0};
  auto r2 = check::check_gradients(loss, check::wrt(w), x = xv, w = wv, y = yv);
  // [tensor]
  if (!report_ok(r2)) return 1;

  // [second]
  auto r3 = check::check_second_order(f, check::wrt(a, b), a = 0.75f, b = -1.5f);
  // [second]
  if (!report_ok(r3)) return 1;
  std::printf("%s%s%s", r1->to_string().c_str(), r2->to_string().c_str(), r3->to_string().c_str());
  return 0;
}

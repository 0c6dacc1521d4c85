// The forward mode and the second derivatives of issue 23 checked by the numeric checker
// (ctgrad/check/graph.hpp): jvp, hvp and jacobian of every activation of ctgrad::activation_list on a
// small vector, and jvp and hvp of the MLP loss (cross_entropy of a 2-layer tanh / relu MLP) in the
// first weight matrix, each in float and double. The analytic side is the operator evaluated in the
// graph's type, the numeric side Ridders' derivatives of the same graph in double.
#define BOOST_TEST_MODULE second_order_check
#include <random>
#include <string>
#include <vector>

#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"
#include "ctgrad/fn/registry.hpp"

using namespace ctgrad;
namespace check = ctgrad::check;

namespace {

// Points clear of every activation's kinks at the default parameters (0, ±1, ±3, 6, 20) by far more
// than a stencil; one in each region of the piecewise ones.
constexpr double points[] = {-3.5, -1.25, -0.375, 0.625, 1.5, 4.25};
constexpr double tangent[] = {1.0, -0.5, 0.75, 2.0, -1.25, 0.25};
constexpr double weights[] = {0.5, -1.5, 1.0, 0.75, 2.0, -0.25};

// The report's summary line, logged (--log_level=message) so that a run shows what was compared.
void log_summary(const std::string& what, const absl::StatusOr<check::report>& r) {
  if (r.ok()) BOOST_TEST_MESSAGE(what << ": " << r->to_string().substr(0, r->to_string().find('\n')));
}

template <class T> std::vector<T> of(const double (&a)[6]) { return std::vector<T>(a, a + 6); }

// jvp(act(x), x, dx), jacobian(act(x), x) and hvp(sum(act(x) * c), x, v) of activation F in type T.
template <class F, class T> void check_activation() {
  const var<"x", T, shape<6>> x;
  const var<"c", T, shape<6>> c;  // data: makes the Hessian's diagonal entries differ
  const std::vector<T> xv = of<T>(points), dx = of<T>(tangent), cv = of<T>(weights);
  const std::string what = std::string(F::name) + (std::is_same_v<T, float> ? " f32" : " f64");
  const auto jv = check::check_jvp(activate<F>(x), check::wrt(x), dx, x = xv);
  BOOST_TEST(check::passed(jv), what << " jvp: " << check::failure_message(jv));
  if (jv.ok()) BOOST_TEST(jv->checked == 6u, what);
  log_summary(what + " jvp", jv);
  const auto jac = check::check_jacobian(activate<F>(x), check::wrt(x), x = xv);
  BOOST_TEST(check::passed(jac), what << " jacobian: " << check::failure_message(jac));
  if (jac.ok()) BOOST_TEST(jac->checked == 36u, what);
  log_summary(what + " jacobian", jac);
  const auto hv = check::check_hvp(sum(activate<F>(x) * c), check::wrt(x), x = xv, c = cv);
  BOOST_TEST(check::passed(hv), what << " hvp: " << check::failure_message(hv));
  if (hv.ok()) BOOST_TEST(hv->checked == 6u, what);
  log_summary(what + " hvp", hv);
}

// A batch x[4, 6] -> 5 (Act) -> 3 -> cross_entropy, in type T: jvp and hvp in W1.
template <class T, class Act> void check_mlp(Act act, const std::string& what) {
  var<"x", T, shape<dyn, 6>> x;
  var<"W1", T, shape<6, 5>> W1;
  var<"b1", T, shape<5>> b1;
  var<"W2", T, shape<5, 3>> W2;
  var<"b2", T, shape<3>> b2;
  var<"y", int, shape<dyn>> y;
  const auto loss = cross_entropy(matmul(act(matmul(x, W1) + b1), W2) + b2, y);
  std::mt19937 rng(11);
  std::normal_distribution<double> nd;
  std::vector<T> xv(24), w1(30), bb1(5), w2(15), bb2(3), dw(30);
  for (auto* v : {&xv, &w1, &bb1, &w2, &bb2, &dw})
    for (auto& e : *v) e = static_cast<T>(nd(rng));
  const std::vector<int> yv{0, 2, 1, 2};
  const auto jv = check::check_jvp(loss, check::wrt(W1), dw, x = xv, W1 = w1, b1 = bb1, W2 = w2, b2 = bb2, y = yv);
  BOOST_TEST(check::passed(jv), what << " jvp: " << check::failure_message(jv));
  log_summary(what + " jvp", jv);
  const auto hv = check::check_hvp(loss, check::wrt(W1), x = xv, W1 = w1, b1 = bb1, W2 = w2, b2 = bb2, y = yv);
  BOOST_TEST(check::passed(hv), what << " hvp: " << check::failure_message(hv));
  if (hv.ok()) BOOST_TEST(hv->checked == 30u, what);
  log_summary(what + " hvp", hv);
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_activation_jvp_jacobian_and_hvp_in_double) {
  std::size_t n = 0;
  for_each_type<activation_list>([&]<class F>() { check_activation<F, double>(); ++n; });
  BOOST_TEST(n == activation_count);
}

BOOST_AUTO_TEST_CASE(every_activation_jvp_jacobian_and_hvp_in_float) {
  std::size_t n = 0;
  for_each_type<activation_list>([&]<class F>() { check_activation<F, float>(); ++n; });
  BOOST_TEST(n == activation_count);
}

BOOST_AUTO_TEST_CASE(mlp_loss_jvp_and_hvp_in_the_first_weights) {
  check_mlp<double>([](const auto& h) { return tanh(h); }, "tanh MLP f64");
  check_mlp<float>([](const auto& h) { return tanh(h); }, "tanh MLP f32");
  check_mlp<double>([](const auto& h) { return relu(h); }, "relu MLP f64");
  check_mlp<float>([](const auto& h) { return relu(h); }, "relu MLP f32");
}

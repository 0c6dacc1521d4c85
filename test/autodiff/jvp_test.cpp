// Tests for ctgrad/autodiff/jvp.hpp: forward mode. jvp(f, x, dx) equals grad(f, x) dx on scalar
// graphs (every elementwise op and activation kind), matches central differences of f along dx on
// tensor graphs through every non-elementwise op (matmul, transpose, reductions, broadcasting,
// softmax, log_softmax, cross_entropy, binary cross-entropy), evaluates in constant expressions,
// is zero for a function that does not use x, and composes (grad of a jvp, jvp of a grad).
#define BOOST_TEST_MODULE jvp
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <string_view>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
var<"a", double> a;
var<"b", double> b;
var<"t", double> t;

// Fills vectors with normal draws from a fixed seed.
void fill(std::mt19937& rng, std::initializer_list<std::vector<double>*> vs, double scale = 1.0) {
  std::normal_distribution<double> nd(0.0, scale);
  for (auto* v : vs)
    for (auto& e : *v) e = nd(rng);
}

// The largest |analytic - central difference| of the program output Out along direction d of the
// data x (the program is rerun at x +- h d by run(); Tan is the tangent output).
template <class Prog, class Run, class Out, class Tan>
double max_jvp_error(Prog& prog, Run run, const Out& out, const Tan& tan, std::vector<double>& x,
                     const std::vector<double>& d, double& scale) {
  run();
  const std::vector<double> analytic(prog[tan].begin(), prog[tan].end());
  const std::vector<double> x0 = x;
  const double h = 1e-6;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = x0[i] + h * d[i];
  run();
  const std::vector<double> fp(prog[out].begin(), prog[out].end());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = x0[i] - h * d[i];
  run();
  const std::vector<double> fm(prog[out].begin(), prog[out].end());
  x = x0;
  BOOST_TEST_REQUIRE(analytic.size() == fp.size());
  double err = 0;
  scale = 0;
  for (std::size_t i = 0; i < analytic.size(); ++i) {
    err = std::max(err, std::abs(analytic[i] - (fp[i] - fm[i]) / (2 * h)));
    scale = std::max(scale, std::abs(analytic[i]));
  }
  return err;
}
}  // namespace

namespace jvp_test_ops {  // named: clang flags an unused name in an unnamed namespace
// A user's op whose rules make a literal of their own (the 3.0): jvp derives tangents on types and
// reads their literal values from f and dx, which do not hold this one, so it takes them by value.
// (Such a literal's id can clash with a literal of f outside the op's subtree, as in
// sum(cube(v) * 2.0): then the value is wrong, with this fallback as before it. Built-in rules make
// no literals; docs/contributing.md.)
struct cube_op : ops::elementwise_op {
  static constexpr std::string_view name = "cube";
  template <class T> static constexpr T apply(T v) noexcept { return v * v * v; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    auto v = s.template child<0>();
    return g * (v * v) * 3.0;
  }
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dv) {
    return vjp<I>(s, dv);
  }
};
}  // namespace jvp_test_ops
using jvp_test_ops::cube_op;

BOOST_AUTO_TEST_SUITE(jvp_suite)

BOOST_AUTO_TEST_CASE(scalar_jvps_evaluate_in_constant_expressions) {
  // d/da a^3 = 3a^2 = 12 at 2, along the direction 2a = 4.
  static_assert(value_at(jvp(a * a * a, a, 2.0 * a), a = 2.0) == 48.0);
  // The tangent of a function that does not use the variable is zero.
  static_assert(value_at(jvp(b * b, a, 1.0 * b), a = 1.0, b = 3.0) == 0.0);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(every_elementwise_op_matches_grad_times_direction) {
  // Each term exercises one op's jvp rule (and its broadcast of the tangent).
  auto f = a + b - a * b + a / b - (-a) + exp(a) + log(b) + sqrt(b) + square(a) + abs(a - b) +
           pow(a, 3) + pow(b, -2) + stop_gradient(a) * a;
  const double av = 0.7, bv = 1.3, dv = -0.45;
  const double fwd = value_at(jvp(f, a, dv * b / b), a = av, b = bv);
  const double rev = value_at(grad(f, a), a = av, b = bv) * dv;
  BOOST_TEST(fwd == rev, tt::tolerance(1e-14));
  const double fwd_b = value_at(jvp(f, b, dv * a / a), a = av, b = bv);
  const double rev_b = value_at(grad(f, b), a = av, b = bv) * dv;
  BOOST_TEST(fwd_b == rev_b, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(every_activation_kind_matches_grad_times_direction) {
  // Activations without parameters, with parameters, and with kinks (away from them).
  auto f = sigmoid(a * b) + tanh(a) * exp(0.1 * a) + relu(a - 0.2) + leaky_relu(a - 2.0, 0.05) +
           silu(a * b) + gelu(a) + elu(a - 1.0) + softplus(a * 2.0) + mish(b - a);
  for (double av : {-1.7, -0.3, 0.4, 2.5}) {
    const double fwd = value_at(jvp(f, a, 1.0 + 0.0 * b), a = av, b = 0.9);
    const double rev = value_at(grad(f, a), a = av, b = 0.9);
    BOOST_TEST(fwd == rev, tt::tolerance(1e-13));
  }
}

BOOST_AUTO_TEST_CASE(grad_of_a_jvp_and_jvp_of_a_grad) {
  auto f = sigmoid(a * b) * a + log(1.0 + a * a) * b;
  const double av = 0.35, bv = -0.8;
  // jvp(f, a, t) = f_a t is linear in the direction t: its gradient in t is f_a.
  BOOST_TEST(value_at(grad(jvp(f, a, 1.0 * t), t), a = av, b = bv, t = 2.0) ==
                 value_at(grad(f, a), a = av, b = bv),
             tt::tolerance(1e-14));
  // jvp of the gradient df/da along b's direction: the mixed second derivative f_ab.
  BOOST_TEST(value_at(jvp(grad(f, a), b, 1.0 + 0.0 * a), a = av, b = bv) ==
                 value_at(grad(grad(f, a), b), a = av, b = bv),
             tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(matmul_transpose_reductions_and_broadcasting_match_central_differences) {
  var<"x", double, shape<5, 4>> x;
  var<"W", double, shape<4, 3>> W;
  var<"v", double, shape<3>> v;
  var<"d", double, shape<5, 4>> d;
  // matrix·matrix, matrix·vector, transpose, a broadcast vector, sum/mean/max along both axes.
  auto h = tanh(matmul(x, W) + v);                               // [5, 3]
  auto F = sum<1>(h) * mean<1>(x) + sum<0>(transpose(mean<1, true>(x))) + max<1>(matmul(h, transpose(W))) +
           matmul(x, matmul(W, v)) + sum(h) + max(x);            // [5]
  auto T = jvp(F, x, d);
  static_assert(std::is_same_v<shape_t<decltype(T)>, shape<5>>);
  auto prog = compile(T, F);
  std::mt19937 rng(11);
  std::vector<double> xv(20), wv(12), vv(3), dv(20);
  fill(rng, {&xv, &wv, &vv, &dv});
  auto run = [&] { BOOST_REQUIRE(prog.run(x = xv, W = wv, v = vv, d = dv).ok()); };
  double scale = 0;
  const double err = max_jvp_error(prog, run, F, T, xv, dv, scale);
  BOOST_TEST(err <= 1e-8 * std::max(1.0, scale));
  // Along W as well (a tangent reaching matmul's right operand and transpose).
  var<"dW", double, shape<4, 3>> dW;
  auto TW = jvp(F, W, dW);
  auto pw = compile(TW, F);
  std::vector<double> dwv(12);
  fill(rng, {&dwv});
  auto runw = [&] { BOOST_REQUIRE(pw.run(x = xv, W = wv, v = vv, dW = dwv).ok()); };
  const double errw = max_jvp_error(pw, runw, F, TW, wv, dwv, scale);
  BOOST_TEST(errw <= 1e-8 * std::max(1.0, scale));
}

BOOST_AUTO_TEST_CASE(softmax_log_softmax_and_losses_match_central_differences) {
  var<"z", double, shape<dyn, 6>> z;
  var<"dz", double, shape<dyn, 6>> dz;
  var<"y", int, shape<dyn>> y;
  var<"p", double, shape<dyn, 6>> p;
  auto F = sum<1>(softmax(z) * p) + sum<1>(log_softmax(z)) + sum<1>(softmax<0>(z)) +
           binary_cross_entropy_with_logits<reduction::sum>(z, p) * 0.01 + cross_entropy(z, y);
  auto T = jvp(F, z, dz);
  auto prog = compile(T, F);
  std::mt19937 rng(5);
  std::vector<double> zv(4 * 6), dzv(4 * 6), pv(4 * 6);
  fill(rng, {&zv, &dzv}, 2.0);
  std::uniform_real_distribution<double> u(0.05, 0.95);
  for (auto& e : pv) e = u(rng);
  zv[3] = 30.0;  // a dominant class (log_softmax's accurate branch)
  std::vector<int> yv{0, 3, 5, 2};
  auto run = [&] { BOOST_REQUIRE(prog.run(z = zv, dz = dzv, y = yv, p = pv).ok()); };
  double scale = 0;
  const double err = max_jvp_error(prog, run, F, T, zv, dzv, scale);
  BOOST_TEST(err <= 1e-7 * std::max(1.0, scale));
}

BOOST_AUTO_TEST_CASE(a_rule_that_makes_a_literal_of_its_own_gets_its_value) {
  // d/da (a^3 + 0.5 a) along 2.5 a, at a = 2: (3 a^2 + 0.5) 2.5 a = 62.5
  static_assert(value_at(jvp(make_node<cube_op>(a) + 0.5 * a, a, 2.5 * a), a = 2.0) == 62.5);
  var<"v", double, shape<3>> v;
  var<"dv", double, shape<3>> dv;
  auto g = sum(make_node<cube_op>(v));  // the tensor path: compile()
  auto prog = compile(jvp(g, v, dv));
  BOOST_REQUIRE(prog.run(v = std::vector<double>{1.0, -2.0, 0.5}, dv = std::vector<double>{1.0, 1.0, 4.0}).ok());
  BOOST_TEST(prog.template get<0>()[0] == 3.0 * (1.0 + 4.0 + 0.25 * 4.0), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_tangent_that_arrives_through_a_broadcast_operand_takes_the_node_shape) {
  var<"A", double, shape<3, 4>> A;
  var<"s", double> s;
  var<"ds", double> ds;
  auto T = jvp(A + s * s, s, ds);   // only the scalar operand has a tangent: 2 s ds everywhere
  static_assert(std::is_same_v<shape_t<decltype(T)>, shape<3, 4>>);
  auto prog = compile(T);
  std::vector<double> av(12, 1.0);
  BOOST_REQUIRE(prog.run(A = av, s = 1.5, ds = -0.5).ok());
  for (double e : prog[T]) BOOST_TEST(e == 2 * 1.5 * -0.5);
}

BOOST_AUTO_TEST_CASE(mlp_loss_jvp_matches_the_gradient_along_the_direction) {
  var<"x", float, shape<dyn, 6>> x;
  var<"W1", float, shape<6, 5>> W1;
  var<"b1", float, shape<5>> b1;
  var<"W2", float, shape<5, 3>> W2;
  var<"y", int, shape<dyn>> y;
  var<"D", float, shape<6, 5>> D;
  auto loss = cross_entropy(matmul(relu(matmul(x, W1) + b1), W2), y);
  auto fwd = jvp(loss, W1, D);
  auto rev = sum(grad(loss, W1) * D);
  auto prog = compile(fwd, rev);
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  std::vector<float> xv(8 * 6), w1(30), bb1(5), w2(15), dv(30);
  for (auto* v : {&xv, &w1, &bb1, &w2, &dv})
    for (auto& e : *v) e = nd(rng);
  std::vector<int> yv{0, 1, 2, 0, 1, 2, 2, 1};
  BOOST_REQUIRE(prog.run(x = xv, W1 = w1, b1 = bb1, W2 = w2, y = yv, D = dv).ok());
  BOOST_TEST(prog[fwd].item() == prog[rev].item(), tt::tolerance(2e-5f));
}

BOOST_AUTO_TEST_SUITE_END()

// Tests for ctgrad/ops/elementwise.hpp: each op's value and derivative against hand-derived
// formulas, and NumPy broadcasting in compiled programs.
#define BOOST_TEST_MODULE elementwise
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
var<"a", double> a;
var<"b", double> b;

// ---- every CHECKED op of CTGRAD_ELEMENTWISE_OPS against the gradient checker ----------------------
// Children an op gives no gradient (powi_op's exponent) are bound to integers and not differentiated;
// the others take values in [0.55, 1.9] (log, sqrt and the divisor need positive values, abs and
// sign are away from their kink). The op is applied as it is, on vectors, so its broadcasting
// children and its rule are what the checker sees.
template <class Op, class T> constexpr int arity_v = requires { Op::apply(T(1), T(1)); } ? 2 : 1;
template <class Op, std::size_t I, class N> constexpr bool differentiable_child_v =
    !std::is_same_v<decltype(Op::template vjp<I>(N{}, N{})), no_grad>;

template <class Op, class T> void check_op_in() {
  var<"x0", T, shape<4>> x0;
  var<"x1", T, shape<4>> x1;
  const std::vector<T> smooth{T(0.55), T(1.3), T(0.8), T(1.9)}, other{T(1.7), T(0.6), T(1.15), T(0.9)};
  const std::vector<T> integers{T(2), T(3), T(-2), T(1)};
  if constexpr (arity_v<Op, T> == 1) {
    const auto f = sum(make_node<Op>(x0));
    CTGRAD_CHECK_GRADIENTS(check::check_gradients(f, check::wrt(x0), x0 = smooth));
  } else {
    using N = decltype(make_node<Op>(x0, x1));
    constexpr bool d0 = differentiable_child_v<Op, 0, N>, d1 = differentiable_child_v<Op, 1, N>;
    static_assert(d0 || d1, "a CHECKED op must give a gradient to a child; list it as RULE_ONLY");
    const auto f = sum(make_node<Op>(x0, x1));
    const auto& v0 = d0 ? smooth : integers;
    const auto& v1 = d1 ? other : integers;
    if constexpr (d0 && d1) CTGRAD_CHECK_GRADIENTS(check::check_gradients(f, check::wrt(x0, x1), x0 = v0, x1 = v1));
    else if constexpr (d0) CTGRAD_CHECK_GRADIENTS(check::check_gradients(f, check::wrt(x0), x0 = v0, x1 = v1));
    else CTGRAD_CHECK_GRADIENTS(check::check_gradients(f, check::wrt(x1), x0 = v0, x1 = v1));
  }
}
template <class Op, class T> void check_op() {
  BOOST_TEST_CONTEXT("op " << Op::name << " in " << (std::is_same_v<T, float> ? "float" : "double")) {
    check_op_in<Op, T>();
  }
}
template <class... Ops> void check_ops(type_list<Ops...>) {
  (check_op<Ops, double>(), ...);
  (check_op<Ops, float>(), ...);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE(every_checked_op_passes_the_gradient_checker) {
  check_ops(ops::checked_elementwise_ops{});
}

BOOST_AUTO_TEST_CASE(every_op_of_the_header_is_on_the_list) {
  // The structs deriving from elementwise_op in the header, read from its text, against the names
  // of CTGRAD_ELEMENTWISE_OPS: a new op cannot be left out of the gradient check by forgetting it.
  const auto path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "include" /
                    "ctgrad" / "ops" / "elementwise.hpp";
  std::ifstream in(path);
  BOOST_TEST_REQUIRE(in.good(), "cannot read " << path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> listed;
#define CTGRAD_TEST_NAME(op) listed.insert(#op);
  CTGRAD_ELEMENTWISE_OPS(CTGRAD_TEST_NAME, CTGRAD_TEST_NAME)
#undef CTGRAD_TEST_NAME
  const std::regex op_struct(R"(struct (\w+) : elementwise_op \{)");
  std::size_t found = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), op_struct); it != std::sregex_iterator(); ++it) {
    ++found;
    BOOST_TEST(listed.count((*it)[1].str()) == 1u,
               (*it)[1].str() << " derives from elementwise_op but is not in CTGRAD_ELEMENTWISE_OPS: add it "
                                 "as CHECKED (its derivative is its value's) or RULE_ONLY");
  }
  BOOST_TEST(found == listed.size());
}

BOOST_AUTO_TEST_CASE(arithmetic_values_and_gradients_match_hand_formulas) {
  const double av = 1.7, bv = -0.6;
  BOOST_TEST(value_at(a + b, a = av, b = bv) == av + bv);
  BOOST_TEST(value_at(a - b, a = av, b = bv) == av - bv);
  BOOST_TEST(value_at(a * b, a = av, b = bv) == av * bv);
  BOOST_TEST(value_at(a / b, a = av, b = bv) == av / bv);
  BOOST_TEST(value_at(-a, a = av) == -av);
  auto d = value_at(grad(a / b, a, b), a = av, b = bv);
  BOOST_TEST(d[0] == 1 / bv, tt::tolerance(1e-15));
  BOOST_TEST(d[1] == -av / (bv * bv), tt::tolerance(1e-15));
  auto m = value_at(grad(a * b - a, a, b), a = av, b = bv);
  BOOST_TEST(m[0] == bv - 1, tt::tolerance(1e-15));
  BOOST_TEST(m[1] == av, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(math_functions_values_and_gradients_match_hand_formulas) {
  const double x = 0.8;
  BOOST_TEST(value_at(exp(a), a = x) == std::exp(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(exp(a), a), a = x) == std::exp(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(log(a), a = x) == std::log(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(log(a), a), a = x) == 1 / x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(sqrt(a), a = x) == std::sqrt(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(sqrt(a), a), a = x) == 0.5 / std::sqrt(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(square(a), a), a = x) == 2 * x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(abs(a), a), a = -x) == -1.0);
  BOOST_TEST(value_at(grad(abs(a), a), a = 0.0) == 0.0);  // PyTorch: abs'(0) = 0
  BOOST_TEST(value_at(pow(a, 3), a = x) == x * x * x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(pow(a, 3), a), a = x) == 3 * x * x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(pow(a, -2), a), a = x) == -2 / (x * x * x), tt::tolerance(1e-14));
  BOOST_TEST(value_at(grad(grad(pow(a, 4), a), a), a = x) == 12 * x * x, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(bias_add_broadcasts_trailing_dimension_and_its_gradient_sums_rows) {
  var<"z", float, shape<dyn, 3>> z;
  var<"bias", float, shape<3>> bias;
  auto f = z + bias;
  auto loss = sum(f * f);
  auto g = grad(loss, bias);
  auto prog = compile(f, loss, g);
  std::vector<float> zv{1, 2, 3, 4, 5, 6}, bv{10, 20, 30};
  BOOST_TEST_REQUIRE(prog.run(z = zv, bias = bv).ok());
  auto out = prog[f];
  BOOST_TEST(out.rows == 2u);
  BOOST_TEST(out(1, 2) == 36.0f);
  BOOST_TEST(out(0, 0) == 11.0f);
  // d/dbias_j sum_i (z_ij + b_j)^2 = 2 sum_i (z_ij + b_j)
  auto gb = prog[g];
  BOOST_TEST(gb[0] == 2.0f * (11 + 14));
  BOOST_TEST(gb[2] == 2.0f * (33 + 36));
}

BOOST_AUTO_TEST_CASE(scalar_broadcasts_against_a_matrix) {
  var<"m", double, shape<2, 2>> m;
  var<"s", double> s;
  auto f = sum(m * s);
  auto g = grad(f, m, s);
  auto prog = compile(g);
  std::vector<double> mv{1, 2, 3, 4};
  BOOST_TEST_REQUIRE(prog.run(m = mv, s = 3.0).ok());
  BOOST_TEST(prog[f].item() == 30.0);
  BOOST_TEST(prog[g[s]].item() == 10.0);
  BOOST_TEST(prog[g[m]][3] == 3.0);
}

BOOST_AUTO_TEST_CASE(custom_gradient_has_the_value_of_one_and_the_derivatives_of_the_other) {
  // value: a^3; derivatives: those of b^2 (grad, jvp, second derivatives).
  const auto f = custom_gradient(a * a * a, b * b);
  BOOST_TEST(value_at(f, a = 2.0, b = 3.0) == 8.0);
  const auto g = value_at(grad(f, a, b), a = 2.0, b = 3.0);
  BOOST_TEST(g[0] == 0.0);
  BOOST_TEST(g[1] == 6.0);
  BOOST_TEST(value_at(jvp(f, b, 1.0 + 0.0 * b), a = 2.0, b = 3.0) == 6.0);
  const auto H = value_at(hessian(f, a, b), a = 2.0, b = 3.0);
  BOOST_TEST(H[1][1] == 2.0);
  BOOST_TEST(H[0][0] == 0.0);
  // A straight-through estimator in a compiled program: sign(x) forward, identity backward.
  var<"x", float, shape<4>> x;
  const auto ste = custom_gradient(x / abs(x), x);
  auto prog = compile(sum(ste * ste * 3.0f), grad(sum(ste * 3.0f), x));
  const std::vector<float> xv{-2.0f, -0.5f, 0.25f, 4.0f};
  BOOST_TEST_REQUIRE(prog.run(x = xv).ok());
  BOOST_TEST(prog.get<0>()[0] == 12.0f);
  for (int i = 0; i < 4; ++i) BOOST_TEST(prog.get<1>()[i] == 3.0f);
  // A number as the surrogate cuts the gradient, as stop_gradient.
  BOOST_TEST(value_at(grad(custom_gradient(a * b, 0.0) + a, a), a = 2.0, b = 5.0) == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()

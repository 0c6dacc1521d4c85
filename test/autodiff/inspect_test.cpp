// Tests for ctgrad/autodiff/inspect.hpp: describe() prints each distinct sub-expression once (shared
// ones are referred to by number), at compile time; to_dot() gives the same graph as DOT; the
// structural dependency and Hessian patterns are exact on functions whose patterns are known by hand
// (separable, chain-structured, bilinear, linear, stop_gradient, gradients, an MLP loss).
#define BOOST_TEST_MODULE inspect
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/nn/mlp.hpp"

using namespace ctgrad;

namespace {
const var<"a", double> a;
const var<"b", double> b;
const var<"c", double> c;

template <std::size_t N> std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// f(x) = sum_i sigmoid(x_i x_{i+1}) (i = 0..N-2): a chain, tridiagonal Hessian.
template <int I> using xv = var<indexed_name<'x', I + 1>(), double>;
template <std::size_t... I> constexpr auto chain(std::index_sequence<I...>) {
  return (sigmoid(xv<int(I)>{} * xv<int(I) + 1>{}) + ...);
}
template <std::size_t... I> constexpr auto separable(std::index_sequence<I...>) {
  return (tanh(xv<int(I)>{}) + ...);
}
template <class F, std::size_t... I> constexpr auto hessian_of(const F& f, std::index_sequence<I...>) {
  return hessian_pattern<xv<int(I)>...>(f);
}
}  // namespace

BOOST_AUTO_TEST_CASE(describe_prints_a_shared_subexpression_once_at_compile_time) {
  constexpr auto f = sigmoid(a * b) + a * b;
  // The whole text is a compile-time constant.
  static_assert(describe(f).view() ==
                "%0 = var a : double\n"
                "%1 = var b : double\n"
                "%2 = mul(%0, %1) : double\n"
                "%3 = sigmoid(%2) : double\n"
                "%4 = add(%3, %2) : double\n"
                "out %4\n");
  BOOST_TEST(describe(f).size() == describe(f).view().size());
}

BOOST_AUTO_TEST_CASE(describe_shows_tensor_shapes_literals_and_several_outputs) {
  const var<"x", float, shape<dyn, 3>> x;
  const var<"w", float, shape<3>> w;
  const auto y = sum(x * w) * 0.5f;
  const auto text = std::string(describe(y, x * w).view());
  BOOST_TEST(text.find("var x : float[dyn, 3]") != std::string::npos, text);
  BOOST_TEST(text.find("var w : float[3]") != std::string::npos, text);
  BOOST_TEST(text.find("literal #0 : float") != std::string::npos, text);
  BOOST_TEST(count<0>(text, "mul(") == 2u, text);  // x * w once, and the product with 0.5
  // Two outputs: the sum's product and x * w, which is also inside the first.
  BOOST_TEST(text.find("out %5 %2") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(describe_of_a_gradient_shows_the_adjoint_expressions_compile_computes) {
  const auto f = a * b + exp(a);
  const auto text = std::string(describe(grad(f, a, b)).view());
  // f, df/da = b + exp(a), df/db = a: exp(a) is one node used by f and by df/da.
  BOOST_TEST(count<0>(text, "exp(") == 1u, text);
  BOOST_TEST(count<0>(text, "\nout ") + (text.rfind("out ", 0) == 0) == 1u, text);
  BOOST_TEST(text.find("grad(") == std::string::npos, text);  // expanded, not lazy
}

BOOST_AUTO_TEST_CASE(to_dot_has_a_node_per_distinct_expression_and_an_edge_per_use) {
  const auto f = sigmoid(a * b) + a * b;
  const std::string dot = to_dot(f);
  BOOST_TEST(dot.rfind("digraph ctgrad {", 0) == 0u);
  BOOST_TEST(count<0>(dot, "[label=") == 5u + 4u, dot);  // 5 nodes, 4 of the 5 edges labelled (binary ops)
  BOOST_TEST(count<0>(dot, " -> ") == 5u, dot);          // a,b -> mul; mul -> sigmoid; sigmoid,mul -> add
  BOOST_TEST(count<0>(dot, "n2 -> ") == 2u, dot);        // the shared product feeds two parents
  BOOST_TEST(count<0>(dot, "peripheries=2") == 1u, dot);
  static_assert(dot_v<decltype(f)>.view().ends_with("}\n"));
}

BOOST_AUTO_TEST_CASE(depends_on_follows_derivatives_not_just_occurrence) {
  constexpr auto f = a * b + stop_gradient(c) * a;
  static_assert(depends_on_v<decltype(f), decltype(a)>);
  static_assert(depends_on_v<decltype(f), decltype(b)>);
  static_assert(!depends_on_v<decltype(f), decltype(c)>);  // c occurs, but no derivative flows from it
  // df/db = a: depends on a, not on b; df/da = b + stop_gradient(c).
  const auto g = grad(f, a, b);
  constexpr auto jp = jacobian_pattern<decltype(a), decltype(b), decltype(c)>(g);
  static_assert(jp.size() == 3);  // f, df/da, df/db
  static_assert(jp[0][0] && jp[0][1] && !jp[0][2]);
  static_assert(!jp[1][0] && jp[1][1] && !jp[1][2]);
  static_assert(jp[2][0] && !jp[2][1] && !jp[2][2]);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(hessian_pattern_of_a_chain_is_tridiagonal_and_of_a_separable_function_diagonal) {
  constexpr std::size_t n = 8;
  constexpr auto hc = hessian_of(chain(std::make_index_sequence<n - 1>{}), std::make_index_sequence<n>{});
  constexpr auto hs = hessian_of(separable(std::make_index_sequence<n>{}), std::make_index_sequence<n>{});
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t d = i > j ? i - j : j - i;
      BOOST_TEST(hc[i][j] == (d <= 1), "chain (" << i << ", " << j << ")");
      BOOST_TEST(hs[i][j] == (i == j), "separable (" << i << ", " << j << ")");
      nonzero += hc[i][j];
    }
  BOOST_TEST(nonzero == 3 * n - 2);  // of n * n = 64 entries
}

BOOST_AUTO_TEST_CASE(hessian_pattern_knows_linear_and_bilinear_ops) {
  constexpr auto lin = hessian_pattern<decltype(a), decltype(b)>(2.0 * a - b + a);
  static_assert(!lin[0][0] && !lin[0][1] && !lin[1][0] && !lin[1][1]);
  constexpr auto bil = hessian_pattern<decltype(a), decltype(b)>(a * b + a);
  static_assert(!bil[0][0] && bil[0][1] && bil[1][0] && !bil[1][1]);
  constexpr auto sq = hessian_pattern<decltype(a), decltype(b)>(a * a + b);
  static_assert(sq[0][0] && !sq[0][1] && !sq[1][0] && !sq[1][1]);
  constexpr auto cut = hessian_pattern<decltype(a), decltype(b)>(exp(a) * stop_gradient(exp(b)));
  static_assert(cut[0][0] && !cut[0][1] && !cut[1][1]);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(an_mlp_loss_depends_on_every_parameter_block) {
  using M = nn::mlp<fn::relu, float, 4, 3, 2>;
  constexpr auto jp = std::apply([](auto... p) { return jacobian_pattern<decltype(p)...>(M::loss()); }, M::parameters());
  static_assert(jp.size() == 1 && jp[0].size() == 4);
  static_assert(jp[0][0] && jp[0][1] && jp[0][2] && jp[0][3]);
  constexpr auto hp = std::apply([](auto... p) { return hessian_pattern<decltype(p)...>(M::loss()); }, M::parameters());
  // b2 enters the logits linearly, but softmax bends them: every block pair may interact.
  static_assert(hp[3][3] && hp[0][3] && hp[0][0]);
  BOOST_TEST(std::string(describe(M::loss()).view()).find("matmul(") != std::string::npos);
}

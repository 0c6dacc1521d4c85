// Tests for ctgrad/core/node.hpp: nodes are types, equal structure is the same type, literals of
// different value are different types, and instances are found by type.
#define BOOST_TEST_MODULE node
#include <boost/test/unit_test.hpp>

#include <type_traits>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;

namespace {
var<"x", double> x;
var<"y", double> y;
}  // namespace

BOOST_AUTO_TEST_SUITE(node)

BOOST_AUTO_TEST_CASE(variables_are_identified_by_name_type_and_shape) {
  static_assert(std::is_same_v<decltype(x), var<"x", double>>);
  static_assert(!std::is_same_v<var<"x", double>, var<"x", float>>);
  static_assert(!std::is_same_v<var<"x", double>, var<"y", double>>);
  static_assert(var<"W1", float, shape<784, 128>>::name == "W1");
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(structurally_equal_expressions_are_one_type) {
  auto a = sigmoid(x * y) + x;
  auto b = sigmoid(x * y) + x;
  static_assert(std::is_same_v<decltype(a), decltype(b)>);
  // sigmoid(x*y) appears once among the distinct sub-expressions of a*b
  using topo = topo_order_t<decltype(a * b)>;
  static_assert(type_list_size_v<topo> == 6);  // x, y, x*y, sigmoid, +, *
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(literals_of_different_values_are_different_types_and_values) {
  auto f = x * 2.0 + x * 3.0;
  using L = decltype(f);
  static_assert(!std::is_same_v<meta::at_t<0, L::children_types>, meta::at_t<1, L::children_types>>);
  BOOST_TEST(value_at(f, x = 1.5) == 1.5 * 2.0 + 1.5 * 3.0);
  BOOST_TEST(value_at(grad(f, x), x = 1.5) == 5.0);
  auto g = 2.0 * x - 2.0 / x;
  BOOST_TEST(value_at(g, x = 4.0) == 8.0 - 0.5);
}

BOOST_AUTO_TEST_CASE(literals_of_separately_built_outputs_stay_distinct_in_compile) {
  var<"v", double, shape<3>> v;
  auto f1 = sum(v * 2.0);
  auto f2 = sum(v * 3.0);
  static_assert(std::is_same_v<decltype(f1), decltype(f2)>);  // same type, different literal values
  auto prog = compile(f1, f2);
  std::vector<double> data{1, 2, 3};
  BOOST_TEST_REQUIRE(prog.run(v = data).ok());
  BOOST_TEST(prog.get<0>().item() == 12.0);
  BOOST_TEST(prog.get<1>().item() == 18.0);
}

BOOST_AUTO_TEST_CASE(gradient_set_shares_literals_with_its_function_and_mismatch_is_an_error) {
  var<"v", double, shape<3>> v;
  auto f = sum(square(v * 2.0));
  auto gs = grad(f, v, v);
  auto prog = compile(f, gs);
  std::vector<double> data{1, 2, 3};
  BOOST_TEST_REQUIRE(prog.run(v = data).ok());
  BOOST_TEST(prog[f].item() == 56.0);
  BOOST_TEST(prog[gs[v]][2] == 24.0);
  auto other = sum(square(v * 3.0));   // same type as f, other literal
  auto bad = compile(other, gs);
  auto st = bad.run(v = data);
  BOOST_TEST(!st.ok());
  BOOST_TEST(std::string(st.message()).find("different literal values") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(instance_of_rebuilds_the_subexpression_with_its_literals) {
  auto f = (x * 5.0 + y) * 7.0;
  using M = decltype(x * 5.0);
  const M m = instance_of<M>(f);
  BOOST_TEST(m.child<1>().value == 5.0);
  BOOST_TEST(f.child<1>().value == 7.0);
  // The right operand's literals were renumbered after the left's: 7.0 has id 1.
  BOOST_TEST(decltype(f.child<1>())::literal_count == 2);
}

BOOST_AUTO_TEST_CASE(a_node_holds_only_its_literal_values) {
  auto f = x * 5.0 + y * 3.0 + x;
  static_assert(decltype(f)::literal_count == 2);
  BOOST_TEST(sizeof(f) == sizeof(detail::literal_pool<double, 2>));
  static_assert(std::is_empty_v<decltype(x * y + y)>);
}

BOOST_AUTO_TEST_SUITE_END()

// Tests for ctgrad/core/tuple.hpp: the aggregate tuple behind node children, gradient sets, compile()'s
// outputs and value_at's roots keeps its elements in order (repeated types included), refers rather
// than copies when its elements are references, and works in constant expressions.
#define BOOST_TEST_MODULE tuple
#include <boost/test/unit_test.hpp>

#include <string>
#include <type_traits>

#include "ctgrad/core/tuple.hpp"

using ctgrad::detail::tuple;
namespace d = ctgrad::detail;

BOOST_AUTO_TEST_SUITE(tuple_suite)

BOOST_AUTO_TEST_CASE(elements_are_kept_in_order_also_of_one_type) {
  const tuple<int, int, double> t{1, 2, 3.5};
  BOOST_TEST(d::get<0>(t) == 1);
  BOOST_TEST(d::get<1>(t) == 2);
  BOOST_TEST(d::get<2>(t) == 3.5);
  static_assert(std::is_same_v<decltype(d::get<1>(t)), const int&>);
  const tuple<std::string, std::string> s{"a", "b"};
  BOOST_TEST(d::get<0>(s) + d::get<1>(s) == "ab");
}

BOOST_AUTO_TEST_CASE(apply_passes_the_elements_in_order) {
  const tuple<int, int, int> t{1, 2, 3};
  BOOST_TEST(d::apply([](int a, int b, int c) { return 100 * a + 10 * b + c; }, t) == 123);
  BOOST_TEST(d::apply([](auto... xs) { return sizeof...(xs); }, tuple<>{}) == 0u);
}

BOOST_AUTO_TEST_CASE(a_tuple_of_references_refers_to_the_originals) {
  int a = 1;
  const double b = 2.0;
  const tuple<const int&, const double&> refs{a, b};
  BOOST_TEST(&d::get<0>(refs) == &a);
  BOOST_TEST(&d::get<1>(refs) == &b);
  a = 7;
  BOOST_TEST(d::get<0>(refs) == 7);
}

BOOST_AUTO_TEST_CASE(tuple_cat_joins_in_argument_order) {
  const auto t = d::tuple_cat(tuple<int>{1}, tuple<char, int>{'x', 2}, tuple<>{}, tuple<double>{4.5});
  static_assert(std::is_same_v<std::remove_const_t<decltype(t)>, tuple<int, char, int, double>>);
  BOOST_TEST(d::get<0>(t) == 1);
  BOOST_TEST(d::get<1>(t) == 'x');
  BOOST_TEST(d::get<2>(t) == 2);
  BOOST_TEST(d::get<3>(t) == 4.5);
  const auto m = d::make_tuple(1, 2.5f);
  static_assert(std::is_same_v<std::remove_const_t<decltype(m)>, tuple<int, float>>);
  BOOST_TEST(d::get<1>(m) == 2.5f);
}

BOOST_AUTO_TEST_CASE(usable_in_constant_expressions) {
  constexpr tuple<int, long> t{3, 4};
  static_assert(d::get<0>(t) == 3 && d::get<1>(t) == 4);
  static_assert(d::apply([](int a, long b) { return a * b; }, t) == 12);
  static_assert(d::get<2>(d::tuple_cat(t, tuple<int>{5})) == 5);
  struct empty {};
  static_assert(std::is_empty_v<tuple<>>);
  constexpr tuple<empty, int> e{empty{}, 9};
  static_assert(d::get<1>(e) == 9);
  BOOST_TEST(true);  // the checks above are compile-time
}

BOOST_AUTO_TEST_SUITE_END()

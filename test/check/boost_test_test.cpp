// Tests for ctgrad/check/boost_test.hpp: CTGRAD_CHECK_GRADIENTS passes on a passing report, records
// exactly one failed assertion on a failing one, and its message carries the worst-element table.
#define BOOST_TEST_MODULE boost_test
#include "ctgrad/check/boost_test.hpp"

#include <boost/test/results_collector.hpp>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace check = ctgrad::check;

double square(double x) { return x * x; }
double twice(double x) { return 2 * x; }
double wrong_twice(double x) { return x < 1 ? 2 * x : -2 * x; }  // wrong sign from x = 1 on

const std::vector<double> points = {-1.5, 0.25, 1.0, 2.0};

// Failed assertions recorded so far in the running test case.
std::size_t failed_assertions() {
  namespace ut = boost::unit_test;
  return ut::results_collector.results(ut::framework::current_test_case().p_id).p_assertions_failed;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boost_test)

BOOST_AUTO_TEST_CASE(passing_report_passes) {
  CTGRAD_CHECK_GRADIENTS(check::check_derivative(square, twice, points, check::dtype::f64));
  const absl::StatusOr<check::report> r = check::check_derivative(square, twice, points, check::dtype::f64);
  CTGRAD_REQUIRE_GRADIENTS(*r);
  BOOST_TEST(check::passed(r));
}

// One expected failure: the macro's own. If the macro did not fail, the checks below add two
// failures, which is more than expected, so the test case fails.
BOOST_AUTO_TEST_CASE(failing_report_fails_with_table_in_message,
                     *boost::unit_test::expected_failures(1)) {
  const auto r = check::check_derivative(square, wrong_twice, points, check::dtype::f64);
  std::ostringstream log;
  boost::unit_test::unit_test_log.set_stream(log);
  const std::size_t before = failed_assertions();
  CTGRAD_CHECK_GRADIENTS(r);
  const std::size_t after = failed_assertions();
  boost::unit_test::unit_test_log.set_stream(std::cout);
  const std::string text = log.str();
  if (after != before + 1) {
    BOOST_ERROR("CTGRAD_CHECK_GRADIENTS did not record a failure for a failing report");
    BOOST_ERROR("(second failure so that expected_failures(1) cannot hide the first)");
  }
  for (const char* expected : {"gradient check FAILED", "x[2]", "x[3]", "analytic", "numeric",
                               "err.est", "kink.dist", "seed 0x5eed"}) {
    if (text.find(expected) == std::string::npos) {
      BOOST_ERROR("failure message lacks '" << expected << "':\n" << text);
      BOOST_ERROR("(second failure so that expected_failures(1) cannot hide the first)");
    }
  }
}

BOOST_AUTO_TEST_CASE(failure_message_names_worst_elements_and_status_errors) {
  const auto r = check::check_derivative(square, wrong_twice, points, check::dtype::f64);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(!check::passed(r));
  const std::string msg = check::failure_message(r);
  BOOST_TEST(msg == r->to_string());
  BOOST_TEST(msg.find("2 failed") != std::string::npos, msg);
  BOOST_TEST(msg.find("x[3]") < msg.find("x[0]"), msg);  // the failing elements first
  const std::vector<double> nan_point = {std::nan("")};
  const auto bad = check::check_derivative(square, twice, nan_point, check::dtype::f64);
  BOOST_TEST(!check::passed(bad));
  BOOST_TEST(check::failure_message(bad).find("could not run") != std::string::npos);
  BOOST_TEST(check::failure_message(bad).find("x[0]") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

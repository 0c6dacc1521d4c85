// Boost.Test adapter for the gradient checker: CTGRAD_CHECK_GRADIENTS(report) records one assertion
// whose failure message is the report's table of worst elements. Include it from test files only;
// it does not define BOOST_TEST_MODULE or main.
#pragma once

#include <string>

#include <boost/test/unit_test.hpp>

#include "absl/status/statusor.h"
#include "ctgrad/check/gradcheck.hpp"

/// Checks a ctgrad::check::report or absl::StatusOr<report> (the result of check_gradient & co.):
/// passes iff the status is OK and report::passed; on failure prints report::to_string() (or the
/// status). The expression is evaluated once. Example: CTGRAD_CHECK_GRADIENTS(check_gradient(...));
#define CTGRAD_CHECK_GRADIENTS(...)                                                       \
  do {                                                                                    \
    const auto& ctgrad_gradcheck_result_ = (__VA_ARGS__);                                 \
    BOOST_TEST(::ctgrad::check::passed(ctgrad_gradcheck_result_),                         \
               ::ctgrad::check::failure_message(ctgrad_gradcheck_result_));               \
  } while (false)

/// As CTGRAD_CHECK_GRADIENTS, but a failure ends the test case (BOOST_TEST_REQUIRE).
#define CTGRAD_REQUIRE_GRADIENTS(...)                                                     \
  do {                                                                                    \
    const auto& ctgrad_gradcheck_result_ = (__VA_ARGS__);                                 \
    BOOST_TEST_REQUIRE(::ctgrad::check::passed(ctgrad_gradcheck_result_),                 \
                       ::ctgrad::check::failure_message(ctgrad_gradcheck_result_));       \
  } while (false)

namespace ctgrad::check {

/// True iff the check ran and passed.
inline bool passed(const report& r) noexcept { return r.passed; }
inline bool passed(const absl::StatusOr<report>& r) noexcept { return r.ok() && r->passed; }

/// The message CTGRAD_CHECK_GRADIENTS prints on failure: the report's summary and worst-element table,
/// or why the check could not run.
inline std::string failure_message(const report& r) { return r.to_string(); }
inline std::string failure_message(const absl::StatusOr<report>& r) {
  return r.ok() ? r->to_string() : "gradient check could not run: " + r.status().ToString();
}

}  // namespace ctgrad::check

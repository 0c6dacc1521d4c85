// The cases of the gradient-check suite (include/ctgrad/check/suite.hpp): what the driver (suite.cpp)
// and the case files (suite_activations.cpp, suite_losses.cpp, suite_mlp_*.cpp) share. Each graph
// type is a template instantiation of its own, so the cases are spread over several files.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ctgrad/check/detail/splitmix64.hpp"
#include "ctgrad/check/gradcheck.hpp"
#include "ctgrad/check/suite.hpp"

namespace ctgrad::check::suite_detail {

/// What a case function gets: the options, the name filter and where its rows go.
struct context {
  const suite_options& opts;
  std::function<bool(std::string_view)> selected;
  std::vector<suite_row>& rows;
  bool wants(dtype dt) const {
    for (dtype d : opts.dtypes)
      if (d == dt) return true;
    return false;
  }
  bool wants_order(int o) const {
    for (int d : opts.orders)
      if (d == o) return true;
    return false;
  }
};

/// Merges the reports of one row (declared with the suite: check_function builds its rows too).
using ::ctgrad::check::detail::row_builder;

/// The checker's generator (splitmix64): the same numbers on every platform.
using rng = detail::splitmix64;

/// n values uniform in [lo, hi], rounded to T.
template <class T> std::vector<T> random_values(std::size_t n, double lo, double hi, rng& g) {
  std::vector<T> out(n);
  for (T& v : out) v = static_cast<T>(g.uniform(lo, hi));
  return out;
}

/// A group of cases: adds its rows (for the selected names, dtypes and orders) to ctx.rows.
using case_fn = void (*)(const context& ctx);

/// Registers a group of cases; run_suite() runs them by increasing key (0 activations, 1 losses,
/// 2.. the MLPs). Called from a namespace-scope initialiser in each case file, so the cases linked
/// into a program are the ones it runs (the driver, suite.cpp, is in libctgrad_support; the case
/// files are compiled into ctgrad-gradcheck and the suite's test, not into the library every test
/// links, because they instantiate many graphs). Returns key.
int register_case(int key, case_fn fn);

}  // namespace ctgrad::check::suite_detail

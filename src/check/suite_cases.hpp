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

/// Merges the reports of one row.
class row_builder {
 public:
  row_builder(std::string function, std::string base, int order, dtype dt) {
    row_.function = std::move(function);
    row_.base = std::move(base);
    row_.order = order;
    row_.dt = dt;
    row_.passed = true;
  }
  void add(const absl::StatusOr<report>& r, std::string_view where) {
    if (!r.ok()) {
      fail(std::string(where) + ": " + r.status().ToString());
      return;
    }
    row_.points += r->checked;
    row_.max_abs_err = std::max(row_.max_abs_err, r->max_abs_err);
    row_.max_rel_err = std::max(row_.max_rel_err, r->max_rel_err);
    if (!r->passed) fail(std::string(where) + ": " + r->to_string());
  }
  void add_kink(bool ok, const std::string& message) {
    ++row_.kinks;
    if (!ok) fail(message);
  }
  void fail(const std::string& message) {
    row_.passed = false;
    if (row_.detail.empty()) row_.detail = message;
  }
  suite_row finish() && { return std::move(row_); }

 private:
  suite_row row_;
};

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

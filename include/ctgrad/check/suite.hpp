// ctgrad/check/suite.hpp — the built-in gradient-check suite behind `ctgrad-gradcheck`: every registered
// activation, loss, softmax and a sample MLP checked through the graph, as table rows.
// Not the checker (check/gradcheck.hpp, check/graph.hpp) nor the command line (src/tools/gradcheck.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ctgrad/check/gradcheck.hpp"

namespace ctgrad::check {

/// What run_suite() checks.
struct suite_options {
  /// Analytic dtypes to check (the graph's element type); the numeric side is always double.
  std::vector<dtype> dtypes{dtype::f32, dtype::f64};
  /// Derivative orders: 1 (gradients) and/or 2 (Hessian-vector products of the scalar activation
  /// graphs; losses and the MLP are checked at order 1 only).
  std::vector<int> orders{1, 2};
  /// Comma-separated regular expressions (ECMAScript, whole-name match) selecting cases by name
  /// ("relu", "softplus", "mlp", "cross_entropy", "mlp\\(gelu\\)" or "mlp.*"); empty: every case.
  std::string only;
  /// Random points per activation, parameter set, dtype and order (plus the extremes ±20, ±88, ±1e4).
  std::size_t points = 12;
  /// Seed of the points, the random tensors and the checker's directions.
  std::uint64_t seed = 0x5eed;
};

/// One line of the table: one case (an activation with one parameter set, a loss, a graph) at one
/// order and dtype, merged over its points.
struct suite_row {
  std::string function;     // "relu", "hardtanh(min_val=-1.5, max_val=1.5)", "mlp(gelu)", ...
  std::string base;         // the case name --only matches: "hardtanh", "mlp(gelu)", "cross_entropy"
  std::size_t points = 0;   // comparisons made (elements or points)
  double max_abs_err = 0;   // over all comparisons of the row
  double max_rel_err = 0;
  std::size_t kinks = 0;    // kinks whose derivative was asserted against the kink convention
  int order = 1;
  dtype dt = dtype::f64;
  bool passed = false;
  std::string detail;       // empty if passed; else the first failing report's table or error
};

/// Runs the suite. Every case of a selected name runs for every requested dtype and order it
/// supports. Errors (InvalidArgument): an invalid --only expression, points == 0, no dtype or order,
/// an order other than 1 or 2. A failing check is a row with passed == false, not an error.
absl::StatusOr<std::vector<suite_row>> run_suite(const suite_options& opts);

/// True iff rows is non-empty and every row passed.
bool all_passed(std::span<const suite_row> rows) noexcept;

/// "float,double" / "f32,f64" (any subset, any order) -> dtypes. Error: an unknown or empty item.
absl::StatusOr<std::vector<dtype>> parse_dtypes(std::string_view list);
/// "1,2" -> orders. Error: an item other than 1 or 2.
absl::StatusOr<std::vector<int>> parse_orders(std::string_view list);

/// The table: function | points | max abs err | max rel err | kinks | order | dtype | result, one
/// line per row, then the details of failing rows and a summary line.
std::string format_table(std::span<const suite_row> rows);
/// The same columns as CSV with a header line (function names quoted), no details.
std::string format_csv(std::span<const suite_row> rows);

namespace detail {
/// Merges the reports of one row: points and errors summed over them, the first failure's details.
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
}  // namespace detail

}  // namespace ctgrad::check

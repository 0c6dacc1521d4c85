// The gradient-check suite's driver: option parsing, case selection, the table and CSV formats
// (declared in ctgrad/check/suite.hpp). The cases themselves are in suite_*.cpp.
#include "ctgrad/check/suite.hpp"

#include <algorithm>
#include <regex>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "suite_cases.hpp"

namespace ctgrad::check {
namespace {

std::string_view result_of(const suite_row& r) { return r.passed ? "pass" : "FAIL"; }
std::string_view dtype_name(dtype dt) { return dt == dtype::f32 ? "float" : "double"; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated items of list, trimmed ("" gives one empty item).
std::vector<std::string_view> items(std::string_view list) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t comma = list.find(',', start);
    out.push_back(trim(list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::vector<std::pair<int, suite_detail::case_fn>>& registry() {
  static std::vector<std::pair<int, suite_detail::case_fn>> cases;
  return cases;
}

}  // namespace

int suite_detail::register_case(int key, case_fn fn) {
  registry().emplace_back(key, fn);
  return key;
}

absl::StatusOr<std::vector<dtype>> parse_dtypes(std::string_view list) {
  std::vector<dtype> out;
  for (std::string_view s : items(list)) {
    dtype d;
    if (s == "float" || s == "f32") d = dtype::f32;
    else if (s == "double" || s == "f64") d = dtype::f64;
    else return absl::InvalidArgumentError(absl::StrFormat(
        "--dtype: '%s' is not a dtype; use float and/or double, comma-separated", s));
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  }
  return out;
}

absl::StatusOr<std::vector<int>> parse_orders(std::string_view list) {
  std::vector<int> out;
  for (std::string_view s : items(list)) {
    int o;
    if (s == "1") o = 1;
    else if (s == "2") o = 2;
    else return absl::InvalidArgumentError(absl::StrFormat(
        "--order: '%s' is not a derivative order; use 1 and/or 2, comma-separated", s));
    if (std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
  }
  return out;
}

absl::StatusOr<std::vector<suite_row>> run_suite(const suite_options& opts) {
  if (opts.points == 0) return absl::InvalidArgumentError("--points: must be at least 1");
  if (opts.dtypes.empty()) return absl::InvalidArgumentError("--dtype: no dtype to check");
  if (opts.orders.empty()) return absl::InvalidArgumentError("--order: no order to check");
  for (int o : opts.orders)
    if (o != 1 && o != 2) return absl::InvalidArgumentError(absl::StrFormat("--order: %d is not 1 or 2", o));
  std::vector<std::regex> only;
  if (!trim(opts.only).empty()) {
    for (std::string_view s : items(opts.only)) {
      try {
        only.emplace_back(std::string(s), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return absl::InvalidArgumentError(absl::StrFormat("--only: '%s' is not a regular expression: %s", s, e.what()));
      }
    }
  }
  auto selected = [&](std::string_view name) {
    if (only.empty()) return true;
    const std::string n(name);
    return std::any_of(only.begin(), only.end(), [&](const std::regex& re) { return std::regex_match(n, re); });
  };
  std::vector<suite_row> rows;
  const suite_detail::context ctx{opts, selected, rows};
  auto cases = registry();
  if (cases.empty())
    return absl::FailedPreconditionError(
        "run_suite: no suite cases are linked into this program (compile src/check/suite_*.cpp into it)");
  std::stable_sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, fn] : cases) fn(ctx);
  return rows;
}

bool all_passed(std::span<const suite_row> rows) noexcept {
  return !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const suite_row& r) { return r.passed; });
}

std::string format_table(std::span<const suite_row> rows) {
  std::size_t width = 8;
  for (const suite_row& r : rows) width = std::max(width, r.function.size());
  const int w = static_cast<int>(width);
  std::string s = absl::StrFormat("%-*s | %6s | %11s | %11s | %5s | %5s | %6s | %s\n", w, "function", "points",
                                  "max abs err", "max rel err", "kinks", "order", "dtype", "result");
  s += std::string(width, '-') + "-+--------+-------------+-------------+-------+-------+--------+-------\n";
  std::size_t failed = 0;
  for (const suite_row& r : rows) {
    absl::StrAppendFormat(&s, "%-*s | %6d | %11.3e | %11.3e | %5d | %5d | %6s | %s\n", w, r.function, r.points,
                          r.max_abs_err, r.max_rel_err, r.kinks, r.order, dtype_name(r.dt), result_of(r));
    if (!r.passed) ++failed;
  }
  for (const suite_row& r : rows)
    if (!r.passed)
      absl::StrAppendFormat(&s, "\nFAIL %s (order %d, %s):\n%s\n", r.function, r.order, dtype_name(r.dt), r.detail);
  absl::StrAppendFormat(&s, "\n%d rows, %d failed\n", rows.size(), failed);
  return s;
}

std::string format_csv(std::span<const suite_row> rows) {
  std::string s = "function,points,max_abs_err,max_rel_err,kinks,order,dtype,result\n";
  for (const suite_row& r : rows) {
    std::string quoted = "\"";
    for (char c : r.function) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    absl::StrAppendFormat(&s, "%s,%d,%.6e,%.6e,%d,%d,%s,%s\n", quoted, r.points, r.max_abs_err, r.max_rel_err,
                          r.kinks, r.order, dtype_name(r.dt), result_of(r));
  }
  return s;
}

}  // namespace ctgrad::check

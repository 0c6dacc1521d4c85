// ctgrad/check/function.hpp — the gradient checker on an elementwise function of the user's own
// (ops/function.hpp) in one call: its rules through both evaluators, in float and double, first and
// second order, as rows of the table ctgrad-gradcheck prints. Not the built-in suite (check/suite.hpp)
// nor the checks of a whole graph (check/graph.hpp).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "ctgrad/check/detail/splitmix64.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/check/suite.hpp"
#include "ctgrad/fn/derivative_check.hpp"
#include "ctgrad/ops/function.hpp"
#include "ctgrad/ops/reduce.hpp"

namespace ctgrad::check {

/// The range one argument's random points are drawn from: [lo, hi).
struct interval {
  double lo = -3;
  double hi = 3;
};

/// Checks the rules of the elementwise function F (`elementwise<F>(x...)`, docs/extending.md) with the
/// gradient checker, as `ctgrad-gradcheck` checks the activations. Points: opts.points random points,
/// argument i drawn from domain[i] (splitmix64 with opts.seed), the same for float and double (drawn
/// in float). For each dtype of opts.dtypes and each order of opts.orders, one row:
/// - order 1: grad of elementwise<F> of scalar variables, evaluated by value_at, at each point
///   (check_gradients), and grad of sum(elementwise<F>) of vector variables holding all the points,
///   evaluated by compile()'s fused loops (one check_gradients over every element);
/// - order 2 (only if F declares d2; otherwise no row): the Hessian-vector products of the scalar graph
///   at each point (check_second_order, all mixed derivatives) and, per argument, hvp of the vector
///   graph (check_hvp, compile()).
/// The numeric side differentiates F::value in double. A function of one argument that declares
/// kinks (`kinks<T>()`) gets its points at least 1e-3 away from them; kinks of functions of several
/// arguments are not declared, so a point straddling one is reported `unresolved` (move the domain).
/// Rows are named F::name; format_table() prints them. Errors (InvalidArgument): points == 0, an
/// interval with lo >= hi or a non-finite bound, no dtype or order, an order other than 1 or 2. A
/// failing check is a row with passed == false, not an error.
template <class F>
absl::StatusOr<std::vector<suite_row>> check_function(const std::array<interval, ops::fn_arity<F>()>& domain,
                                                      const suite_options& opts = {});

/// F's rules against its own value at compile time: at each point (one value per argument), d1<I>
/// against a central difference of value in argument I and, if F declares d2, d2<I, J> (I <= J)
/// against a central difference of d1<I> in argument J, Richardson-extrapolated (h = 1e-3 and 5e-4),
/// in double with the math policy of compile()'s loops; a rule passes within 1e-9 relative to
/// max(1, |rule|). Returns the first disagreement (`ok` false, `order`, `x` = the point's first
/// argument, `argument` I and `argument2` J, the rule's value and the difference) or `ok` true. So
/// `static_assert(check::rules_agree_at<F>(points).ok)` stops a wrong rule from compiling. The
/// points must keep 1e-2 away from kinks. F takes no params (see activate<F> for activations, which
/// src/fn/derivative_rules.cpp checks the same way).
template <class F, std::size_t P>
constexpr ::ctgrad::detail::rule_check_result rules_agree_at(
    const std::array<std::array<double, ops::fn_arity<F>()>, P>& points);

// ---- implementation details --------------------------------------------------------------------
namespace detail {

template <class F> struct rule_eval {
  static constexpr std::size_t k = ops::fn_arity<F>();
  using point = std::array<double, k>;
  template <std::size_t... A> static constexpr double value(const point& p, std::index_sequence<A...>) {
    return ops::detail::fn_value<F, math::loop_math>(p[A]...);
  }
  template <std::size_t I, std::size_t... A> static constexpr double d1(const point& p, std::index_sequence<A...> s) {
    return ops::detail::fn_d1<F, I, math::loop_math>(p[A]..., value(p, s));
  }
  template <std::size_t I, std::size_t J, std::size_t... A>
  static constexpr double d2(const point& p, std::index_sequence<A...> s) {
    return ops::detail::fn_d2<F, I, J, math::loop_math>(p[A]..., value(p, s));
  }
  // The Richardson-extrapolated central difference of g in argument I at p.
  template <std::size_t I, class G> static constexpr double diff(const G& g, const point& p) {
    constexpr double h = 1e-3;
    const auto at = [&](double d) {
      point q = p;
      q[I] += d;
      return g(q);
    };
    const double wide = (at(h) - at(-h)) / (2 * h);
    const double narrow = (at(h / 2) - at(-h / 2)) / h;
    return (4 * narrow - wide) / 3;
  }
  static constexpr bool agree(double rule, double difference) {
    const double scale = math::abs(rule) > 1 ? math::abs(rule) : 1.0;
    return math::abs(rule - difference) <= ::ctgrad::detail::rule_check_tolerance * scale;
  }
  template <std::size_t I, std::size_t J>
  static constexpr void second(const point& p, ::ctgrad::detail::rule_check_result& r) {
    if (!r.ok) return;
    constexpr auto s = std::make_index_sequence<k>{};
    const double rule = d2<(I < J ? I : J), (I < J ? J : I)>(p, s);
    const double difference = diff<J>([](const point& q) { return d1<I>(q, std::make_index_sequence<k>{}); }, p);
    if (!agree(rule, difference)) r = {false, 2, p[0], rule, difference, int(I), int(J)};
  }
  template <std::size_t I, std::size_t... J>
  static constexpr void first(const point& p, ::ctgrad::detail::rule_check_result& r, std::index_sequence<J...>) {
    if (!r.ok) return;
    constexpr auto s = std::make_index_sequence<k>{};
    const double rule = d1<I>(p, s);
    const double difference = diff<I>([](const point& q) { return value(q, std::make_index_sequence<k>{}); }, p);
    if (!agree(rule, difference)) {
      r = {false, 1, p[0], rule, difference, int(I), int(I)};
      return;
    }
    if constexpr (ops::fn_has_d2<F>()) (second<I, J>(p, r), ...);
  }
  template <std::size_t... I> static constexpr void all(const point& p, ::ctgrad::detail::rule_check_result& r,
                                                        std::index_sequence<I...>) {
    (first<I>(p, r, std::make_index_sequence<k>{}), ...);
  }
};

template <class F, class T, std::size_t... I>
void check_function_rows(const std::vector<std::array<double, sizeof...(I)>>& points, const suite_options& so,
                         std::vector<suite_row>& rows, std::index_sequence<I...>) {
  constexpr dtype dt = dtype_of<T>();
  const std::string name(F::name);
  options o;
  o.seed = so.seed;
  // Argument I: a scalar variable x<I+1> (value_at) and a vector variable v<I+1> (compile()).
  const auto f = elementwise<F>(var<indexed_name<'x', int(I) + 1>(), T>{}...);
  const auto fv = sum(elementwise<F>(var<indexed_name<'v', int(I) + 1>(), T, shape<dyn>>{}...));
  std::array<std::vector<T>, sizeof...(I)> columns;
  for (const auto& p : points) ((columns[I].push_back(static_cast<T>(p[I]))), ...);
  const auto where = [&](const std::array<double, sizeof...(I)>& p) {
    std::string s = name + "(";
    ((s += absl::StrFormat("%s%.9g", I == 0 ? "" : ", ", static_cast<T>(p[I]))), ...);
    return s + ")";
  };
  const auto wants_order = [&](int order) {
    for (int w : so.orders)
      if (w == order) return true;
    return false;
  };
  if (wants_order(1)) {
    row_builder row(name, name, 1, dt);
    for (const auto& p : points)
      row.add(check_gradients(f, wrt(var<indexed_name<'x', int(I) + 1>(), T>{}...), o,
                              (var<indexed_name<'x', int(I) + 1>(), T>{} = static_cast<T>(p[I]))...),
              where(p) + ", value_at");
    row.add(check_gradients(fv, wrt(var<indexed_name<'v', int(I) + 1>(), T, shape<dyn>>{}...), o,
                            (var<indexed_name<'v', int(I) + 1>(), T, shape<dyn>>{} =
                                 std::span<const T>(columns[I]))...),
            "sum of " + name + " over all points, compile()");
    rows.push_back(std::move(row).finish());
  }
  if constexpr (ops::fn_has_d2<F>()) {
    if (wants_order(2)) {
      row_builder row(name, name, 2, dt);
      for (const auto& p : points)
        row.add(check_second_order(f, wrt(var<indexed_name<'x', int(I) + 1>(), T>{}...), o,
                                   (var<indexed_name<'x', int(I) + 1>(), T>{} = static_cast<T>(p[I]))...),
                where(p) + "'', value_at");
      ((row.add(check_hvp(fv, wrt(var<indexed_name<'v', int(I) + 1>(), T, shape<dyn>>{}), o,
                          (var<indexed_name<'v', int(I) + 1>(), T, shape<dyn>>{} = std::span<const T>(columns[I]))...),
                absl::StrFormat("hvp of the sum of %s over all points in argument %d, compile()", name, I))),
       ...);
      rows.push_back(std::move(row).finish());
    }
  }
}

}  // namespace detail

template <class F, std::size_t P>
constexpr ::ctgrad::detail::rule_check_result rules_agree_at(
    const std::array<std::array<double, ops::fn_arity<F>()>, P>& points) {
  ::ctgrad::detail::rule_check_result r{};
  for (const auto& p : points) detail::rule_eval<F>::all(p, r, std::make_index_sequence<ops::fn_arity<F>()>{});
  return r;
}

template <class F>
absl::StatusOr<std::vector<suite_row>> check_function(const std::array<interval, ops::fn_arity<F>()>& domain,
                                                      const suite_options& opts) {
  constexpr std::size_t k = ops::fn_arity<F>();
  if (opts.points == 0) return absl::InvalidArgumentError("check_function: points must be at least 1");
  if (opts.dtypes.empty() || opts.orders.empty())
    return absl::InvalidArgumentError("check_function: no dtype or no derivative order to check");
  for (int order : opts.orders)
    if (order != 1 && order != 2)
      return absl::InvalidArgumentError(absl::StrFormat("check_function: derivative order %d (1 or 2)", order));
  for (std::size_t i = 0; i < k; ++i)
    if (!(std::isfinite(domain[i].lo) && std::isfinite(domain[i].hi) && domain[i].lo < domain[i].hi))
      return absl::InvalidArgumentError(absl::StrFormat(
          "check_function: the interval of argument %d is [%g, %g): it needs finite bounds lo < hi", i,
          domain[i].lo, domain[i].hi));
  // Kinks of a function of one argument: the points keep away from them.
  std::vector<double> kinks;
  if constexpr (k == 1 && requires { F::template kinks<double>(); })
    for (double x : F::template kinks<double>()) kinks.push_back(x);
  std::vector<std::array<double, k>> points;
  if constexpr (k == 1) {
    auto xs = sample_points(domain[0].lo, domain[0].hi, opts.points, kinks, 1e-3, opts.seed);
    if (!xs.ok()) return absl::InvalidArgumentError("check_function: " + std::string(xs.status().message()));
    for (double x : *xs) points.push_back({static_cast<double>(static_cast<float>(x))});
  } else {
    detail::splitmix64 g{opts.seed};
    for (std::size_t n = 0; n < opts.points; ++n) {
      std::array<double, k> p{};
      for (std::size_t i = 0; i < k; ++i) p[i] = static_cast<double>(static_cast<float>(g.uniform(domain[i].lo, domain[i].hi)));
      points.push_back(p);
    }
  }
  std::vector<suite_row> rows;
  for (dtype dt : opts.dtypes) {
    if (dt == dtype::f32) detail::check_function_rows<F, float>(points, opts, rows, std::make_index_sequence<k>{});
    else detail::check_function_rows<F, double>(points, opts, rows, std::make_index_sequence<k>{});
  }
  return rows;
}

}  // namespace ctgrad::check

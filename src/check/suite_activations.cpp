// Suite cases: every activation of ctgrad::activation_list checked through the graph (value_at of
// grad(activate<F>(a)) and of its second derivative), with the default parameters and one other set,
// at random points away from the kinks, at the extremes, and at each kink against its convention.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/fn/activate.hpp"
#include "ctgrad/fn/registry.hpp"
#include "suite_cases.hpp"

namespace ctgrad::check::suite_detail {
namespace {

constexpr double kink_margin = 1e-3;

// "name" for the defaults, "name(p=v, q=w)" otherwise.
template <class F, std::size_t P>
std::string label(const std::array<double, P>& p, bool defaults) {
  std::string s(F::name);
  if (defaults || P == 0) return s;
  s += "(";
  for (std::size_t i = 0; i < P; ++i)
    absl::StrAppendFormat(&s, "%s%s=%g", i ? ", " : "", F::params[i].name, p[i]);
  return s + ")";
}

template <class F, class T, std::size_t... I>
void check_one(const context& ctx, const std::array<double, sizeof...(I)>& p, bool defaults,
               std::index_sequence<I...>) {
  const var<"a", T> a;
  const auto f = activate<F>(a, static_cast<T>(p[I])...);
  const auto df = grad(f, a);
  constexpr dtype dt = dtype_of<T>();
  const std::string name = label<F>(p, defaults);

  std::vector<double> kinks;
  for (const T k : F::template kinks<T>(static_cast<T>(p[I])...)) kinks.push_back(static_cast<double>(k));
  const auto near_kink = [&](double x) {
    for (double k : kinks)
      if (std::abs(x - k) < kink_margin * std::max(1.0, std::abs(k))) return true;
    return false;
  };
  // Points: random in [-6, 6] away from the kinks, then the extremes where f and f' are finite.
  std::vector<T> points;
  if (auto sampled = sample_points(-6, 6, ctx.opts.points, kinks, kink_margin, ctx.opts.seed); sampled.ok())
    for (double x : *sampled) points.push_back(static_cast<T>(x));
  // Extremes: where f and f' are finite and not at a kink; in float, also where the exact f' does not
  // underflow float (gelu'(-20) = -1e-86 is 0 in float: not a derivative error).
  const var<"a", double> ad;
  const auto dfd = grad(with_element_type<double>(f), ad);
  std::vector<T> extremes;
  for (double x : {-1e4, -88.0, -20.0, 20.0, 88.0, 1e4}) {
    const T xt = static_cast<T>(x);
    if (near_kink(x) || !std::isfinite(value_at(f, a = xt)) || !std::isfinite(value_at(df, a = xt))) continue;
    const double exact = value_at(dfd, ad = static_cast<double>(xt));
    if (exact != 0 && std::abs(exact) < std::numeric_limits<T>::min()) continue;
    extremes.push_back(xt);
  }
  options o;
  o.seed = ctx.opts.seed;

  if (ctx.wants_order(1)) {
    row_builder row(name, std::string(F::name), 1, dt);
    for (const auto* set : {&points, &extremes})
      for (const T x : *set)
        row.add(check_gradients(f, wrt(a), o, a = x), absl::StrFormat("%s at x = %.9g", name, x));
    // Each kink: the graph's derivative there must be the convention's (reference_d1 encodes it).
    for (const double k : kinks) {
      const T kt = static_cast<T>(k);
      const double got = static_cast<double>(value_at(df, a = kt));
      const double want = static_cast<double>(
          static_cast<T>(F::reference_d1(static_cast<long double>(kt), static_cast<long double>(static_cast<T>(p[I]))...)));
      const double tol = 4 * std::numeric_limits<T>::epsilon() * std::max(1.0, std::abs(want));
      row.add_kink(std::abs(got - want) <= tol,
                   absl::StrFormat("%s: f'(%g) = %.9g at the kink, but the convention (%s) says %.9g", name, k,
                                   got, F::kink_convention, want));
    }
    ctx.rows.push_back(std::move(row).finish());
  }
  // Second order at the random points only: at the extremes the first derivative that the numeric
  // side differentiates has only absolute accuracy (sigmoid' = y (1 - y) at x = 20 moves in steps of
  // 1 ulp of y), so its differences are rounding noise and the checker reports `unresolved`.
  if (ctx.wants_order(2)) {
    row_builder row(name, std::string(F::name), 2, dt);
    for (const T x : points)
      row.add(check_second_order(f, wrt(a), o, a = x), absl::StrFormat("%s'' at x = %.9g", name, x));
    ctx.rows.push_back(std::move(row).finish());
  }
}

// The default parameters and, if F has parameters, each default times 1.5 (0.5 for a zero default).
template <class F, class T> void check_activation(const context& ctx) {
  constexpr std::size_t P = F::params.size();
  std::array<double, P> defaults{}, other{};
  for (std::size_t i = 0; i < P; ++i) {
    defaults[i] = F::params[i].default_value;
    other[i] = defaults[i] == 0 ? 0.5 : defaults[i] * 1.5;
  }
  check_one<F, T>(ctx, defaults, true, std::make_index_sequence<P>{});
  if constexpr (P > 0) check_one<F, T>(ctx, other, false, std::make_index_sequence<P>{});
}

}  // namespace

void add_activation_rows(const context& ctx);
[[maybe_unused]] const int registered = register_case(0, &add_activation_rows);

void add_activation_rows(const context& ctx) {
  for_each_type<activation_list>([&]<class F>() {
    if (!ctx.selected(F::name)) return;
    if (ctx.wants(dtype::f32)) check_activation<F, float>(ctx);
    if (ctx.wants(dtype::f64)) check_activation<F, double>(ctx);
  });
}

}  // namespace ctgrad::check::suite_detail

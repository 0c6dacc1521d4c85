// Tests for ctgrad/fn/losses.hpp: the registry (each CTGRAD_LOSSES line gives its loss_list entry, its
// name and its function), values against direct formulas, gradients against the closed forms PyTorch
// uses, label smoothing, reductions, stability, and out-of-range labels.
#define BOOST_TEST_MODULE losses
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(losses)

static_assert(detail::all_loss_fns<loss_list>, "loss_list must hold complete loss definitions");

// What one registry line gives: ctgrad::id(input, target, params...) builds fn::id's graph (for both
// reductions, and with the parameters), the list holds fn::id at the line's place, named by the line, and
// no name twice. The gradient checker's rows (test tools/gradcheck_suite) and docs/activations.md's losses
// table (test example_activations_table) iterate the same list.

// check(input, target, params...) with F's operands (class labels or float targets, by its target_kind)
// and its parameters at their defaults; a generic check, so that only the matching call is instantiated.
template <class F, class Check> bool on_operands_of(Check check) {
  const var<"x", double, shape<dyn, 3>> x;
  const var<"t", double, shape<dyn, 3>> t;
  const var<"y", int, shape<dyn>> y;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    if constexpr (F::target_kind == loss_target::class_labels) return check(x, y, F::params[I].default_value...);
    else return check(x, t, F::params[I].default_value...);
  }(std::make_index_sequence<F::params.size()>{});
}

BOOST_AUTO_TEST_CASE(each_registry_line_gives_its_list_entry_function_and_name) {
  std::vector<std::string_view> lines;
#define CTGRAD_TEST_LOSS_LINE(id)                                                                                \
  BOOST_TEST(on_operands_of<fn::id>([](const auto& a, const auto& b, auto... p) {                               \
    return std::is_same_v<decltype(ctgrad::id(a, b)), decltype(fn::id::loss<reduction::mean>(a, b))> &&         \
           std::is_same_v<decltype(ctgrad::id<reduction::sum>(a, b)), decltype(fn::id::loss<reduction::sum>(a, b))> && \
           std::is_same_v<decltype(ctgrad::id(a, b, p...)), decltype(fn::id::loss<reduction::mean>(a, b, p...))>; \
  }), "ctgrad::" #id "(input, target[, params]) and its <reduction::sum> must build fn::" #id "::loss<R>");     \
  lines.push_back(#id);
  CTGRAD_LOSSES(CTGRAD_TEST_LOSS_LINE)
#undef CTGRAD_TEST_LOSS_LINE
  const auto names = loss_names();
  BOOST_TEST(std::vector<std::string_view>(names.begin(), names.end()) == lines, boost::test_tools::per_element());
  std::size_t visited = 0;
  for_each_type<loss_list>([&]<class F>() {
    BOOST_TEST_CONTEXT("loss_list[" << visited << "]") {
      BOOST_REQUIRE(visited < lines.size());
      BOOST_TEST(F::name == lines[visited]);
    }
    ++visited;
  });
  BOOST_TEST(visited == lines.size());
  BOOST_TEST(loss_count == lines.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j) BOOST_TEST(names[i] != names[j]);
}

// The names users call, and cross_entropy's parameter: PyTorch's keyword and default (a rename breaks
// users' code, so it is a decision, not a side effect of editing a struct).
BOOST_AUTO_TEST_CASE(names_and_parameters_stay_pytorchs) {
  const auto names = loss_names();
  for (std::string_view used : {"mse", "cross_entropy", "nll", "binary_cross_entropy", "binary_cross_entropy_with_logits"})
    BOOST_TEST(std::find(names.begin(), names.end(), used) != names.end(), used << " is not in the registry");
  BOOST_TEST(fn::cross_entropy::params[0].name == "label_smoothing");
  BOOST_TEST(fn::cross_entropy::params[0].default_value == 0.0);
}

BOOST_AUTO_TEST_CASE(cross_entropy_value_and_gradient_softmax_minus_onehot) {
  var<"z", double, shape<dyn, 3>> z;
  var<"y", int, shape<dyn>> y;
  auto loss = cross_entropy(z, y);
  auto g = grad(loss, z);
  auto prog = compile(loss, g);
  std::vector<double> zv{1.0, 2.0, 0.5, -1.0, 0.0, 3.0};
  std::vector<int> yv{1, 0};
  BOOST_TEST_REQUIRE(prog.run(z = zv, y = yv).ok());
  double expected = 0;
  for (int r = 0; r < 2; ++r) {
    double lse = std::log(std::exp(zv[r * 3]) + std::exp(zv[r * 3 + 1]) + std::exp(zv[r * 3 + 2]));
    expected += (lse - zv[r * 3 + yv[r]]) / 2;
    for (int c = 0; c < 3; ++c) {
      double p = std::exp(zv[r * 3 + c] - lse);
      BOOST_TEST(prog[g](r, c) == (p - (c == yv[r])) / 2, tt::tolerance(1e-14));
    }
  }
  BOOST_TEST(prog[loss].item() == expected, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(cross_entropy_with_label_smoothing_and_sum_reduction) {
  var<"z", double, shape<dyn, 3>> z;
  var<"y", int, shape<dyn>> y;
  auto smooth = cross_entropy<reduction::sum>(z, y, 0.1);
  auto prog = compile(smooth);
  std::vector<double> zv{1.0, 2.0, 0.5};
  std::vector<int> yv{2};
  BOOST_TEST_REQUIRE(prog.run(z = zv, y = yv).ok());
  double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(0.5));
  double nll = lse - 0.5, uniform = lse - (1.0 + 2.0 + 0.5) / 3;
  BOOST_TEST(prog[smooth].item() == 0.9 * nll + 0.1 * uniform, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(label_out_of_range_is_a_status_error) {
  var<"z", float, shape<dyn, 10>> z;
  var<"y", int, shape<dyn>> y;
  auto prog = compile(cross_entropy(z, y));
  std::vector<float> zv(20, 0.0f);
  std::vector<int> yv{3, 10};
  auto st = prog.run(z = zv, y = yv);
  BOOST_TEST(!st.ok());
  BOOST_TEST(std::string(st.message()) == "cross_entropy/nll: label 10 at row 1 of variable 'y' is out of range [0, 10)");
  yv[1] = -1;
  BOOST_TEST(!prog.run(z = zv, y = yv).ok());
}

// The label check guards every program that reads a label, not only the loss value: a gradient
// program, label smoothing and nll stop with the same status, and a negative label is named too.
// A gradient-only program used to return OK with the bad row's one-hot target silently missing
// (its onehot scatter compares labels, it never reads by them); under AddressSanitizer these runs
// also show that no out-of-range column is ever read.
BOOST_AUTO_TEST_CASE(label_out_of_range_stops_gradient_smoothed_and_nll_programs) {
  var<"z", float, shape<dyn, 4>> z;
  var<"y", int, shape<dyn>> y;
  const std::vector<float> zv(12, 0.5f);
  const std::vector<int> high{0, 3, 4}, negative{-1, 0, 1}, good{0, 3, 2};
  auto g = compile(grad(cross_entropy(z, y), z));
  auto smoothed = compile(cross_entropy(z, y, 0.1));
  auto nll_prog = compile(nll(log_softmax(z), y));
  const std::string high_msg = "cross_entropy/nll: label 4 at row 2 of variable 'y' is out of range [0, 4)";
  BOOST_TEST(std::string(g.run(z = zv, y = high).message()) == high_msg);
  BOOST_TEST(std::string(smoothed.run(z = zv, y = high).message()) == high_msg);
  BOOST_TEST(std::string(nll_prog.run(z = zv, y = high).message()) == high_msg);
  BOOST_TEST(std::string(g.run(z = zv, y = negative).message()) ==
             "cross_entropy/nll: label -1 at row 0 of variable 'y' is out of range [0, 4)");
  // The program stays usable after an error.
  BOOST_TEST(g.run(z = zv, y = good).ok());
  BOOST_TEST(smoothed.run(z = zv, y = good).ok());
}

// Labels bound with no rows, or with another row count than the logits: bind errors, before any
// kernel runs (the loss would otherwise read past the label buffer). The first batch variable
// bound sets the batch; an empty one is an empty batch, a later one disagrees with it.
BOOST_AUTO_TEST_CASE(label_batch_must_match_the_logits_and_not_be_empty) {
  var<"z", float, shape<dyn, 4>> z;
  var<"y", int, shape<dyn>> y;
  auto prog = compile(cross_entropy(z, y));
  const std::vector<float> zv(8, 0.5f), no_rows;
  const std::vector<int> two{1, 2}, three{1, 2, 3}, none;
  BOOST_TEST(std::string(prog.run(z = zv, y = three).message()) ==
             "bind: variable 'y' has batch extent 3 where variable 'z' has 2");
  BOOST_TEST(std::string(prog.run(z = zv, y = none).message()) ==
             "bind: variable 'y' has batch extent 0 where variable 'z' has 2");
  BOOST_TEST(std::string(prog.run(z = no_rows, y = none).message()) ==
             "bind: empty batch (variable 'z' has no rows)");
  BOOST_TEST(prog.run(z = zv, y = two).ok());
}

BOOST_AUTO_TEST_CASE(mse_and_binary_cross_entropies) {
  var<"p", double, shape<dyn>> p;
  var<"t", double, shape<dyn>> t;
  auto m = mse(p, t);
  auto bl = binary_cross_entropy_with_logits(p, t);
  auto gbl = grad(bl, p);
  auto prog = compile(m, bl, gbl);
  std::vector<double> pv{0.5, -2.0, 1e4, -1e4}, tv{1.0, 0.0, 1.0, 1.0};
  BOOST_TEST_REQUIRE(prog.run(p = pv, t = tv).ok());
  double mref = 0, bref = 0;
  for (int i = 0; i < 4; ++i) {
    mref += (pv[i] - tv[i]) * (pv[i] - tv[i]) / 4;
    bref += (std::max(pv[i], 0.0) - pv[i] * tv[i] + std::log1p(std::exp(-std::abs(pv[i])))) / 4;
    BOOST_TEST(prog[gbl][i] == (1 / (1 + std::exp(-pv[i])) - tv[i]) / 4, tt::tolerance(1e-14));
  }
  BOOST_TEST(prog[m].item() == mref, tt::tolerance(1e-14));
  BOOST_TEST(prog[bl].item() == bref, tt::tolerance(1e-14));
  BOOST_TEST(std::isfinite(prog[bl].item()));

  var<"q", double, shape<3>> q;
  var<"u", double, shape<3>> u;
  auto b = binary_cross_entropy(q, u);
  auto gb = grad(b, q);
  auto prog2 = compile(b, gb);
  std::vector<double> qv{0.2, 0.9, 0.0}, uv{0.0, 1.0, 1.0};
  BOOST_TEST_REQUIRE(prog2.run(q = qv, u = uv).ok());
  BOOST_TEST(prog2[b].item() == (-std::log(0.8) - std::log(0.9) + 100.0) / 3, tt::tolerance(1e-13));
  BOOST_TEST(prog2[gb][0] == (0.2 / (0.2 * 0.8)) / 3, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_SUITE_END()

// Tests for ctgrad/check/suite.hpp (the table logic of ctgrad-gradcheck): the suite passes for the
// real registries — every activation, every loss of loss_list and of softmax_list, and the MLP, first
// and second order, float and double — which is the promise that the gradient checker validates every
// activation's and every loss's derivative; flags parse and reject bad values; --only selects; the table
// and CSV carry every column.
#define BOOST_TEST_MODULE suite
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ctgrad/check/suite.hpp"
#include "ctgrad/core/type_list.hpp"
#include "ctgrad/fn/losses.hpp"
#include "ctgrad/fn/registry.hpp"
#include "ctgrad/fn/softmax.hpp"

namespace check = ctgrad::check;

namespace {
bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_SUITE(suite)

BOOST_AUTO_TEST_CASE(every_activation_loss_and_mlp_passes_for_the_real_registry) {
  const auto rows = check::run_suite({});
  BOOST_TEST_REQUIRE(rows.ok(), rows.status().ToString());
  for (const check::suite_row& r : *rows)
    BOOST_TEST(r.passed, r.function << " order " << r.order << " " << check::to_string(r.dt) << ":\n" << r.detail);
  BOOST_TEST(check::all_passed(*rows));
  // every registered activation appears at both orders and in both dtypes; the sample-MLP rows
  // cover check::suite_detail's mlp_activations (src/check/suite_mlp.hpp)
  const std::set<std::string_view> in_mlp{"relu", "sigmoid", "tanh", "leaky_relu", "silu", "gelu"};
  for (std::string_view name : ctgrad::activation_names()) {
    std::set<std::pair<int, check::dtype>> seen;
    bool mlp = false;
    for (const check::suite_row& r : *rows) {
      if (r.base == name) {
        seen.insert({r.order, r.dt});
        BOOST_TEST(r.points >= 12u, r.function);
      }
      if (r.function == "mlp(" + std::string(name) + ")") mlp = r.points == 53u;
    }
    BOOST_TEST(seen.size() == 4u, name);
    BOOST_TEST(mlp == in_mlp.contains(name), name);
  }
  // every registered loss (fn/losses.hpp's loss_list) has its rows, in both dtypes: at its defaults, at each
  // parameter's checked_at value, with reduction::sum where it asks for it; and every entry of softmax_list
  std::vector<std::string> loss_rows;
  ctgrad::for_each_type<ctgrad::loss_list>([&]<class F>() {
    const std::string name(F::name);
    loss_rows.push_back(name);
    for (const auto& p : F::params) {
      std::ostringstream row;
      row << name << '(' << p.name << '=' << p.checked_at << ')';
      loss_rows.push_back(row.str());
    }
    if (F::checks_sum_reduction) loss_rows.push_back(name + "(reduction=sum)");
  });
  ctgrad::for_each_type<ctgrad::softmax_list>([&]<class F>() { loss_rows.emplace_back(F::name); });
  BOOST_TEST(loss_rows.size() >= ctgrad::loss_count + 2);
  BOOST_TEST((std::find(loss_rows.begin(), loss_rows.end(), "cross_entropy(label_smoothing=0.1)") != loss_rows.end()));
  for (const std::string& loss : loss_rows)
    BOOST_TEST(std::count_if(rows->begin(), rows->end(), [&](const auto& r) { return r.function == loss; }) == 2,
               loss);
  // kink conventions are asserted: relu's one kink per parameter set, hardtanh's two
  for (const check::suite_row& r : *rows) {
    if (r.function == "relu" && r.order == 1) BOOST_TEST(r.kinks == 1u);
    if (r.base == "hardtanh" && r.order == 1) BOOST_TEST(r.kinks == 2u);
    if (r.function == "sigmoid") BOOST_TEST(r.kinks == 0u);
  }
}

BOOST_AUTO_TEST_CASE(only_selects_cases_by_whole_name_and_rejects_bad_expressions) {
  check::suite_options o;
  o.only = "relu, mlp\\(tanh\\)";
  o.dtypes = {check::dtype::f64};
  o.orders = {1};
  const auto rows = check::run_suite(o);
  BOOST_TEST_REQUIRE(rows.ok());
  BOOST_TEST(rows->size() == 1u);  // relu in double (leaky_relu is not a whole match); mlp is float only
  BOOST_TEST(rows->at(0).function == "relu");
  o.dtypes = {check::dtype::f32};
  const auto mlp = check::run_suite(o);
  BOOST_TEST_REQUIRE(mlp.ok());
  BOOST_TEST(mlp->size() == 2u);
  o.only = "relu(";
  const auto bad = check::run_suite(o);
  BOOST_TEST(!bad.ok());
  BOOST_TEST(contains(std::string(bad.status().message()), "--only: 'relu(' is not a regular expression"));
}

BOOST_AUTO_TEST_CASE(flags_parse_and_bad_values_are_errors) {
  BOOST_TEST((*check::parse_dtypes("float,double") == std::vector{check::dtype::f32, check::dtype::f64}));
  BOOST_TEST((*check::parse_dtypes(" f64 ") == std::vector{check::dtype::f64}));
  BOOST_TEST(contains(std::string(check::parse_dtypes("half").status().message()), "'half' is not a dtype"));
  BOOST_TEST(!check::parse_dtypes("").ok());
  BOOST_TEST((*check::parse_orders("2,1,2") == std::vector{2, 1}));
  BOOST_TEST(contains(std::string(check::parse_orders("3").status().message()), "'3' is not a derivative order"));
  check::suite_options o;
  o.points = 0;
  BOOST_TEST(!check::run_suite(o).ok());
}

BOOST_AUTO_TEST_CASE(table_and_csv_carry_every_column_and_the_failures) {
  check::suite_row ok{"relu", "relu", 18, 1e-9, 2e-10, 1, 1, check::dtype::f32, true, ""};
  check::suite_row bad{"mse", "mse", 24, 0.5, 0.25, 0, 1, check::dtype::f64, false, "the worst elements"};
  const std::vector<check::suite_row> rows{ok, bad};
  BOOST_TEST(!check::all_passed(rows));
  BOOST_TEST(!check::all_passed({}));
  const std::string table = check::format_table(rows);
  for (const char* s : {"function", "points", "max abs err", "max rel err", "kinks", "order", "dtype", "result",
                        "relu", "float", "pass", "mse", "double", "FAIL", "the worst elements", "2 rows, 1 failed"})
    BOOST_TEST(contains(table, s), s << " in\n" << table);
  const std::string csv = check::format_csv(rows);
  BOOST_TEST(contains(csv, "function,points,max_abs_err,max_rel_err,kinks,order,dtype,result\n"));
  BOOST_TEST(contains(csv, "\"relu\",18,1.000000e-09,2.000000e-10,1,1,float,pass\n"), csv);
  BOOST_TEST(contains(csv, "\"mse\",24,5.000000e-01,2.500000e-01,0,1,double,FAIL\n"), csv);
}

BOOST_AUTO_TEST_SUITE_END()

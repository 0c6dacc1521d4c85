// Tests for ctgrad/eval/compile.hpp: every value is computed once per run (counted), runs after
// the first make no heap allocation (counted), bad bindings are absl::Status errors, and the batch
// may change between runs.
#define BOOST_TEST_MODULE compile
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <cmath>
#include <thread>
#include <vector>

#include "ctgrad/ctgrad.hpp"

#include "support/count_allocations.hpp"  // ctgrad_test::heap_allocations

using namespace ctgrad;
namespace tt = boost::test_tools;

// An activation that counts how often its value and derivative are computed.
struct counted {
  static inline long values = 0, derivatives = 0;
  static constexpr std::string_view name = "counted";
  static constexpr std::array<param_info, 0> params{};
  template <class T> static T value(T x) noexcept { ++values; return x * x * x; }
  template <class T> static T d1(T x, T) noexcept { ++derivatives; return 3 * x * x; }
  template <class T> static T d2(T x, T) noexcept { return 6 * x; }
};

BOOST_AUTO_TEST_SUITE(compile_suite)

BOOST_AUTO_TEST_CASE(each_value_is_computed_once_for_value_and_gradient) {
  var<"x", double, shape<dyn>> x;
  auto c = activate<counted>(x);
  auto loss = sum(c * c + c);            // c used three times, and again by the gradient
  auto g = grad(loss, x);
  auto prog = compile(loss, g);
  std::vector<double> data(100, 0.5);
  counted::values = counted::derivatives = 0;
  BOOST_TEST_REQUIRE(prog.run(x = data).ok());
  BOOST_TEST(counted::values == 100);
  BOOST_TEST(counted::derivatives == 100);
  BOOST_TEST(prog[g][0] == (2 * 0.125 + 1) * 3 * 0.25);
}

BOOST_AUTO_TEST_CASE(runs_after_the_first_make_no_heap_allocation,
                     *boost::unit_test::enable_if<CTGRAD_TEST_COUNTS_ALLOCATIONS != 0>()) {
  var<"x", float, shape<dyn, 20>> x;
  var<"W", float, shape<20, 8>> W;
  var<"b", float, shape<8>> b;
  var<"y", int, shape<dyn>> y;
  auto loss = cross_entropy(sigmoid(matmul(x, W) + b), y);
  auto gs = grad(loss, W, b);
  auto prog = compile(gs);
  std::vector<float> xv(16 * 20, 0.1f), wv(160, 0.01f), bv(8, 0.0f);
  std::vector<int> yv(16, 3);
  BOOST_TEST_REQUIRE(prog.run(x = xv, W = wv, b = bv, y = yv).ok());
  const long before = ctgrad_test::heap_allocations.load();
  for (int i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(prog.run(x = xv, W = wv, b = bv, y = yv).ok());
  BOOST_TEST(ctgrad_test::heap_allocations.load() - before == 0);
}

BOOST_AUTO_TEST_CASE(bad_bindings_are_status_errors_that_name_the_variable) {
  var<"x", float, shape<dyn, 4>> x;
  var<"w", float, shape<4>> w;
  var<"y", int, shape<dyn>> y;
  auto f = sum(matmul(x, w)) + sum(x) * 0.0f;
  auto prog = compile(f);
  std::vector<float> xv(8, 1.0f), wv(4, 1.0f), wrong(3, 1.0f), odd(7, 1.0f), none;
  auto st = prog.run(x = xv, w = wrong);
  BOOST_TEST(!st.ok());
  BOOST_TEST(std::string(st.message()).find("variable 'w' has shape [4] (4 elements); the bound buffer has 3") != std::string::npos);
  st = prog.run(x = odd, w = wv);
  BOOST_TEST(std::string(st.message()).find("not a multiple of 4") != std::string::npos);
  st = prog.run(x = none, w = wv);
  BOOST_TEST(std::string(st.message()).find("empty batch") != std::string::npos);
  auto g = compile(sum(x) + sum(cross_entropy(x, y)));
  std::vector<int> labels3(3, 0);
  st = g.run(x = xv, y = labels3);
  BOOST_TEST(std::string(st.message()).find("variable 'y' has batch extent 3 where variable 'x' has 2") != std::string::npos);
  BOOST_TEST(prog.run(x = xv, w = wv).ok());
  BOOST_TEST(prog[f].item() == 8.0f);
}

BOOST_AUTO_TEST_CASE(batch_may_change_between_runs) {
  var<"x", double, shape<dyn, 2>> x;
  auto f = sum(x * x);
  auto prog = compile(f);
  std::vector<double> small{1, 2}, large{1, 2, 3, 4, 5, 6};
  BOOST_TEST_REQUIRE(prog.run(x = large).ok());
  BOOST_TEST(prog[f].item() == 91.0);
  BOOST_TEST_REQUIRE(prog.run(x = small).ok());
  BOOST_TEST(prog[f].item() == 5.0);
  BOOST_TEST(prog.batch() == 1u);
}

BOOST_AUTO_TEST_CASE(tensors_bind_without_copies) {
  var<"x", float, shape<dyn, 3>> x;
  tensor<float, shape<dyn, 3>> t(2);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = float(i);
  auto f = sum(x);
  auto prog = compile(f);
  BOOST_TEST_REQUIRE(prog.run(x = t).ok());
  BOOST_TEST(prog[f].item() == 15.0f);
  t[0] = 100.0f;   // the program reads the user's memory directly
  BOOST_TEST_REQUIRE(prog.run(x = t).ok());
  BOOST_TEST(prog[f].item() == 115.0f);
}

BOOST_AUTO_TEST_CASE(a_prepared_binding_set_runs_a_program_and_looks_up_by_variable) {
  var<"x", float, shape<dyn, 3>> x;
  var<"w", float, shape<3>> w;
  auto f = sum(x * w);
  auto prog = compile(f, grad(f, w));
  std::vector<float> xs{1, 2, 3, 4, 5, 6}, ws{1, 0, -1};
  const auto set = bind(x = xs, w = ws);               // a Boost.Hana map keyed by variable type
  BOOST_TEST(set[w].data == ws.data());
  BOOST_TEST(set[x].size == 6u);
  BOOST_TEST_REQUIRE(prog.run(set).ok());
  BOOST_TEST(prog[f].item() == (1 - 3) + (4 - 6));
  BOOST_TEST(prog.get<1>()[0] == 5.0f);
  std::vector<float> short_x{1, 2};
  BOOST_TEST(!prog.run(bind(x = short_x, w = ws)).ok());  // the same checks as run(x = ..., ...)
}

BOOST_AUTO_TEST_CASE(run_check_finite_names_the_node_that_first_made_a_nan_or_inf) {
  var<"x", float, shape<dyn, 3>> x;
  var<"w", float, shape<3>> w;
  auto f = sum(log(x) * w);  // log and * are fused into the sum's loop: no buffer of their own
  auto prog = compile(grad(f, w));  // one output: df/dw
  std::vector<float> xs{1, 2, 3, 4, -1, 6}, ws{1, 2, 3};
  BOOST_TEST(prog.run(x = xs, w = ws).ok());  // run() does not look at the values
  auto st = prog.run_check_finite(x = xs, w = ws);
  BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(st.message()) == "check_finite: log(x) (node 4 of 6, shape [dyn, 3]) produced nan at [1, 1]");
  xs[4] = 0;
  BOOST_TEST(std::string(prog.run_check_finite(x = xs, w = ws).message()) ==
             "check_finite: log(x) (node 4 of 6, shape [dyn, 3]) produced -inf at [1, 1]");
  xs[4] = std::numeric_limits<float>::infinity();
  BOOST_TEST(std::string(prog.run_check_finite(x = xs, w = ws).message()) ==
             "check_finite: variable 'x' holds inf at [1, 1]");
  xs[4] = 5;
  BOOST_TEST_REQUIRE(prog.run_check_finite(x = xs, w = ws).ok());  // and the same results as run()
  const std::vector<float> checked(prog.get<0>().begin(), prog.get<0>().end());
  BOOST_TEST_REQUIRE(prog.run(x = xs, w = ws).ok());
  BOOST_TEST(checked == std::vector<float>(prog.get<0>().begin(), prog.get<0>().end()), tt::per_element());

  // A node that is not elementwise: a product that overflows float.
  var<"A", float, shape<2, 2>> A;
  auto m = compile(sum(matmul(A, A)));
  std::vector<float> big{3e19f, 3e19f, 3e19f, 3e19f};
  BOOST_TEST(std::string(m.run_check_finite(A = big).message()) ==
             "check_finite: matmul(A, A) (node 2 of 3, shape [2, 2]) produced inf at [0, 0]");
  // Bad bindings are reported as by run().
  std::vector<float> three(3);
  BOOST_TEST(std::string(m.run_check_finite(A = three).message()) ==
             std::string(m.run(A = three).message()));
}

BOOST_AUTO_TEST_CASE(a_loss_and_its_gradient_share_one_loop) {
  // sigmoid(x) and tanh(x) are read by the loss's sum and by the gradient: in one loop they are
  // computed once per element without a buffer of their own.
  var<"x", float, shape<dyn>> x;
  auto loss = sum(sigmoid(x) * tanh(x) + relu(x));
  auto g = grad(loss, x);
  auto prog = compile(loss, g);
  using P = decltype(prog);
  static_assert(P::kernel_count == 3);  // the sum, the seed of ones (a broadcast scalar), dL/dx
  static_assert(P::loop_count == 2);    // the seed, then the sum and dL/dx together
  std::vector<float> xs(1000);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = float(i) / 100.0f - 5.0f;
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  // The same values, bit for bit, as each output computed by a program of its own.
  auto alone_loss = compile(loss);
  auto alone_grad = compile(g);
  static_assert(decltype(alone_loss)::loop_count == 1);
  BOOST_TEST_REQUIRE(alone_loss.run(x = xs).ok());
  BOOST_TEST_REQUIRE(alone_grad.run(x = xs).ok());
  BOOST_TEST(prog[loss].item() == alone_loss[loss].item());
  BOOST_TEST(std::vector<float>(prog[g].begin(), prog[g].end()) ==
                 std::vector<float>(alone_grad[g].begin(), alone_grad[g].end()),
             tt::per_element());
  double ref = 0;
  for (float v : xs) {
    const double d = v, s = 1 / (1 + std::exp(-d));
    ref += s * std::tanh(d) + (d > 0 ? d : 0);
  }
  BOOST_TEST(prog[loss].item() == ref, tt::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(grouped_reductions_match_the_same_reductions_alone) {
  // A sum per row, a max and a mean over all elements and an elementwise output: one loop over x.
  var<"x", double, shape<dyn, 37>> x;  // 37 columns: two chunks of 16 lanes and a tail of 5
  auto rows = sum<1>(x * x);
  auto top = max(tanh(x));
  auto avg = mean(tanh(x) * x);
  auto act = tanh(x) + 1.0;
  auto prog = compile(rows, top, avg, act);
  static_assert(decltype(prog)::kernel_count == 4 && decltype(prog)::loop_count == 1);
  std::vector<double> xs(5 * 37);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.37 * double(i));
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  auto p_rows = compile(rows);
  auto p_top = compile(top);
  auto p_avg = compile(avg);
  auto p_act = compile(act);
  BOOST_TEST_REQUIRE((p_rows.run(x = xs).ok() && p_top.run(x = xs).ok() && p_avg.run(x = xs).ok() &&
                      p_act.run(x = xs).ok()));
  BOOST_TEST(std::vector<double>(prog.get<0>().begin(), prog.get<0>().end()) ==
                 std::vector<double>(p_rows.get<0>().begin(), p_rows.get<0>().end()),
             tt::per_element());
  BOOST_TEST(prog.get<1>().item() == p_top.get<0>().item());
  BOOST_TEST(prog.get<2>().item() == p_avg.get<0>().item());
  BOOST_TEST(std::vector<double>(prog.get<3>().begin(), prog.get<3>().end()) ==
                 std::vector<double>(p_act.get<0>().begin(), p_act.get<0>().end()),
             tt::per_element());
  double m = -1e300;
  for (double v : xs) m = std::max(m, std::tanh(v));
  BOOST_TEST(prog.get<1>().item() == m, tt::tolerance(1e-15));
  BOOST_TEST(prog.get<0>()[2] == [&] {
    double s = 0;
    for (int c = 0; c < 37; ++c) s += xs[2 * 37 + c] * xs[2 * 37 + c];
    return s;
  }(), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(kernels_that_must_run_between_stay_in_loops_of_their_own) {
  // exp(s) needs the sum s and comes before sigmoid(x) in evaluation order: s and sigmoid(x) loop
  // over the same elements, but one loop for both would run after exp(s) had read s. The plan
  // keeps a loop per kernel instead.
  var<"x", float, shape<dyn>> x;
  auto s = sum(x * x);
  auto e = exp(s * 0.001f);
  auto y = sigmoid(x);
  auto prog = compile(s, e, y);
  static_assert(decltype(prog)::loop_count == decltype(prog)::kernel_count);
  std::vector<float> xs{1, 2, 3, -4};
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  BOOST_TEST(prog[s].item() == 30.0f);
  BOOST_TEST(prog[e].item() == std::exp(0.03f), tt::tolerance(1e-6f));
  BOOST_TEST(prog[y][3] == 1 / (1 + std::exp(4.0f)), tt::tolerance(1e-6f));
  // Independent kernels after it may still share a loop: here sum(x) and y.
  auto prog2 = compile(s, e, sum(x), y);
  static_assert(decltype(prog2)::loop_count < decltype(prog2)::kernel_count);
  BOOST_TEST_REQUIRE(prog2.run(x = xs).ok());
  BOOST_TEST(prog2.get<2>().item() == 2.0f);
  BOOST_TEST(prog2.get<1>().item() == std::exp(0.03f), tt::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(separate_programs_run_on_separate_threads) {
  // A graph is a value and a program owns its buffers: one program per thread, no shared state.
  var<"x", double, shape<dyn, 16>> x;
  var<"W", double, shape<16, 4>> W;
  var<"y", int, shape<dyn>> y;
  auto loss = cross_entropy(tanh(matmul(x, W)), y);
  auto dW = grad(loss, W);
  std::vector<double> wv(64);
  for (std::size_t i = 0; i < wv.size(); ++i) wv[i] = 0.01 * double(i % 7) - 0.03;
  auto work = [&](int seed, std::vector<double>& out) {
    auto prog = compile(loss, dW);
    std::vector<double> xv(8 * 16);
    for (std::size_t i = 0; i < xv.size(); ++i) xv[i] = std::sin(double(seed) + double(i));
    std::vector<int> yv{0, 1, 2, 3, 3, 2, 1, 0};
    for (int rep = 0; rep < 200; ++rep)
      if (!prog.run(x = xv, W = wv, y = yv).ok()) return;
    out.assign(prog[dW].begin(), prog[dW].end());
    out.push_back(prog[loss].item());
  };
  std::vector<double> serial[4], threaded[4];
  for (int t = 0; t < 4; ++t) work(t, serial[t]);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, t, std::ref(threaded[t]));
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    BOOST_TEST_REQUIRE(serial[t].size() == 65u);
    BOOST_TEST(serial[t] == threaded[t], tt::per_element());
  }
  BOOST_TEST((serial[0] != serial[1]));  // the inputs differ, so must the results
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE dist_allreduce
#include <boost/test/unit_test.hpp>

#include <span>
#include <string>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/dist/allreduce.hpp"

using namespace ctgrad;
namespace dist = ctgrad::dist;

namespace {

// Stands for K ranks that all hold the same values (sum multiplies by K), and records what it was
// asked to sum; `fail` makes the next sum fail.
class replicas final : public dist::reducer {
 public:
  explicit replicas(int k) : k_(k) {}
  int rank() const override { return 0; }
  int size() const override { return k_; }
  absl::Status sum(std::span<float> v) override { return scale(v); }
  absl::Status sum(std::span<double> v) override { return scale(v); }
  absl::Status agree(const absl::Status& s) override { return s; }
  absl::Status check_identical(std::span<const float>, std::string_view) override { return absl::OkStatus(); }
  absl::Status broadcast(std::span<std::byte>, int) override { return absl::OkStatus(); }
  std::vector<std::size_t> sizes;
  bool fail = false;

 private:
  template <class T> absl::Status scale(std::span<T> v) {
    if (fail) return absl::InternalError("sum: MPI_Alltoallv: it broke");
    sizes.push_back(v.size());
    for (T& x : v) x *= static_cast<T>(k_);
    return absl::OkStatus();
  }
  int k_;
};

}  // namespace

// The gradients are the program's own buffers: reduced in place, read back through prog[gs[w]].
BOOST_AUTO_TEST_CASE(allreduce_outputs_sums_and_averages_the_named_outputs_in_place) {
  var<"x", double, shape<dyn, 2>> x;
  var<"w", double, shape<2>> w;
  var<"b", double> b;
  var<"y", double, shape<dyn>> y;
  auto loss = mse(matmul(x, w) + b, y);
  auto gs = grad(loss, w, b);
  auto prog = compile(gs);  // outputs: 0 loss, 1 dw, 2 db
  std::vector<double> xs{0, 1, 1, 0, 1, 1}, ws{0.5, -0.25}, ys{1, 0, 2};
  BOOST_REQUIRE(prog.run(x = xs, w = ws, b = 0.1, y = ys).ok());
  const double loss0 = prog[loss].item(), dw0 = prog[gs[w]][0], dw1 = prog[gs[w]][1], db0 = prog[gs[b]].item();

  replicas three(3);
  BOOST_REQUIRE((dist::allreduce_outputs<1, 2>(prog, three).ok()));
  BOOST_TEST(prog[gs[w]][0] == 3 * dw0);
  BOOST_TEST(prog[gs[w]][1] == 3 * dw1);
  BOOST_TEST(prog[gs[b]].item() == 3 * db0);
  BOOST_TEST(prog[loss].item() == loss0);                // not named: untouched
  BOOST_TEST((three.sizes == std::vector<std::size_t>{2, 1}));

  BOOST_REQUIRE(prog.run(x = xs, w = ws, b = 0.1, y = ys).ok());   // a run rewrites every output
  BOOST_TEST(prog[gs[w]][0] == dw0);
  BOOST_REQUIRE((dist::allreduce_outputs<0, 2>(prog, three, dist::reduction::mean).ok()));
  BOOST_TEST(prog[loss].item() == loss0);                // 3 equal ranks: the mean is the value
  BOOST_TEST(prog[gs[b]].item() == db0);
  BOOST_TEST(prog[gs[w]][0] == dw0);
}

BOOST_AUTO_TEST_CASE(an_output_named_twice_is_reduced_once) {
  var<"x", float, shape<4>> x;
  auto loss = sum(square(x));
  auto prog = compile(loss, grad(loss, x));  // outputs: 0 loss, 1 dx (one variable: an expression)
  std::vector<float> xs{1, 2, 3, 4};
  BOOST_REQUIRE(prog.run(x = xs).ok());
  replicas two(2);
  BOOST_REQUIRE((dist::allreduce_outputs<1, 1>(prog, two).ok()));
  BOOST_TEST(prog.get<1>()[3] == 16.0f);
  BOOST_TEST(two.sizes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_sum_names_the_output) {
  var<"x", float, shape<4>> x;
  auto loss = sum(square(x));
  auto prog = compile(loss, grad(loss, x));
  std::vector<float> xs{1, 2, 3, 4};
  BOOST_REQUIRE(prog.run(x = xs).ok());
  replicas two(2);
  two.fail = true;
  const absl::Status st = dist::allreduce_outputs<1>(prog, two);
  BOOST_TEST((st.code() == absl::StatusCode::kInternal));
  BOOST_TEST(st.message() == "allreduce_outputs: output 1: sum: MPI_Alltoallv: it broke");
}

BOOST_AUTO_TEST_CASE(with_local_reducer_the_gradient_is_unchanged) {
  var<"x", float, shape<4>> x;
  auto loss = sum(square(x));
  auto prog = compile(loss, grad(loss, x));
  std::vector<float> xs{1, 2, 3, 4};
  BOOST_REQUIRE(prog.run(x = xs).ok());
  dist::local_reducer local;
  BOOST_REQUIRE((dist::allreduce_outputs<0, 1>(prog, local, dist::reduction::mean).ok()));
  BOOST_TEST(prog.get<1>()[2] == 6.0f);
  BOOST_TEST(prog.get<0>().item() == 30.0f);
}

// Tests for ctgrad/eval/plan.hpp: the plan and compile()'s kernels read what an op says of itself
// (its evaluation traits), not a list of ops. The ops below exist only in this file, defined as a
// contributor adds one (docs/contributing.md, "Add a non-elementwise op"): a reduction with its
// init/combine/finish, and an op with a kernel of its own whose needs_buffer decides whether its
// child is fused. Nothing under eval/ knows them; they compile, fuse, group and evaluate.
#define BOOST_TEST_MODULE plan
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {

// The product of the elements (Axis -1) or of each row (Axis 1): a reduction by its traits.
template <int Axis>
struct prod_op {
  static constexpr bool elementwise = false;
  static constexpr std::string_view name = "prod";
  static constexpr ops::curvature curvature = ops::curvature::nonlinear;
  static constexpr int axis = Axis;
  template <class C> using value_type = value_t<C>;
  template <class C> using shape_type = shapes::reduce_t<shape_t<C>, Axis, false>;
  template <std::size_t I> static constexpr bool needs_buffer = false;  // fused into the product's loop
  template <class T> static constexpr T init = T(1);
  template <class T> static constexpr T combine(T a, T b) noexcept { return a * b; }
  template <class T> static constexpr T finish(T acc, std::size_t) noexcept { return acc; }
};
template <int Axis = -1, expression X> auto prod(const X& x) { return make_node<prod_op<Axis>>(x); }

// Each row's columns in reverse order: a kernel of its own. Buffered: its child must be in a buffer
// (needs_buffer); else the kernel computes the fused child element by element (context.value).
template <bool Buffered>
struct reverse_cols_op {
  static constexpr bool elementwise = false;
  static constexpr std::string_view name = "reverse_cols";
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class C> using value_type = value_t<C>;
  template <class C> using shape_type = shape_t<C>;
  template <std::size_t I> static constexpr bool needs_buffer = Buffered;
  template <class N, class Ctx, class T> static absl::Status kernel(const Ctx& p, T* out) {
    using X = meta::at_t<0, typename N::children_types>;
    const std::size_t R = shapes::rows<shape_t<X>>(p.batch()), C = shapes::cols<shape_t<X>>(p.batch());
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t c = 0; c < C; ++c) {
        if constexpr (Buffered) out[r * C + (C - 1 - c)] = p.template buffer<X>()[r * C + c];
        else out[r * C + (C - 1 - c)] = p.template value<X>(r, c);
      }
    return absl::OkStatus();
  }
};
template <bool Buffered, expression X> auto reverse_cols(const X& x) { return make_node<reverse_cols_op<Buffered>>(x); }

}  // namespace

BOOST_AUTO_TEST_SUITE(plan_suite)

BOOST_AUTO_TEST_CASE(a_reduction_defined_by_its_traits_fuses_its_child) {
  static_assert(ops::reduction_op<prod_op<-1>> && ops::reduction_op<ops::reduce_op<ops::reduce_kind::max, 1, false>>);
  static_assert(!ops::reduction_op<ops::matmul_op> && !ops::reduction_op<ops::add_op>);
  var<"x", double, shape<dyn>> x;
  auto p = prod(x * 2.0);
  auto prog = compile(p);
  static_assert(decltype(prog)::kernel_count == 1);  // x * 2 is computed in the product's loop
  std::vector<double> xs(37);  // more than two chunks of 16 lanes, and a tail
  double want = 1;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    xs[i] = 0.5 + double(i % 5) / 8;
    want *= 2 * xs[i];
  }
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  BOOST_TEST(prog[p].item() == want, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(a_reduction_defined_by_its_traits_shares_a_loop_group) {
  // Along rows, beside an elementwise kernel and a built-in reduction over the same elements: one loop.
  var<"x", float, shape<dyn, 20>> x;
  auto rows = prod<1>(exp(x) * 0.5f);
  auto total = sum(exp(x));
  auto prog = compile(rows, total);
  using P = decltype(prog);
  static_assert(P::kernel_count == 2 && P::loop_count == 1);
  std::vector<float> xs(3 * 20);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = float(i % 7) / 10.0f - 0.3f;
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  double all = 0;
  for (std::size_t r = 0; r < 3; ++r) {
    double want = 1;
    for (std::size_t c = 0; c < 20; ++c) {
      want *= std::exp(double(xs[r * 20 + c])) * 0.5;
      all += std::exp(double(xs[r * 20 + c]));
    }
    BOOST_TEST(prog[rows][r] == want, tt::tolerance(1e-5));
  }
  BOOST_TEST(prog[total].item() == all, tt::tolerance(1e-5));
  // The grouped loop gives what each kernel gives alone.
  auto alone = compile(rows);
  BOOST_TEST_REQUIRE(alone.run(x = xs).ok());
  for (std::size_t r = 0; r < 3; ++r) BOOST_TEST(prog[rows][r] == alone[rows][r]);
}

BOOST_AUTO_TEST_CASE(an_op_with_a_kernel_gets_buffers_where_its_needs_buffer_says) {
  var<"x", float, shape<dyn, 3>> x;
  auto fused = reverse_cols<false>(x * 2.0f);
  auto buffered = reverse_cols<true>(x * 2.0f);
  auto pf = compile(fused);
  auto pb = compile(buffered);
  static_assert(decltype(pf)::kernel_count == 1);  // x * 2 computed by the kernel, no buffer
  static_assert(decltype(pb)::kernel_count == 2);  // x * 2 in a buffer, then the kernel
  const std::vector<float> xs{1, 2, 3, 4, 5, 6};
  BOOST_TEST_REQUIRE(pf.run(x = xs).ok());
  BOOST_TEST_REQUIRE(pb.run(x = xs).ok());
  const std::vector<float> want{6, 4, 2, 12, 10, 8};
  BOOST_TEST(std::vector<float>(pf[fused].begin(), pf[fused].end()) == want, tt::per_element());
  BOOST_TEST(std::vector<float>(pb[buffered].begin(), pb[buffered].end()) == want, tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_transpose_read_only_by_matmuls_is_folded) {
  // transpose's `foldable` and matmul's `folds_transpose`: no buffer, no kernel for the transpose;
  // read also by an elementwise op, it gets both.
  var<"a", double, shape<3, 2>> a;
  var<"b", double, shape<3, 2>> b;
  auto m = matmul(transpose(a), b);
  auto folded = compile(m);
  auto kept = compile(m, transpose(a) * 2.0);
  static_assert(decltype(folded)::kernel_count == 1);
  static_assert(decltype(kept)::kernel_count == 3);
  const std::vector<double> as{1, 2, 3, 4, 5, 6}, bs{1, 0, 0, 1, 1, 1};
  BOOST_TEST_REQUIRE(folded.run(a = as, b = bs).ok());
  BOOST_TEST_REQUIRE(kept.run(a = as, b = bs).ok());
  const std::vector<double> want{6, 8, 8, 10};  // aᵀ b
  BOOST_TEST(std::vector<double>(folded[m].begin(), folded[m].end()) == want, tt::per_element());
  BOOST_TEST(std::vector<double>(kept[m].begin(), kept[m].end()) == want, tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

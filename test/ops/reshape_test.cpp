// Tests for ctgrad/ops/reshape.hpp: reshape<Shape>(x) flattens a matrix and folds a vector row-major,
// reading a computed child from its buffer at the flat position, and is linear in grad and jvp
// (values and derivatives against hand-derived ones). column_op is tested through jacobian's forward
// columns (autodiff/jacobian).
#define BOOST_TEST_MODULE reshape
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(reshape_suite)

BOOST_AUTO_TEST_CASE(reshape_flattens_and_folds_row_major_and_is_linear_in_grad_and_jvp) {
  var<"A", double, shape<2, 3>> A;
  var<"w", double, shape<6>> w;
  static_assert(std::is_same_v<decltype(reshape<shape<2, 3>>(A)), decltype(A)>);
  static_assert(std::is_same_v<decltype(reshape<shape<2, 3>>(reshape<shape<6>>(A))), decltype(A)>);
  auto flat = reshape<shape<6>>(tanh(A));            // a computed child, read from its buffer
  auto fold = reshape<shape<3, 2>>(w * w);           // a vector folded into a [3, 2] matrix
  auto loss = sum(flat * w) + sum(square(fold) * transpose(A));
  auto g = grad(loss, A, w);
  auto dA = jvp(loss, A, exp(A));                    // a tangent through both reshapes
  auto prog = compile(flat, fold, loss, g, dA);
  const std::vector<double> a{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, wv{1, 2, -3, 0.5, 1.5, -1};
  BOOST_TEST_REQUIRE(prog.run(A = a, w = wv).ok());
  double ref_loss = 0, ref_dA = 0;
  for (int k = 0; k < 6; ++k) {
    BOOST_TEST(prog[flat][k] == std::tanh(a[k]), tt::tolerance(1e-15));
    BOOST_TEST(prog[fold](k / 2, k % 2) == wv[k] * wv[k]);
  }
  // loss = sum_k tanh(a_k) w_k + sum_{i<3, j<2} w_{2i+j}^4 A[j][i].
  for (int k = 0; k < 6; ++k) ref_loss += std::tanh(a[k]) * wv[k];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) ref_loss += std::pow(wv[2 * i + j], 4) * a[j * 3 + i];
  BOOST_TEST(prog[loss][0] == ref_loss, tt::tolerance(1e-13));
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 3; ++i) {
      const int k = j * 3 + i;
      const double dl = (1 - std::tanh(a[k]) * std::tanh(a[k])) * wv[k] + std::pow(wv[2 * i + j], 4);
      BOOST_TEST(prog[g[A]][k] == dl, tt::tolerance(1e-13));
      ref_dA += dl * std::exp(a[k]);
    }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      const int k = 2 * i + j;
      BOOST_TEST(prog[g[w]][k] == std::tanh(a[k]) + 4 * std::pow(wv[k], 3) * a[j * 3 + i], tt::tolerance(1e-13));
    }
  BOOST_TEST(prog[dA][0] == ref_dA, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_SUITE_END()

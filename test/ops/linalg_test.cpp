// Tests for ctgrad/ops/linalg.hpp: matmul (matrix·matrix, matrix·vector) and transpose, values
// against a naive product and gradients against the hand-derived G·Bᵀ and Aᵀ·G.
#define BOOST_TEST_MODULE linalg
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
std::vector<double> random_vector(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(n);
  for (auto& e : v) e = u(rng);
  return v;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(linalg)

BOOST_AUTO_TEST_CASE(matmul_matches_naive_product_and_gradients_are_g_bt_and_at_g) {
  constexpr std::size_t M = 5, K = 7, N = 3;
  var<"A", double, shape<dyn, K>> A;
  var<"B", double, shape<K, N>> B;
  var<"G", double, shape<dyn, N>> G;   // a fixed upstream gradient: loss = sum(G * (A·B))
  auto C = matmul(A, B);
  auto loss = sum(G * C);
  auto gs = grad(loss, A, B);
  auto prog = compile(C, gs);
  auto a = random_vector(M * K, 1), b = random_vector(K * N, 2), g = random_vector(M * N, 3);
  BOOST_TEST_REQUIRE(prog.run(A = a, B = b, G = g).ok());
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      double ref = 0;
      for (std::size_t k = 0; k < K; ++k) ref += a[i * K + k] * b[k * N + j];
      BOOST_TEST(prog[C](i, j) == ref, tt::tolerance(1e-13));
    }
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t k = 0; k < K; ++k) {
      double ref = 0;  // (G·Bᵀ)[i,k]
      for (std::size_t j = 0; j < N; ++j) ref += g[i * N + j] * b[k * N + j];
      BOOST_TEST(prog[gs[A]](i, k) == ref, tt::tolerance(1e-13));
    }
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t j = 0; j < N; ++j) {
      double ref = 0;  // (Aᵀ·G)[k,j]
      for (std::size_t i = 0; i < M; ++i) ref += a[i * K + k] * g[i * N + j];
      BOOST_TEST(prog[gs[B]](k, j) == ref, tt::tolerance(1e-13));
    }
}

BOOST_AUTO_TEST_CASE(matrix_vector_product_and_its_gradients) {
  var<"A", double, shape<3, 4>> A;
  var<"v", double, shape<4>> v;
  auto y = matmul(A, v);
  static_assert(std::is_same_v<shape_t<decltype(y)>, shape<3>>);
  auto loss = sum(y * y);
  auto gs = grad(loss, A, v);
  auto prog = compile(y, gs);
  auto a = random_vector(12, 4), x = random_vector(4, 5);
  BOOST_TEST_REQUIRE(prog.run(A = a, v = x).ok());
  std::vector<double> yr(3, 0.0);
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 4; ++k) yr[i] += a[i * 4 + k] * x[k];
  for (int i = 0; i < 3; ++i) BOOST_TEST(prog[y][i] == yr[i], tt::tolerance(1e-13));
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 4; ++k) BOOST_TEST(prog[gs[A]](i, k) == 2 * yr[i] * x[k], tt::tolerance(1e-13));
  for (int k = 0; k < 4; ++k) {
    double ref = 0;
    for (int i = 0; i < 3; ++i) ref += 2 * yr[i] * a[i * 4 + k];
    BOOST_TEST(prog[gs[v]][k] == ref, tt::tolerance(1e-13));
  }
}

BOOST_AUTO_TEST_CASE(transpose_values_and_double_transpose_is_identity) {
  var<"A", double, shape<2, 3>> A;
  static_assert(std::is_same_v<decltype(transpose(transpose(A))), decltype(A)>);
  auto t = transpose(A);
  auto loss = sum(t * t * 0.5);
  auto g = grad(loss, A);
  auto prog = compile(t, loss, g);
  std::vector<double> a{1, 2, 3, 4, 5, 6};
  BOOST_TEST_REQUIRE(prog.run(A = a).ok());
  BOOST_TEST(prog[t](2, 1) == 6.0);
  BOOST_TEST(prog[t](0, 1) == 4.0);
  for (int i = 0; i < 6; ++i) BOOST_TEST(prog[g][i] == a[i]);
}

BOOST_AUTO_TEST_SUITE_END()

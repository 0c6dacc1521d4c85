#define BOOST_TEST_MODULE gemm
// Tests for ctgrad/eval/gemm.hpp: every transpose case, odd and block-straddling sizes, padded
// leading dimensions, alpha/beta variants, the matrix-vector path (M == 1 or N == 1), against a long
// double reference with a K-scaled bound (never bit-exact: the two paths sum in different orders).
#include "ctgrad/eval/gemm.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include "support/same_sums.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

namespace {

using ctgrad::kernel::trans;

using element_types = boost::mpl::list<float, double>;

// One gemm call's inputs, stored with padded leading dimensions.
template <class T> struct problem {
  trans ta, tb;
  std::size_t m, n, k, lda, ldb, ldc;
  T alpha, beta;
  std::vector<T> a, b, c;

  T op_a(std::size_t i, std::size_t p) const { return ta == trans::no ? a[i * lda + p] : a[p * lda + i]; }
  T op_b(std::size_t p, std::size_t j) const { return tb == trans::no ? b[p * ldb + j] : b[j * ldb + p]; }
};

constexpr float sentinel = -12345.0f;

template <class T>
problem<T> make_problem(std::mt19937_64& rng, trans ta, trans tb, std::size_t m, std::size_t n,
                        std::size_t k, std::size_t pad, T alpha, T beta, bool nan_c) {
  problem<T> p{ta, tb, m, n, k, 0, 0, 0, alpha, beta, {}, {}, {}};
  const std::size_t a_rows = ta == trans::no ? m : k, a_cols = ta == trans::no ? k : m;
  const std::size_t b_rows = tb == trans::no ? k : n, b_cols = tb == trans::no ? n : k;
  p.lda = a_cols + pad;
  p.ldb = b_cols + pad;
  p.ldc = n + pad;
  std::uniform_real_distribution<T> u(T(-1), T(1));
  p.a.resize(a_rows * p.lda);
  p.b.resize(b_rows * p.ldb);
  p.c.resize(m * p.ldc);
  for (auto& x : p.a) x = u(rng);
  for (auto& x : p.b) x = u(rng);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < p.ldc; ++j)
      p.c[i * p.ldc + j] = j >= n ? T(sentinel) : nan_c ? std::numeric_limits<T>::quiet_NaN() : u(rng);
  return p;
}

// Runs gemm on p and checks every element of C against a long double reference, with the bound
// |error| <= 2 (K + 2) eps (|alpha| sum_k |a||b| + |beta c|), and that the padding is untouched.
template <class T> void run_and_check(problem<T> p, const char* what) {
  const std::vector<T> c0 = p.c;
  ctgrad::kernel::gemm<T>(p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a.data(), p.lda, p.b.data(), p.ldb, p.beta, p.c.data(),
          p.ldc);
  const long double eps = std::numeric_limits<T>::epsilon();
  std::size_t failures = 0;
  for (std::size_t i = 0; i < p.m; ++i) {
    for (std::size_t j = 0; j < p.ldc; ++j) {
      const T got = p.c[i * p.ldc + j];
      if (j >= p.n) {  // outside the M x N window
        if (got != T(sentinel) && ++failures <= 5)
          BOOST_ERROR(what << ": C(" << i << "," << j << ") outside the window was overwritten");
        continue;
      }
      long double sum = 0, mag = 0;
      for (std::size_t q = 0; q < p.k; ++q) {
        const long double t = static_cast<long double>(p.op_a(i, q)) * p.op_b(q, j);
        sum += t;
        mag += std::fabs(t);
      }
      long double ref = static_cast<long double>(p.alpha) * sum;
      long double bound_mag = std::fabs(static_cast<long double>(p.alpha)) * mag;
      if (p.beta != T(0)) {
        ref += static_cast<long double>(p.beta) * c0[i * p.ldc + j];
        bound_mag += std::fabs(static_cast<long double>(p.beta) * c0[i * p.ldc + j]);
      }
      const long double bound = 2 * (p.k + 2) * eps * bound_mag + std::numeric_limits<T>::min();
      if (!(std::fabs(got - ref) <= bound) && ++failures <= 5)
        BOOST_ERROR(what << ": C(" << i << "," << j << ") = " << got << ", expected " << static_cast<double>(ref)
                         << " within " << static_cast<double>(bound) << " (M=" << p.m << " N=" << p.n
                         << " K=" << p.k << " ta=" << (p.ta == trans::yes) << " tb=" << (p.tb == trans::yes)
                         << " alpha=" << p.alpha << " beta=" << p.beta << ")");
    }
  }
  BOOST_TEST(failures == 0u, what << ": " << failures << " wrong elements");
}

constexpr trans both[] = {trans::no, trans::yes};

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm)

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_reference_for_every_transpose_case_at_random_odd_sizes, T,
                              element_types) {
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<std::size_t> extent(1, 67), pad(0, 5);
  const T alphas[] = {T(1), T(-0.75), T(2.5)};
  const T betas[] = {T(0), T(1), T(-1.5)};
  for (int round = 0; round < 40; ++round)
    for (trans ta : both)
      for (trans tb : both) {
        const T alpha = alphas[round % 3], beta = betas[(round / 3) % 3];
        run_and_check(make_problem<T>(rng, ta, tb, extent(rng), extent(rng), extent(rng), pad(rng), alpha,
                                      beta, beta == T(0)),
                      "random odd sizes");
      }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(handles_single_row_column_and_step, T, element_types) {
  std::mt19937_64 rng(7);
  const std::size_t sizes[] = {1, 2, 17};
  for (trans ta : both)
    for (trans tb : both)
      for (std::size_t m : sizes)
        for (std::size_t n : sizes)
          for (std::size_t k : sizes)
            run_and_check(make_problem<T>(rng, ta, tb, m, n, k, 1, T(1), T(0.5), false), "tiny sizes");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(beta_zero_overwrites_nan_filled_c, T, element_types) {
  std::mt19937_64 rng(11);
  for (trans ta : both)
    for (trans tb : both)
      run_and_check(make_problem<T>(rng, ta, tb, 37, 45, 29, 3, T(1), T(0), true), "beta = 0 over NaN");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(accumulates_across_several_cache_blocks_of_every_loop, T, element_types) {
  // K > 256 (several k blocks, beta applied once), N > 128 and M > 64 (several n and m blocks).
  std::mt19937_64 rng(13);
  for (trans ta : both)
    for (trans tb : both) {
      run_and_check(make_problem<T>(rng, ta, tb, 150, 301, 600, 2, T(0.5), T(-1), false), "large beta = -1");
      run_and_check(make_problem<T>(rng, ta, tb, 71, 133, 517, 0, T(1), T(0), true), "large beta = 0");
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_reference_at_the_mlp_shapes, T, element_types) {
  // Forward 32x784 * 784x128 and 32x128 * 128x10; backward dW1 = X^T G, dW2 = H^T G2, dX = G W1^T,
  // dH = G2 W2^T.
  std::mt19937_64 rng(17);
  struct shape { trans ta, tb; std::size_t m, n, k; };
  const shape shapes[] = {{trans::no, trans::no, 32, 128, 784},  {trans::no, trans::no, 32, 10, 128},
                          {trans::yes, trans::no, 784, 128, 32}, {trans::yes, trans::no, 128, 10, 32},
                          {trans::no, trans::yes, 32, 784, 128}, {trans::no, trans::yes, 32, 128, 10}};
  for (const shape& s : shapes)
    run_and_check(make_problem<T>(rng, s.ta, s.tb, s.m, s.n, s.k, 0, T(1), T(0), true), "MLP shape");
}

// Matrix-vector products (N == 1: a column result; M == 1: a row result) take their own path, which
// reads the matrix in place (a dot product per row, or rows added in turn) instead of packing it.
// Every combination the interface allows: both transposes, padded leading dimensions (so a strided
// vector operand and a strided C column), alpha != 1, beta = 0 over NaN, 1 and -1.5, and extents
// from 1 to several blocks of that path (2048 doubles or 4096 floats along k and along the result).
struct vector_shape { std::size_t rows, k; };
constexpr vector_shape vector_shapes[] = {{1, 1},   {1, 150}, {3, 17},  {17, 3},    {17, 1},    {16, 32},
                                          {33, 31}, {150, 1000}, {1000, 150}, {7, 9001}, {4500, 3}};

template <class T> void check_vector_products(bool column) {
  std::mt19937_64 rng(column ? 23 : 29);
  const T alphas[] = {T(1), T(-0.75)};
  const T betas[] = {T(0), T(1), T(-1.5)};
  for (const vector_shape& s : vector_shapes)
    for (trans ta : both)
      for (trans tb : both)
        for (std::size_t pad : {std::size_t{0}, std::size_t{3}})
          for (T alpha : alphas)
            for (T beta : betas) {
              const std::size_t m = column ? s.rows : 1, n = column ? 1 : s.rows;
              run_and_check(make_problem<T>(rng, ta, tb, m, n, s.k, pad, alpha, beta, beta == T(0)),
                            column ? "matrix times column vector" : "row vector times matrix");
            }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_times_column_vector_matches_reference_in_every_layout, T, element_types) {
  check_vector_products<T>(true);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(row_vector_times_matrix_matches_reference_in_every_layout, T, element_types) {
  check_vector_products<T>(false);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_vector_products_are_the_same_on_every_call, T, element_types) {
  // The summation order is fixed (16 partial sums per dot product, rows added in k order), so
  // repeated calls agree to the bit; it differs from the blocked path's order, so a column computed
  // alone may differ in the last bits from the same column inside a wider product.
  std::mt19937_64 rng(31);
  for (trans ta : both)
    for (trans tb : both)
      for (bool column : {true, false}) {
        problem<T> p = make_problem<T>(rng, ta, tb, column ? 1000 : 1, column ? 1 : 1000, 150, 1, T(0.5), T(1), false);
        std::vector<T> first = p.c, second = p.c;
        ctgrad::kernel::gemm<T>(p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a.data(), p.lda, p.b.data(), p.ldb, p.beta,
                                first.data(), p.ldc);
        ctgrad::kernel::gemm<T>(p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a.data(), p.lda, p.b.data(), p.ldb, p.beta,
                                second.data(), p.ldc);
        BOOST_TEST((first == second));
      }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(zero_k_or_zero_alpha_only_scales_c_by_beta, T, element_types) {
  std::vector<T> c = {1, 2, 3, 4, 5, 6};  // 2 x 2 window in a 2 x 3 buffer
  const T a[] = {std::numeric_limits<T>::quiet_NaN()}, b[] = {std::numeric_limits<T>::quiet_NaN()};
  ctgrad::kernel::gemm<T>(trans::no, trans::no, 2, 2, 0, T(1), a, 1, b, 2, T(2), c.data(), 3);
  BOOST_TEST((c == std::vector<T>{2, 4, 3, 8, 10, 6}));
  ctgrad::kernel::gemm<T>(trans::no, trans::no, 2, 2, 1, T(0), a, 1, b, 2, T(0.5), c.data(), 3);
  BOOST_TEST((c == std::vector<T>{1, 2, 3, 4, 5, 6}));
  c[0] = std::numeric_limits<T>::quiet_NaN();
  ctgrad::kernel::gemm<T>(trans::no, trans::no, 2, 2, 0, T(1), a, 1, b, 2, T(0), c.data(), 3);
  BOOST_TEST((c == std::vector<T>{0, 0, 3, 0, 0, 6}));
}

// kernel::gemv_pair: t = A v and g = A^T e in one pass, where e is computed from t per block of rows:
// what gemm's two matrix-vector products give, at sizes around the pass's blocks (its rows per
// block: a multiple of 4, up to 64) and groups of four rows, with a padded row stride. The same sums
// in the same order: bit for bit without FMA; with it, within a few roundings (the compiler may
// contract a multiply-add in one place and not in the other).
BOOST_AUTO_TEST_CASE_TEMPLATE(gemv_pair_gives_gemms_two_products, T, element_types) {
  using ctgrad::kernel::gemv_pair_fits;
  BOOST_TEST(!gemv_pair_fits<T>(1));
  BOOST_TEST(gemv_pair_fits<T>(2));
  BOOST_TEST(!gemv_pair_fits<T>(ctgrad::detail::gemm_impl::gemv_config<T>::block + 1));
  std::mt19937_64 rng(47);
  std::normal_distribution<double> d;
  for (std::size_t k : {2u, 3u, 17u, 150u, 784u})
    for (std::size_t m : {1u, 3u, 4u, 5u, 12u, 13u, 64u, 65u, 200u, 1001u}) {
      const std::size_t lda = k + 3;
      std::vector<T> a(m * lda), v(k);
      for (auto& x : a) x = T(d(rng));
      for (auto& x : v) x = T(d(rng));
      // e_i = tanh(t_i) - 0.5: an adjoint computed from t, as a gradient's is.
      std::vector<T> t(m), e(m, std::numeric_limits<T>::quiet_NaN()), g(k);
      std::size_t called = 0, covered = 0;
      bool in_order = true;
      ctgrad::kernel::gemv_pair<T>(m, k, a.data(), lda, v.data(), t.data(), e.data(), g.data(),
                                   [&](std::size_t i0, std::size_t i1) {
                                     in_order = in_order && i0 == covered && i1 > i0;
                                     covered = i1;
                                     ++called;
                                     for (std::size_t i = i0; i < i1; ++i) e[i] = std::tanh(t[i]) - T(0.5);
                                   });
      BOOST_TEST(in_order);
      BOOST_TEST(covered == m);
      BOOST_TEST(called >= (m + 63) / 64);  // blocks of at most 64 rows
      std::vector<T> t2(m), g2(k);
      ctgrad::kernel::gemm<T>(trans::no, trans::no, m, 1, k, T(1), a.data(), lda, v.data(), 1, T(0), t2.data(), 1);
      ctgrad::kernel::gemm<T>(trans::yes, trans::no, k, 1, m, T(1), a.data(), lda, e.data(), 1, T(0), g2.data(), 1);
      const auto same = [](const std::vector<T>& x, const std::vector<T>& y) {
        for (std::size_t i = 0; i < x.size(); ++i)
          if (!ctgrad_test::same_sums(x[i], y[i])) return false;
        return true;
      };
      BOOST_TEST(same(t, t2), "t differs at m = " << m << ", k = " << k);
      BOOST_TEST(same(g, g2), "g differs at m = " << m << ", k = " << k);
    }
}

// The dispatch (kernel::backend_for): the built-in kernel for everything without the BLAS backend;
// with it (this file is also built as eval/gemm_blas with CTGRAD_USE_BLAS when OpenBLAS is found),
// BLAS for the thin products only, and every test above then runs through cblas for those.
BOOST_AUTO_TEST_CASE_TEMPLATE(backend_for_sends_only_thin_products_to_blas, T, element_types) {
  using ctgrad::kernel::backend;
  using ctgrad::kernel::backend_for;
#if defined(CTGRAD_USE_BLAS)
  BOOST_TEST(ctgrad::kernel::blas_backend_enabled);
#else
  BOOST_TEST(!ctgrad::kernel::blas_backend_enabled);
#endif
  constexpr std::size_t lanes = ctgrad::detail::gemm_impl::lanes<T>;
  // What a product whose smallest extent is `least` should use.
  const auto thin = [](std::size_t least) {
    return ctgrad::kernel::blas_backend_enabled && least < 2 * lanes ? backend::blas : backend::builtin;
  };
  // The MLP's products: the four with a 10 (columns, rows or steps) are thin, the others wide.
  BOOST_TEST((backend_for<T>(32, 10, 128, T(1)) == thin(10)));
  BOOST_TEST((backend_for<T>(128, 10, 32, T(1)) == thin(10)));
  BOOST_TEST((backend_for<T>(10, 32, 128, T(1)) == thin(10)));
  BOOST_TEST((backend_for<T>(32, 128, 10, T(1)) == thin(10)));
  BOOST_TEST((backend_for<T>(32, 128, 784, T(1)) == thin(32)));
  BOOST_TEST((backend_for<T>(784, 128, 32, T(1)) == thin(32)));
  BOOST_TEST((backend_for<T>(2 * lanes, 2 * lanes, 2 * lanes, T(1)) == backend::builtin));
  if constexpr (lanes > 1) {  // (a scalar build, CTGRAD_KERNEL_SCALAR, has no thin products)
    BOOST_TEST((backend_for<T>(2 * lanes - 1, 500, 500, T(1)) == thin(1)));
    BOOST_TEST((backend_for<T>(500, 2, 500, T(1)) == thin(1)));
    BOOST_TEST((backend_for<T>(500, 500, 2 * lanes - 1, T(1)) == thin(1)));
  }
  // Vector results, K == 0 and alpha == 0 always stay built-in.
  BOOST_TEST((backend_for<T>(1000, 1, 150, T(1)) == backend::builtin));
  BOOST_TEST((backend_for<T>(1, 1000, 150, T(1)) == backend::builtin));
  BOOST_TEST((backend_for<T>(32, 10, 0, T(1)) == backend::builtin));
  BOOST_TEST((backend_for<T>(32, 10, 128, T(0)) == backend::builtin));
  static_assert(backend_for<T>(1000, 1, 150, T(1)) == backend::builtin, "usable in constant expressions");
}

BOOST_AUTO_TEST_SUITE_END()

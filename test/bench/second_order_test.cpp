// Issue 23's benchmarks (second_order.hpp) compute the right thing: for the MLP loss and W2's
// regression, hvp() (forward-over-reverse) agrees with reverse-over-reverse, H is symmetric
// (u.Hv = v.Hu), W2's HVP agrees with a central difference of the gradient and with its exact
// H V = -X^T X v / sigma^2 - v; grad(loss, W) agrees with the full gradient's W part; ctgrad's
// Jacobians chose the mode the benchmark names and agree with Eigen's AutoDiffJacobian (when Eigen
// was found) and with central differences of F.
#define BOOST_TEST_MODULE second_order_bench
#include "second_order.hpp"

#include <boost/test/unit_test.hpp>
#include <vector>

using namespace ctgrad_bench::second_order;

BOOST_AUTO_TEST_CASE(mlp_hvp_agrees) {
  auto c = make_mlp_hvp();
  const hvp_agreement a = check_hvp(*c, 0);
  BOOST_TEST(a.fwd_vs_rev <= mlp_fwd_vs_rev_tolerance);
  BOOST_TEST(a.gradient_w_vs_all <= mlp_fwd_vs_rev_tolerance);
  BOOST_TEST(a.symmetry <= mlp_fwd_vs_rev_tolerance);
}

BOOST_AUTO_TEST_CASE(w2_hvp_agrees_and_is_exact) {
  auto c = make_w2_hvp();
  const hvp_agreement a = check_hvp(*c, 1e-3);
  BOOST_TEST(a.fwd_vs_rev <= w2_tolerance);
  BOOST_TEST(a.gradient_w_vs_all <= w2_tolerance);
  BOOST_TEST(a.fwd_vs_central_difference <= 1e-8);
  BOOST_TEST(a.symmetry <= w2_tolerance);
  c->hvp_fwd_rev();
  BOOST_TEST(distance(c->last_hvp_fwd_rev(), w2_exact_hvp(c->v())) <= w2_tolerance);
  c->hvp_rev_rev();
  BOOST_TEST(distance(c->last_hvp_rev_rev(), w2_exact_hvp(c->v())) <= w2_tolerance);
}

BOOST_AUTO_TEST_CASE(jacobians_agree) {
  for (const jacobian_shape s : jacobian_shapes()) {
    BOOST_TEST_CONTEXT("n = " << s.n << ", m = " << s.m) {
      BOOST_TEST(ctgrad_jacobian_is_forward(s) == (s.m >= s.n));
      auto ct = make_ctgrad_jacobian(s);
      // Central differences of F, column by column.
      std::vector<double> x = jacobian_point(s);
      ct->run(x.data());
      const std::vector<double> j(ct->jac(), ct->jac() + s.m * s.n);
      std::vector<double> cd(j.size());
      const double h = 1e-6;
      for (int k = 0; k < s.n; ++k) {
        const double x0 = x[std::size_t(k)];
        x[std::size_t(k)] = x0 + h;
        ct->run(x.data());
        const std::vector<double> fp(ct->value(), ct->value() + s.m);
        x[std::size_t(k)] = x0 - h;
        ct->run(x.data());
        for (int i = 0; i < s.m; ++i) cd[std::size_t(i * s.n + k)] = (fp[std::size_t(i)] - ct->value()[i]) / (2 * h);
        x[std::size_t(k)] = x0;
      }
      BOOST_TEST(distance(j, cd) <= 1e-8);
#if defined(CTGRAD_BENCH_HAVE_EIGEN)
      auto eig = make_eigen_jacobian(s);
      BOOST_TEST(jacobian_distance(s, *ct, *eig) <= jacobian_tolerance);
#endif
    }
  }
}

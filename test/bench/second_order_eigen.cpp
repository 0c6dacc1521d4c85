// Issue 23's Jacobian peer (second_order.hpp): Eigen's AutoDiffJacobian (unsupported/Eigen/AutoDiff),
// forward mode, F evaluated once on AutoDiffScalar<Matrix<double, n, 1>> inputs. The same F as
// ctgrad's: F(x) = tanh(A x) * exp(0.1 sum(x)) + A (x * x), A a fixed m x n matrix of doubles.
#include <Eigen/Core>
#include <cstdio>
#include <cstdlib>
#include <unsupported/Eigen/AutoDiff>

#include "second_order.hpp"

namespace ctgrad_bench::second_order {
namespace {

template <int N, int M>
struct F {
  using Scalar = double;
  using InputType = Eigen::Matrix<double, N, 1>;
  using ValueType = Eigen::Matrix<double, M, 1>;
  using JacobianType = Eigen::Matrix<double, M, N>;
  enum { InputsAtCompileTime = N, ValuesAtCompileTime = M };

  Eigen::Matrix<double, M, N> a;

  template <class T>
  void operator()(const Eigen::Matrix<T, N, 1>& x, Eigen::Matrix<T, M, 1>* v) const {
    using std::exp;
    using std::tanh;
    T s = x(0);
    for (int k = 1; k < N; ++k) s += x(k);
    const T e = exp(0.1 * s);
    for (int i = 0; i < M; ++i) {
      T ax = a(i, 0) * x(0), ax2 = a(i, 0) * (x(0) * x(0));
      for (int k = 1; k < N; ++k) {
        ax += a(i, k) * x(k);
        ax2 += a(i, k) * (x(k) * x(k));
      }
      (*v)(i) = tanh(ax) * e + ax2;
    }
  }
};

template <int N, int M>
class eigen_jac final : public jacobian_case {
 public:
  explicit eigen_jac(jacobian_shape s) {
    const std::vector<double> a = jacobian_matrix(s);
    for (int i = 0; i < M; ++i)
      for (int k = 0; k < N; ++k) f_.a(i, k) = a[std::size_t(i * N + k)];
  }
  void run(const double* x) override {
    for (int k = 0; k < N; ++k) x_(k) = x[k];
    f_(x_, &v_, &j_);
  }
  const double* jac() const override {
    jr_ = j_;  // row-major, as the interface gives it (AutoDiffJacobian's is column-major); not timed
    return jr_.data();
  }
  const double* value() const override { return v_.data(); }

 private:
  Eigen::AutoDiffJacobian<F<N, M>> f_;
  Eigen::Matrix<double, N, 1> x_;
  Eigen::Matrix<double, M, 1> v_;
  typename Eigen::AutoDiffJacobian<F<N, M>>::JacobianType j_;
  mutable Eigen::Matrix<double, M, N, Eigen::RowMajor> jr_;
};

}  // namespace

std::unique_ptr<jacobian_case> make_eigen_jacobian(jacobian_shape s) {
  if (s.n == 4 && s.m == 16) return std::make_unique<eigen_jac<4, 16>>(s);
  if (s.n == 8 && s.m == 8) return std::make_unique<eigen_jac<8, 8>>(s);
  if (s.n == 16 && s.m == 16) return std::make_unique<eigen_jac<16, 16>>(s);
  if (s.n == 16 && s.m == 8) return std::make_unique<eigen_jac<16, 8>>(s);
  if (s.n == 16 && s.m == 4) return std::make_unique<eigen_jac<16, 4>>(s);
  std::fprintf(stderr, "second_order: no Eigen Jacobian of shape n = %d, m = %d\n", s.n, s.m);
  std::abort();
}

}  // namespace ctgrad_bench::second_order

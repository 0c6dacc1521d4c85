// docs/embedding.md: the optional Eigen adapter (ctgrad/adapters/eigen.hpp). Eigen matrices are bound
// without copying when their layout is ctgrad's (row-major, contiguous), gradients are read back as
// Eigen maps, and a layout that does not fit is an error. Built and run as a test where Eigen is
// found; the results are checked against the same computation written with Eigen.
#include <cmath>
#include <cstdio>

#include "ctgrad/adapters/eigen.hpp"
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

int main() {
  // [eigen]
  using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  var<"x", float, shape<dyn, 3>> x;
  var<"W", float, shape<3, 2>> W;
  var<"b", float, shape<2>> b;
  auto loss = mean(square(tanh(matmul(x, W) + b)));
  auto gs = grad(loss, W, b);
  auto prog = compile(gs);

  matrix X = matrix::Random(5, 3), Wm = matrix::Random(3, 2);
  Eigen::VectorXf bias = Eigen::VectorXf::Zero(2);        // vectors bind in either orientation
  absl::Status st = eigen::run(prog, eigen::bind(x, X), eigen::bind(W, Wm), eigen::bind(b, bias));
  Eigen::Map<const matrix> dW = eigen::map(prog[gs[W]]);  // the gradient, in place
  Wm -= 0.1f * dW;                                        // an SGD step with Eigen arithmetic
  // [eigen]
  if (!st.ok()) { std::printf("%s\n", st.ToString().c_str()); return 1; }
  matrix Wold = Wm + 0.1f * dW;
  matrix h = ((X * Wold).rowwise() + bias.transpose()).array().tanh().matrix();
  const float want_loss = h.squaredNorm() / float(h.size());
  const matrix want_dW = X.transpose() * (2.0f / float(h.size()) * h.array() * (1 - h.array().square())).matrix();
  bool ok = std::fabs(prog[loss].item() - want_loss) < 1e-5f && (dW - want_dW).cwiseAbs().maxCoeff() < 1e-5f;
  std::printf("loss %.6f (Eigen: %.6f), |dW - Eigen's| %.2g\n", prog[loss].item(), want_loss,
              (dW - want_dW).cwiseAbs().maxCoeff());

  // [transpose]
  Eigen::MatrixXf Wt = Wold.transpose();      // column-major 2 x 3: in memory, the row-major 3 x 2
  st = eigen::run(prog, eigen::bind(x, X), eigen::bind(W, Wt.transpose()), eigen::bind(b, bias));
  // [transpose]
  ok = ok && st.ok() && std::fabs(prog[loss].item() - want_loss) < 1e-6f;

  // [errors]
  matrix wide(3, 4);
  st = eigen::run(prog, eigen::bind(x, X), eigen::bind(W, wide), eigen::bind(b, bias));
  std::printf("%s\n", st.ToString().c_str());
  // INVALID_ARGUMENT: eigen::bind: variable 'W' has shape [3, 2]; the Eigen object is 3 x 4
  st = eigen::run(prog, eigen::bind(x, X.leftCols(3)), eigen::bind(W, wide.leftCols(2)), eigen::bind(b, bias));
  std::printf("%s\n", st.ToString().c_str());
  // INVALID_ARGUMENT: eigen::bind: variable 'W' has shape [3, 2]; the Eigen object's rows are not
  // contiguous (row stride 4, column stride 1; needs 2 and 1): ... copy it into a row-major matrix
  // [errors]
  ok = ok && absl::IsInvalidArgument(st);
  return ok ? 0 : 1;
}

// docs/tutorial.md, part 5: second derivatives and forward mode. Newton's method with hessian(), a
// Gauss-Newton fit with jacobian(), a Newton-CG step with hvp() on a model of 2000 weights whose
// Hessian is never formed, and Newton's method in a vector variable with hessian()'s blocks. Built and run as a test: returns non-zero if a method does not converge.
#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <type_traits>
#include <vector>

#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

// [1] Newton's method on Rosenbrock's function, from its gradient and Hessian (one program).
constexpr var<"x", double> x;
constexpr var<"y", double> y;
constexpr auto rosenbrock = hessian(square(1.0 - x) + 100.0 * square(y - x * x), x, y);

bool newton() {
  double px = -1.2, py = 1.0;
  for (int it = 0; it < 20; ++it) {
    const auto r = value_grad_hessian_at(rosenbrock, x = px, y = py);
    const auto& H = r.hessian;   // symmetric 2x2: solve H d = -g
    const double det = H[0][0] * H[1][1] - H[0][1] * H[1][0];
    const double dx = (-r.gradient[0] * H[1][1] + r.gradient[1] * H[0][1]) / det;
    const double dy = (-r.gradient[1] * H[0][0] + r.gradient[0] * H[1][0]) / det;
    px += dx, py += dy;
    if (std::abs(dx) + std::abs(dy) < 1e-12) break;
  }
  std::printf("Newton: minimum of Rosenbrock's function at (%.6f, %.6f)\n", px, py);
  return std::abs(px - 1) < 1e-9 && std::abs(py - 1) < 1e-9;
}

// [2] Gauss-Newton: fit y = p0 exp(p1 t) to 8 points. r(p) is a vector of residuals; J = dr/dp is
// [8, 2], accumulated forward (2 inputs, 8 outputs: jacobian_mode_v says so).
constexpr var<"p", double, shape<2>> p;
constexpr var<"t", double, shape<8>> t;
constexpr var<"obs", double, shape<8>> obs;
constexpr auto model = element<0>(p) * exp(element<1>(p) * t);
constexpr auto residual = model - obs;
static_assert(jacobian_mode_v<decltype(residual), decltype(p)> == jacobian_mode::forward);

bool gauss_newton() {
  auto prog = compile(residual, jacobian(residual, p));
  const auto J = jacobian(residual, p);
  std::vector<double> tv(8), ov(8), pv{1.0, 0.0};
  for (int i = 0; i < 8; ++i) tv[i] = 0.25 * i, ov[i] = 2.0 * std::exp(-0.7 * tv[i]);
  for (int it = 0; it < 30; ++it) {
    if (!prog.run(p = pv, t = tv, obs = ov).ok()) return false;
    // Normal equations (J^T J) d = -J^T r, a 2x2 system.
    const auto r = prog[residual];
    const auto j = prog[J];
    double a00 = 0, a01 = 0, a11 = 0, b0 = 0, b1 = 0;
    for (int i = 0; i < 8; ++i) {
      const double j0 = j[2 * i], j1 = j[2 * i + 1];
      a00 += j0 * j0, a01 += j0 * j1, a11 += j1 * j1, b0 -= j0 * r[i], b1 -= j1 * r[i];
    }
    const double det = a00 * a11 - a01 * a01;
    pv[0] += (b0 * a11 - b1 * a01) / det;
    pv[1] += (b1 * a00 - b0 * a01) / det;
  }
  std::printf("Gauss-Newton: y = %.6f exp(%.6f t)\n", pv[0], pv[1]);
  return std::abs(pv[0] - 2.0) < 1e-9 && std::abs(pv[1] + 0.7) < 1e-9;
}

// [3] A Newton-CG step on L2-regularised logistic regression with 2000 weights: conjugate gradients
// solve H d = -g with one Hessian-vector product per iteration, H never formed.
constexpr std::size_t n = 2000;
constexpr var<"w", double, shape<n>> w;
constexpr var<"v", double, shape<n>> v;
constexpr var<"X", double, shape<dyn, n>> X;
constexpr var<"labels", double, shape<dyn>> labels;
constexpr auto loss = binary_cross_entropy_with_logits(matmul(X, w), labels) + 0.5e-2 * sum(w * w);

bool newton_cg() {
  auto prog = compile(loss, grad(loss, w), hvp(loss, w, v));
  const auto g_expr = grad(loss, w);
  const auto hv_expr = hvp(loss, w, v);
  const std::size_t rows = 64;
  std::vector<double> xv(rows * n), lv(rows), wv(n, 0.0), vv(n, 0.0);
  std::mt19937 rng(1);
  std::normal_distribution<double> normal(0.0, 0.1);
  for (double& e : xv) e = normal(rng);
  for (std::size_t r = 0; r < rows; ++r) {   // labels from a known separating direction
    double s = 0;
    for (std::size_t j = 0; j < n; ++j) s += xv[r * n + j] * std::cos(0.01 * double(j));
    lv[r] = double(s > 0);
  }
  auto hvp_of = [&](const std::vector<double>& dir, std::vector<double>& out) {
    vv = dir;
    if (!prog.run(w = wv, v = vv, X = xv, labels = lv).ok()) return false;
    std::size_t i = 0;
    for (double e : prog[hv_expr]) out[i++] = e;
    return true;
  };
  if (!prog.run(w = wv, v = vv, X = xv, labels = lv).ok()) return false;
  const double loss0 = prog[loss].item();
  std::vector<double> g(prog[g_expr].begin(), prog[g_expr].end());
  // CG on H d = -g from d = 0.
  std::vector<double> d(n, 0.0), res(n), dir(n), hd(n);
  for (std::size_t i = 0; i < n; ++i) res[i] = -g[i], dir[i] = res[i];
  double rr = 0;
  for (double e : res) rr += e * e;
  int iterations = 0;
  const double rr0 = rr;
  while (iterations < 200 && rr > 1e-16 * rr0) {
    if (!hvp_of(dir, hd)) return false;
    double dhd = 0;
    for (std::size_t i = 0; i < n; ++i) dhd += dir[i] * hd[i];
    const double alpha = rr / dhd;
    double rr_next = 0;
    for (std::size_t i = 0; i < n; ++i) {
      d[i] += alpha * dir[i];
      res[i] -= alpha * hd[i];
      rr_next += res[i] * res[i];
    }
    for (std::size_t i = 0; i < n; ++i) dir[i] = res[i] + rr_next / rr * dir[i];
    rr = rr_next;
    ++iterations;
  }
  for (std::size_t i = 0; i < n; ++i) wv[i] += d[i];
  if (!prog.run(w = wv, v = vv, X = xv, labels = lv).ok()) return false;
  const double loss1 = prog[loss].item();
  std::printf("Newton-CG: %d Hessian-vector products, loss %.6f -> %.6f\n", iterations, loss0, loss1);
  return iterations < 200 && loss1 < 0.5 * loss0;
}

// [4] Newton's method in a vector variable: hessian(f, q) holds the [4, 4] block d2f/dq2 (and the
// gradient), evaluated by compile(). f = 0.1 sum(exp(B q)) + |q|^2 / 2 - b.q is strictly convex.
constexpr var<"q", double, shape<4>> q;
constexpr var<"B", double, shape<3, 4>> B;
constexpr var<"b", double, shape<4>> b;
constexpr auto objective = 0.1 * sum(exp(matmul(B, q))) + 0.5 * sum(square(q)) - sum(b * q);
constexpr auto hq = hessian(objective, q);
static_assert(std::is_same_v<shape_t<decltype(hq(q, q))>, shape<4, 4>>);
// A matrix function's Jacobian in a matrix variable: F's elements by W's, both row-major.
static_assert(std::is_same_v<shape_t<decltype(jacobian(tanh(matmul(B, transpose(B))), B))>, shape<9, 12>>);

bool newton_blocks() {
  auto prog = compile(hq);
  std::vector<double> qv(4, 0.0), bm(12), bv{1.0, -0.5, 0.25, 2.0};
  for (int i = 0; i < 12; ++i) bm[i] = 0.3 * std::sin(i + 1.0);
  double step = 1;
  for (int it = 0; it < 20 && step > 1e-13; ++it) {
    if (!prog.run(q = qv, B = bm, b = bv).ok()) return false;
    const auto H = prog[hq(q, q)];
    const auto g = prog[hq.gradient(q)];
    // Solve H d = -g by Gaussian elimination (H is symmetric positive definite).
    double a[4][5];
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) a[i][j] = H(i, j);
      a[i][4] = -g[i];
    }
    for (int c = 0; c < 4; ++c)
      for (int r = c + 1; r < 4; ++r)
        for (int j = 4; j >= c; --j) a[r][j] -= a[r][c] / a[c][c] * a[c][j];
    double d[4];
    step = 0;
    for (int r = 3; r >= 0; --r) {
      d[r] = a[r][4];
      for (int j = r + 1; j < 4; ++j) d[r] -= a[r][j] * d[j];
      d[r] /= a[r][r];
      qv[r] += d[r];
      step += std::abs(d[r]);
    }
  }
  if (!prog.run(q = qv, B = bm, b = bv).ok()) return false;
  double gnorm = 0;
  for (double e : prog[hq.gradient(q)]) gnorm += std::abs(e);
  std::printf("Newton (blocks): q = (%.6f, %.6f, %.6f, %.6f), |grad| %.1e\n", qv[0], qv[1], qv[2], qv[3], gnorm);
  return gnorm < 1e-12;
}

int main() {
  const bool ok = newton() && gauss_newton() && newton_cg() && newton_blocks();
  return ok ? 0 : 1;
}

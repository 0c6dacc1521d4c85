// docs/examples/opaque_ode.cpp — an ODE solver ctgrad cannot see, as a graph node (docs/extending.md,
// "Opaque ops"): a damped pendulum integrated by fixed-step RK4, with its discrete adjoint written by
// hand (the RK4 steps reversed, so the gradient is exact to rounding). The example fits the
// pendulum's stiffness and damping to observed positions, and checks the gradient numerically
// (exit status 1 if the check fails).
#include <array>
#include <cmath>
#include <cstdio>
#include <span>
#include <string_view>
#include <vector>

#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"

namespace {

constexpr int steps = 100, every = 20;  // 100 RK4 steps of 0.05: positions at t = 1, 2, 3, 4, 5
constexpr double dt = 0.05;

// x'' = -k sin x - c x' as a first-order system in s = (x, v).
template <class T> struct state { T x, v; };
template <class T> state<T> rhs(state<T> s, T k, T c) { return {s.v, -k * std::sin(s.x) - c * s.v}; }
template <class T> state<T> axpy(state<T> s, T a, state<T> d) { return {s.x + a * d.x, s.v + a * d.v}; }

// The adjoint of rhs at s: w is the adjoint of rhs(s); adds w^T d rhs/ds to sbar and w^T d rhs/d(k, c)
// to kbar, cbar.
template <class T> void rhs_adjoint(state<T> s, T k, T c, state<T> w, state<T>& sbar, T& kbar, T& cbar) {
  sbar.x += -k * std::cos(s.x) * w.v;
  sbar.v += w.x - c * w.v;
  kbar += -std::sin(s.x) * w.v;
  cbar += -s.v * w.v;
}

// The routine: an opaque op of ctgrad (ops/opaque.hpp).
struct pendulum {
  static constexpr std::string_view name = "pendulum";
  using inputs = ctgrad::type_list<ctgrad::shape<2>, ctgrad::shape<2>>;  // theta = (k, c), s0 = (x0, v0)
  using output = ctgrad::shape<steps / every>;                         // x at t = 1, 2, 3, 4, 5

  template <class T> static void value(std::span<const T> theta, std::span<const T> s0, std::span<T> x) {
    state<T> s{s0[0], s0[1]};
    for (int n = 0; n < steps; ++n) {
      s = step(s, theta[0], theta[1]);
      if ((n + 1) % every == 0) x[(n + 1) / every - 1] = s.x;
    }
  }

  // theta_bar and s0_bar from x_bar: the states of every step recomputed (on the stack), then the
  // steps reversed, each RK4 stage's adjoint in reverse order.
  template <class T>
  static void vjp(std::span<const T> theta, std::span<const T> s0, std::span<const T>, std::span<const T> x_bar,
                  std::span<T> theta_bar, std::span<T> s0_bar) {
    const T k = theta[0], c = theta[1], h = T(dt);
    std::array<state<T>, steps + 1> traj;
    traj[0] = {s0[0], s0[1]};
    for (int n = 0; n < steps; ++n) traj[n + 1] = step(traj[n], k, c);
    state<T> lambda{0, 0};  // the adjoint of the state after step n
    T kbar = 0, cbar = 0;
    for (int n = steps - 1; n >= 0; --n) {
      if ((n + 1) % every == 0) lambda.x += x_bar[(n + 1) / every - 1];
      // Forward stages of step n, then their adjoints: s' = s + h/6 (k1 + 2 k2 + 2 k3 + k4).
      const state<T> s = traj[n];
      const state<T> k1 = rhs(s, k, c), u2 = axpy(s, h / 2, k1);
      const state<T> k2 = rhs(u2, k, c), u3 = axpy(s, h / 2, k2);
      const state<T> k3 = rhs(u3, k, c), u4 = axpy(s, h, k3);
      state<T> sbar = lambda;
      state<T> k1bar{h / 6 * lambda.x, h / 6 * lambda.v}, k2bar{h / 3 * lambda.x, h / 3 * lambda.v};
      state<T> k3bar{h / 3 * lambda.x, h / 3 * lambda.v};
      const state<T> k4bar{h / 6 * lambda.x, h / 6 * lambda.v};
      state<T> u{0, 0};
      rhs_adjoint(u4, k, c, k4bar, u, kbar, cbar);  // k4 = rhs(u4), u4 = s + h k3
      sbar = axpy(sbar, T(1), u), k3bar = axpy(k3bar, h, u), u = {0, 0};
      rhs_adjoint(u3, k, c, k3bar, u, kbar, cbar);  // k3 = rhs(u3), u3 = s + h/2 k2
      sbar = axpy(sbar, T(1), u), k2bar = axpy(k2bar, h / 2, u), u = {0, 0};
      rhs_adjoint(u2, k, c, k2bar, u, kbar, cbar);  // k2 = rhs(u2), u2 = s + h/2 k1
      sbar = axpy(sbar, T(1), u), k1bar = axpy(k1bar, h / 2, u);
      rhs_adjoint(s, k, c, k1bar, sbar, kbar, cbar);  // k1 = rhs(s)
      lambda = sbar;
    }
    theta_bar[0] = kbar, theta_bar[1] = cbar;
    s0_bar[0] = lambda.x, s0_bar[1] = lambda.v;
  }

 private:
  template <class T> static state<T> step(state<T> s, T k, T c) {
    const T h = T(dt);
    const state<T> k1 = rhs(s, k, c), k2 = rhs(axpy(s, h / 2, k1), k, c);
    const state<T> k3 = rhs(axpy(s, h / 2, k2), k, c), k4 = rhs(axpy(s, h, k3), k, c);
    return {s.x + h / 6 * (k1.x + 2 * k2.x + 2 * k3.x + k4.x), s.v + h / 6 * (k1.v + 2 * k2.v + 2 * k3.v + k4.v)};
  }
};

}  // namespace

int main() {
  using namespace ctgrad;
  var<"theta", double, shape<2>> theta;   // stiffness k and damping c, to fit
  var<"s0", double, shape<2>> s0;         // initial angle and velocity
  var<"observed", double, shape<5>> observed;

  auto loss = sum(square(opaque<pendulum>(theta, s0) - observed));
  auto gs = grad(loss, theta, s0);

  // Observations made with k = 4, c = 0.3 from (1, 0).
  std::vector<double> th{4.0, 0.3}, start{1.0, 0.0}, obs(5);
  pendulum::value<double>(th, start, obs);

  // The gradient checker compares grad's values with finite differences of the same graph.
  std::vector<double> guess{3.0, 0.5};
  const auto report = check::check_gradients(loss, check::wrt(theta, s0), theta = guess, s0 = start,
                                             observed = obs);
  if (!report.ok() || !report->passed) {
    std::printf("gradient check failed: %s\n", report.ok() ? report->to_string().c_str()
                                                           : std::string(report.status().message()).c_str());
    return 1;
  }
  std::printf("gradient check passed: %zu elements, max relative error %.2g\n", report->checked,
              report->max_rel_err);

  // Fit theta by gradient descent: one program, run again at each step.
  auto prog = compile(gs);
  double first = 0, last = 0;
  for (int it = 0; it < 200; ++it) {
    if (!prog.run(theta = guess, s0 = start, observed = obs).ok()) return 1;
    last = prog.get<0>()[0];
    if (it == 0) first = last;
    guess[0] -= 0.05 * prog[gs[theta]][0];
    guess[1] -= 0.05 * prog[gs[theta]][1];
  }
  std::printf("loss %.3g -> %.3g, k = %.3f, c = %.3f\n", first, last, guess[0], guess[1]);
  return last < first ? 0 : 1;
}

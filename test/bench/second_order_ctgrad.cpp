// Issue 23's benchmarks (second_order.hpp), ctgrad's side: every program compiled once here, for the
// benchmark and its test.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "regression.hpp"
#include "second_order.hpp"

namespace ctgrad_bench::second_order {
namespace {

using namespace ctgrad;

[[noreturn]] void fail(const char* what, const absl::Status& st) {
  // Every extent is a compile-time constant that matches the data: a failure is a bug here.
  std::fprintf(stderr, "second_order %s: %s\n", what, std::string(st.message()).c_str());
  std::abort();
}
template <class R>
std::vector<double> to_double(const R& r) {
  return std::vector<double>(r.begin(), r.end());
}

// ---- the 784-128-10 relu MLP (the training job's model), float, W = W1 -------------------------
using model = nn::mlp<fn::relu, float, 784, 128, 10>;
using W1 = model::layer<0>::weight;
using V1 = var<"V", float, shape<784, 128>>;

class mlp_hvp final : public hvp_case {
  static constexpr auto loss = model::loss();
  static constexpr auto all = model::gradients();
  static constexpr auto gw = grad(loss, W1{});
  static constexpr auto hv = hvp(loss, W1{}, V1{});
  static constexpr auto rr = grad(sum(grad(loss, W1{}) * V1{}), W1{});

 public:
  mlp_hvp() {
    params_.initialize(42);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto& e : x_) e = u(rng);
    for (auto& e : y_) e = int(rng() % 10);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (auto& e : v_) e = nd(rng);
  }
  void gradient_all() override {
    check(run(p_all_));
    last_ = 0;
  }
  void gradient_w() override {
    check(run(p_gw_));
    last_ = 1;
  }
  void hvp_fwd_rev() override { check(run(p_hv_, V1{} = std::span<const float>(v_))); }
  void hvp_rev_rev() override { check(run(p_rr_, V1{} = std::span<const float>(v_))); }
  std::vector<double> last_gradient_w() const override {
    return last_ == 0 ? to_double(p_all_[all[W1{}]]) : to_double(p_gw_[gw]);
  }
  std::vector<double> last_hvp_fwd_rev() const override { return to_double(p_hv_[hv]); }
  std::vector<double> last_hvp_rev_rev() const override { return to_double(p_rr_[rr]); }
  std::vector<double> w_value() const override { return to_double(params_[0]); }
  void set_w(std::span<const double> w) override { std::copy(w.begin(), w.end(), params_[0].begin()); }
  std::vector<double> v() const override { return std::vector<double>(v_.begin(), v_.end()); }
  void set_v(std::span<const double> v) override { std::copy(v.begin(), v.end(), v_.begin()); }

 private:
  template <class P, class... Extra>
  absl::Status run(P& p, const Extra&... extra) {
    return std::apply(
        [&](const auto&... b) {
          return p.run(model::input{} = std::span<const float>(x_), model::labels{} = std::span<const int>(y_), b...,
                       extra...);
        },
        params_.bindings());
  }
  static void check(const absl::Status& st) {
    if (!st.ok()) fail("mlp", st);
  }

  nn::parameter_store<model> params_;
  std::vector<float> x_ = std::vector<float>(mlp_batch * 784), v_ = std::vector<float>(784 * 128);
  std::vector<int> y_ = std::vector<int>(mlp_batch);
  int last_ = 1;
  decltype(compile(all)) p_all_ = compile(all);
  decltype(compile(gw)) p_gw_ = compile(gw);
  decltype(compile(hv)) p_hv_ = compile(hv);
  decltype(compile(rr)) p_rr_ = compile(rr);
};

// ---- W2's log-density (regression_ctgrad.cpp's f), double, W = w ----------------------------------
namespace w2 = ctgrad_bench::w2;
constexpr var<"X", double, shape<w2::n, w2::p>> X;
constexpr var<"y", double, shape<w2::n>> y;
constexpr var<"w", double, shape<w2::p>> w;
constexpr var<"b", double> b;
constexpr var<"sigma", double> sigma;
constexpr var<"v", double, shape<w2::p>> vw;

class w2_hvp final : public hvp_case {
  static constexpr auto f = -0.5 * sum(square(y - (matmul(X, w) + b))) / square(sigma) - double(w2::n) * log(sigma) -
                            0.5 * sum(square(w)) - 0.5 * square(b);
  static constexpr auto all = grad(f, w, b, sigma);
  static constexpr auto gw = grad(f, w);
  static constexpr auto hv = hvp(f, w, vw);
  static constexpr auto rr = grad(sum(grad(f, w) * vw), w);

 public:
  w2_hvp() : pr_(w2::fixed_problem()), theta_(pr_.theta) {
    std::mt19937 rng(11);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (auto& e : v_) e = nd(rng);
  }
  void gradient_all() override {
    check(run(p_all_));
    last_ = 0;
  }
  void gradient_w() override {
    check(run(p_gw_));
    last_ = 1;
  }
  void hvp_fwd_rev() override { check(run(p_hv_, vw = std::span<const double>(v_))); }
  void hvp_rev_rev() override { check(run(p_rr_, vw = std::span<const double>(v_))); }
  std::vector<double> last_gradient_w() const override {
    return last_ == 0 ? to_double(p_all_[all[w]]) : to_double(p_gw_[gw]);
  }
  std::vector<double> last_hvp_fwd_rev() const override { return to_double(p_hv_[hv]); }
  std::vector<double> last_hvp_rev_rev() const override { return to_double(p_rr_[rr]); }
  std::vector<double> w_value() const override { return std::vector<double>(theta_.begin(), theta_.begin() + w2::p); }
  void set_w(std::span<const double> x) override { std::copy(x.begin(), x.end(), theta_.begin()); }
  std::vector<double> v() const override { return v_; }
  void set_v(std::span<const double> v) override { std::copy(v.begin(), v.end(), v_.begin()); }

 private:
  template <class P, class... Extra>
  absl::Status run(P& p, const Extra&... extra) {
    return p.run(X = std::span<const double>(pr_.X), y = std::span<const double>(pr_.y),
                 w = std::span<const double>(theta_.data(), w2::p), b = theta_[w2::p], sigma = theta_[w2::p + 1],
                 extra...);
  }
  static void check(const absl::Status& st) {
    if (!st.ok()) fail("w2", st);
  }

  const w2::problem& pr_;
  std::vector<double> theta_;
  std::vector<double> v_ = std::vector<double>(w2::p);
  int last_ = 1;
  decltype(compile(all)) p_all_ = compile(all);
  decltype(compile(gw)) p_gw_ = compile(gw);
  decltype(compile(hv)) p_hv_ = compile(hv);
  decltype(compile(rr)) p_rr_ = compile(rr);
};

// ---- Jacobian of F(x) = tanh(A x) * exp(0.1 sum(x)) + A (x * x) ---------------------------------
template <int N, int M>
class ctgrad_jac final : public jacobian_case {
  static constexpr var<"x", double, shape<N>> x{};
  static constexpr var<"A", double, shape<M, N>> A{};
  static constexpr auto F = tanh(matmul(A, x)) * exp(0.1 * sum(x)) + matmul(A, square(x));
  static constexpr auto J = jacobian(F, x);
  static_assert(std::is_same_v<shape_t<decltype(J)>, shape<M, N>>);

 public:
  static constexpr bool forward = jacobian_mode_v<decltype(F), decltype(x)> == jacobian_mode::forward;
  explicit ctgrad_jac(jacobian_shape s) : a_(jacobian_matrix(s)) {}
  void run(const double* xv) override {
    const absl::Status st = p_.run(x = std::span<const double>(xv, N), A = std::span<const double>(a_));
    if (!st.ok()) fail("jacobian", st);
  }
  const double* jac() const override { return p_[J].data; }
  const double* value() const override { return p_[F].data; }

 private:
  std::vector<double> a_;
  decltype(compile(J, F)) p_ = compile(J, F);
};

template <class F>
auto with_shape(jacobian_shape s, F&& f) {
  if (s.n == 4 && s.m == 16) return f(std::integral_constant<int, 4>{}, std::integral_constant<int, 16>{});
  if (s.n == 8 && s.m == 8) return f(std::integral_constant<int, 8>{}, std::integral_constant<int, 8>{});
  if (s.n == 16 && s.m == 16) return f(std::integral_constant<int, 16>{}, std::integral_constant<int, 16>{});
  if (s.n == 16 && s.m == 8) return f(std::integral_constant<int, 16>{}, std::integral_constant<int, 8>{});
  if (s.n == 16 && s.m == 4) return f(std::integral_constant<int, 16>{}, std::integral_constant<int, 4>{});
  std::fprintf(stderr, "second_order: no Jacobian of shape n = %d, m = %d\n", s.n, s.m);
  std::abort();
}

}  // namespace

std::unique_ptr<hvp_case> make_mlp_hvp() { return std::make_unique<mlp_hvp>(); }
std::unique_ptr<hvp_case> make_w2_hvp() { return std::make_unique<w2_hvp>(); }

std::vector<jacobian_shape> jacobian_shapes() { return {{4, 16}, {8, 8}, {16, 16}, {16, 8}, {16, 4}}; }
std::vector<double> jacobian_matrix(jacobian_shape s) {
  std::vector<double> a(std::size_t(s.m * s.n));
  for (int i = 0; i < s.m; ++i)
    for (int k = 0; k < s.n; ++k)
      a[std::size_t(i * s.n + k)] = 0.5 * std::sin(1.0 + 0.7 * i + 1.3 * k) / std::sqrt(double(s.n));
  return a;
}
std::vector<double> jacobian_point(jacobian_shape s) {
  std::vector<double> x(std::size_t(s.n));
  for (int k = 0; k < s.n; ++k) x[std::size_t(k)] = 0.8 * std::cos(0.9 * k + 0.2);
  return x;
}
std::unique_ptr<jacobian_case> make_ctgrad_jacobian(jacobian_shape s) {
  return with_shape(s, [&](auto n, auto m) -> std::unique_ptr<jacobian_case> {
    return std::make_unique<ctgrad_jac<n.value, m.value>>(s);
  });
}
bool ctgrad_jacobian_is_forward(jacobian_shape s) {
  return with_shape(s, [](auto n, auto m) { return ctgrad_jac<n.value, m.value>::forward; });
}

}  // namespace ctgrad_bench::second_order

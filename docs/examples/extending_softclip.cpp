// docs/extending.md, "Elementwise functions of your own": softclip(x, a, b), a smooth clamp of x to
// [a, b], declared once as a struct of scalar rules and used in expressions, grad, hessian, value_at
// and compile(), then checked with the gradient checker in one call.
#include <cmath>
#include <array>
#include <cstdio>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/check/function.hpp"

// softclip(x, a, b) = x - softplus(x - b) + softplus(a - x): x in the middle, a and b at the ends.
struct softclip_fn {
  static constexpr std::string_view name = "softclip";
  static constexpr std::size_t arity = 3;  // x, a, b: every rule takes them, then y = the value

  // M is the math policy (vectorisable exp/log1p in compile()'s loops, scalar ones in value_at).
  template <class T, class M = ctgrad::math::loop_math> static constexpr T softplus(T z) noexcept {
    return ctgrad::math::max(z, T(0)) + M::log1p(M::exp(-ctgrad::math::abs(z)));
  }
  template <class T, class M = ctgrad::math::loop_math> static constexpr T sigmoid(T z) noexcept {
    const T e = M::exp(-ctgrad::math::abs(z));
    return ctgrad::math::select(z >= T(0), T(1) / (T(1) + e), e / (T(1) + e));
  }

  template <class T, class M = ctgrad::math::loop_math>
  static constexpr T value(T x, T a, T b) noexcept {
    return x - softplus<T, M>(x - b) + softplus<T, M>(a - x);
  }
  // d1<I>: the partial derivative in argument I.
  template <std::size_t I, class T, class M = ctgrad::math::loop_math>
  static constexpr T d1(T x, T a, T b, T /*y*/) noexcept {
    if constexpr (I == 0) return sigmoid<T, M>(b - x) - sigmoid<T, M>(a - x);
    else if constexpr (I == 1) return sigmoid<T, M>(a - x);
    else return sigmoid<T, M>(x - b);
  }
  // d2<I, J> (I <= J): the second partial derivatives; optional (without them, grad of grad through
  // softclip is a compile error naming it).
  template <std::size_t I, std::size_t J, class T, class M = ctgrad::math::loop_math>
  static constexpr T d2(T x, T a, T b, T /*y*/) noexcept {
    const T sa = sigmoid<T, M>(a - x), sb = sigmoid<T, M>(x - b);
    const T ca = sa * sigmoid<T, M>(x - a), cb = sb * sigmoid<T, M>(b - x);  // sigma' at a - x, x - b
    if constexpr (I == 0 && J == 0) return ca - cb;
    else if constexpr (I == 0 && J == 1) return -ca;
    else if constexpr (I == 0 && J == 2) return cb;
    else if constexpr (I == 1 && J == 1) return ca;
    else if constexpr (I == 1 && J == 2) return T(0);
    else return -cb;
  }
};

// The rules checked against softclip's own value while compiling: a wrong partial stops the build.
static_assert(ctgrad::check::rules_agree_at<softclip_fn>(
                  std::array<std::array<double, 3>, 3>{{{0.3, -1, 1}, {-1.7, -0.5, 2}, {2.5, -2, 0.5}}})
                  .ok);

// The function users call: any mix of expressions and numbers (numbers are constants).
template <class X, class A, class B> constexpr auto softclip(const X& x, const A& a, const B& b) {
  return ctgrad::elementwise<softclip_fn>(x, a, b);
}

int main() {
  using namespace ctgrad;
  var<"x", double> x;
  var<"a", double> a;
  var<"b", double> b;
  auto f = softclip(x, a, b);

  // Gradient and Hessian, derived at compile time from d1 and d2; value_at in a constant expression.
  constexpr auto at = [] { return value_grad_hessian_at(hessian(softclip(var<"x", double>{}, var<"a", double>{},
                                                                        var<"b", double>{}),
                                                                var<"x", double>{}, var<"a", double>{}, var<"b", double>{}),
                                                        var<"x", double>{} = 0.3, var<"a", double>{} = -1.0,
                                                        var<"b", double>{} = 1.0); }();
  std::printf("softclip(0.3, -1, 1) = %.6f, d/dx = %.6f, d2/dx2 = %.6f\n", at.value, at.gradient[0], at.hessian[0][0]);
  auto gx = value_at(grad(f, x), x = 8.0, a = -1.0, b = 1.0);  // saturated at b: d/dx ~ 1e-3

  // Tensors: a clamp of 1000 values to [-1, 1] and its gradient in one fused loop, no allocation per run.
  var<"xs", float, shape<1000>> xs;
  auto loss = sum(square(softclip(xs, -1.0f, 1.0f)));
  auto prog = compile(loss, grad(loss, xs));
  std::vector<float> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = -4.0f + 8.0f * float(i) / 999.0f;
  if (auto st = prog.run(xs = data); !st.ok()) {
    std::printf("run: %s\n", std::string(st.message()).c_str());
    return 1;
  }

  // The checker in one call: both evaluators, float and double, first and second derivatives.
  auto rows = check::check_function<softclip_fn>({check::interval{-4, 4}, check::interval{-2, -0.5},
                                                  check::interval{0.5, 2}});
  if (!rows.ok()) {
    std::printf("check_function: %s\n", std::string(rows.status().message()).c_str());
    return 1;
  }
  std::printf("%s", check::format_table(*rows).c_str());
  return check::all_passed(*rows) && std::abs(gx) < 0.01 && std::isfinite(prog.template get<0>()[0]) ? 0 : 1;
}

// docs/tutorial.md, part 1: scalar functions, their gradients and second derivatives, at compile
// time and at run time. Built and run as a test: returns non-zero if a printed value is wrong.
#include <cmath>
#include <cstdio>

#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

// [1] A function of two variables is an expression type; grad derives its derivatives as types too.
constexpr var<"a", double> a;
constexpr var<"b", double> b;
constexpr auto f = a * a * b + exp(b);                 // f(a, b) = a^2 b + e^b
constexpr auto df_da = grad(f, a);                     // 2 a b
constexpr auto d2f_da2 = grad(df_da, a);               // 2 b

// [2] value_at evaluates in constant expressions: these are checked by the compiler.
static_assert(value_at(df_da, a = 3.0, b = 2.0) == 12.0);
static_assert(value_at(d2f_da2, a = 3.0, b = 2.0) == 4.0);
static_assert(value_at(grad(sigmoid(a), a), a = 0.0) == 0.25);

int main() {
  // [3] At run time: the value and every partial derivative, shared work computed once.
  auto gs = grad(f, a, b);
  auto [value, g] = value_and_grad_at(gs, a = 1.5, b = 0.5);   // g[0] = df/da, g[1] = df/db
  std::printf("f = %.6f, df/da = %.6f, df/db = %.6f\n", value, g[0], g[1]);

  // [4] Activations have exact first and second derivatives.
  auto h = gelu(a) * tanh(b);
  const double dh_da = value_at(grad(h, a), a = 0.3, b = 0.7);
  const double d2h_da2 = value_at(grad(grad(h, a), a), a = 0.3, b = 0.7);
  std::printf("d/da gelu(a) tanh(b) = %.6f, second derivative %.6f\n", dh_da, d2h_da2);

  const double pdf = std::exp(-0.045) / std::sqrt(2 * M_PI), cdf = 0.5 * std::erfc(-0.3 / std::sqrt(2.0));
  const bool ok = std::fabs(value - (2.25 * 0.5 + std::exp(0.5))) < 1e-15 && g[0] == 1.5 &&
                  std::fabs(g[1] - (2.25 + std::exp(0.5))) < 1e-15 &&
                  std::fabs(dh_da - (cdf + 0.3 * pdf) * std::tanh(0.7)) < 1e-14 &&
                  std::fabs(d2h_da2 - pdf * (2 - 0.09) * std::tanh(0.7)) < 1e-14;
  return ok ? 0 : 1;
}

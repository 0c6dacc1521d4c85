// A second derivative through an opaque op: its vjp is a routine ctgrad cannot differentiate.
// expect: opaque op has no second derivative: its vjp and jvp are routines ctgrad cannot differentiate (grad of grad, hvp, hessian); stop at the first derivative (the op is named in the note below)
// expect-note: opaque_op_named<ctgrad::fixed_string<10>{"integrate"}>::has_second_derivative
// max-lines: 30
#include <span>
#include <string_view>
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/ops/opaque.hpp"
#include "ctgrad/ops/reduce.hpp"
using namespace ctgrad;
struct integrate {
  static constexpr std::string_view name = "integrate";
  using inputs = type_list<shape<2>, shape<3>>;  // theta, y0
  using output = shape<3>;
  template <class T> static void value(std::span<const T>, std::span<const T> y0, std::span<T> y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = y0[i];
  }
  template <class T>
  static void vjp(std::span<const T>, std::span<const T>, std::span<const T>, std::span<const T> ybar,
                  std::span<T> theta_bar, std::span<T> y0_bar) {
    for (auto& t : theta_bar) t = 0;
    for (std::size_t i = 0; i < ybar.size(); ++i) y0_bar[i] = ybar[i];
  }
};
int main() {
  var<"theta", double, shape<2>> theta;
  var<"y0", double, shape<3>> y0;
  auto loss = sum(square(opaque<integrate>(theta, y0)));
  auto g = grad(loss, y0);                    // the first derivative: ok
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto h = grad(sum(g * g), theta, y0);       // error: grad of grad through integrate
#else
  auto h = g;                                 // ok: stop at the first derivative
#endif
  (void)h;
}

// grad through an opaque op whose struct has no vjp: ctgrad cannot derive one for a routine.
// expect: grad: an opaque op has no vjp; give its struct a static vjp(x..., y, ybar, xbar...) (the op is named in the note below)
// expect-note: opaque_op_named<ctgrad::fixed_string<6>{"scale"}>::has_vjp
// max-lines: 30
#include <span>
#include <string_view>
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/ops/opaque.hpp"
#include "ctgrad/ops/reduce.hpp"
using namespace ctgrad;
struct scale {  // y = 2 x, a routine ctgrad cannot see
  static constexpr std::string_view name = "scale";
  using inputs = type_list<shape<3>>;
  using output = shape<3>;
  template <class T> static void value(std::span<const T> x, std::span<T> y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 2 * x[i];
  }
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  // no vjp: grad() below cannot pass through scale   // error
#else
  template <class T> static void vjp(std::span<const T>, std::span<const T>, std::span<const T> ybar, std::span<T> xbar) {
    for (std::size_t i = 0; i < ybar.size(); ++i) xbar[i] = 2 * ybar[i];
  }
#endif
};
int main() {
  var<"x", double, shape<3>> x;
  auto g = grad(sum(opaque<scale>(x) * x), x);
  (void)g;
}

// jvp through an opaque op whose struct has no jvp<I>: forward mode needs the user's rule.
// expect: jvp: an opaque op has no forward-mode rule for an input that has a tangent; give its struct a static jvp<I>(x..., y, dx, dy), or use grad (the op is named in the note below)
// expect-note: opaque_op_named<ctgrad::fixed_string<6>{"scale"}>::has_jvp
// max-lines: 40
#include <span>
#include <string_view>
#include "ctgrad/autodiff/jvp.hpp"
#include "ctgrad/ops/opaque.hpp"
using namespace ctgrad;
struct scale {  // y = 2 x, a routine ctgrad cannot see
  static constexpr std::string_view name = "scale";
  using inputs = type_list<shape<3>>;
  using output = shape<3>;
  template <class T> static void value(std::span<const T> x, std::span<T> y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 2 * x[i];
  }
  template <class T> static void vjp(std::span<const T>, std::span<const T>, std::span<const T> ybar, std::span<T> xbar) {
    for (std::size_t i = 0; i < ybar.size(); ++i) xbar[i] = 2 * ybar[i];
  }
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  // no jvp: jvp() below cannot push a tangent through scale   // error
#else
  template <std::size_t I, class T>
  static void jvp(std::span<const T>, std::span<const T>, std::span<const T> dx, std::span<T> dy) {
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = 2 * dx[i];
  }
#endif
};
int main() {
  var<"x", double, shape<3>> x;
  var<"dx", double, shape<3>> dx;
  auto t = jvp(opaque<scale>(x) * x, x, dx);
  (void)t;
}

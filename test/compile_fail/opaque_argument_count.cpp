// opaque<F> called with a number of arguments other than F::inputs declares.
// expect: opaque: the number of arguments differs from the op's declared inputs (F::inputs; the op is named in the note below)
// expect-note: opaque_op_named<ctgrad::fixed_string<4>{"dot"}>::argument_count_matches
// max-lines: 20
#include <span>
#include <string_view>
#include "ctgrad/ops/opaque.hpp"
using namespace ctgrad;
struct dot {
  static constexpr std::string_view name = "dot";
  using inputs = type_list<shape<3>, shape<3>>;
  using output = shape<>;
  template <class T> static void value(std::span<const T> a, std::span<const T> b, std::span<T> y) {
    y[0] = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  }
};
int main() {
  var<"a", double, shape<3>> a;
  var<"b", double, shape<3>> b;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = opaque<dot>(a);      // error: dot takes two inputs
#else
  auto y = opaque<dot>(a, b);   // ok
#endif
  (void)y;
  (void)b;
}

// An opaque op's argument whose shape is not the one its struct declares in `inputs`.
// expect: opaque: an argument's shape differs from the one the op declares in F::inputs (the op, the input counted from 0 and both shapes are named in the note below)
// expect-note: opaque_input<ctgrad::fixed_string<10>{"integrate"}, 1, ctgrad::shapes::shape_text<4>{"[3]"}, ctgrad::shapes::shape_text<4>{"[2]"}>::has_the_declared_shape
// max-lines: 20
#include <span>
#include <string_view>
#include "ctgrad/ops/opaque.hpp"
using namespace ctgrad;
struct integrate {
  static constexpr std::string_view name = "integrate";
  using inputs = type_list<shape<2>, shape<3>>;  // theta, y0
  using output = shape<3>;
  template <class T> static void value(std::span<const T>, std::span<const T> y0, std::span<T> y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = y0[i];
  }
};
int main() {
  var<"theta", double, shape<2>> theta;
  var<"y0", double, shape<3>> y0;
  var<"z", double, shape<2>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = opaque<integrate>(theta, z);    // error: input 1 is declared shape<3>
#else
  auto y = opaque<integrate>(theta, y0);   // ok
#endif
  (void)y;
  (void)z;
}

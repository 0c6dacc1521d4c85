// opaque<F> with arguments of different element types: the routine runs in one type.
// expect: opaque: the arguments must all have one element type, float or double (convert one of them; labels cannot be arguments)
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
  var<"bf", float, shape<3>> bf;
  var<"b", double, shape<3>> b;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = opaque<dot>(a, bf);   // error: double and float
#else
  auto y = opaque<dot>(a, b);    // ok
#endif
  (void)y;
  (void)b;
  (void)bf;
}

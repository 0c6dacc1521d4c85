// value_at of an expression with an opaque op: only compile()'s programs run the user's routine.
// expect: value_at: the expression contains an opaque op (a routine of your own, ops/opaque.hpp), which only compile()'s programs run; evaluate it with compile()
// max-lines: 20
#include <span>
#include <string_view>
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/ops/opaque.hpp"
using namespace ctgrad;
struct cube {  // y = x^3, by a routine ctgrad cannot see
  static constexpr std::string_view name = "cube";
  using inputs = type_list<shape<>>;
  using output = shape<>;
  template <class T> static void value(std::span<const T> x, std::span<T> y) { y[0] = x[0] * x[0] * x[0]; }
};
int main() {
  var<"x", double> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  double y = value_at(opaque<cube>(x), x = 2.0);                      // error
#else
  auto prog = compile(opaque<cube>(x));                               // ok
  double y = prog.run(x = 2.0).ok() ? prog.get<0>()[0] : 0.0;
#endif
  (void)y;
}

// custom_gradient with a surrogate of another shape than the value.
// expect: custom_gradient: the value and the surrogate must have the same shape (the surrogate's derivative stands for the value's, element by element)
// max-lines: 20
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"w", float, shape<3, 4>> w;
  var<"b", float, shape<4>> b;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto f = custom_gradient(w, b);       // [3, 4] and [4]: error
#else
  auto f = custom_gradient(w, w + b);   // the same shape: ok
#endif
  (void)f;
}

// opaque<F> whose struct's value() does not take spans of its inputs and output.
// expect: opaque: the op's struct has no static value(std::span<const T>... x, std::span<T> y) returning void or absl::Status for its declared inputs
// max-lines: 20
#include <span>
#include <string_view>
#include <vector>
#include "ctgrad/ops/opaque.hpp"
using namespace ctgrad;
struct twice {
  static constexpr std::string_view name = "twice";
  using inputs = type_list<shape<3>>;
  using output = shape<3>;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  static std::vector<double> value(const std::vector<double>& x) { return {2 * x[0], 2 * x[1], 2 * x[2]}; }  // error
#else
  template <class T> static void value(std::span<const T> x, std::span<T> y) {  // ok
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 2 * x[i];
  }
#endif
};
int main() {
  var<"x", double, shape<3>> x;
  auto y = opaque<twice>(x);
  (void)y;
}

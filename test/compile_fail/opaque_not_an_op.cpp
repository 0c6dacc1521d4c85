// opaque<F> with a struct that does not declare an opaque op's shapes (here: a dyn extent).
// expect: opaque: the op's struct must declare `static constexpr std::string_view name`, `using inputs = ctgrad::type_list<shape<...>...>` (one or more shapes) and `using output = shape<...>`, with static extents (no dyn)
// max-lines: 20
#include <span>
#include <string_view>
#include "ctgrad/ops/opaque.hpp"
using namespace ctgrad;
struct rows_sum {
  static constexpr std::string_view name = "rows_sum";
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  using inputs = type_list<shape<dyn, 3>>;   // error: a batch extent
#else
  using inputs = type_list<shape<4, 3>>;     // ok: static shapes only
#endif
  using output = shape<3>;
  template <class T> static void value(std::span<const T> x, std::span<T> y) {
    for (std::size_t i = 0; i < x.size(); ++i) y[i % 3] += x[i];
  }
};
int main() {
  var<"x", double, shape<4, 3>> x;
  auto y = opaque<rows_sum>(x);
  (void)y;
}

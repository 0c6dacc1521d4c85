// An op that is neither elementwise nor a reduction, and has no kernel of its own: compile() cannot
// evaluate it (its combine is misspelt, so it is not a reduction either).
// expect: compile: an op that is not elementwise needs a kernel<N>(context, out) returning absl::Status, or the traits of a reduction (axis, init, combine, finish: ops::reduction_op); see the recipe for a non-elementwise op in docs/contributing.md
#include <cstddef>
#include <string_view>
#include <vector>
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
struct prod_op {
  static constexpr bool elementwise = false;
  static constexpr std::string_view name = "prod";
  static constexpr int axis = -1;
  template <class C> using value_type = value_t<C>;
  template <class C> using shape_type = shape<>;
  template <std::size_t I> static constexpr bool needs_buffer = false;
  template <class T> static constexpr T init = T(1);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  template <class T> static constexpr T combin(T a, T b) noexcept { return a * b; }  // error: not `combine`
#else
  template <class T> static constexpr T combine(T a, T b) noexcept { return a * b; }  // ok
#endif
  template <class T> static constexpr T finish(T acc, std::size_t) noexcept { return acc; }
};
int main() {
  var<"x", double, shape<dyn>> x;
  auto prog = compile(make_node<prod_op>(x));
  const std::vector<double> xs{1, 2, 3};
  (void)prog.run(x = xs);
}

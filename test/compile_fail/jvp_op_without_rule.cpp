// jvp through an op that has a vjp rule but no jvp rule: forward mode needs one per op.
// expect: jvp: an op in the function has no forward-mode rule; give the op a static jvp<I>(self, tangent) beside its vjp<I> (the op is named in the note below)
// expect-note: jvp_rule_for<ctgrad::fixed_string<5>{"cube"}>::defined
// max-lines: 30
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
// A user op: the cube, with its vjp rule.
struct cube_op : ops::elementwise_op {
  static constexpr std::string_view name = "cube";
  template <class T> static constexpr T apply(T a) noexcept { return a * a * a; }
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    auto x = s.template child<0>();
    return g * (x * x) * 3.0;
  }
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  // no jvp rule: jvp() below cannot push a tangent through cube   // error
#else
  template <std::size_t I, class Self, class T> static constexpr auto jvp(const Self& s, const T& dx) {
    return vjp<I>(s, dx);  // elementwise: the same rule
  }
#endif
};
int main() {
  var<"x", double> x;
  auto f = make_node<cube_op>(x) + x;
  auto t = jvp(f, x, 1.0 * x);
  (void)t;
}

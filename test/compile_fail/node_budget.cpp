// A graph larger than the node budget: one clear error with the size and the limit, not an hour of
// compilation. The budget is a macro the user can raise.
// expect: value_at: the function and its derivatives need more instructions than the node budget CTGRAD_MAX_NODES
// max-lines: 30
#ifndef CTGRAD_COMPILE_FAIL_FIXED
#define CTGRAD_MAX_NODES 12
#else
#define CTGRAD_MAX_NODES 100
#endif
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/fn/activations.hpp"
using namespace ctgrad;
int main() {
  constexpr var<"x", double> x;
  constexpr var<"y", double> y;
  constexpr auto f = sigmoid(x * y) + tanh(x) * y;   // 6 values; with its gradient, more than 12
  static_assert(value_and_grad_at(grad(f, x, y), x = 1.0, y = 2.0).second[1] > 0.0);
}

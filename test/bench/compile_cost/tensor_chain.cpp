// Compile cost of a deep chain of tensor ops (issue 19): h_{k+1} = tanh(h_k * w_k) with h, w of 4
// elements, the loss sum(h_N^2), compiled with its gradient in all N w_k. N = CTGRAD_CC_N. The
// tensor counterpart of the scalar recurrence (compile_cost/recurrence.cpp); opaque_chain.cpp is the
// same chain with an opaque op per link. Compiled (not run) by test/bench/compile_cost.sh.
#include <span>
#include <string_view>
#include <utility>

#include "ctgrad/ctgrad.hpp"

constexpr int n = CTGRAD_CC_N;
using vec = ctgrad::shape<4>;

template <int I> using wvar = ctgrad::var<ctgrad::indexed_name<'w', I + 1>(), double, vec>;
template <int K, class H> constexpr auto chain(const H& h) {
  if constexpr (K == n) return h;
  else return chain<K + 1>(ctgrad::tanh(h * wvar<K>{}));
}
template <std::size_t... I> double run(std::span<const double> x, std::index_sequence<I...>) {
  const auto loss = ctgrad::sum(ctgrad::square(chain<0>(ctgrad::var<"x", double, vec>{})));
  auto prog = ctgrad::compile(loss, ctgrad::grad(loss, wvar<int(I)>{}...));
  if (!prog.run(ctgrad::var<"x", double, vec>{} = x, (wvar<int(I)>{} = x)...).ok()) return 0;
  return prog.template get<0>()[0];
}
double tensor_chain_loss(std::span<const double> x) { return run(x, std::make_index_sequence<n>{}); }

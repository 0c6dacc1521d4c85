// Compile cost of a wide tensor graph (issue 19): sum(tanh(x * w_0) + ... + tanh(x * w_{N-1})) over
// 5-element tensors, the terms added as a balanced tree (4 nodes per term), compiled with its
// gradient in x (whose adjoint sums N contributions) and run with every variable bound, as
// test/eval/wide_graph_test.cpp does with 66 terms. N = CTGRAD_CC_N. Compiled (not run) by
// test/bench/compile_cost.sh (CC_SHAPES=wide_tensor).
#include <span>
#include <utility>

#include "ctgrad/ctgrad.hpp"

constexpr int n = CTGRAD_CC_N;
using vec = ctgrad::shape<5>;
using xvar = ctgrad::var<"x", double, vec>;
template <int K> using wvar = ctgrad::var<ctgrad::indexed_name<'w', K + 1>(), double, vec>;

template <int Lo, int Hi> constexpr auto wide_terms() {
  if constexpr (Hi - Lo == 1) return ctgrad::tanh(xvar{} * wvar<Lo>{});
  else return wide_terms<Lo, (Lo + Hi) / 2>() + wide_terms<(Lo + Hi) / 2, Hi>();
}
template <std::size_t... K> double run(std::span<const double> x, std::index_sequence<K...>) {
  constexpr auto f = ctgrad::sum(wide_terms<0, n>());
  auto prog = ctgrad::compile(f, ctgrad::grad(f, xvar{}));
  if (!prog.run(xvar{} = x, (wvar<int(K)>{} = x)...).ok()) return 0;
  return prog.template get<1>()[0];
}
double wide_tensor_dx0(std::span<const double> x) { return run(x, std::make_index_sequence<n>{}); }

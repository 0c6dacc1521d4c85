// Compile cost of opaque ops (ops/opaque.hpp): N routines in a chain, h_{k+1} = op_k(h_k, w_k) with
// h, w of 4 elements and op_k a routine ctgrad cannot see (h * w, then a cumulative sum, with its
// hand-written vjp), the loss sum(h_N^2), compiled with its gradient in all N w_k. N = CTGRAD_CC_N.
// Compiled (not run) by test/bench/compile_cost.sh: the opaque nodes and their packed vjp nodes must
// keep the cost linear in N.
#include <span>
#include <string_view>
#include <utility>

#include "ctgrad/ctgrad.hpp"

constexpr int n = CTGRAD_CC_N;
using vec = ctgrad::shape<4>;

struct scan {
  static constexpr std::string_view name = "scan";
  using inputs = ctgrad::type_list<vec, vec>;
  using output = vec;
  template <class T> static void value(std::span<const T> h, std::span<const T> w, std::span<T> y) {
    T acc = 0;
    for (int i = 0; i < 4; ++i) y[i] = acc += h[i] * w[i];
  }
  template <class T>
  static void vjp(std::span<const T> h, std::span<const T> w, std::span<const T>, std::span<const T> ybar,
                  std::span<T> hbar, std::span<T> wbar) {
    T suffix = 0;  // d y_j / d (h_i w_i) = 1 for j >= i
    for (int i = 3; i >= 0; --i) {
      suffix += ybar[i];
      hbar[i] = suffix * w[i];
      wbar[i] = suffix * h[i];
    }
  }
};

template <int I> using wvar = ctgrad::var<ctgrad::indexed_name<'w', I + 1>(), double, vec>;
template <int K, class H> constexpr auto chain(const H& h) {
  if constexpr (K == n) return h;
  else return chain<K + 1>(ctgrad::opaque<scan>(h, wvar<K>{}));
}
template <std::size_t... I> double run(std::span<const double> x, std::index_sequence<I...>) {
  const auto loss = ctgrad::sum(ctgrad::square(chain<0>(ctgrad::var<"x", double, vec>{})));
  auto prog = ctgrad::compile(loss, ctgrad::grad(loss, wvar<int(I)>{}...));
  if (!prog.run(ctgrad::var<"x", double, vec>{} = x, (wvar<int(I)>{} = x)...).ok()) return 0;
  return prog.template get<0>()[0];
}
double opaque_chain_loss(std::span<const double> x) { return run(x, std::make_index_sequence<n>{}); }

// The MLP case of the gradient-check suite, included by suite_mlp_0.cpp ... suite_mlp_5.cpp:
// each instantiates it for a sixth of activation_list (one graph type per activation
// is the bulk of the suite's compile time, ~10 s each, so it is split over six translation units).
#pragma once

#include <string>
#include <vector>

#include "ctgrad/check/graph.hpp"
#include "ctgrad/fn/activate.hpp"
#include "ctgrad/fn/losses.hpp"
#include "ctgrad/fn/registry.hpp"
#include "ctgrad/ops/linalg.hpp"
#include "suite_cases.hpp"

namespace ctgrad::check::suite_detail {

/// x[4, 6] -> 6x5 -> F -> 5x3 -> cross_entropy with labels: the gradient in W1, b1, W2, b2 (53 values).
template <class F, class T> void check_mlp(const context& ctx) {
  const var<"x", T, shape<dyn, 6>> x;
  const var<"W1", T, shape<6, 5>> W1;
  const var<"b1", T, shape<5>> b1;
  const var<"W2", T, shape<5, 3>> W2;
  const var<"b2", T, shape<3>> b2;
  const var<"y", int, shape<dyn>> y;
  const auto loss = cross_entropy(matmul(activate<F>(matmul(x, W1) + b1), W2) + b2, y);
  rng g{ctx.opts.seed};
  const auto xv = random_values<T>(24, -2, 2, g);
  const auto w1 = random_values<T>(30, -1, 1, g);
  const auto bb1 = random_values<T>(5, -0.5, 0.5, g);
  const auto w2 = random_values<T>(15, -1, 1, g);
  const auto bb2 = random_values<T>(3, -0.5, 0.5, g);
  const std::vector<int> yv{0, 2, 1, 2};
  options o;
  o.seed = ctx.opts.seed;
  const std::string name = "mlp(" + std::string(F::name) + ")";
  row_builder row(name, name, 1, dtype_of<T>());
  row.add(check_gradients(loss, wrt(W1, b1, W2, b2), o, x = xv, W1 = w1, b1 = bb1, W2 = w2, b2 = bb2, y = yv), name);
  ctx.rows.push_back(std::move(row).finish());
}

/// The hidden activations of the sample-MLP rows: the ones ctgrad-train builds, plus leaky_relu (a
/// kink with a non-zero slope). Every activation is checked on its own by the activation rows; the
/// MLP rows check the composition, and each costs a graph instantiation (~15 s of compile time).
using mlp_activations = type_list<fn::relu, fn::sigmoid, fn::tanh, fn::leaky_relu, fn::silu, fn::gelu>;
/// The MLP with each activation of mlp_activations whose index is Part modulo mlp_parts.
inline constexpr std::size_t mlp_parts = 2;
template <std::size_t Part> void add_mlp_rows(const context& ctx) {
  meta::for_each_indexed<mlp_activations>([&]<std::size_t I, class F>() {
    if constexpr (I % mlp_parts == Part) {
      if (!ctx.selected("mlp(" + std::string(F::name) + ")")) return;
      // float only: the dtype networks train in, and its check instantiates the double graph too
      // (the numeric side); a second analytic graph per activation would double the compile time.
      if (ctx.wants(dtype::f32)) check_mlp<F, float>(ctx);
    }
  });
}

}  // namespace ctgrad::check::suite_detail

// Suite cases: every loss (mse, cross_entropy with and without label smoothing, nll,
// binary_cross_entropy, binary_cross_entropy_with_logits) and softmax / log_softmax (through
// sum(softmax(x) * w)) on small random tensors, checked through compile()d graphs.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/fn/losses.hpp"
#include "ctgrad/fn/softmax.hpp"
#include "suite_cases.hpp"

namespace ctgrad::check::suite_detail {
namespace {

constexpr std::size_t batch = 3, classes = 4;

template <class T> void add_losses(const context& ctx) {
  constexpr dtype dt = dtype_of<T>();
  const var<"x", T, shape<dyn, classes>> x;
  const var<"t", T, shape<dyn, classes>> t;
  const var<"y", int, shape<dyn>> y;
  rng g{ctx.opts.seed};
  const std::vector<T> xv = random_values<T>(batch * classes, -3, 3, g);
  const std::vector<T> tv = random_values<T>(batch * classes, 0, 1, g);
  const std::vector<T> pv = random_values<T>(batch * classes, 0.05, 0.95, g);
  std::vector<int> yv(batch);
  for (int& l : yv) l = static_cast<int>(g.next() % classes);
  options o;
  o.seed = ctx.opts.seed;

  auto run = [&](const std::string& name, const std::string& base, const absl::StatusOr<report>& r) {
    row_builder row(name, base, 1, dt);
    row.add(r, name);
    ctx.rows.push_back(std::move(row).finish());
  };
  if (ctx.selected("mse"))
    run("mse", "mse", check_gradients(mse(x, t), wrt(x, t), o, x = xv, t = tv));
  if (ctx.selected("cross_entropy")) {
    run("cross_entropy", "cross_entropy", check_gradients(cross_entropy(x, y), wrt(x), o, x = xv, y = yv));
    run("cross_entropy(label_smoothing=0.1)", "cross_entropy",
        check_gradients(cross_entropy(x, y, 0.1), wrt(x), o, x = xv, y = yv));
    run("cross_entropy(reduction=sum)", "cross_entropy",
        check_gradients(cross_entropy<reduction::sum>(x, y), wrt(x), o, x = xv, y = yv));
  }
  if (ctx.selected("nll"))
    run("nll", "nll", check_gradients(nll(x, y), wrt(x), o, x = xv, y = yv));
  if (ctx.selected("binary_cross_entropy"))
    run("binary_cross_entropy", "binary_cross_entropy",
        check_gradients(binary_cross_entropy(x, t), wrt(x, t), o, x = pv, t = tv));
  if (ctx.selected("binary_cross_entropy_with_logits"))
    run("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits",
        check_gradients(binary_cross_entropy_with_logits(x, t), wrt(x, t), o, x = xv, t = tv));
  // softmax and log_softmax along the last axis, weighted by t (any weights: the gradient is a
  // Jacobian-vector product of the whole softmax, not only its diagonal).
  if (ctx.selected("softmax"))
    run("softmax", "softmax", check_gradients(sum(softmax(x) * t), wrt(x), o, x = xv, t = tv));
  if (ctx.selected("log_softmax"))
    run("log_softmax", "log_softmax", check_gradients(sum(log_softmax(x) * t), wrt(x), o, x = xv, t = tv));
}

void add_loss_rows(const context& ctx) {
  if (ctx.wants(dtype::f32)) add_losses<float>(ctx);
  if (ctx.wants(dtype::f64)) add_losses<double>(ctx);
}

[[maybe_unused]] const int registered = register_case(1, &add_loss_rows);

}  // namespace

}  // namespace ctgrad::check::suite_detail

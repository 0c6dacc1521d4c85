// Suite cases: every loss of ctgrad::loss_list (fn/losses.hpp's CTGRAD_LOSSES: at its defaults, at each
// parameter's checked_at value, and with reduction::sum where checks_sum_reduction) and every entry of
// softmax_list (through sum(softmax(x) * w)) on small random tensors, checked through compile()d graphs.
// Nothing here names a loss: a new registry line is checked by declaring it.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/core/type_list.hpp"
#include "ctgrad/fn/losses.hpp"
#include "ctgrad/fn/softmax.hpp"
#include "suite_cases.hpp"

namespace ctgrad::check::suite_detail {
namespace {

constexpr std::size_t batch = 3, classes = 4;

// The random inputs every case of one dtype reads (drawn once, in this order, from the suite's seed).
template <class T> struct loss_inputs {
  std::vector<T> real, values, probabilities;  // in [-3, 3], [0, 1], [0.05, 0.95]
  std::vector<int> labels;                      // in [0, classes)
};

// The gradient check of F's graph loss<R>(input, target, params...): in the input alone for class
// labels, in the input and the targets for float targets.
template <class F, reduction R, class T, class... P>
absl::StatusOr<report> check_loss(const loss_inputs<T>& in, const options& o, P... params) {
  const var<"x", T, shape<dyn, classes>> x;
  if constexpr (F::target_kind == loss_target::class_labels) {
    const var<"y", int, shape<dyn>> y;
    return check_gradients(F::template loss<R>(x, y, params...), wrt(x), o, x = in.real, y = in.labels);
  } else {
    const var<"t", T, shape<dyn, classes>> t;
    const std::vector<T>& xv = F::input_kind == loss_input::probability ? in.probabilities : in.real;
    return check_gradients(F::template loss<R>(x, t, params...), wrt(x, t), o, x = xv, t = in.values);
  }
}

template <class T> void add_losses(const context& ctx) {
  constexpr dtype dt = dtype_of<T>();
  rng g{ctx.opts.seed};
  loss_inputs<T> in;
  in.real = random_values<T>(batch * classes, -3, 3, g);
  in.values = random_values<T>(batch * classes, 0, 1, g);
  in.probabilities = random_values<T>(batch * classes, 0.05, 0.95, g);
  in.labels.resize(batch);
  for (int& l : in.labels) l = static_cast<int>(g.next() % classes);
  options o;
  o.seed = ctx.opts.seed;

  auto run = [&](const std::string& name, const std::string& base, const absl::StatusOr<report>& r) {
    row_builder row(name, base, 1, dt);
    row.add(r, name);
    ctx.rows.push_back(std::move(row).finish());
  };
  for_each_type<loss_list>([&]<class F>() {
    const std::string base(F::name);
    if (!ctx.selected(base)) return;
    run(base, base, check_loss<F, reduction::mean>(in, o));
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (run(absl::StrFormat("%s(%s=%g)", base, F::params[I].name, F::params[I].checked_at), base,
           check_loss<F, reduction::mean>(in, o, F::params[I].checked_at)),
       ...);
    }(std::make_index_sequence<F::params.size()>{});
    if constexpr (F::checks_sum_reduction) run(base + "(reduction=sum)", base, check_loss<F, reduction::sum>(in, o));
  });
  // softmax and log_softmax along the last axis, weighted by the targets (any weights: the gradient is a
  // Jacobian-vector product of the whole softmax, not only its diagonal).
  for_each_type<softmax_list>([&]<class F>() {
    const std::string name(F::name);
    if (!ctx.selected(name)) return;
    const var<"x", T, shape<dyn, classes>> x;
    const var<"t", T, shape<dyn, classes>> t;
    run(name, name, check_gradients(sum(F::template of<-1>(x) * t), wrt(x), o, x = in.real, t = in.values));
  });
}

void add_loss_rows(const context& ctx) {
  if (ctx.wants(dtype::f32)) add_losses<float>(ctx);
  if (ctx.wants(dtype::f64)) add_losses<double>(ctx);
}

[[maybe_unused]] const int registered = register_case(1, &add_loss_rows);

}  // namespace

}  // namespace ctgrad::check::suite_detail

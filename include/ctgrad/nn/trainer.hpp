// ctgrad/nn/trainer.hpp — mini-batch training of a ctgrad::nn::mlp classifier: shuffled batches, one
// compiled program for the loss, every gradient and the logits, Adam or SGD, evaluation, and
// checkpoints (parameters + optimiser state) that resume a run exactly.
// Not a framework: one model type, one loss (sparse categorical cross-entropy), data in memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/io/checkpoint.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "ctgrad/nn/optim.hpp"

namespace ctgrad::nn {

/// Labelled examples in memory: `count` rows of `features` values, row-major, and `count` labels.
struct dataset_view {
  std::span<const float> images;
  std::span<const std::int32_t> labels;
  std::size_t count = 0;
  std::size_t features = 0;
};

/// Mean loss and accuracy (fraction in [0, 1]) over some examples.
struct metrics {
  double loss = 0;
  double accuracy = 0;
};

enum class optimizer_kind { adam, sgd };

/// How to train. learning_rate 0 means the optimiser's default (Adam 1e-3, SGD 0.01).
struct train_options {
  int batch = 32;
  optimizer_kind optimizer = optimizer_kind::adam;
  double learning_rate = 0;
  double momentum = 0.9;  ///< SGD only
  std::uint64_t seed = 42;
};

/// InvalidArgument naming the bad option, or OK.
inline absl::Status validate(const train_options& o) {
  if (o.batch < 1) return absl::InvalidArgumentError(absl::StrFormat("batch size must be >= 1, got %d", o.batch));
  if (o.learning_rate < 0 || !std::isfinite(o.learning_rate))
    return absl::InvalidArgumentError(absl::StrFormat("learning rate must be > 0 (or 0 for the default), got %g", o.learning_rate));
  if (o.optimizer == optimizer_kind::sgd && !(o.momentum >= 0 && o.momentum < 1))
    return absl::InvalidArgumentError(absl::StrFormat("momentum must be in [0, 1), got %g", o.momentum));
  return absl::OkStatus();
}

/// Called after each training batch with (batches done, samples done, running mean loss).
using batch_callback = std::function<void(std::size_t, std::size_t, double)>;

/// Trains a Model (an mlp<Act, float, ...>) on a classification dataset. The training program is
/// compile(Model::gradients(), Model::logits()): one fused evaluation gives the loss, every
/// parameter gradient and the logits (for the running accuracy). After the first batch a step
/// allocates nothing. Not thread-safe; use one trainer per thread.
template <class Model>
class trainer {
 public:
  using T = typename Model::value_type;
  static constexpr int parameter_count = Model::parameter_count;

  /// A trainer with parameters initialised from options.seed (Glorot-uniform, zero biases).
  explicit trainer(train_options options) : options_(options) {
    params_.initialize(options_.seed);
    const std::size_t n = params_.flat().size();
    if (options_.optimizer == optimizer_kind::adam) {
      adam_options a;
      if (options_.learning_rate > 0) a.learning_rate = options_.learning_rate;
      opt_.template emplace<adam<T>>(n, a);
    } else {
      sgd_options s;
      if (options_.learning_rate > 0) s.learning_rate = options_.learning_rate;
      s.momentum = options_.momentum;
      opt_.template emplace<sgd<T>>(n, s);
    }
  }

  /// "mlp 784-128-10 relu float": what a checkpoint must match to be resumed by this trainer.
  static std::string model_description() {
    std::string s = "mlp ";
    for (std::size_t i = 0; i < Model::sizes.size(); ++i) s += absl::StrFormat("%s%d", i ? "-" : "", Model::sizes[i]);
    return absl::StrFormat("%s %s %s", s, Model::activation::name, sizeof(T) == 4 ? "float" : "double");
  }

  /// One pass over `data` in shuffled mini-batches (the permutation depends on the seed and the
  /// epoch number only, so a resumed run sees the same batches). Returns the running mean loss and
  /// accuracy over the epoch, as Keras reports them. Errors: data that does not match the model
  /// (features, label range) as InvalidArgument; an empty dataset.
  absl::StatusOr<metrics> train_epoch(const dataset_view& data, int epoch, const batch_callback& on_batch = {}) {
    if (auto st = check(data, "training"); !st.ok()) return st;
    order_.resize(data.count);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    std::seed_seq seq{static_cast<std::uint32_t>(options_.seed), static_cast<std::uint32_t>(options_.seed >> 32),
                      static_cast<std::uint32_t>(epoch), 0x5eedu};
    std::mt19937_64 shuffle_gen(seq);
    std::shuffle(order_.begin(), order_.end(), shuffle_gen);

    const std::size_t batch = static_cast<std::size_t>(options_.batch);
    x_.resize(batch * data.features);
    y_.resize(batch);
    double loss_sum = 0;
    std::size_t correct = 0, done = 0, batches = 0;
    for (std::size_t start = 0; start < data.count; start += batch) {
      const std::size_t n = std::min(batch, data.count - start);
      for (std::size_t r = 0; r < n; ++r) {
        const std::size_t src = order_[start + r];
        std::copy_n(data.images.data() + src * data.features, data.features, x_.data() + r * data.features);
        y_[r] = data.labels[src];
      }
      if (auto st = run(train_, n); !st.ok()) return st;
      const double loss = train_.template get<0>().item();
      if (!std::isfinite(loss))
        return absl::FailedPreconditionError(absl::StrFormat(
            "the training loss is %g at epoch %d, batch %d: the data holds NaN or infinite values, or the "
            "learning rate is too high (training diverged)", loss, epoch, batches + 1));
      loss_sum += loss * double(n);
      correct += count_correct(train_.template get<parameter_count + 1>(), n);
      apply_gradients(std::make_index_sequence<parameter_count>{});
      done += n;
      ++batches;
      if (on_batch) on_batch(batches, done, loss_sum / double(done));
    }
    return metrics{loss_sum / double(done), double(correct) / double(done)};
  }

  /// Mean loss and accuracy over `data`, in batches of `batch` (the parameters are not changed).
  absl::StatusOr<metrics> evaluate(const dataset_view& data, std::size_t batch = 1000) {
    if (auto st = check(data, "evaluation"); !st.ok()) return st;
    batch = std::max<std::size_t>(1, batch);
    x_.resize(std::max(x_.size(), batch * data.features));
    y_.resize(std::max(y_.size(), batch));
    double loss_sum = 0;
    std::size_t correct = 0;
    for (std::size_t start = 0; start < data.count; start += batch) {
      const std::size_t n = std::min(batch, data.count - start);
      std::copy_n(data.images.data() + start * data.features, n * data.features, x_.data());
      std::copy_n(data.labels.data() + start, n, y_.data());
      if (auto st = run(eval_, n); !st.ok()) return st;
      loss_sum += eval_.template get<0>().item() * double(n);
      correct += count_correct(eval_.template get<1>(), n);
    }
    return metrics{loss_sum / double(data.count), double(correct) / double(data.count)};
  }

  parameter_store<Model>& parameters() noexcept { return params_; }
  const parameter_store<Model>& parameters() const noexcept { return params_; }
  const train_options& options() const noexcept { return options_; }
  std::int64_t steps() const noexcept {
    return std::visit([](const auto& o) { return o.steps(); }, opt_);
  }

  /// The parameters and the optimiser state, with `epochs_done` and the model description as
  /// metadata; `extra` metadata (e.g. the history so far) is stored too.
  absl::StatusOr<io::checkpoint> save(int epochs_done, const std::map<std::string, std::string>& extra = {}) const {
    static_assert(sizeof(T) == sizeof(float), "trainer::save: checkpoints store float32 parameters");
    io::checkpoint ck;
    ck.metadata = extra;
    ck.metadata["model"] = model_description();
    ck.metadata["epoch"] = absl::StrCat(epochs_done);
    ck.metadata["seed"] = absl::StrCat(options_.seed);
    ck.metadata["batch"] = absl::StrCat(options_.batch);
    ck.metadata["optimizer"] = options_.optimizer == optimizer_kind::adam ? "adam" : "sgd";
    ck.metadata["steps"] = absl::StrCat(steps());
    for (int i = 0; i < parameter_count; ++i) {
      const auto s = Model::parameter_shape(i);
      if (auto st = io::add_tensor(ck, Model::parameter_name(i), shape_of(i), params_[i]); !st.ok()) return st;
      const std::size_t off = params_.offset(i), n = params_.size(i);
      if (const auto* a = std::get_if<adam<T>>(&opt_)) {
        auto& m = const_cast<adam<T>*>(a)->first_moment();
        auto& v = const_cast<adam<T>*>(a)->second_moment();
        if (auto st = io::add_tensor(ck, "adam.m." + Model::parameter_name(i), shape_of(i), {m.data() + off, n}); !st.ok()) return st;
        if (auto st = io::add_tensor(ck, "adam.v." + Model::parameter_name(i), shape_of(i), {v.data() + off, n}); !st.ok()) return st;
      } else {
        auto& vel = const_cast<sgd<T>&>(std::get<sgd<T>>(opt_)).velocity();
        if (auto st = io::add_tensor(ck, "sgd.velocity." + Model::parameter_name(i), shape_of(i), {vel.data() + off, n}); !st.ok()) return st;
      }
      (void)s;
    }
    return ck;
  }

  /// Restores parameters and optimiser state from `ck`, which must have been written for the same
  /// model, optimiser, seed and batch size (else FailedPrecondition naming both). Returns the number
  /// of epochs it had completed.
  absl::StatusOr<int> restore(const io::checkpoint& ck) {
    const auto expect = [&](std::string_view key, const std::string& want) -> absl::Status {
      auto got = io::get_metadata(ck, key);
      if (!got.ok()) return got.status();
      if (*got != want)
        return absl::FailedPreconditionError(absl::StrFormat(
            "%s: checkpoint %s is '%s' but this run has '%s'; resume with the same settings or start a new run",
            ck.source, key, *got, want));
      return absl::OkStatus();
    };
    if (auto st = expect("model", model_description()); !st.ok()) return st;
    if (auto st = expect("optimizer", options_.optimizer == optimizer_kind::adam ? "adam" : "sgd"); !st.ok()) return st;
    if (auto st = expect("seed", absl::StrCat(options_.seed)); !st.ok()) return st;
    if (auto st = expect("batch", absl::StrCat(options_.batch)); !st.ok()) return st;
    int epoch = 0;
    std::int64_t step_count = 0;
    auto e = io::get_metadata(ck, "epoch");
    auto s = io::get_metadata(ck, "steps");
    if (!e.ok()) return e.status();
    if (!s.ok()) return s.status();
    if (!absl::SimpleAtoi(*e, &epoch) || epoch < 0 || !absl::SimpleAtoi(*s, &step_count) || step_count < 0)
      return absl::DataLossError(absl::StrFormat("%s: bad epoch or step count in the checkpoint", ck.source));
    // Read everything first so that a failure leaves the trainer unchanged.
    std::vector<absl::Span<const float>> p(parameter_count), st1(parameter_count), st2(parameter_count);
    const bool is_adam = std::holds_alternative<adam<T>>(opt_);
    for (int i = 0; i < parameter_count; ++i) {
      const auto name = Model::parameter_name(i);
      const auto shape = shape_of(i);
      auto a = io::get_tensor(ck, name, shape);
      if (!a.ok()) return a.status();
      p[i] = *a;
      auto b = io::get_tensor(ck, is_adam ? "adam.m." + name : "sgd.velocity." + name, shape);
      if (!b.ok()) return b.status();
      st1[i] = *b;
      if (is_adam) {
        auto c = io::get_tensor(ck, "adam.v." + name, shape);
        if (!c.ok()) return c.status();
        st2[i] = *c;
      }
    }
    for (int i = 0; i < parameter_count; ++i) {
      std::copy(p[i].begin(), p[i].end(), params_[i].begin());
      const std::size_t off = params_.offset(i);
      if (auto* a = std::get_if<adam<T>>(&opt_)) {
        std::copy(st1[i].begin(), st1[i].end(), a->first_moment().begin() + off);
        std::copy(st2[i].begin(), st2[i].end(), a->second_moment().begin() + off);
      } else {
        std::copy(st1[i].begin(), st1[i].end(), std::get<sgd<T>>(opt_).velocity().begin() + off);
      }
    }
    std::visit([&](auto& o) { o.set_steps(step_count); }, opt_);
    return epoch;
  }

 private:
  using train_program = decltype(compile(Model::gradients(), Model::logits()));
  using eval_program = decltype(compile(Model::loss(), Model::logits()));

  static std::vector<std::size_t> shape_of(int i) {
    const auto s = Model::parameter_shape(i);
    if (i % 2 == 1) return {static_cast<std::size_t>(s[1])};
    return {static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1])};
  }

  absl::Status check(const dataset_view& d, const char* what) const {
    if (d.features != static_cast<std::size_t>(Model::inputs))
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data has %d features per example but the model's input has %d", what, d.features, Model::inputs));
    if (d.count == 0) return absl::InvalidArgumentError(absl::StrFormat("%s data is empty", what));
    if (d.images.size() != d.count * d.features || d.labels.size() != d.count)
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data holds %d values and %d labels, expected %d x %d and %d", what, d.images.size(),
          d.labels.size(), d.count, d.features, d.count));
    for (auto l : d.labels)
      if (l < 0 || l >= Model::classes)
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s data has label %d, outside [0, %d) of the model's classes", what, l, Model::classes));
    return absl::OkStatus();
  }

  template <class Program> absl::Status run(Program& prog, std::size_t n) {
    return std::apply(
        [&](const auto&... b) {
          return prog.run(typename Model::input{} = std::span<const T>(x_.data(), n * Model::inputs),
                          typename Model::labels{} = std::span<const int>(y_.data(), n), b...);
        },
        params_.bindings());
  }

  std::size_t count_correct(tensor_view<const T> logits, std::size_t n) const {
    std::size_t correct = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const T* row = logits.data + r * logits.cols;
      const auto best = std::max_element(row, row + logits.cols) - row;
      correct += best == y_[r];
    }
    return correct;
  }

  template <std::size_t... I> void apply_gradients(std::index_sequence<I...>) {
    std::visit(
        [&](auto& o) {
          o.begin_step();
          (o.update(params_[int(I)], train_.template get<I + 1>().span(), params_.offset(int(I))), ...);
        },
        opt_);
  }

  train_options options_;
  parameter_store<Model> params_;
  std::variant<adam<T>, sgd<T>> opt_{std::in_place_type<adam<T>>, 0};
  train_program train_ = compile(Model::gradients(), Model::logits());
  eval_program eval_ = compile(Model::loss(), Model::logits());
  std::vector<T> x_;
  std::vector<int> y_;
  std::vector<std::uint32_t> order_;
};

}  // namespace ctgrad::nn

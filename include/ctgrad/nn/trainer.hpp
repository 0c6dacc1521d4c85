// ctgrad/nn/trainer.hpp — mini-batch training of a ctgrad::nn::mlp classifier: shuffled batches, one
// compiled program for the loss, every gradient and the logits, Adam or SGD, evaluation, and
// checkpoints (parameters + optimiser state) that resume a run exactly. The step itself, on 1
// thread, T threads or K processes, is nn/data_parallel.hpp's; the worker threads are nn/team.hpp's.
// Not a framework: one model type, one loss (sparse categorical cross-entropy), data in memory.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/dist/reducer.hpp"
#include "ctgrad/io/checkpoint.hpp"
#include "ctgrad/nn/data_parallel.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "ctgrad/nn/optim.hpp"
#include "ctgrad/nn/train_options.hpp"

namespace ctgrad::nn {

/// Called after each training batch with (batches done, samples done, running mean loss).
using batch_callback = std::function<void(std::size_t, std::size_t, double)>;

/// Trains a Model (an mlp<Act, float, ...>) on a classification dataset. The training program is
/// compile(Model::gradients(), Model::logits()): one fused evaluation gives the loss, every
/// parameter gradient and the logits (for the running accuracy). After the first batch a step
/// allocates nothing. With options.threads = T > 1 the trainer starts T - 1 worker threads once
/// (joined by the destructor), which share each step's large matrix products and the update, every
/// element computed as on one thread; with a dist::reducer of K ranks (MPI, dist/mpi.hpp), each rank
/// computes its slice of every global batch and the ranks' gradients are summed in rank order
/// (data_parallel.hpp). So a run is reproducible for a given K, and the same for every T. A trainer is movable; it is not thread-safe itself
/// (call it from one thread at a time).
template <class Model>
class trainer {
 public:
  using T = typename Model::value_type;
  static constexpr int parameter_count = Model::parameter_count;

  /// A trainer with parameters initialised from options.seed (Glorot-uniform, zero biases) and the
  /// optimiser options.optimizer chooses. validate(options) is their one check, made where they
  /// enter (ctgrad-train checks its flags with it, and the trainer with it here): with options it
  /// refuses, train_epoch returns its error and trains nothing (no hang on a batch of 0).
  /// `group`: the ranks this trainer is one of (nullptr: this process alone); it must outlive the
  /// trainer, and every rank must construct its trainer with the same options.
  explicit trainer(train_options options, dist::reducer* group = nullptr)
      : options_(options), opt_(optimizers::make<T>(options_.optimizer, params_.flat().size())) {
    options_status_ = validate(options_);
    if (!options_status_.ok()) options_.batch = options_.threads = 1;  // no engine of a bad size
    params_.initialize(options_.seed);
    engine_ = std::make_unique<data_parallel<Model>>(options_.threads, group, static_cast<std::size_t>(options_.batch),
                                                     params_.flat().size(), options_.adaptive_threads);
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
    if (!options_status_.ok()) return options_status_;
    if (auto st = check(data, "training"); !st.ok()) return st;
    order_.resize(data.count);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    std::seed_seq seq{static_cast<std::uint32_t>(options_.seed), static_cast<std::uint32_t>(options_.seed >> 32),
                      static_cast<std::uint32_t>(epoch), 0x5eedu};
    std::mt19937_64 shuffle_gen(seq);
    std::shuffle(order_.begin(), order_.end(), shuffle_gen);

    const std::size_t batch = static_cast<std::size_t>(options_.batch);
    double loss_sum = 0, correct = 0;
    std::size_t done = 0, batches = 0;
    engine_->pace().restart(engine_->workers());
    for (std::size_t start = 0; start < data.count; start += batch) {
      const std::size_t n = std::min(batch, data.count - start);
      batch_totals step;
      const std::span<const std::uint32_t> all(order_);
      const std::size_t next = std::min(batch, data.count - std::min(data.count, start + n));
      if (auto st = engine_->train_step(params_, opt_, data, all.subspan(start, n), step, all.subspan(start + n, next));
          !st.ok())
        return st;
      const double loss = step.loss_sum / double(n);
      if (!std::isfinite(loss))
        return absl::FailedPreconditionError(absl::StrFormat(
            "the training loss is %g at epoch %d, batch %d: the data holds NaN or infinite values, or the "
            "learning rate is too high (training diverged)", loss, epoch, batches + 1));
      loss_sum += step.loss_sum;
      correct += step.correct;
      done += n;
      ++batches;
      if (on_batch) on_batch(batches, done, loss_sum / double(done));
    }
    if (engine_->ranks() > 1)
      if (auto st = engine_->group().check_identical(params_.flat(), "parameters"); !st.ok())
        return absl::InternalError(absl::StrFormat("after epoch %d: %s", epoch, st.message()));
    return metrics{loss_sum / double(done), correct / double(done)};
  }

  /// Mean loss and accuracy over `data`, in batches of `batch` (the parameters are not changed).
  /// The threads share each batch's products like a training step's; over the ranks each rank
  /// evaluates its slice of the batch, and every rank gets the totals.
  absl::StatusOr<metrics> evaluate(const dataset_view& data, std::size_t batch = 1000) {
    if (auto st = check(data, "evaluation"); !st.ok()) return st;
    batch = std::max<std::size_t>(1, batch);
    batch_totals acc;
    for (std::size_t start = 0; start < data.count; start += batch) {
      const std::size_t end = std::min(data.count, start + batch);
      if (auto st = engine_->evaluate_batch(params_, data, start, end, acc); !st.ok()) return st;
    }
    if (auto st = engine_->total(acc); !st.ok()) return st;
    return metrics{acc.loss_sum / double(data.count), acc.correct / double(data.count)};
  }

  /// The number of ranks (processes) this trainer is one of, and its rank.
  int ranks() const noexcept { return engine_->ranks(); }
  int rank() const noexcept { return engine_->rank(); }
  /// The worker threads' team and pacer (for reports: whether the workers helped).
  const team& workers() const noexcept { return engine_->workers(); }

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
    ck.metadata["threads"] = absl::StrCat(options_.threads);
    ck.metadata["ranks"] = absl::StrCat(ranks());
    ck.metadata["optimizer"] = std::string(name_of(options_.optimizer));
    ck.metadata["steps"] = absl::StrCat(steps());
    // Each parameter, then the optimiser's state slots over it: "W1", "adam.m.W1", "adam.v.W1", ...
    absl::Status status = absl::OkStatus();
    std::visit(
        [&](const auto& o) {
          for (int i = 0; i < parameter_count && status.ok(); ++i) {
            status = io::add_tensor(ck, Model::parameter_name(i), shape_of(i), params_[i]);
            for (const auto& slot : o.state())
              if (status.ok())
                status = io::add_tensor(ck, state_tensor_name(slot.name, i), shape_of(i),
                                        slot.values.subspan(params_.offset(i), params_.size(i)));
          }
        },
        opt_);
    if (!status.ok()) return status;
    return ck;
  }

  /// Restores parameters and optimiser state from `ck`, which must have been written for the same
  /// model, optimiser, seed, batch size and thread count (else FailedPrecondition naming both; a
  /// checkpoint without a thread count was written by a single-threaded trainer). Returns the number
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
    if (auto st = expect("optimizer", std::string(name_of(options_.optimizer))); !st.ok()) return st;
    if (auto st = expect("seed", absl::StrCat(options_.seed)); !st.ok()) return st;
    if (auto st = expect("batch", absl::StrCat(options_.batch)); !st.ok()) return st;
    // "threads" is recorded for the reader only: every thread count computes every element as one
    // thread does (nn/data_parallel.hpp), so a run resumes exactly with any count.
    if (ck.metadata.count("ranks")) {
      if (auto st = expect("ranks", absl::StrCat(ranks())); !st.ok()) return st;
    } else if (ranks() != 1) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s: checkpoint ranks is '1' (not recorded) but this run has '%d'; resume with the same settings "
          "or start a new run", ck.source, ranks()));
    }
    int epoch = 0;
    std::int64_t step_count = 0;
    auto e = io::get_metadata(ck, "epoch");
    auto s = io::get_metadata(ck, "steps");
    if (!e.ok()) return e.status();
    if (!s.ok()) return s.status();
    if (!absl::SimpleAtoi(*e, &epoch) || epoch < 0 || !absl::SimpleAtoi(*s, &step_count) || step_count < 0)
      return absl::DataLossError(absl::StrFormat("%s: bad epoch or step count in the checkpoint", ck.source));
    // Read everything first so that a failure leaves the trainer unchanged.
    std::vector<std::pair<std::span<T>, absl::Span<const float>>> copies;  // (destination, tensor)
    for (int i = 0; i < parameter_count; ++i) {
      auto a = io::get_tensor(ck, Model::parameter_name(i), shape_of(i));
      if (!a.ok()) return a.status();
      copies.emplace_back(params_[i], *a);
    }
    absl::Status status = absl::OkStatus();
    std::visit(
        [&](auto& o) {
          for (const auto& slot : o.state())
            for (int i = 0; i < parameter_count && status.ok(); ++i) {
              auto a = io::get_tensor(ck, state_tensor_name(slot.name, i), shape_of(i));
              if (a.ok()) copies.emplace_back(slot.values.subspan(params_.offset(i), params_.size(i)), *a);
              status = a.status();
            }
        },
        opt_);
    if (!status.ok()) return status;
    for (const auto& [to, from] : copies) std::copy(from.begin(), from.end(), to.begin());
    std::visit([&](auto& o) { o.set_steps(step_count); }, opt_);
    return epoch;
  }

 private:
  static std::vector<std::size_t> shape_of(int i) {
    const auto s = Model::parameter_shape(i);
    if (i % 2 == 1) return {static_cast<std::size_t>(s[1])};
    return {static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1])};
  }

  // The checkpoint tensor of state slot `slot` of the optimiser for parameter i: "adam.m.W1".
  std::string state_tensor_name(std::string_view slot, int i) const {
    return absl::StrFormat("%s.%s.%s", name_of(options_.optimizer), slot, Model::parameter_name(i));
  }

  absl::Status check(const dataset_view& d, const char* what) const {
    if (d.features != static_cast<std::size_t>(Model::inputs))
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data has %d features per example but the model's input has %d", what, d.features, Model::inputs));
    if (d.count == 0) return absl::InvalidArgumentError(absl::StrFormat("%s data is empty", what));
    if (!d.images.empty() && !d.bytes.empty())
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data holds both float images and bytes; give one of them and leave the other empty", what));
    if (d.values() != d.count * d.features || d.labels.size() != d.count)
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data holds %d values and %d labels, expected %d x %d and %d", what, d.values(),
          d.labels.size(), d.count, d.features, d.count));
    for (auto l : d.labels)
      if (l < 0 || l >= Model::classes)
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s data has label %d, outside [0, %d) of the model's classes", what, l, Model::classes));
    if (!d.bytes.empty() && !(d.byte_divisor > 0 && std::isfinite(d.byte_divisor)))
      return absl::InvalidArgumentError(
          absl::StrFormat("%s data's byte_divisor must be finite and > 0, got %g", what, d.byte_divisor));
    return absl::OkStatus();
  }

  train_options options_;
  absl::Status options_status_;  // validate(options) as given
  parameter_store<Model> params_;
  optimizers::variant<T> opt_;
  std::vector<std::uint32_t> order_;
  std::unique_ptr<data_parallel<Model>> engine_;  // declared last: its workers are joined first
};

}  // namespace ctgrad::nn

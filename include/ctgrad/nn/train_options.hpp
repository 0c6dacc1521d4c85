// ctgrad/nn/train_options.hpp — what a training run is given and gives back, without the trainer:
// the dataset view, train_options and their validation, metrics. Light to include (no compile()):
// for code that configures or reports runs, such as ctgrad-train's flag parsing; nn/trainer.hpp
// includes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
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

/// How to train. `optimizer` chooses the optimiser and holds its hyper-parameters, e.g.
/// `.optimizer = nn::sgd_options{.learning_rate = 0.05}` (default: Adam with Keras's defaults; the
/// choices are nn::optimizers, nn/optim.hpp). threads > 1 splits the work inside each step (the
/// large matrix products' column blocks and the optimiser's update), not the batch's rows: every
/// element is computed as on one thread, so the results do not depend on `threads`
/// (nn/data_parallel.hpp). Ranks of an MPI run split the rows (docs/scaling.md).
struct train_options {
  int batch = 32;
  optimizer_options optimizer{};  ///< default: the first of nn::optimizers (Adam), its defaults
  std::uint64_t seed = 42;
  int threads = 1;  ///< worker threads per step (the calling thread is one of them)
  /// With threads > 1: time the steps with and without the workers now and then, and keep the
  /// faster (nn/team.hpp's pacer). Results do not depend on it, only the speed.
  bool adaptive_threads = true;
};

/// The most threads a trainer accepts (a sanity bound, far above any useful count).
inline constexpr int max_train_threads = 256;

/// InvalidArgument naming the bad option, or OK: the batch size, the thread count, and the
/// optimiser's hyper-parameters (by its own validate(), nn/optim.hpp). The one check of a
/// train_options: call it where the options enter (ctgrad-train does, after reading its flags);
/// nn::trainer calls it too, and its train_epoch returns the error when it refuses them.
inline absl::Status validate(const train_options& o) {
  if (o.batch < 1) return absl::InvalidArgumentError(absl::StrFormat("batch size must be >= 1, got %d", o.batch));
  if (o.threads < 1 || o.threads > max_train_threads)
    return absl::InvalidArgumentError(
        absl::StrFormat("threads must be in [1, %d], got %d", max_train_threads, o.threads));
  return validate(o.optimizer);
}

}  // namespace ctgrad::nn

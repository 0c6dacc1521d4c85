// ctgrad/nn/train_options.hpp — what a training run is given and gives back, without the trainer:
// the dataset view, train_options and their validation, metrics. Light to include (no compile()):
// for code that configures or reports runs, such as ctgrad-train's flag parsing; nn/trainer.hpp
// includes it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

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
/// threads > 1 splits every batch into `threads` contiguous row shards evaluated in parallel and
/// combined in shard order: a run is bit-for-bit reproducible for a given `threads`, and runs with
/// different thread counts differ by floating-point rounding (the gradient sums are ordered
/// differently).
struct train_options {
  int batch = 32;
  optimizer_kind optimizer = optimizer_kind::adam;
  double learning_rate = 0;
  double momentum = 0.9;  ///< SGD only
  std::uint64_t seed = 42;
  int threads = 1;  ///< worker threads per step (the calling thread is one of them)
  /// With threads > 1: time the steps with and without the workers now and then, and keep the
  /// faster (nn/team.hpp's pacer). Results do not depend on it, only the speed.
  bool adaptive_threads = true;
};

/// The most threads a trainer accepts (a sanity bound, far above any useful count).
inline constexpr int max_train_threads = 256;

/// InvalidArgument naming the bad option, or OK.
inline absl::Status validate(const train_options& o) {
  if (o.batch < 1) return absl::InvalidArgumentError(absl::StrFormat("batch size must be >= 1, got %d", o.batch));
  if (o.threads < 1 || o.threads > max_train_threads)
    return absl::InvalidArgumentError(
        absl::StrFormat("threads must be in [1, %d], got %d", max_train_threads, o.threads));
  if (o.learning_rate < 0 || !std::isfinite(o.learning_rate))
    return absl::InvalidArgumentError(absl::StrFormat("learning rate must be > 0 (or 0 for the default), got %g", o.learning_rate));
  if (o.optimizer == optimizer_kind::sgd && !(o.momentum >= 0 && o.momentum < 1))
    return absl::InvalidArgumentError(absl::StrFormat("momentum must be in [0, 1), got %g", o.momentum));
  return absl::OkStatus();
}

}  // namespace ctgrad::nn

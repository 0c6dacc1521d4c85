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
/// The values are either floats (`images`) or bytes (`bytes`, e.g. MNIST's pixels as the files
/// hold them), the other span left empty. A byte b is read as float(b) / byte_divisor when a batch
/// is gathered: a quarter of the memory of floats, no conversion of the whole set up front, and a
/// quarter of the memory traffic of each batch's rows.
struct dataset_view {
  std::span<const float> images;
  std::span<const std::int32_t> labels;
  std::size_t count = 0;
  std::size_t features = 0;
  std::span<const std::uint8_t> bytes = {};
  float byte_divisor = 255.0f;

  /// Copies values [c0, c1) of row `row` to out[c0, c1) (a byte b as float(b) / byte_divisor).
  template <class Out> void copy_row(std::size_t row, std::size_t c0, std::size_t c1, Out* out) const noexcept {
    if (bytes.empty()) {
      const float* in = images.data() + row * features;
      for (std::size_t c = c0; c < c1; ++c) out[c] = static_cast<Out>(in[c]);
    } else {
      const std::uint8_t* in = bytes.data() + row * features;
      const float d = byte_divisor;
      for (std::size_t c = c0; c < c1; ++c) out[c] = static_cast<Out>(static_cast<float>(in[c]) / d);
    }
  }
  /// Starts fetching values [c0, c1) of row `row` into the cache (a batch's rows are read at random:
  /// fetched a little ahead, they are in cache when gathered). The first byte is read (returned),
  /// so that the address translation is made (a software prefetch that misses the TLB may be
  /// dropped: measured on this project's virtual machines, prefetches alone gained nothing), the
  /// rest is prefetched.
  unsigned char fetch_row(std::size_t row, std::size_t c0, std::size_t c1) const noexcept {
    const auto* p = bytes.empty() ? reinterpret_cast<const unsigned char*>(images.data() + row * features + c0)
                                  : reinterpret_cast<const unsigned char*>(bytes.data() + row * features + c0);
    const auto* end = p + (c1 - c0) * (bytes.empty() ? sizeof(float) : 1);
    if (p == end) return 0;
    const unsigned char first = *static_cast<const volatile unsigned char*>(p);
    for (const auto* q = p + 64; q < end; q += 64) __builtin_prefetch(q);
    __builtin_prefetch(end - 1);
    return first;
  }
  /// How many values it holds (images or bytes).
  std::size_t values() const noexcept { return bytes.empty() ? images.size() : bytes.size(); }
};

/// Mean loss and accuracy (fraction in [0, 1]) over some examples.
struct metrics {
  double loss = 0;
  double accuracy = 0;
};

/// How to train. `optimizer` chooses the optimiser and holds its hyper-parameters, e.g.
/// `.optimizer = nn::sgd_options{.learning_rate = 0.05}` (default: Adam with Keras's defaults; the
/// choices are nn::optimizers, nn/optim.hpp). threads > 1 splits the work inside each step (the
/// large matrix products' blocks, the optimiser's update, the gathering of the rows), not the
/// batch's rows: every element is computed as on one thread, so the results do not depend on
/// `threads` (nn/data_parallel.hpp). Ranks of an MPI run split the rows (docs/scaling.md).
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

// ctgrad/dist/reducer.hpp — the collective operations data-parallel training needs (sum over
// ranks, agreeing on errors, checking replicas, broadcast), behind one interface, so that a training
// loop reads the same for one process (local_reducer) and for K MPI ranks (dist/mpi.hpp).
// Not a communication library: no MPI here, no point-to-point messages, no asynchronous calls.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ctgrad::dist {

/// The collectives of data-parallel training. Every method is collective: every rank calls it, in
/// the same order, with the same sizes (a rank that does not hangs or fails the others). One
/// reducer is used by one thread at a time.
class reducer {
 public:
  virtual ~reducer() = default;
  /// This process's rank, 0-based.
  virtual int rank() const = 0;
  /// The number of ranks.
  virtual int size() const = 0;

  /// In-place sum over ranks of `v` (the same number of elements on every rank). Every rank gets
  /// bit-identical results, and the order of summation is fixed, ((v₀ + v₁) + v₂) + …, in rank
  /// order, so that a run is reproducible for a given number of ranks, and equals the same sum
  /// computed in one process in that order. Errors: the communication's (absl::InternalError
  /// naming the MPI call); sizes that differ between ranks are the caller's bug, not detected.
  virtual absl::Status sum(std::span<float> v) = 0;
  virtual absl::Status sum(std::span<double> v) = 0;

  /// Agrees on an outcome: OK on every rank when every rank passed OK; otherwise, on every rank,
  /// the status of the first (lowest) failing rank R, with its code and the message prefixed
  /// "rank R: ". Call it after each rank's local step that can fail (reading its shard, a run), so
  /// that no rank enters the next collective alone.
  virtual absl::Status agree(const absl::Status& local) = 0;

  /// OK if `v` is bit-identical on every rank; otherwise, on every rank, an
  /// absl::FailedPreconditionError naming the first rank whose `v` differs from rank 0's, the
  /// first differing element and both values (rank 0's first):
  ///   "rank 1: parameters differ from rank 0's at element 12345 (0.1 vs 0.100000001)"
  ///   "rank 2: parameters have 10 elements, rank 0's 12"
  /// `what` names `v` in the message. Costs a broadcast of `v` from rank 0: a check, not a step.
  virtual absl::Status check_identical(std::span<const float> v, std::string_view what) = 0;

  /// Copies `bytes` from rank `root` to every other rank (the same size on every rank).
  /// absl::InvalidArgumentError when root is not a rank.
  virtual absl::Status broadcast(std::span<std::byte> bytes, int root) = 0;
};

/// The reducer of a single process: rank 0 of 1; sum, check_identical and broadcast leave their
/// data as it is, agree returns `local` unchanged (no "rank 0: " prefix: there is no one to tell
/// apart). What a training loop uses when it is not distributed.
class local_reducer final : public reducer {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  absl::Status sum(std::span<float>) override { return absl::OkStatus(); }
  absl::Status sum(std::span<double>) override { return absl::OkStatus(); }
  absl::Status agree(const absl::Status& local) override { return local; }
  absl::Status check_identical(std::span<const float>, std::string_view) override { return absl::OkStatus(); }
  absl::Status broadcast(std::span<std::byte>, int root) override {
    if (root != 0) return absl::InvalidArgumentError(absl::StrCat("broadcast: root ", root, " is not a rank (1 process)"));
    return absl::OkStatus();
  }
};

}  // namespace ctgrad::dist

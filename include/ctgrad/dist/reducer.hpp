// ctgrad/dist/reducer.hpp — what data-parallel training needs from a group of processes, without
// MPI: rank, size, a sum in a fixed order, agreement on errors, a check that values are identical.
// local_reducer is the group of one; dist/mpi.hpp implements it over an MPI communicator.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "absl/status/status.h"

namespace ctgrad::dist {

class reducer {
 public:
  virtual ~reducer() = default;
  virtual int rank() const = 0;  ///< 0-based
  virtual int size() const = 0;  ///< number of ranks
  /// In-place sum over ranks, in rank order (rank 0 + rank 1 + ...): every rank gets bit-identical
  /// results, and a run is reproducible for a given size.
  virtual absl::Status sum(std::span<float> v) = 0;
  virtual absl::Status sum(std::span<double> v) = 0;
  /// Collective: OK on every rank when every rank passed OK; otherwise, on every rank, the first
  /// failing rank's status (same code) with its message prefixed "rank R: ".
  virtual absl::Status agree(const absl::Status& local) = 0;
  /// Collective: OK if `v` is bit-identical on every rank, else FailedPrecondition naming the first
  /// rank that differs from rank 0 and the first differing element.
  virtual absl::Status check_identical(std::span<const float> v, std::string_view what) = 0;
  /// Collective: rank `root`'s bytes copied to every rank.
  virtual absl::Status broadcast(std::span<std::byte> bytes, int root) = 0;
};

/// The group of one process: every operation is the identity.
class local_reducer final : public reducer {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  absl::Status sum(std::span<float>) override { return absl::OkStatus(); }
  absl::Status sum(std::span<double>) override { return absl::OkStatus(); }
  absl::Status agree(const absl::Status& local) override { return local; }
  absl::Status check_identical(std::span<const float>, std::string_view) override { return absl::OkStatus(); }
  absl::Status broadcast(std::span<std::byte>, int) override { return absl::OkStatus(); }
};

}  // namespace ctgrad::dist

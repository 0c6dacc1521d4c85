// ctgrad/dist/mpi.hpp — the reducer over MPI (mpi_reducer: fixed-order sums that are bit-identical
// on every rank) and mpi_session, MPI's initialisation and finalisation as an object. Needs an MPI
// (Open MPI 4 is tested) on the include path and link line: ctgrad's build gives it with
// -Dmpi=enabled (ctgrad_mpi_dep); ctgrad.pc and ctgrad::ctgrad do not (docs/embedding.md, "MPI").
// Not a general MPI wrapper: only the collectives of data-parallel training (dist/reducer.hpp).
#pragma once

#include <mpi.h>

#include <bit>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/dist/allreduce.hpp"
#include "ctgrad/dist/reducer.hpp"

namespace ctgrad::dist {

namespace detail {
// Debian's Abseil is built with its own absl::string_view, which StrCat takes but std's does not.
inline absl::string_view sv(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace detail

/// An MPI error code as a status: absl::InternalError("<call>: <MPI's error string>").
inline absl::Status mpi_status(int code, std::string_view call) {
  if (code == MPI_SUCCESS) return absl::OkStatus();
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS || len <= 0)
    return absl::InternalError(absl::StrCat(detail::sv(call), ": MPI error ", code));
  return absl::InternalError(absl::StrCat(detail::sv(call), ": ", absl::string_view(text, static_cast<std::size_t>(len))));
}

/// MPI's lifetime in this process. start() initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED:
/// threads may exist, only the thread that started MPI calls it) unless the embedder already did;
/// the destructor finalises what start() initialised. Move-only; one per process.
class mpi_session {
 public:
  /// Initialises MPI; `argc`/`argv` may be null. Errors: MPI_Init_thread's, or a thread level
  /// below MPI_THREAD_FUNNELED (absl::FailedPreconditionError).
  static absl::StatusOr<mpi_session> start(int* argc = nullptr, char*** argv = nullptr) {
    const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
    int initialized = 0;
    if (auto st = mpi_status(MPI_Initialized(&initialized), "MPI_Initialized"); !st.ok()) return st;
    int provided = 0;
    bool owns = false;
    if (initialized) {
      if (auto st = mpi_status(MPI_Query_thread(&provided), "MPI_Query_thread"); !st.ok()) return st;
    } else {
      if (auto st = mpi_status(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
          !st.ok())
        return st;
      owns = true;
    }
    mpi_session s(owns, launched);
    if (provided < MPI_THREAD_FUNNELED)
      return absl::FailedPreconditionError(
          absl::StrCat("MPI_Init_thread: this MPI provides thread level ", provided, ", ctgrad needs MPI_THREAD_FUNNELED"));
    MPI_Comm_rank(MPI_COMM_WORLD, &s.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &s.size_);
    return s;
  }

  mpi_session(mpi_session&& o) noexcept
      : owns_(std::exchange(o.owns_, false)), launched_(o.launched_), rank_(o.rank_), size_(o.size_) {}
  mpi_session& operator=(mpi_session&&) = delete;
  mpi_session(const mpi_session&) = delete;
  ~mpi_session() {
    int finalized = 1;
    if (owns_ && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Finalize();
  }

  /// Whether a launcher (mpirun, mpiexec, srun) started this process, from the environment it
  /// set before start() (Open MPI: OMPI_COMM_WORLD_SIZE; MPICH/Hydra: PMI_SIZE; PMIx: PMIX_RANK;
  /// read before MPI_Init_thread, as Open MPI sets its variables in a process started without
  /// mpirun too). Without one, MPI runs the process alone ("singleton"), and a tool can say
  /// "started without mpirun: running as 1 process".
  bool launched() const noexcept { return launched_; }
  /// This process's rank in MPI_COMM_WORLD, and the number of processes there.
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }

 private:
  mpi_session(bool owns, bool launched) : owns_(owns), launched_(launched) {}
  bool owns_ = false, launched_ = false;
  int rank_ = 0, size_ = 1;
};

/// The reducer over the ranks of an MPI communicator (not owned: create() duplicates it, so that
/// ctgrad's messages never meet the caller's, and sets MPI_ERRORS_RETURN on the duplicate only, so
/// that MPI's errors come back as statuses). Needs MPI initialised (mpi_session) for its whole life.
///
/// sum() is a reduce-scatter then an allgather: v is cut into `size` blocks; each rank receives
/// every rank's copy of its own block (MPI_Alltoallv), adds them in rank order, and the summed
/// blocks are gathered back into v on every rank (MPI_Allgatherv, in place). Each element is added
/// up once, on one rank, so every rank gets the same bits; the order is rank 0 + rank 1 + ... .
/// Cost per call for n elements on K ranks: each rank sends and receives 2(K-1)/K · n elements (as
/// much as a bandwidth-optimal MPI_Allreduce), makes (K-1) · n/K additions, and holds a buffer of
/// about n elements, allocated on the first call and grown only when a call is larger:
/// no allocation after that. Latency: two collectives of K-1 messages each, where MPI_Allreduce on
/// a small vector takes log₂K rounds; for vectors of a few hundred elements on many ranks a plain
/// MPI_Allreduce is faster, but its result depends on the algorithm Open MPI picks for that size
/// and K (not reproducible across sizes, and not the rank-order sum). Sizes up to INT_MAX elements.
class mpi_reducer final : public reducer {
 public:
  /// A reducer over `comm`'s ranks. Collective over `comm` (MPI_Comm_dup).
  static absl::StatusOr<mpi_reducer> create(MPI_Comm comm = MPI_COMM_WORLD) {
    mpi_reducer r;
    if (auto st = mpi_status(MPI_Comm_dup(comm, &r.comm_), "MPI_Comm_dup"); !st.ok()) return st;
    if (auto st = mpi_status(MPI_Comm_set_errhandler(r.comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
        !st.ok())
      return st;
    if (auto st = mpi_status(MPI_Comm_rank(r.comm_, &r.rank_), "MPI_Comm_rank"); !st.ok()) return st;
    if (auto st = mpi_status(MPI_Comm_size(r.comm_, &r.size_), "MPI_Comm_size"); !st.ok()) return st;
    const auto k = static_cast<std::size_t>(r.size_);
    r.counts_.resize(k);
    r.displs_.resize(k);
    r.rcounts_.resize(k);
    r.rdispls_.resize(k);
    return r;
  }
  mpi_reducer(mpi_reducer&& o) noexcept
      : comm_(std::exchange(o.comm_, MPI_COMM_NULL)), rank_(o.rank_), size_(o.size_),
        counts_(std::move(o.counts_)), displs_(std::move(o.displs_)), rcounts_(std::move(o.rcounts_)),
        rdispls_(std::move(o.rdispls_)), scratch_(std::move(o.scratch_)) {}
  mpi_reducer& operator=(mpi_reducer&&) = delete;
  mpi_reducer(const mpi_reducer&) = delete;
  ~mpi_reducer() override {
    int finalized = 1;
    if (comm_ != MPI_COMM_NULL && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// The duplicate communicator the collectives use.
  MPI_Comm comm() const noexcept { return comm_; }

  absl::Status sum(std::span<float> v) override { return sum_impl(v, MPI_FLOAT); }
  absl::Status sum(std::span<double> v) override { return sum_impl(v, MPI_DOUBLE); }

  absl::Status agree(const absl::Status& local) override {
    // Every rank's code, then the first failing rank's message from that rank.
    int code = static_cast<int>(local.code());
    int* codes = counts_.data();  // size_ ints: the block counts are rewritten by every sum
    if (auto st = mpi_status(MPI_Allgather(&code, 1, MPI_INT, codes, 1, MPI_INT, comm_), "agree: MPI_Allgather");
        !st.ok())
      return st;
    int first = -1;
    for (int i = 0; i < size_ && first < 0; ++i)
      if (codes[i] != 0) first = i;
    if (first < 0) return absl::OkStatus();
    const absl::StatusCode failed = static_cast<absl::StatusCode>(codes[first]);
    std::string message(local.message());
    int len = static_cast<int>(message.size());
    if (auto st = mpi_status(MPI_Bcast(&len, 1, MPI_INT, first, comm_), "agree: MPI_Bcast"); !st.ok()) return st;
    message.resize(static_cast<std::size_t>(len));
    if (auto st = mpi_status(MPI_Bcast(message.data(), len, MPI_CHAR, first, comm_), "agree: MPI_Bcast"); !st.ok())
      return st;
    return absl::Status(failed, absl::StrCat("rank ", first, ": ", message));
  }

  absl::Status check_identical(std::span<const float> v, std::string_view what) override {
    if (v.size() > static_cast<std::size_t>(INT_MAX))
      return absl::InvalidArgumentError(absl::StrCat("check_identical: ", detail::sv(what), " has more than INT_MAX elements"));
    // What each rank found: its size, and the first element that differs from rank 0's.
    struct finding {
      std::int64_t n, index;  // index -1: identical
      float mine, root;
    };
    const auto k = static_cast<std::size_t>(size_);
    std::vector<finding> all(k);  // a check, not a step: allocates
    finding f{static_cast<std::int64_t>(v.size()), -1, 0, 0};
    if (auto st = mpi_status(MPI_Allgather(&f, sizeof f, MPI_BYTE, all.data(), sizeof f, MPI_BYTE, comm_),
                             "check_identical: MPI_Allgather");
        !st.ok())
      return st;
    for (std::size_t i = 1; i < k; ++i)
      if (all[i].n != all[0].n)
        return absl::FailedPreconditionError(
            absl::StrCat("rank ", i, ": ", detail::sv(what), " have ", all[i].n, " elements, rank 0's ", all[0].n));
    std::vector<float> root(v.begin(), v.end());
    if (auto st = mpi_status(MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_FLOAT, 0, comm_),
                             "check_identical: MPI_Bcast");
        !st.ok())
      return st;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (std::bit_cast<std::uint32_t>(v[i]) != std::bit_cast<std::uint32_t>(root[i])) {
        f = {f.n, static_cast<std::int64_t>(i), v[i], root[i]};
        break;
      }
    if (auto st = mpi_status(MPI_Allgather(&f, sizeof f, MPI_BYTE, all.data(), sizeof f, MPI_BYTE, comm_),
                             "check_identical: MPI_Allgather");
        !st.ok())
      return st;
    for (std::size_t i = 1; i < k; ++i)
      if (all[i].index >= 0)
        return absl::FailedPreconditionError(absl::StrFormat("rank %d: %s differ from rank 0's at element %d (%.9g vs %.9g)",
                                                             i, detail::sv(what), all[i].index, all[i].root, all[i].mine));
    return absl::OkStatus();
  }

  absl::Status broadcast(std::span<std::byte> bytes, int root) override {
    if (root < 0 || root >= size_)
      return absl::InvalidArgumentError(absl::StrCat("broadcast: root ", root, " is not a rank (", size_, " processes)"));
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
      return absl::InvalidArgumentError("broadcast: more than INT_MAX bytes");
    return mpi_status(MPI_Bcast(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, root, comm_), "broadcast: MPI_Bcast");
  }

 private:
  mpi_reducer() = default;

  template <class T> absl::Status sum_impl(std::span<T> v, MPI_Datatype type) {
    if (size_ == 1 || v.empty()) return absl::OkStatus();
    if (v.size() > static_cast<std::size_t>(INT_MAX))
      return absl::InvalidArgumentError(absl::StrCat("sum: ", v.size(), " elements; at most INT_MAX"));
    // Block j of v is [n j / K, n (j + 1) / K): rank j adds it up.
    const auto n = static_cast<std::int64_t>(v.size()), k = static_cast<std::int64_t>(size_);
    for (std::int64_t j = 0; j < k; ++j) {
      displs_[j] = static_cast<int>(n * j / k);
      counts_[j] = static_cast<int>(n * (j + 1) / k - n * j / k);
    }
    const int mine = counts_[rank_];
    for (std::int64_t j = 0; j < k; ++j) {
      rcounts_[j] = mine;
      rdispls_[j] = static_cast<int>(j) * mine;
    }
    const std::size_t need = static_cast<std::size_t>(k * mine) * sizeof(T);
    if (scratch_.size() < need) scratch_.resize(need);
    T* blocks = reinterpret_cast<T*>(scratch_.data());  // k copies of this rank's block, rank order
    if (auto st = mpi_status(MPI_Alltoallv(v.data(), counts_.data(), displs_.data(), type, blocks, rcounts_.data(),
                                           rdispls_.data(), type, comm_),
                             "sum: MPI_Alltoallv");
        !st.ok())
      return st;
    T* out = v.data() + displs_[rank_];
    if (mine > 0) std::memcpy(out, blocks, sizeof(T) * static_cast<std::size_t>(mine));  // n < K: blocks may be empty
    for (std::int64_t j = 1; j < k && mine > 0; ++j) {
      const T* b = blocks + j * mine;
      for (int i = 0; i < mine; ++i) out[i] += b[i];
    }
    return mpi_status(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, v.data(), counts_.data(), displs_.data(),
                                     type, comm_),
                      "sum: MPI_Allgatherv");
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<int> counts_, displs_, rcounts_, rdispls_;  // size_ each: the blocks of v
  std::vector<std::byte> scratch_;  // sum's received blocks (operator new: aligned for double)
};

}  // namespace ctgrad::dist

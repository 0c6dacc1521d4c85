// ctgrad/io/checkpoint.hpp — a versioned binary checkpoint: named float tensors with shapes plus
// string metadata (epoch, step, rng state, ...), CRC32-checked and written atomically.
// Not a general serialisation format: float32 tensors and string pairs only; no compression.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ctgrad::io {

/// The format version this build writes; read_checkpoint accepts versions 1..this.
inline constexpr std::uint32_t checkpoint_format_version = 1;

/// One named tensor: row-major float32 values, data.size() == product of shape (1 for shape []).
struct checkpoint_tensor {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<float> data;
};

/// Everything a checkpoint holds. `source` is the path it was read from (set by read_checkpoint,
/// used to name the file in lookup errors); it is not stored in the file.
struct checkpoint {
  std::vector<checkpoint_tensor> tensors;
  std::map<std::string, std::string> metadata;
  std::string source;
};

/// Appends a tensor. Errors (InvalidArgument): empty or duplicate name, or data.size() differing
/// from the product of `shape`.
absl::Status add_tensor(checkpoint& ckpt, std::string name, std::vector<std::size_t> shape,
                        absl::Span<const float> data);

/// The data of tensor `name`, whose shape must equal `expected_shape`.
/// Errors: NotFound "<source>: no tensor 'W1'", FailedPrecondition
/// "<source>: tensor 'W1' has shape [784,64], expected [784,128]".
absl::StatusOr<absl::Span<const float>> get_tensor(const checkpoint& ckpt, std::string_view name,
                                                   absl::Span<const std::size_t> expected_shape);

/// The metadata value for `key`; NotFound "<source>: no metadata key 'epoch'" when absent.
absl::StatusOr<std::string> get_metadata(const checkpoint& ckpt, std::string_view key);

/// Serialises `ckpt` and writes it atomically to `path` (via "<path>.tmp.<pid>", fsync, rename):
/// a reader sees the old file or the new one, never a partial one. Errors: add_tensor's checks
/// (a hand-built checkpoint is validated again), and the OS errors naming the path.
absl::Status write_checkpoint(const std::string& path, const checkpoint& ckpt);

/// Reads a checkpoint written by write_checkpoint. Errors name `path`: NotFound (missing),
/// InvalidArgument (not a ctgrad checkpoint: wrong magic), Unimplemented (written by a newer
/// format version), DataLoss (truncated, checksum mismatch, malformed payload: also an empty or
/// repeated tensor name or a repeated metadata key, which write_checkpoint never writes).
absl::StatusOr<checkpoint> read_checkpoint(const std::string& path);

/// "[784,128]": a shape as messages print it.
std::string format_shape(absl::Span<const std::size_t> shape);

}  // namespace ctgrad::io

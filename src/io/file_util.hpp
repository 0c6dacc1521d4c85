// Private helpers of src/io: whole-file reads with a size limit and atomic writes.
// Not installed and not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ctgrad::io::detail {

/// Reads all of `path`. Errors name the path: NotFound/PermissionDenied/... from errno,
/// ResourceExhausted when the file is larger than `max_bytes`.
absl::StatusOr<std::vector<std::uint8_t>> read_file(const std::string& path, std::size_t max_bytes);

/// Writes `bytes` to `path` atomically: to "<path>.tmp.<pid>", fsync, rename over `path`, fsync
/// of the directory. On any failure the temporary file is removed and `path` is untouched.
absl::Status write_file_atomic(const std::string& path, std::string_view bytes);

/// Reserves `n` bytes in `v` and, on Linux, asks for transparent huge pages on the whole 2 MiB pages
/// inside them (madvise; a hint, ignored where unsupported). For the large buffers of a dataset:
/// on this project's virtual machines mapping a 4 KiB page costs about 11 us, so the training
/// images' 47 MB took 0.13 s in page faults alone, and their batches' rows, read at random, miss
/// the TLB on nearly every row.
void reserve_huge(std::vector<std::uint8_t>& v, std::size_t n);

/// "<path>: <what>: <strerror(err)>" with the absl code matching errno.
absl::Status errno_status(int err, std::string_view path, std::string_view what);

}  // namespace ctgrad::io::detail

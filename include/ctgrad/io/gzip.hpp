// ctgrad/io/gzip.hpp — in-memory gzip (RFC 1952) decompression with a size limit, and compression,
// as used by the IDX reader and by tests that craft data files.
// Not a general archive library: whole buffers only, no zip/zlib-raw formats, no streaming API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ctgrad::io {

/// True when `bytes` starts with the gzip magic 1f 8b.
bool is_gzip(absl::Span<const std::uint8_t> bytes) noexcept;

/// Decompresses every gzip member of `compressed` (concatenated members are joined, as gzip does).
/// `name` is only used in error messages. At most `max_bytes` of output are produced.
/// Errors: DataLoss "<name>: truncated gzip stream ..." when the input ends inside a member,
/// DataLoss "<name>: corrupt gzip data: <zlib message>" for bad headers, bad deflate data, CRC or
/// length mismatch and trailing garbage, ResourceExhausted "<name>: decompressed size exceeds the
/// limit of N bytes" when the output would be larger than `max_bytes`.
absl::StatusOr<std::vector<std::uint8_t>> gunzip(absl::Span<const std::uint8_t> compressed,
                                                 std::string_view name, std::size_t max_bytes);

/// Compresses `bytes` into one gzip member (zlib level 6). When `stored_name` is not empty it is
/// recorded in the header's FNAME field, as `gzip file` does. Never fails for in-memory input.
std::vector<std::uint8_t> gzip_compress(absl::Span<const std::uint8_t> bytes,
                                        std::string_view stored_name = {});

}  // namespace ctgrad::io

// Private to src/io: gzip decompression in pieces, for readers that place the output themselves
// (the IDX reader parses the header and appends the data straight to its array). gunzip is this
// with a sink that appends to a vector. Not installed and not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"

namespace ctgrad::io::detail {

/// The most output a gzip input of `compressed` bytes is trusted to hold before it has been
/// inflated: 16 times its size (IDX files compress 2-5x), at least 64 KiB. Buffers are reserved up
/// to this, so that a damaged size field cannot make a reader reserve its whole limit.
constexpr std::size_t plausible_inflated_size(std::size_t compressed) noexcept {
  return compressed * 16 > (std::size_t{1} << 16) ? compressed * 16 : std::size_t{1} << 16;
}

/// Decompresses every gzip member of `compressed` as gunzip does (the same errors, the same limit of
/// `max_bytes` of output), handing the output to `sink` in order, in pieces of at most 256 KiB.
/// An error returned by `sink` stops the decompression and is returned.
absl::Status gunzip_chunks(absl::Span<const std::uint8_t> compressed, std::string_view name, std::size_t max_bytes,
                           absl::FunctionRef<absl::Status(absl::Span<const std::uint8_t>)> sink);

}  // namespace ctgrad::io::detail

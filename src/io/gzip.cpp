// gzip decompression (zlib inflate, streaming over the input buffer) and compression.
#include "ctgrad/io/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "file_util.hpp"
#include "gzip_chunks.hpp"

namespace ctgrad::io {
namespace {

// zlib counts in uInt; feed it pieces no larger than this.
constexpr std::size_t max_piece = 1u << 30;

uInt piece(std::size_t n) { return static_cast<uInt>(std::min(n, max_piece)); }

struct inflate_guard {
  z_stream* s;
  ~inflate_guard() { inflateEnd(s); }
};

}  // namespace

bool is_gzip(absl::Span<const std::uint8_t> bytes) noexcept {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace detail {

absl::Status gunzip_chunks(absl::Span<const std::uint8_t> compressed, std::string_view name, std::size_t max_bytes,
                           absl::FunctionRef<absl::Status(absl::Span<const std::uint8_t>)> sink) {
  if (!is_gzip(compressed)) {
    return absl::DataLossError(absl::StrFormat("%s: corrupt gzip data: missing gzip magic 1f 8b", name));
  }
  z_stream s{};
  // 15 + 16: gzip wrapper only, with its CRC32 and length trailer checked by zlib.
  if (inflateInit2(&s, 15 + 16) != Z_OK) {
    return absl::InternalError(absl::StrFormat("%s: zlib inflateInit2 failed", name));
  }
  inflate_guard guard{&s};

  // The output goes through a buffer that stays in cache, and the sink copies it where it belongs:
  // no output buffer to grow (and copy), no zero-filling of one (vector::resize) before inflate
  // overwrites it.
  constexpr std::size_t chunk = 256u << 10;
  const std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[chunk]);
  std::size_t produced = 0;
  std::size_t consumed = 0;
  for (;;) {
    const std::size_t in_left = compressed.size() - consumed;
    s.next_in = const_cast<Bytef*>(compressed.data() + consumed);
    s.avail_in = piece(in_left);
    s.next_out = buf.get();
    s.avail_out = static_cast<uInt>(chunk);
    const uInt in_before = s.avail_in;
    const int rc = inflate(&s, Z_NO_FLUSH);
    consumed += in_before - s.avail_in;
    const std::size_t n = chunk - s.avail_out;
    produced += n;
    if (produced > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("%s: decompressed size exceeds the limit of %d bytes", name, max_bytes));
    }
    if (n != 0) {
      if (auto st = sink(absl::Span<const std::uint8_t>(buf.get(), n)); !st.ok()) return st;
    }
    if (rc == Z_STREAM_END) {
      if (consumed == compressed.size()) return absl::OkStatus();
      // Another member follows (as `cat a.gz b.gz` makes), or garbage.
      if (!is_gzip(compressed.subspan(consumed))) {
        return absl::DataLossError(absl::StrFormat(
            "%s: corrupt gzip data: %d bytes of trailing garbage after the gzip stream", name,
            compressed.size() - consumed));
      }
      inflateReset(&s);
      continue;
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR) {
      return absl::DataLossError(absl::StrFormat("%s: corrupt gzip data: %s", name,
                                                 s.msg != nullptr ? s.msg : "invalid stream"));
    }
    if (rc == Z_MEM_ERROR) {
      return absl::ResourceExhaustedError(absl::StrFormat("%s: out of memory while inflating", name));
    }
    // Z_OK or Z_BUF_ERROR: no progress possible without more input means the input is cut short.
    if (consumed == compressed.size() && s.avail_out != 0) {
      return absl::DataLossError(absl::StrFormat(
          "%s: truncated gzip stream (input ends after %d compressed bytes, %d bytes inflated)",
          name, compressed.size(), produced));
    }
  }
}

}  // namespace detail

absl::StatusOr<std::vector<std::uint8_t>> gunzip(absl::Span<const std::uint8_t> compressed,
                                                 std::string_view name, std::size_t max_bytes) {
  std::vector<std::uint8_t> out;
  // First size: the trailer's ISIZE (uncompressed size mod 2^32 of the last member) when it is
  // plausible, else a guess; the vector grows geometrically from there.
  std::size_t first = std::max<std::size_t>(compressed.size() * 4, 1u << 16);
  if (compressed.size() >= 18) {
    const std::uint8_t* t = compressed.data() + compressed.size() - 4;
    const std::size_t isize = std::size_t{t[0]} | std::size_t{t[1]} << 8 | std::size_t{t[2]} << 16 |
                              std::size_t{t[3]} << 24;
    // ISIZE is unchecked input until the stream ends: trusted only up to a plausible size.
    if (isize != 0) first = std::min(isize, detail::plausible_inflated_size(compressed.size()));
  }
  detail::reserve_huge(out, std::min(first, max_bytes));
  auto st = detail::gunzip_chunks(compressed, name, max_bytes, [&](absl::Span<const std::uint8_t> piece) {
    out.insert(out.end(), piece.begin(), piece.end());
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

std::vector<std::uint8_t> gzip_compress(absl::Span<const std::uint8_t> bytes,
                                        std::string_view stored_name) {
  z_stream s{};
  deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string name_z(stored_name);  // zlib wants a NUL-terminated string that outlives deflate
  gz_header header{};
  header.os = 3;  // Unix
  if (!stored_name.empty()) {
    header.name = reinterpret_cast<Bytef*>(name_z.data());
    deflateSetHeader(&s, &header);
  }
  std::vector<std::uint8_t> out(deflateBound(&s, static_cast<uLong>(bytes.size())) + name_z.size() + 64);
  std::size_t consumed = 0, produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (produced == out.size()) out.resize(out.size() * 2);
    s.next_in = const_cast<Bytef*>(bytes.data() + consumed);
    s.avail_in = piece(bytes.size() - consumed);
    s.next_out = out.data() + produced;
    s.avail_out = piece(out.size() - produced);
    const uInt in_before = s.avail_in, out_before = s.avail_out;
    const bool last = bytes.size() - consumed <= max_piece;
    rc = deflate(&s, last ? Z_FINISH : Z_NO_FLUSH);
    consumed += in_before - s.avail_in;
    produced += out_before - s.avail_out;
  }
  deflateEnd(&s);
  out.resize(produced);
  return out;
}

}  // namespace ctgrad::io

// Checkpoint file format (all integers little-endian):
//   header (24 bytes): magic "CTGCKPT\0" | u32 version | u32 crc32(payload) | u64 payload size
//   payload: u32 n_meta, n_meta x (u32 len, key bytes, u32 len, value bytes)
//            u32 n_tensors, n_tensors x (u32 len, name bytes, u32 rank, rank x u64 dim,
//                                        product(dims) x f32 little-endian)
#include "ctgrad/io/checkpoint.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "file_util.hpp"

namespace ctgrad::io {
namespace {

constexpr char magic[8] = {'C', 'T', 'G', 'C', 'K', 'P', 'T', '\0'};
constexpr std::size_t header_size = 24;
// Sanity cap on what read_checkpoint loads (a 784-128-10 MLP is ~0.4 MB).
constexpr std::size_t max_checkpoint_bytes = std::size_t{4} << 30;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

std::uint64_t get_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

// Bounds-checked cursor over the payload; every read failure becomes one DataLoss message.
struct reader {
  absl::Span<const std::uint8_t> bytes;
  std::size_t pos = 0;
  bool ok = true;

  bool need(std::size_t n) {
    if (!ok || bytes.size() - pos < n) ok = false;
    return ok;
  }
  std::uint32_t u32() { return need(4) ? static_cast<std::uint32_t>(get_le(bytes.data() + (pos += 4) - 4, 4)) : 0; }
  std::uint64_t u64() { return need(8) ? get_le(bytes.data() + (pos += 8) - 8, 8) : 0; }
  std::string str() {
    const std::uint32_t n = u32();
    if (!need(n)) return {};
    std::string s(reinterpret_cast<const char*>(bytes.data() + pos), n);
    pos += n;
    return s;
  }
};

// Product of a shape, or nullopt-like false on overflow.
bool shape_product(absl::Span<const std::size_t> shape, std::size_t& out) {
  out = 1;
  for (std::size_t d : shape) {
    if (d != 0 && out > std::numeric_limits<std::size_t>::max() / d) return false;
    out *= d;
  }
  return true;
}

absl::Status validate_tensor(std::string_view name, absl::Span<const std::size_t> shape,
                             std::size_t values) {
  if (name.empty()) return absl::InvalidArgumentError("checkpoint: tensor with an empty name");
  std::size_t n = 0;
  if (!shape_product(shape, n) || n != values) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint: tensor '%s' has %d values but shape %s needs %s", name, values,
        format_shape(shape), shape_product(shape, n) ? absl::StrFormat("%d", n) : "more than fit in memory"));
  }
  return absl::OkStatus();
}

std::string_view display_name(const checkpoint& c) {
  return c.source.empty() ? std::string_view("checkpoint") : std::string_view(c.source);
}

}  // namespace

std::string format_shape(absl::Span<const std::size_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

absl::Status add_tensor(checkpoint& ckpt, std::string name, std::vector<std::size_t> shape,
                        absl::Span<const float> data) {
  if (auto s = validate_tensor(name, shape, data.size()); !s.ok()) return s;
  for (const auto& t : ckpt.tensors) {
    if (t.name == name) {
      return absl::InvalidArgumentError(
          absl::StrFormat("checkpoint: tensor '%s' added twice", name));
    }
  }
  ckpt.tensors.push_back({std::move(name), std::move(shape), {data.begin(), data.end()}});
  return absl::OkStatus();
}

absl::StatusOr<absl::Span<const float>> get_tensor(const checkpoint& ckpt, std::string_view name,
                                                   absl::Span<const std::size_t> expected_shape) {
  for (const auto& t : ckpt.tensors) {
    if (t.name != name) continue;
    if (!std::equal(t.shape.begin(), t.shape.end(), expected_shape.begin(), expected_shape.end())) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s: tensor '%s' has shape %s, expected %s", display_name(ckpt), name,
                          format_shape(t.shape), format_shape(expected_shape)));
    }
    return absl::Span<const float>(t.data);
  }
  return absl::NotFoundError(absl::StrFormat("%s: no tensor '%s'", display_name(ckpt), name));
}

absl::StatusOr<std::string> get_metadata(const checkpoint& ckpt, std::string_view key) {
  const auto it = ckpt.metadata.find(std::string(key));
  if (it == ckpt.metadata.end()) {
    return absl::NotFoundError(absl::StrFormat("%s: no metadata key '%s'", display_name(ckpt), key));
  }
  return it->second;
}

absl::Status write_checkpoint(const std::string& path, const checkpoint& ckpt) {
  std::set<std::string_view> names;
  std::string payload;
  put_u32(payload, static_cast<std::uint32_t>(ckpt.metadata.size()));
  for (const auto& [k, v] : ckpt.metadata) {
    put_str(payload, k);
    put_str(payload, v);
  }
  put_u32(payload, static_cast<std::uint32_t>(ckpt.tensors.size()));
  for (const auto& t : ckpt.tensors) {
    if (auto s = validate_tensor(t.name, t.shape, t.data.size()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: %s", path, s.message()));
    }
    if (!names.insert(t.name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: checkpoint: tensor '%s' appears twice", path, t.name));
    }
    put_str(payload, t.name);
    put_u32(payload, static_cast<std::uint32_t>(t.shape.size()));
    for (std::size_t d : t.shape) put_u64(payload, d);
    for (float f : t.data) put_u32(payload, std::bit_cast<std::uint32_t>(f));
  }
  std::string file(magic, sizeof magic);
  put_u32(file, checkpoint_format_version);
  put_u32(file, static_cast<std::uint32_t>(
                    crc32_z(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size())));
  put_u64(file, payload.size());
  file += payload;
  return detail::write_file_atomic(path, file);
}

absl::StatusOr<checkpoint> read_checkpoint(const std::string& path) {
  auto bytes_or = detail::read_file(path, max_checkpoint_bytes);
  if (!bytes_or.ok()) return bytes_or.status();
  const std::vector<std::uint8_t>& bytes = *bytes_or;
  if (bytes.size() < sizeof magic || std::memcmp(bytes.data(), magic, sizeof magic) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: not a ctgrad checkpoint (missing magic \"CTGCKPT\")", path));
  }
  if (bytes.size() < header_size) {
    return absl::DataLossError(absl::StrFormat(
        "%s: truncated checkpoint: %d bytes, the header alone needs %d", path, bytes.size(),
        header_size));
  }
  const auto version = static_cast<std::uint32_t>(get_le(bytes.data() + 8, 4));
  const auto stored_crc = static_cast<std::uint32_t>(get_le(bytes.data() + 12, 4));
  const std::uint64_t payload_size = get_le(bytes.data() + 16, 8);
  if (version == 0 || version > checkpoint_format_version) {
    return absl::UnimplementedError(absl::StrFormat(
        "%s: checkpoint format version %d is not supported (this build reads versions 1 to %d; "
        "a newer ctgrad wrote it?)",
        path, version, checkpoint_format_version));
  }
  const std::size_t have = bytes.size() - header_size;
  if (payload_size != have) {
    return absl::DataLossError(absl::StrFormat(
        "%s: %s checkpoint: header declares %d payload bytes, file has %d", path,
        have < payload_size ? "truncated" : "corrupt", payload_size, have));
  }
  const absl::Span<const std::uint8_t> payload(bytes.data() + header_size, have);
  const auto crc = static_cast<std::uint32_t>(crc32_z(0, payload.data(), payload.size()));
  if (crc != stored_crc) {
    return absl::DataLossError(absl::StrFormat(
        "%s: corrupt checkpoint: checksum mismatch (stored crc32 0x%08x, computed 0x%08x)", path,
        stored_crc, crc));
  }

  checkpoint out;
  out.source = path;
  reader r{payload};
  // The reader accepts only what write_checkpoint writes: names are non-empty and unique, keys
  // unique (a damaged file that passes the CRC, or one written by another tool, is refused).
  auto malformed_at = [&](std::size_t at, std::string_view what) {
    return absl::DataLossError(absl::StrFormat(
        "%s: malformed checkpoint payload at byte %d: %s", path, header_size + at, what));
  };
  auto malformed = [&](std::string_view what) { return malformed_at(r.pos, what); };
  const std::uint32_t n_meta = r.u32();
  for (std::uint32_t i = 0; i < n_meta && r.ok; ++i) {
    const std::size_t at = r.pos;
    std::string k = r.str();
    std::string v = r.str();
    if (!r.ok) break;
    if (out.metadata.contains(k)) {
      return malformed_at(at, absl::StrFormat("metadata key '%s' appears twice", k));
    }
    out.metadata.emplace(std::move(k), std::move(v));
  }
  std::set<std::string> names;
  const std::uint32_t n_tensors = r.u32();
  for (std::uint32_t i = 0; i < n_tensors && r.ok; ++i) {
    checkpoint_tensor t;
    const std::size_t at = r.pos;
    t.name = r.str();
    if (!r.ok) break;
    if (t.name.empty()) return malformed_at(at, "tensor with an empty name");
    if (!names.insert(t.name).second) {
      return malformed_at(at, absl::StrFormat("tensor '%s' appears twice", t.name));
    }
    const std::uint32_t rank = r.u32();
    if (!r.need(std::size_t{rank} * 8)) break;
    for (std::uint32_t d = 0; d < rank; ++d) t.shape.push_back(static_cast<std::size_t>(r.u64()));
    std::size_t n = 0;
    if (!shape_product(t.shape, n) || n > (payload.size() - r.pos) / 4) {
      return malformed(absl::StrFormat("tensor '%s' shape %s does not fit in the file", t.name,
                                       format_shape(t.shape)));
    }
    t.data.resize(n);
    for (std::size_t j = 0; j < n; ++j) t.data[j] = std::bit_cast<float>(r.u32());
    out.tensors.push_back(std::move(t));
  }
  if (!r.ok) return malformed("unexpected end of payload");
  if (r.pos != payload.size()) return malformed("unexpected bytes after the last tensor");
  return out;
}

}  // namespace ctgrad::io

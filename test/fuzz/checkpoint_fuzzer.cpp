// libFuzzer harness for read_checkpoint (ctgrad/io/checkpoint.hpp). The first input byte picks the
// form of the rest: odd, the rest is a payload and the harness writes a valid header for it (magic,
// version 1, its CRC32 and size), so that mutations reach the payload parser instead of stopping
// at the checksum; even, the rest is the whole file. Checks that every input yields a checkpoint or
// an error naming the file, and that a checkpoint that reads back can be written and read again
// unchanged (the reader accepts nothing the writer rejects).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ctgrad/io/checkpoint.hpp"
#include "fuzz_util.hpp"

namespace io = ctgrad::io;
using ctgrad::fuzz::require;

namespace {

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

bool same(const io::checkpoint& a, const io::checkpoint& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const auto &x = a.tensors[i], &y = b.tensors[i];
    if (x.name != y.name || x.shape != y.shape || x.data.size() != y.data.size()) return false;
    // Bit-exact, NaN payloads included.
    if (!x.data.empty() && std::memcmp(x.data.data(), y.data.data(), x.data.size() * 4) != 0) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::vector<std::uint8_t> file;
  if (data[0] % 2 == 1) {
    const char magic[8] = {'C', 'T', 'G', 'C', 'K', 'P', 'T', '\0'};
    file.assign(magic, magic + 8);
    put_le(file, io::checkpoint_format_version, 4);
    put_le(file, crc32_z(0, data + 1, size - 1), 4);
    put_le(file, size - 1, 8);
  }
  file.insert(file.end(), data + 1, data + size);
  const std::string path = ctgrad::fuzz::write_input("input.ckpt", file.data(), file.size());
  const auto r = io::read_checkpoint(path);
  if (!r.ok()) {
    ctgrad::fuzz::require_names_file(r.status(), path);
    return 0;
  }
  for (const auto& t : r->tensors) {
    std::size_t n = 1;
    for (std::size_t d : t.shape) n *= d;
    require(n == t.data.size(), "tensor data size differs from the product of its shape");
  }
  const std::string again = ctgrad::fuzz::scratch_dir() + "/again.ckpt";
  const auto w = io::write_checkpoint(again, *r);
  require(w.ok(), "read_checkpoint accepted what write_checkpoint rejects: " + std::string(w.message()));
  const auto r2 = io::read_checkpoint(again);
  require(r2.ok(), "a rewritten checkpoint does not read back: " + std::string(r2.status().message()));
  require(same(*r, *r2), "a rewritten checkpoint differs");
  return 0;
}

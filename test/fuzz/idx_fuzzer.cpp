// libFuzzer harness for read_idx (ctgrad/io/idx.hpp): the input is the file's contents, plain IDX
// or gzip-compressed (detected by magic, as for real files). Checks that every input yields a value
// or an error naming the file, and that a value is self-consistent.
#include <cstddef>
#include <cstdint>

#include "ctgrad/io/idx.hpp"
#include "fuzz_util.hpp"

namespace io = ctgrad::io;
using ctgrad::fuzz::require;

namespace {

void check(const std::string& path, const io::idx_read_options& options) {
  const auto r = io::read_idx(path, options);
  if (!r.ok()) {
    ctgrad::fuzz::require_names_file(r.status(), path);
    return;
  }
  require(!r->dims.empty(), "read_idx returned no dimensions");
  std::size_t total = 1;
  for (std::size_t d : r->dims) total *= d;  // read_idx rejected any overflow
  require(total == r->data.size(), "data size differs from the product of dims");
  require(total <= options.max_bytes, "data larger than max_bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = ctgrad::fuzz::write_input("input-idx3-ubyte", data, size);
  check(path, {});
  // A small limit and an expected magic reach the limit and magic checks with small inputs.
  check(path, {.expected_magic = io::idx_magic_images, .max_bytes = 2048});
  check(path, {.expected_magic = io::idx_magic_labels, .max_bytes = 64});
  return 0;
}

// libFuzzer harness for gunzip (ctgrad/io/gzip.hpp), in memory. Checks that every input yields the
// inflated bytes within the limit or an error naming the stream, and that compressing the input
// and inflating it again gives the input back.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "ctgrad/io/gzip.hpp"
#include "fuzz_util.hpp"

namespace io = ctgrad::io;
using ctgrad::fuzz::require;

namespace {

void check(absl::Span<const std::uint8_t> bytes, std::size_t max_bytes) {
  const auto r = io::gunzip(bytes, "fuzz.gz", max_bytes);
  if (!r.ok()) {
    ctgrad::fuzz::require_names_file(r.status(), "fuzz.gz");
    return;
  }
  require(r->size() <= max_bytes, "gunzip produced more than max_bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const absl::Span<const std::uint8_t> bytes(data, size);
  check(bytes, std::size_t{1} << 20);
  // A limit below the typical output reaches the growth and limit paths with small inputs;
  // the input's last byte picks it so that the fuzzer can steer it.
  check(bytes, size == 0 ? 0 : data[size - 1] % 64);
  // Round trip: anything compresses and inflates back unchanged.
  const auto gz = io::gzip_compress(bytes, size > 0 && data[0] % 2 ? "name" : "");
  const auto back = io::gunzip(gz, "roundtrip.gz", size);
  require(back.ok(), "round trip failed: " + std::string(back.status().message()));
  require(*back == std::vector<std::uint8_t>(data, data + size), "round trip changed the bytes");
  return 0;
}

// IDX parsing (big-endian header, u8 payload) and the MNIST split loader.
#include "ctgrad/io/idx.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ctgrad/io/gzip.hpp"
#include "file_util.hpp"

namespace ctgrad::io {
namespace {

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

absl::StatusOr<idx_array> read_idx(const std::string& path, const idx_read_options& options) {
  // The same cap bounds the compressed read: real IDX data compresses, it never grows.
  auto raw = detail::read_file(path, options.max_bytes);
  if (!raw.ok()) return raw.status();
  std::vector<std::uint8_t> bytes;
  if (is_gzip(*raw)) {
    auto inflated = gunzip(*raw, path, options.max_bytes);
    if (!inflated.ok()) return inflated.status();
    bytes = std::move(*inflated);
  } else {
    bytes = std::move(*raw);
  }

  if (bytes.size() < 4) {
    return absl::DataLossError(absl::StrFormat(
        "%s: truncated IDX header: %d bytes, the magic number alone needs 4", path, bytes.size()));
  }
  const std::uint32_t magic = load_be32(bytes.data());
  if (options.expected_magic != 0 && magic != options.expected_magic) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: expected magic 0x%08x, found 0x%08x", path, options.expected_magic, magic));
  }
  if ((magic >> 16) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: not an IDX file: expected magic 0x0000TTNN, found 0x%08x", path, magic));
  }
  const std::uint32_t type = (magic >> 8) & 0xff;
  const std::size_t ndim = magic & 0xff;
  if (type != 0x08) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: unsupported IDX element type 0x%02x (only unsigned byte, 0x08, is read)", path, type));
  }
  if (ndim == 0) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: IDX header declares 0 dimensions", path));
  }
  const std::size_t header = 4 + 4 * ndim;
  if (bytes.size() < header) {
    return absl::DataLossError(absl::StrFormat(
        "%s: truncated IDX header: %d dimensions need %d header bytes, file has %d", path, ndim,
        header, bytes.size()));
  }
  idx_array out;
  out.dims.reserve(ndim);
  std::size_t total = 1;
  bool overflow = false;
  for (std::size_t i = 0; i < ndim; ++i) {
    const std::size_t d = load_be32(bytes.data() + 4 + 4 * i);
    out.dims.push_back(d);
    if (d != 0 && total > std::numeric_limits<std::size_t>::max() / d) overflow = true;
    if (!overflow) total *= d;
  }
  const std::string shape = absl::StrJoin(out.dims, "x");
  if (overflow) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("%s: IDX dimensions %s overflow the size type", path, shape));
  }
  if (total > options.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: IDX dimensions %s declare %d bytes, over the limit of %d", path, shape, total,
        options.max_bytes));
  }
  const std::size_t have = bytes.size() - header;
  if (have < total) {
    return absl::DataLossError(absl::StrFormat(
        "%s: truncated IDX data: dimensions %s need %d bytes, file has %d", path, shape, total, have));
  }
  if (have > total) {
    return absl::DataLossError(absl::StrFormat(
        "%s: %d unexpected bytes after the IDX data (dimensions %s need %d)", path, have - total,
        shape, total));
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));  // no 2nd copy
  out.data = std::move(bytes);
  return out;
}

std::string default_data_dir() { return "/usr/share/datasets/fashion-mnist"; }

absl::StatusOr<mnist_split> load_mnist(const std::string& dir, std::string_view split,
                                       std::size_t limit) {
  if (split != "train" && split != "t10k") {
    return absl::InvalidArgumentError(
        absl::StrFormat("load_mnist: unknown split '%s' (expected \"train\" or \"t10k\")", split));
  }
  if (!is_dir(dir)) {
    return absl::NotFoundError(absl::StrFormat(
        "%s: data directory not found; install the Debian package dataset-fashion-mnist or pass "
        "--data_dir",
        dir));
  }
  // Prefer the .gz name the Debian package ships, fall back to an uncompressed copy.
  auto pick = [&](std::string_view kind) {
    const std::string base = absl::StrCat(dir, "/", std::string(split), std::string(kind));
    const std::string gz = absl::StrCat(base, ".gz");
    return exists(gz) || !exists(base) ? gz : base;
  };
  const std::string images_path = pick("-images-idx3-ubyte");
  const std::string labels_path = pick("-labels-idx1-ubyte");

  auto images = read_idx(images_path, {.expected_magic = idx_magic_images});
  if (!images.ok()) return images.status();
  auto labels = read_idx(labels_path, {.expected_magic = idx_magic_labels});
  if (!labels.ok()) return labels.status();

  if (images->dims[1] != mnist_split::rows || images->dims[2] != mnist_split::cols) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: expected %dx%d images, found %dx%d",
                                                      images_path, mnist_split::rows,
                                                      mnist_split::cols, images->dims[1],
                                                      images->dims[2]));
  }
  if (images->dims[0] != labels->dims[0]) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s has %d images but %s has %d labels", images_path, images->dims[0],
                        labels_path, labels->dims[0]));
  }
  mnist_split out;
  out.count = images->dims[0];
  if (limit != 0 && limit < out.count) out.count = limit;
  // Every label is checked, also past `limit`: a bad one means a corrupt file.
  for (std::size_t i = 0; i < labels->data.size(); ++i) {
    if (labels->data[i] >= mnist_split::classes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: label %d at index %d is out of range [0, %d)", labels_path, labels->data[i], i,
          mnist_split::classes));
    }
  }
  out.labels.assign(labels->data.begin(), labels->data.begin() + static_cast<std::ptrdiff_t>(out.count));
  out.images.resize(out.count * mnist_split::pixels);
  for (std::size_t i = 0; i < out.images.size(); ++i) {
    out.images[i] = static_cast<float>(images->data[i]) / 255.0f;  // exact 0 and 1 at the ends
  }
  return out;
}

}  // namespace ctgrad::io

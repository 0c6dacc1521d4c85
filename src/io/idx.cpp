// IDX parsing (big-endian header, u8 payload) and the MNIST split loader.
#include "ctgrad/io/idx.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ctgrad/io/gzip.hpp"
#include "file_util.hpp"
#include "gzip_chunks.hpp"

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

namespace {

// Reads an IDX file as it arrives (from the file, or from gzip_chunks a piece at a time): the
// header into `head`, the data appended to the array, so that the data is written once, where it
// stays (no zero-filled buffer, no copy to drop the header).
class idx_reader {
 public:
  // `reserve_limit`: at most this much is reserved from the header's sizes before the data arrives.
  idx_reader(const std::string& path, const idx_read_options& options, std::size_t reserve_limit)
      : path_(path), options_(options), reserve_limit_(reserve_limit) {}

  absl::Status feed(absl::Span<const std::uint8_t> bytes) {
    if (header_ == 0 || head_have_ < header_) {
      // The magic (4 bytes), then the dimensions it announces.
      const std::size_t want = header_ == 0 ? 4 : header_;
      const std::size_t take = std::min(bytes.size(), want - head_have_);
      std::copy_n(bytes.data(), take, head_.data() + head_have_);
      head_have_ += take;
      bytes.remove_prefix(take);
      if (head_have_ < want) return absl::OkStatus();
      if (header_ == 0) {
        if (auto st = check_magic(); !st.ok()) return st;
        return feed(bytes);
      }
      if (auto st = read_dims(); !st.ok()) return st;
    }
    out_.data.insert(out_.data.end(), bytes.begin(), bytes.end());
    return absl::OkStatus();
  }

  absl::StatusOr<idx_array> finish() {
    if (head_have_ < 4) {
      return absl::DataLossError(absl::StrFormat(
          "%s: truncated IDX header: %d bytes, the magic number alone needs 4", path_, head_have_));
    }
    if (head_have_ < header_) {
      return absl::DataLossError(absl::StrFormat(
          "%s: truncated IDX header: %d dimensions need %d header bytes, file has %d", path_, ndim_,
          header_, head_have_));
    }
    const std::size_t have = out_.data.size();
    const std::string shape = absl::StrJoin(out_.dims, "x");
    if (have < total_) {
      return absl::DataLossError(
          absl::StrFormat("%s: truncated IDX data: dimensions %s need %d bytes, file has %d", path_, shape, total_, have));
    }
    if (have > total_) {
      return absl::DataLossError(absl::StrFormat("%s: %d unexpected bytes after the IDX data (dimensions %s need %d)",
                                                 path_, have - total_, shape, total_));
    }
    return std::move(out_);
  }

 private:
  absl::Status check_magic() {
    const std::uint32_t magic = load_be32(head_.data());
    if (options_.expected_magic != 0 && magic != options_.expected_magic) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: expected magic 0x%08x, found 0x%08x", path_, options_.expected_magic, magic));
    }
    if ((magic >> 16) != 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: not an IDX file: expected magic 0x0000TTNN, found 0x%08x", path_, magic));
    }
    const std::uint32_t type = (magic >> 8) & 0xff;
    ndim_ = magic & 0xff;
    if (type != 0x08) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: unsupported IDX element type 0x%02x (only unsigned byte, 0x08, is read)", path_, type));
    }
    if (ndim_ == 0) return absl::InvalidArgumentError(absl::StrFormat("%s: IDX header declares 0 dimensions", path_));
    header_ = 4 + 4 * ndim_;
    return absl::OkStatus();
  }

  absl::Status read_dims() {
    out_.dims.reserve(ndim_);
    std::size_t total = 1;
    bool overflow = false;
    for (std::size_t i = 0; i < ndim_; ++i) {
      const std::size_t d = load_be32(head_.data() + 4 + 4 * i);
      out_.dims.push_back(d);
      if (d != 0 && total > std::numeric_limits<std::size_t>::max() / d) overflow = true;
      if (!overflow) total *= d;
    }
    const std::string shape = absl::StrJoin(out_.dims, "x");
    if (overflow) {
      return absl::ResourceExhaustedError(absl::StrFormat("%s: IDX dimensions %s overflow the size type", path_, shape));
    }
    if (total > options_.max_bytes) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s: IDX dimensions %s declare %d bytes, over the limit of %d", path_, shape, total, options_.max_bytes));
    }
    total_ = total;
    // The declared size is unchecked until the data has arrived: reserved up to what the input can
    // hold (a damaged header cannot make us reserve the whole limit); the array grows past that only
    // if the data really is there.
    detail::reserve_huge(out_.data, std::min(total_, reserve_limit_));
    return absl::OkStatus();
  }

  const std::string& path_;
  const idx_read_options& options_;
  std::size_t reserve_limit_;
  std::array<std::uint8_t, 4 + 4 * 255> head_{};
  std::size_t head_have_ = 0;
  std::size_t header_ = 0;  // 4 + 4 ndim, once the magic is read
  std::size_t ndim_ = 0;
  std::size_t total_ = 0;
  idx_array out_;
};

}  // namespace

absl::StatusOr<idx_array> read_idx(const std::string& path, const idx_read_options& options) {
  // The same cap bounds the compressed read: real IDX data compresses, it never grows.
  auto raw = detail::read_file(path, options.max_bytes);
  if (!raw.ok()) return raw.status();
  const bool gz = is_gzip(*raw);
  idx_reader reader(path, options, gz ? detail::plausible_inflated_size(raw->size()) : raw->size());
  if (gz) {
    auto st = detail::gunzip_chunks(*raw, path, options.max_bytes,
                                    [&](absl::Span<const std::uint8_t> piece) { return reader.feed(piece); });
    if (!st.ok()) return st;
  } else if (auto st = reader.feed(*raw); !st.ok()) {
    return st;
  }
  return reader.finish();
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
  // The bytes are kept as read (no float copy: 188 MB for the training set, and on this project's
  // virtual machines each page of a new buffer costs about 11 us to map; nn::dataset_view scales
  // the rows of each batch as it gathers them).
  out.bytes = std::move(images->data);
  out.bytes.resize(out.count * mnist_split::pixels);
  return out;
}

}  // namespace ctgrad::io

// ctgrad/io/idx.hpp — reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or not,
// and loads an MNIST-style split as float images in [0,1] with int32 labels.
// Not a writer, and unsigned-byte (type 0x08) IDX files only: that is what the datasets ship.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ctgrad::io {

/// Default cap on the decompressed size of one IDX file (512 MiB; Fashion-MNIST's largest is 45 MiB).
inline constexpr std::size_t default_idx_max_bytes = std::size_t{512} << 20;

/// Magic numbers of unsigned-byte IDX files: 0x0000 0x08 <ndim>.
inline constexpr std::uint32_t idx_magic_labels = 0x00000801;  ///< 1-d u8 (labels)
inline constexpr std::uint32_t idx_magic_images = 0x00000803;  ///< 3-d u8 (N x rows x cols)

/// An IDX file in memory: its dimensions (outermost first) and its row-major u8 data,
/// data.size() == product of dims.
struct idx_array {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> data;
};

/// How read_idx checks what it reads.
struct idx_read_options {
  /// When non-zero, the file's magic must equal this (e.g. idx_magic_images).
  std::uint32_t expected_magic = 0;
  /// Cap on the (decompressed) file size and on the data size the header declares.
  std::size_t max_bytes = default_idx_max_bytes;
};

/// Reads the IDX file at `path`; gzip is detected by its magic (1f 8b), not by the file name.
/// Every error names `path` and the problem, e.g. "…/train-images-idx3-ubyte.gz: expected magic
/// 0x00000803, found 0x1f8b0808". Codes: NotFound/PermissionDenied (cannot open), DataLoss
/// (truncated or corrupt gzip, header or data shorter than declared, trailing bytes), InvalidArgument
/// (wrong magic, element type other than u8, ndim 0), ResourceExhausted (dims product overflows or
/// exceeds options.max_bytes, decompressed size over the limit).
absl::StatusOr<idx_array> read_idx(const std::string& path, const idx_read_options& options = {});

/// One split of an MNIST-format dataset. bytes is row-major [count, 784], the pixels as the file
/// holds them (0-255); images() scales them to [0, 1] (byte / 255, what nn::dataset_view's
/// byte_divisor does while gathering a batch); labels is [count] with values in [0, 10).
struct mnist_split {
  static constexpr std::size_t rows = 28;
  static constexpr std::size_t cols = 28;
  static constexpr std::size_t pixels = rows * cols;
  static constexpr int classes = 10;

  std::size_t count = 0;
  std::vector<std::uint8_t> bytes;
  std::vector<std::int32_t> labels;

  /// The pixels as floats in [0, 1]: byte / 255 (exactly 0 and 1 at the ends).
  std::vector<float> images() const {
    std::vector<float> out(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = static_cast<float>(bytes[i]) / 255.0f;
    return out;
  }
};

/// Where the Debian package dataset-fashion-mnist installs the data.
std::string default_data_dir();

/// Loads split "train" or "t10k" from `dir` (files "<split>-images-idx3-ubyte[.gz]" and
/// "<split>-labels-idx1-ubyte[.gz]"; the .gz name is tried first). With `limit` > 0 only the first
/// `limit` samples are kept. Errors: NotFound when `dir` is missing (the message says to install
/// dataset-fashion-mnist or pass --data_dir) or a file is missing, InvalidArgument for an unknown
/// split, images that are not 28x28, an image/label count mismatch or a label >= 10; and every
/// read_idx error for the two files.
absl::StatusOr<mnist_split> load_mnist(const std::string& dir, std::string_view split,
                                       std::size_t limit = 0);

}  // namespace ctgrad::io

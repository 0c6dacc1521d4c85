#define BOOST_TEST_MODULE idx
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ctgrad/io/gzip.hpp"
#include "ctgrad/io/idx.hpp"
#include "temp_dir.hpp"

namespace io = ctgrad::io;
using io::testing::temp_dir;
using io::testing::write_bytes;

namespace {

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

// An IDX u8 file: header for `dims`, then `data` as given (which may disagree on purpose).
std::vector<std::uint8_t> idx_file(std::vector<std::uint32_t> dims, const std::vector<std::uint8_t>& data,
                                   std::uint8_t type = 0x08) {
  std::vector<std::uint8_t> out = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) put_be32(out, d);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// n images of rows x cols whose pixel (i, p) is (i * 31 + p) % 256.
std::vector<std::uint8_t> pixels(std::uint32_t n, std::uint32_t rows = 28, std::uint32_t cols = 28) {
  std::vector<std::uint8_t> v(std::size_t{n} * rows * cols);
  for (std::size_t k = 0; k < v.size(); ++k) {
    v[k] = static_cast<std::uint8_t>((k / (rows * cols) * 31 + k % (rows * cols)) % 256);
  }
  return v;
}

std::vector<std::uint8_t> gz(const std::vector<std::uint8_t>& v) { return io::gzip_compress(v); }

// Writes a split "train" into `dir` (gzipped by default) and returns load_mnist's status message.
std::string load_error(const temp_dir& dir, const std::vector<std::uint8_t>& images,
                       const std::vector<std::uint8_t>& labels) {
  write_bytes(dir.file("train-images-idx3-ubyte.gz"), images);
  write_bytes(dir.file("train-labels-idx1-ubyte.gz"), labels);
  const auto r = io::load_mnist(dir.path(), "train");
  BOOST_TEST_REQUIRE(!r.ok(), "load_mnist accepted a bad file");
  return std::string(r.status().message());
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct data_dir_present {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    struct stat st{};
    boost::test_tools::assertion_result r(::stat(io::default_data_dir().c_str(), &st) == 0);
    r.message() << io::default_data_dir()
                << " is missing: install the Debian package dataset-fashion-mnist to run this test";
    return r;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

// ---- the real dataset (skipped, with the reason printed, when it is not installed) -----------

BOOST_AUTO_TEST_CASE(real_train_split_has_60000_balanced_images_in_unit_range,
                     *boost::unit_test::precondition(data_dir_present())) {
  const auto train = io::load_mnist(io::default_data_dir(), "train");
  BOOST_TEST_REQUIRE(train.ok(), train.status());
  BOOST_TEST(train->count == 60000u);
  BOOST_TEST(train->bytes.size() == 60000u * 784u);
  BOOST_TEST(train->labels.size() == 60000u);
  std::array<int, 10> per_class{};
  for (auto l : train->labels) ++per_class.at(static_cast<std::size_t>(l));
  for (int c : per_class) BOOST_TEST(c == 6000);  // Fashion-MNIST is balanced
  float lo = 1, hi = 0;
  for (float p : train->images()) {
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  BOOST_TEST(lo == 0.0f);
  BOOST_TEST(hi == 1.0f);
}

BOOST_AUTO_TEST_CASE(real_test_split_limit_keeps_the_first_samples,
                     *boost::unit_test::precondition(data_dir_present())) {
  const auto all = io::load_mnist(io::default_data_dir(), "t10k");
  const auto some = io::load_mnist(io::default_data_dir(), "t10k", 100);
  BOOST_TEST_REQUIRE(all.ok(), all.status());
  BOOST_TEST_REQUIRE(some.ok(), some.status());
  BOOST_TEST(all->count == 10000u);
  BOOST_TEST(some->count == 100u);
  BOOST_TEST(some->bytes == std::vector<std::uint8_t>(all->bytes.begin(), all->bytes.begin() + 100 * 784));
  BOOST_TEST(some->labels == std::vector<std::int32_t>(all->labels.begin(), all->labels.begin() + 100));
  // The first t10k item of Fashion-MNIST is an ankle boot (class 9), the second a pullover (2).
  BOOST_TEST(all->labels[0] == 9);
  BOOST_TEST(all->labels[1] == 2);
}

BOOST_AUTO_TEST_CASE(real_labels_file_reads_as_one_dimension,
                     *boost::unit_test::precondition(data_dir_present())) {
  const auto labels = io::read_idx(io::default_data_dir() + "/t10k-labels-idx1-ubyte.gz",
                                   {.expected_magic = io::idx_magic_labels});
  BOOST_TEST_REQUIRE(labels.ok(), labels.status());
  BOOST_TEST(labels->dims == std::vector<std::size_t>{10000});
  BOOST_TEST(labels->data.size() == 10000u);
}

// ---- crafted files: good ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(gzip_and_plain_files_load_the_same_scaled_pixels) {
  temp_dir plain_dir, gz_dir;
  const auto images = idx_file({3, 28, 28}, pixels(3));
  const auto labels = idx_file({3}, {7, 0, 9});
  write_bytes(plain_dir.file("train-images-idx3-ubyte"), images);
  write_bytes(plain_dir.file("train-labels-idx1-ubyte"), labels);
  write_bytes(gz_dir.file("train-images-idx3-ubyte.gz"), gz(images));
  write_bytes(gz_dir.file("train-labels-idx1-ubyte.gz"), gz(labels));
  for (const temp_dir* d : {&plain_dir, &gz_dir}) {
    const auto r = io::load_mnist(d->path(), "train");
    BOOST_TEST_REQUIRE(r.ok(), r.status());
    BOOST_TEST(r->count == 3u);
    BOOST_TEST(r->labels == (std::vector<std::int32_t>{7, 0, 9}));
    BOOST_TEST_REQUIRE(r->bytes.size() == 3u * 784u);
    const std::vector<float> images = r->images();
    BOOST_TEST(images[0] == 0.0f);
    BOOST_TEST(images[255] == 1.0f);
    BOOST_TEST(images[784 + 1] == 32.0f / 255.0f);  // image 1, pixel 1: 31 + 1
    BOOST_TEST(r->bytes[784 + 1] == 32);
  }
}

BOOST_AUTO_TEST_CASE(read_idx_reads_any_rank_of_unsigned_bytes) {
  temp_dir dir;
  write_bytes(dir.file("a.idx"), idx_file({2, 3, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  const auto r = io::read_idx(dir.file("a.idx"));
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST(r->dims == (std::vector<std::size_t>{2, 3, 1, 2}));
  BOOST_TEST(r->data.back() == 12);
}

// ---- crafted files: every bad input is a Status naming the file and the problem -------------

BOOST_AUTO_TEST_CASE(missing_data_dir_says_how_to_get_the_data) {
  temp_dir dir;
  const auto r = io::load_mnist(dir.file("nope"), "train");
  BOOST_TEST(r.status().code() == absl::StatusCode::kNotFound);
  BOOST_TEST(contains(std::string(r.status().message()),
                      "install the Debian package dataset-fashion-mnist or pass --data_dir"));
}

BOOST_AUTO_TEST_CASE(missing_file_is_not_found_and_named) {
  temp_dir dir;
  const auto r = io::load_mnist(dir.path(), "t10k");
  BOOST_TEST(r.status().code() == absl::StatusCode::kNotFound);
  BOOST_TEST(contains(std::string(r.status().message()), "t10k-images-idx3-ubyte.gz: cannot open"),
             r.status());
}

BOOST_AUTO_TEST_CASE(unknown_split_is_rejected) {
  temp_dir dir;
  const auto r = io::load_mnist(dir.path(), "validation");
  BOOST_TEST(r.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(contains(std::string(r.status().message()), "unknown split 'validation'"));
}

BOOST_AUTO_TEST_CASE(doubly_gzipped_file_reports_the_gzip_magic) {
  temp_dir dir;
  const auto once = io::gzip_compress(idx_file({1, 28, 28}, pixels(1)), "train-images-idx3-ubyte");
  const auto msg = load_error(dir, gz(once), gz(idx_file({1}, {0})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: expected magic 0x00000803, found 0x1f8b0808"),
             msg);
}

BOOST_AUTO_TEST_CASE(labels_file_in_place_of_images_is_a_wrong_magic) {
  temp_dir dir;
  const auto msg = load_error(dir, gz(idx_file({1}, {0})), gz(idx_file({1}, {0})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: expected magic 0x00000803, found 0x00000801"),
             msg);
}

BOOST_AUTO_TEST_CASE(images_that_are_not_28x28_are_rejected) {
  temp_dir dir;
  const auto msg = load_error(dir, gz(idx_file({2, 32, 32}, pixels(2, 32, 32))), gz(idx_file({2}, {1, 2})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: expected 28x28 images, found 32x32"), msg);
}

BOOST_AUTO_TEST_CASE(data_shorter_than_the_header_says_is_truncation) {
  temp_dir dir;
  const auto msg = load_error(dir, gz(idx_file({3, 28, 28}, pixels(2))), gz(idx_file({3}, {1, 2, 3})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: truncated IDX data: dimensions 3x28x28 need "
                           "2352 bytes, file has 1568"),
             msg);
}

BOOST_AUTO_TEST_CASE(header_cut_short_is_truncation) {
  temp_dir dir;
  const auto msg = load_error(dir, {0, 0, 8, 3, 0, 0}, gz(idx_file({1}, {1})));
  BOOST_TEST(contains(msg, "truncated IDX header: 3 dimensions need 16 header bytes, file has 6"), msg);
  const auto tiny = load_error(dir, {0, 0}, gz(idx_file({1}, {1})));
  BOOST_TEST(contains(tiny, "truncated IDX header: 2 bytes"), tiny);
}

BOOST_AUTO_TEST_CASE(extra_bytes_after_the_data_are_rejected) {
  temp_dir dir;
  auto images = pixels(1);
  images.push_back(0);
  const auto msg = load_error(dir, idx_file({1, 28, 28}, images), idx_file({1}, {1}));
  BOOST_TEST(contains(msg, "1 unexpected bytes after the IDX data"), msg);
}

BOOST_AUTO_TEST_CASE(image_and_label_counts_must_match) {
  temp_dir dir;
  const auto msg = load_error(dir, gz(idx_file({3, 28, 28}, pixels(3))), gz(idx_file({2}, {1, 2})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz has 3 images but"), msg);
  BOOST_TEST(contains(msg, "train-labels-idx1-ubyte.gz has 2 labels"), msg);
}

BOOST_AUTO_TEST_CASE(label_out_of_range_is_rejected_even_past_the_limit) {
  temp_dir dir;
  write_bytes(dir.file("train-images-idx3-ubyte.gz"), gz(idx_file({3, 28, 28}, pixels(3))));
  write_bytes(dir.file("train-labels-idx1-ubyte.gz"), gz(idx_file({3}, {1, 2, 10})));
  const auto r = io::load_mnist(dir.path(), "train", 1);
  BOOST_TEST(r.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(contains(std::string(r.status().message()),
                      "train-labels-idx1-ubyte.gz: label 10 at index 2 is out of range [0, 10)"),
             r.status());
}

BOOST_AUTO_TEST_CASE(truncated_gzip_is_reported) {
  temp_dir dir;
  auto images = gz(idx_file({3, 28, 28}, pixels(3)));
  images.resize(images.size() - 20);
  const auto msg = load_error(dir, images, gz(idx_file({3}, {1, 2, 3})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: truncated gzip stream"), msg);
}

BOOST_AUTO_TEST_CASE(gzip_crc_mismatch_is_corruption) {
  temp_dir dir;
  auto images = gz(idx_file({3, 28, 28}, pixels(3)));
  images[images.size() - 8] ^= 0x01;  // first byte of the CRC32 trailer
  const auto msg = load_error(dir, images, gz(idx_file({3}, {1, 2, 3})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: corrupt gzip data: incorrect data check"), msg);
}

BOOST_AUTO_TEST_CASE(gzip_damaged_deflate_data_is_corruption) {
  temp_dir dir;
  auto images = gz(idx_file({3, 28, 28}, pixels(3)));
  images[images.size() / 2] ^= 0xff;
  const auto msg = load_error(dir, images, gz(idx_file({3}, {1, 2, 3})));
  BOOST_TEST(contains(msg, "train-images-idx3-ubyte.gz: corrupt gzip data"), msg);
}

BOOST_AUTO_TEST_CASE(dimension_product_overflow_is_rejected) {
  temp_dir dir;
  write_bytes(dir.file("big.idx"), idx_file({0xffffffff, 0xffffffff, 0xffffffff}, {}));
  const auto r = io::read_idx(dir.file("big.idx"));
  BOOST_TEST(r.status().code() == absl::StatusCode::kResourceExhausted);
  BOOST_TEST(contains(std::string(r.status().message()),
                      "big.idx: IDX dimensions 4294967295x4294967295x4294967295 overflow"),
             r.status());
}

BOOST_AUTO_TEST_CASE(declared_size_over_the_limit_is_rejected_before_reading_data) {
  temp_dir dir;
  write_bytes(dir.file("huge.idx"), idx_file({60000, 28, 28}, {}));
  const auto r = io::read_idx(dir.file("huge.idx"), {.max_bytes = 1000000});
  BOOST_TEST(contains(std::string(r.status().message()),
                      "huge.idx: IDX dimensions 60000x28x28 declare 47040000 bytes, over the limit "
                      "of 1000000"),
             r.status());
}

BOOST_AUTO_TEST_CASE(gzip_bomb_stops_at_the_limit) {
  temp_dir dir;
  // A header within the limit (1024 x 1024 bytes), then 8 MiB of data: inflating stops at the limit.
  write_bytes(dir.file("bomb.gz"), gz(idx_file({1024, 1024}, std::vector<std::uint8_t>(8u << 20, 0))));
  const auto r = io::read_idx(dir.file("bomb.gz"), {.max_bytes = 1u << 20});
  BOOST_TEST(r.status().code() == absl::StatusCode::kResourceExhausted);
  BOOST_TEST(contains(std::string(r.status().message()),
                      "bomb.gz: decompressed size exceeds the limit of 1048576 bytes"),
             r.status());
  // Zeros alone are no IDX header: refused at the header, before the rest is inflated.
  write_bytes(dir.file("zeros.gz"), gz(std::vector<std::uint8_t>(8u << 20, 0)));
  const auto z = io::read_idx(dir.file("zeros.gz"), {.max_bytes = 1u << 20});
  BOOST_TEST(z.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(contains(std::string(z.status().message()), "zeros.gz: unsupported IDX element type 0x00"), z.status());
}

BOOST_AUTO_TEST_CASE(non_byte_element_types_and_zero_rank_are_rejected) {
  temp_dir dir;
  write_bytes(dir.file("f.idx"), idx_file({1}, {0, 0, 0, 0}, 0x0d));
  BOOST_TEST(contains(std::string(io::read_idx(dir.file("f.idx")).status().message()),
                      "f.idx: unsupported IDX element type 0x0d"));
  write_bytes(dir.file("z.idx"), idx_file({}, {}));
  BOOST_TEST(contains(std::string(io::read_idx(dir.file("z.idx")).status().message()),
                      "z.idx: IDX header declares 0 dimensions"));
  write_bytes(dir.file("t.txt"), {'h', 'e', 'l', 'l', 'o'});
  BOOST_TEST(contains(std::string(io::read_idx(dir.file("t.txt")).status().message()),
                      "t.txt: not an IDX file: expected magic 0x0000TTNN, found 0x68656c6c"));
}

BOOST_AUTO_TEST_CASE(a_directory_is_not_a_file) {
  temp_dir dir;
  const auto r = io::read_idx(dir.path());
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(std::string(r.status().message()), dir.path() + ": cannot read"), r.status());
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE checkpoint
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ctgrad/io/checkpoint.hpp"
#include "temp_dir.hpp"

namespace io = ctgrad::io;
using io::testing::read_bytes;
using io::testing::temp_dir;
using io::testing::write_bytes;

namespace {

io::checkpoint sample() {
  io::checkpoint c;
  std::vector<float> w(6);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i) - 0.5f;
  BOOST_TEST_REQUIRE(io::add_tensor(c, "W1", {2, 3}, w).ok());
  const float special[] = {-0.0f, std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(), 1e-45f};
  BOOST_TEST_REQUIRE(io::add_tensor(c, "b1", {4}, special).ok());
  const float scalar[] = {3.5f};
  BOOST_TEST_REQUIRE(io::add_tensor(c, "lr", {}, scalar).ok());
  c.metadata["epoch"] = "7";
  c.metadata["activation"] = "gelu";
  c.metadata["rng"] = std::string("\0\x01\xff binary", 10);
  return c;
}

std::vector<std::uint32_t> bits(const std::vector<float>& v) {
  std::vector<std::uint32_t> out;
  for (float f : v) out.push_back(std::bit_cast<std::uint32_t>(f));
  return out;
}

bool contains(absl::string_view s, absl::string_view part) { return s.find(part) != absl::string_view::npos; }

// A checkpoint file around a hand-made payload: the header written as write_checkpoint does
// (magic, version 1, CRC-32 of the payload, payload size; little-endian).
std::vector<std::uint8_t> file_with_payload(const std::vector<std::uint8_t>& payload) {
  std::uint32_t crc = 0xffffffffu;
  for (std::uint8_t b : payload) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  std::vector<std::uint8_t> out = {'C', 'T', 'G', 'C', 'K', 'P', 'T', 0};
  auto put = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put(1, 4);
  put(crc, 4);
  put(payload.size(), 8);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Payload pieces: a u32 count or length, and a length-prefixed string.
void u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void str(std::vector<std::uint8_t>& out, const std::string& s) {
  u32(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
// A rank-1 tensor of one value 0.0f.
void tensor1(std::vector<std::uint8_t>& out, const std::string& name) {
  str(out, name);
  u32(out, 1);
  u32(out, 1);  // dim 1 as a u64: two u32 halves
  u32(out, 0);
  u32(out, 0);  // the value
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(round_trip_keeps_tensors_bit_exact_and_metadata) {
  temp_dir dir;
  const auto c = sample();
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("m.ctg"), c).ok());
  const auto r = io::read_checkpoint(dir.file("m.ctg"));
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST(r->source == dir.file("m.ctg"));
  BOOST_TEST(r->metadata == c.metadata);
  BOOST_TEST_REQUIRE(r->tensors.size() == c.tensors.size());
  for (std::size_t i = 0; i < c.tensors.size(); ++i) {
    BOOST_TEST(r->tensors[i].name == c.tensors[i].name);
    BOOST_TEST(r->tensors[i].shape == c.tensors[i].shape);
    BOOST_TEST(bits(r->tensors[i].data) == bits(c.tensors[i].data));  // NaN, -0 and denormals too
  }
}

BOOST_AUTO_TEST_CASE(get_tensor_checks_the_shape_and_names_the_file) {
  temp_dir dir;
  io::checkpoint c;
  BOOST_TEST_REQUIRE(io::add_tensor(c, "W1", {784, 64}, std::vector<float>(784 * 64, 1.0f)).ok());
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("checkpoint.ctg"), c).ok());
  const auto r = io::read_checkpoint(dir.file("checkpoint.ctg"));
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  const std::size_t want[] = {784, 128};
  const auto bad = io::get_tensor(*r, "W1", want);
  BOOST_TEST(bad.status().code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(contains(bad.status().message(),
                      "checkpoint.ctg: tensor 'W1' has shape [784,64], expected [784,128]"),
             bad.status());
  const std::size_t have[] = {784, 64};
  const auto good = io::get_tensor(*r, "W1", have);
  BOOST_TEST_REQUIRE(good.ok());
  BOOST_TEST(good->size() == 784u * 64u);
  BOOST_TEST(io::get_tensor(*r, "W2", have).status().code() == absl::StatusCode::kNotFound);
  BOOST_TEST(contains(io::get_metadata(*r, "epoch").status().message(), "no metadata key 'epoch'"));
}

BOOST_AUTO_TEST_CASE(add_tensor_rejects_size_mismatch_and_duplicates) {
  io::checkpoint c;
  const auto s = io::add_tensor(c, "W", {2, 3}, std::vector<float>(5));
  BOOST_TEST(s.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(contains(s.message(), "tensor 'W' has 5 values but shape [2,3] needs 6"), s);
  BOOST_TEST(io::add_tensor(c, "W", {2}, std::vector<float>(2)).ok());
  BOOST_TEST(contains(io::add_tensor(c, "W", {1}, std::vector<float>(1)).message(), "added twice"));
  BOOST_TEST(!io::add_tensor(c, "", {1}, std::vector<float>(1)).ok());
}

BOOST_AUTO_TEST_CASE(every_single_bit_flip_is_detected) {
  temp_dir dir;
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("c.ctg"), sample()).ok());
  const auto good = read_bytes(dir.file("c.ctg"));
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] ^= 0x10;
    write_bytes(dir.file("bad.ctg"), bad);
    const auto r = io::read_checkpoint(dir.file("bad.ctg"));
    BOOST_TEST_REQUIRE(!r.ok(), "flip at byte " << i << " went unnoticed");
    BOOST_TEST(contains(r.status().message(), dir.file("bad.ctg") + ": "));
  }
}

BOOST_AUTO_TEST_CASE(payload_flip_is_a_checksum_mismatch) {
  temp_dir dir;
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("c.ctg"), sample()).ok());
  auto bytes = read_bytes(dir.file("c.ctg"));
  bytes[bytes.size() - 3] ^= 0x01;  // inside the last tensor's data
  write_bytes(dir.file("c.ctg"), bytes);
  const auto r = io::read_checkpoint(dir.file("c.ctg"));
  BOOST_TEST(r.status().code() == absl::StatusCode::kDataLoss);
  BOOST_TEST(contains(r.status().message(), "c.ctg: corrupt checkpoint: checksum mismatch"), r.status());
}

BOOST_AUTO_TEST_CASE(truncation_at_any_length_is_detected) {
  temp_dir dir;
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("c.ctg"), sample()).ok());
  const auto good = read_bytes(dir.file("c.ctg"));
  for (std::size_t n = 0; n < good.size(); ++n) {
    write_bytes(dir.file("t.ctg"), std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
    const auto r = io::read_checkpoint(dir.file("t.ctg"));
    BOOST_TEST_REQUIRE(!r.ok(), "truncated to " << n << " bytes but accepted");
    if (n >= 24) {
      BOOST_TEST(contains(r.status().message(), "t.ctg: truncated checkpoint: header declares"),
                 r.status());
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_magic_and_newer_version_are_named) {
  temp_dir dir;
  write_bytes(dir.file("x.ctg"), {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const auto r = io::read_checkpoint(dir.file("x.ctg"));
  BOOST_TEST(r.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(contains(r.status().message(), "x.ctg: not a ctgrad checkpoint"), r.status());

  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("v.ctg"), sample()).ok());
  auto bytes = read_bytes(dir.file("v.ctg"));
  bytes[8] = 2;  // version field, little-endian u32 after the 8-byte magic
  write_bytes(dir.file("v.ctg"), bytes);
  const auto v = io::read_checkpoint(dir.file("v.ctg"));
  BOOST_TEST(v.status().code() == absl::StatusCode::kUnimplemented);
  BOOST_TEST(contains(v.status().message(), "v.ctg: checkpoint format version 2 is not supported"),
             v.status());
  BOOST_TEST(io::read_checkpoint(dir.file("missing.ctg")).status().code() ==
             absl::StatusCode::kNotFound);
}

// Found by test/fuzz/checkpoint_fuzzer.cpp: a payload with a valid CRC holding one rank-0 tensor
// with an empty name was accepted, though write_checkpoint refuses to write such a checkpoint.
BOOST_AUTO_TEST_CASE(fuzz_regression_empty_tensor_name_is_malformed) {
  temp_dir dir;
  const std::vector<std::uint8_t> payload = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0, 0, 0, 0};
  write_bytes(dir.file("e.ctg"), file_with_payload(payload));
  const auto r = io::read_checkpoint(dir.file("e.ctg"));
  BOOST_TEST(r.status().code() == absl::StatusCode::kDataLoss);
  BOOST_TEST(contains(r.status().message(),
                      "e.ctg: malformed checkpoint payload at byte 32: tensor with an empty name"),
             r.status());
}

BOOST_AUTO_TEST_CASE(duplicate_tensor_names_and_metadata_keys_are_malformed) {
  temp_dir dir;
  std::vector<std::uint8_t> tensors;
  u32(tensors, 0);
  u32(tensors, 2);
  tensor1(tensors, "W1");
  tensor1(tensors, "W1");
  write_bytes(dir.file("t.ctg"), file_with_payload(tensors));
  const auto t = io::read_checkpoint(dir.file("t.ctg"));
  BOOST_TEST(t.status().code() == absl::StatusCode::kDataLoss);
  BOOST_TEST(contains(t.status().message(), "t.ctg: malformed checkpoint payload at byte 54: "
                                            "tensor 'W1' appears twice"), t.status());

  std::vector<std::uint8_t> meta;
  u32(meta, 2);
  str(meta, "epoch");
  str(meta, "1");
  str(meta, "epoch");
  str(meta, "2");
  u32(meta, 0);
  write_bytes(dir.file("m.ctg"), file_with_payload(meta));
  const auto m = io::read_checkpoint(dir.file("m.ctg"));
  BOOST_TEST(m.status().code() == absl::StatusCode::kDataLoss);
  BOOST_TEST(contains(m.status().message(), "m.ctg: malformed checkpoint payload at byte 42: "
                                            "metadata key 'epoch' appears twice"), m.status());

  // The same payloads with distinct names read back: the check is on names, not on the layout.
  std::vector<std::uint8_t> ok;
  u32(ok, 0);
  u32(ok, 2);
  tensor1(ok, "W1");
  tensor1(ok, "W2");
  write_bytes(dir.file("ok.ctg"), file_with_payload(ok));
  const auto r = io::read_checkpoint(dir.file("ok.ctg"));
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST(r->tensors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(atomic_write_replaces_and_leaves_no_temp_file) {
  temp_dir dir;
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("m.ctg"), sample()).ok());
  io::checkpoint second;
  BOOST_TEST_REQUIRE(io::add_tensor(second, "only", {1}, std::vector<float>{42.0f}).ok());
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("m.ctg"), second).ok());
  BOOST_TEST(dir.list() == std::vector<std::string>{"m.ctg"});
  const auto r = io::read_checkpoint(dir.file("m.ctg"));
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST_REQUIRE(r->tensors.size() == 1u);
  BOOST_TEST(r->tensors[0].data == std::vector<float>{42.0f});
}

BOOST_AUTO_TEST_CASE(failed_write_keeps_the_old_file_and_no_temp) {
  temp_dir dir;
  BOOST_TEST_REQUIRE(io::write_checkpoint(dir.file("m.ctg"), sample()).ok());
  const auto before = read_bytes(dir.file("m.ctg"));
  io::checkpoint broken;
  broken.tensors.push_back({"W", {2, 2}, {1.0f}});  // built by hand, bypassing add_tensor
  const auto s = io::write_checkpoint(dir.file("m.ctg"), broken);
  BOOST_TEST(s.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(contains(s.message(), "tensor 'W' has 1 values but shape [2,2] needs 4"), s);
  BOOST_TEST(read_bytes(dir.file("m.ctg")) == before);
  // An unwritable destination: the error names it and nothing is left behind.
  const auto e = io::write_checkpoint(dir.file("no/such/dir/m.ctg"), sample());
  BOOST_TEST(e.code() == absl::StatusCode::kNotFound);
  BOOST_TEST(contains(e.message(), "no/such/dir/m.ctg.tmp."), e);
  BOOST_TEST(dir.list() == std::vector<std::string>{"m.ctg"});
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE gzip
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ctgrad/io/gzip.hpp"

namespace io = ctgrad::io;

namespace {
std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 12345;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 27);  // low-entropy bytes: compressible but not trivial
  }
  return v;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(gzip)

BOOST_AUTO_TEST_CASE(round_trip_restores_the_bytes) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{300000}}) {
    const auto data = pattern(n);
    const auto gz = io::gzip_compress(data);
    BOOST_TEST(io::is_gzip(gz));
    const auto back = io::gunzip(gz, "x.gz", 1u << 20);
    BOOST_TEST_REQUIRE(back.ok(), back.status());
    BOOST_TEST(*back == data, "size " << n);
  }
}

BOOST_AUTO_TEST_CASE(stored_name_sets_the_fname_flag_like_gzip_does) {
  const auto gz = io::gzip_compress(pattern(10), "file.bin");
  BOOST_TEST_REQUIRE(gz.size() > 10u);
  BOOST_TEST(gz[3] == 0x08);  // FLG.FNAME
  BOOST_TEST(std::string(gz.begin() + 10, gz.begin() + 18) == "file.bin");
  BOOST_TEST(io::gzip_compress(pattern(10))[3] == 0x00);
}

BOOST_AUTO_TEST_CASE(concatenated_members_are_joined) {
  const auto a = pattern(5000), b = pattern(77);
  auto gz = io::gzip_compress(a);
  const auto gz_b = io::gzip_compress(b);
  gz.insert(gz.end(), gz_b.begin(), gz_b.end());
  const auto back = io::gunzip(gz, "ab.gz", 1u << 20);
  BOOST_TEST_REQUIRE(back.ok(), back.status());
  auto expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  BOOST_TEST(*back == expected);
}

BOOST_AUTO_TEST_CASE(limit_is_inclusive_and_enforced) {
  const auto data = pattern(100000);
  const auto gz = io::gzip_compress(data);
  BOOST_TEST(io::gunzip(gz, "x.gz", data.size()).ok());
  const auto over = io::gunzip(gz, "x.gz", data.size() - 1);
  BOOST_TEST(over.status().code() == absl::StatusCode::kResourceExhausted);
  BOOST_TEST(std::string(over.status().message()) ==
             "x.gz: decompressed size exceeds the limit of 99999 bytes");
}

BOOST_AUTO_TEST_CASE(truncation_at_any_point_is_reported) {
  const auto gz = io::gzip_compress(pattern(20000));
  for (std::size_t cut = 2; cut < gz.size(); cut += 97) {
    const auto r = io::gunzip(absl::MakeConstSpan(gz.data(), cut), "t.gz", 1u << 20);
    BOOST_TEST_REQUIRE(!r.ok(), "cut at " << cut);
    BOOST_TEST(r.status().code() == absl::StatusCode::kDataLoss);
    BOOST_TEST(std::string(r.status().message()).find("t.gz: truncated gzip stream") == 0u,
               r.status());
  }
}

BOOST_AUTO_TEST_CASE(trailing_garbage_and_missing_magic_are_corruption) {
  auto gz = io::gzip_compress(pattern(100));
  gz.push_back(0x00);
  const auto r = io::gunzip(gz, "g.gz", 1u << 20);
  BOOST_TEST(std::string(r.status().message()) ==
             "g.gz: corrupt gzip data: 1 bytes of trailing garbage after the gzip stream");
  const std::vector<std::uint8_t> plain = {'I', 'D', 'X'};
  BOOST_TEST(!io::is_gzip(plain));
  BOOST_TEST(!io::gunzip(plain, "p", 100).ok());
}

BOOST_AUTO_TEST_SUITE_END()

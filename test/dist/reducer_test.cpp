#define BOOST_TEST_MODULE dist_reducer
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <vector>

#include "ctgrad/dist/reducer.hpp"

namespace dist = ctgrad::dist;

// A training loop written against reducer& runs unchanged as one process: local_reducer's
// collectives leave the data alone and pass statuses through.
BOOST_AUTO_TEST_CASE(local_reducer_is_one_rank_whose_collectives_change_nothing) {
  dist::local_reducer local;
  dist::reducer& r = local;
  BOOST_TEST(r.rank() == 0);
  BOOST_TEST(r.size() == 1);
  std::vector<float> f{0.1f, -2.0f, 3.5f};
  std::vector<double> d{0.1, -2.0};
  const auto f0 = f;
  const auto d0 = d;
  BOOST_TEST(r.sum(std::span<float>(f)).ok());
  BOOST_TEST(r.sum(std::span<double>(d)).ok());
  BOOST_TEST(f == f0);
  BOOST_TEST(d == d0);
  BOOST_TEST(r.check_identical(f, "parameters").ok());
  std::vector<std::byte> bytes{std::byte{1}, std::byte{2}};
  BOOST_TEST(r.broadcast(bytes, 0).ok());
  BOOST_TEST((bytes[1] == std::byte{2}));
}

BOOST_AUTO_TEST_CASE(local_agree_returns_the_local_status_unchanged) {
  dist::local_reducer r;
  BOOST_TEST(r.agree(absl::OkStatus()).ok());
  const absl::Status failed = absl::NotFoundError("shard 0: no such file");
  BOOST_TEST((r.agree(failed) == failed));
}

BOOST_AUTO_TEST_CASE(local_broadcast_from_another_root_is_an_error) {
  dist::local_reducer r;
  std::vector<std::byte> bytes(4);
  const absl::Status st = r.broadcast(bytes, 1);
  BOOST_TEST((st.code() == absl::StatusCode::kInvalidArgument));
  BOOST_TEST(st.message() == "broadcast: root 1 is not a rank (1 process)");
}

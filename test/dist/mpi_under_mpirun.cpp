// Tests of ctgrad/dist/mpi.hpp, run under mpirun (test/dist/meson.build: 2 ranks; any number works
// where a case says so). Not named *_test.cpp, so that test/meson.build's glob, which builds the
// tests without MPI, leaves it to test/dist/meson.build.
#define BOOST_TEST_MODULE dist_mpi
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "ctgrad/ctgrad.hpp"
#include "ctgrad/dist/mpi.hpp"

using namespace ctgrad;
namespace dist = ctgrad::dist;

namespace {

// MPI for the whole module: initialised before the first case, finalised after the last.
struct mpi_fixture {
  mpi_fixture() {
    auto s = dist::mpi_session::start();
    BOOST_TEST_REQUIRE(s.ok(), s.status().ToString());
    session.emplace(std::move(*s));
  }
  static inline std::optional<dist::mpi_session> session;
  ~mpi_fixture() { session.reset(); }
};

dist::mpi_reducer world() {
  auto r = dist::mpi_reducer::create();
  BOOST_TEST_REQUIRE(r.ok(), r.status().ToString());
  return std::move(*r);
}

// Rank r's values: spread over many binades and both signs, so that the order of summation shows
// in the last bits.
template <class T> std::vector<T> values_of(int r, std::size_t n) {
  std::mt19937 gen(1234u + static_cast<unsigned>(r));
  std::uniform_real_distribution<double> mant(-1.0, 1.0);
  std::uniform_int_distribution<int> expo(-20, 20);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(std::ldexp(mant(gen), expo(gen)));
  return v;
}

template <class T> bool bits_equal(const std::vector<T>& a, const std::vector<T>& b) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<U>(a[i]) != std::bit_cast<U>(b[i])) return false;
  return true;
}

template <class T> void check_rank_order_sum(dist::mpi_reducer& r, std::size_t n) {
  std::vector<T> v = values_of<T>(r.rank(), n);
  std::vector<T> expected = values_of<T>(0, n);  // ((v0 + v1) + v2) + ..., computed here
  for (int k = 1; k < r.size(); ++k) {
    const std::vector<T> other = values_of<T>(k, n);
    for (std::size_t i = 0; i < n; ++i) expected[i] += other[i];
  }
  const absl::Status st = r.sum(std::span<T>(v));
  BOOST_TEST_REQUIRE(st.ok(), st.ToString());
  BOOST_TEST(bits_equal(v, expected), "n = " << n << " on rank " << r.rank());
  BOOST_TEST(r.check_identical(std::vector<float>(v.begin(), v.end()), "sums").ok());
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(mpi_fixture);

// test/dist/meson.build runs this binary under mpirun (dist/mpi) and alone (dist/mpi_singleton).
BOOST_AUTO_TEST_CASE(the_session_knows_whether_mpirun_started_it) {
  if (mpi_fixture::session->launched())
    BOOST_TEST(mpi_fixture::session->size() == std::atoi(std::getenv("OMPI_COMM_WORLD_SIZE")));
  else
    BOOST_TEST(mpi_fixture::session->size() == 1);
  dist::mpi_reducer r = world();
  BOOST_TEST(r.rank() == mpi_fixture::session->rank());
  BOOST_TEST(r.size() == mpi_fixture::session->size());
}

// Any number of ranks; sizes below, at and above it, not multiples of it, and growing and shrinking
// (the scratch buffer is reused).
BOOST_AUTO_TEST_CASE(sum_is_the_rank_order_sum_bit_for_bit_on_every_rank) {
  dist::mpi_reducer r = world();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{1001},
                        std::size_t{101770}, std::size_t{17}}) {
    check_rank_order_sum<float>(r, n);
    check_rank_order_sum<double>(r, n);
  }
}

BOOST_AUTO_TEST_CASE(agree_gives_every_rank_the_first_failing_ranks_status) {
  dist::mpi_reducer r = world();
  BOOST_TEST(r.agree(absl::OkStatus()).ok());
  if (r.size() < 2) return;
  // Rank 1 fails alone: everyone gets its status, prefixed.
  absl::Status local = r.rank() == 1 ? absl::NotFoundError("shard-1.idx: no such file") : absl::OkStatus();
  absl::Status st = r.agree(local);
  BOOST_TEST((st.code() == absl::StatusCode::kNotFound));
  BOOST_TEST(st.message() == "rank 1: shard-1.idx: no such file");
  // Every rank fails: rank 0's status wins.
  local = absl::DataLossError(absl::StrFormat("rank-specific %d", r.rank()));
  st = r.agree(local);
  BOOST_TEST((st.code() == absl::StatusCode::kDataLoss));
  BOOST_TEST(st.message() == "rank 0: rank-specific 0");
}

BOOST_AUTO_TEST_CASE(check_identical_names_the_first_rank_and_element_that_differ) {
  dist::mpi_reducer r = world();
  std::vector<float> p = values_of<float>(0, 20000);
  BOOST_TEST(r.check_identical(p, "parameters").ok());
  if (r.size() < 2) return;
  const float was = p[12345];
  if (r.rank() == r.size() - 1) p[12345] = std::nextafter(was, 1.0f);   // one ulp apart
  absl::Status st = r.check_identical(p, "parameters");
  BOOST_TEST((st.code() == absl::StatusCode::kFailedPrecondition));
  BOOST_TEST(st.message() == absl::StrFormat("rank %d: parameters differ from rank 0's at element 12345 (%.9g vs %.9g)",
                                             r.size() - 1, was, std::nextafter(was, 1.0f)));
  // -0 and +0 differ in their bits.
  std::vector<float> z{0.0f, r.rank() == 1 ? -0.0f : 0.0f};
  st = r.check_identical(z, "zeros");
  BOOST_TEST(st.message() == "rank 1: zeros differ from rank 0's at element 1 (0 vs -0)");
  // A different size is named first.
  std::vector<float> q(r.rank() == 1 ? 10 : 12, 1.0f);
  st = r.check_identical(q, "parameters");
  BOOST_TEST(st.message() == "rank 1: parameters have 10 elements, rank 0's 12");
}

BOOST_AUTO_TEST_CASE(broadcast_copies_the_roots_bytes) {
  dist::mpi_reducer r = world();
  const int root = r.size() - 1;
  std::vector<std::byte> b(5, std::byte{static_cast<unsigned char>(r.rank())});
  BOOST_TEST_REQUIRE(r.broadcast(b, root).ok());
  for (std::byte x : b) BOOST_TEST((x == std::byte{static_cast<unsigned char>(root)}));
  const absl::Status st = r.broadcast(b, r.size());
  BOOST_TEST((st.code() == absl::StatusCode::kInvalidArgument));
}

// Linear regression over 16 rows, each rank holding 16/K of them: the mean over ranks of the
// gradients of each rank's mean loss is the gradient of the mean loss over all rows. Small
// integers make every sum exact, so the two are equal bit for bit; random data agrees to rounding.
BOOST_AUTO_TEST_CASE(allreduce_outputs_of_the_shards_is_the_gradient_of_the_whole) {
  dist::mpi_reducer r = world();
  if (16 % r.size() != 0) {
    BOOST_TEST_MESSAGE("skipped: 16 rows do not split evenly over " << r.size() << " ranks");
    return;
  }
  var<"x", float, shape<dyn, 3>> x;
  var<"w", float, shape<3>> w;
  var<"b", float> b;
  var<"y", float, shape<dyn>> y;
  auto loss = mse(matmul(x, w) + b, y);
  auto gs = grad(loss, w, b);          // outputs: 0 loss, 1 dloss/dw, 2 dloss/db
  auto mine = compile(gs), whole = compile(gs);
  const std::size_t rows = 16, per = rows / static_cast<std::size_t>(r.size());
  for (bool integers : {true, false}) {
    std::vector<float> xs(rows * 3), ys(rows), ws{0.5f, -1.0f, 2.0f};
    std::mt19937 gen(99);  // the same data on every rank
    std::uniform_int_distribution<int> small(-4, 4);
    std::uniform_real_distribution<float> real(-1.0f, 1.0f);
    for (auto& v : xs) v = integers ? static_cast<float>(small(gen)) : real(gen);
    for (auto& v : ys) v = integers ? static_cast<float>(small(gen)) : real(gen);
    const std::span<const float> xa(xs), ya(ys);
    const std::size_t first = per * static_cast<std::size_t>(r.rank());
    BOOST_TEST_REQUIRE(mine.run(x = xa.subspan(3 * first, 3 * per), w = ws, b = 0.25f, y = ya.subspan(first, per)).ok());
    BOOST_TEST_REQUIRE(whole.run(x = xs, w = ws, b = 0.25f, y = ys).ok());
    const absl::Status st = dist::allreduce_outputs<0, 1, 2>(mine, r, dist::reduction::mean);
    BOOST_TEST_REQUIRE(st.ok(), st.ToString());
    const auto got = mine[gs[w]], want = whole[gs[w]];
    for (std::size_t i = 0; i < 3; ++i) {
      if (integers) BOOST_TEST(got[i] == want[i]);
      else BOOST_TEST(got[i] == want[i], boost::test_tools::tolerance(1e-5f));
    }
    if (integers) {
      BOOST_TEST(mine[gs[b]].item() == whole[gs[b]].item());
      BOOST_TEST(mine[loss].item() == whole[loss].item());
    } else {
      BOOST_TEST(mine[gs[b]].item() == whole[gs[b]].item(), boost::test_tools::tolerance(1e-5f));
    }
    // Every rank holds the same gradient, to the bit: the replicas' SGD steps stay identical.
    BOOST_TEST(r.check_identical(got.span(), "dloss/dw").ok());
  }
}

// Started without mpirun (the "singleton" case), MPI runs this process alone: launched() is false
// and every collective is a no-op over one rank. This binary run directly checks that side; under
// mpirun the case above checks the other.
BOOST_AUTO_TEST_CASE(without_mpirun_the_session_is_one_process) {
  if (mpi_fixture::session->launched()) return;
  BOOST_TEST(mpi_fixture::session->size() == 1);
  dist::mpi_reducer r = world();
  std::vector<float> v{1.5f, 2.5f};
  BOOST_TEST(r.sum(std::span<float>(v)).ok());
  BOOST_TEST(v[1] == 2.5f);
}

// Tests for the data-parallel steps of ctgrad/nn/trainer.hpp (train_options::threads): a run with
// threads = 2 is bit-identical to threads = 1 (every element is computed as on one thread), so are
// batches smaller than the thread count and evaluate(), a checkpoint resumes exactly with any thread
// count, and steps after the first allocate nothing. A small model on synthetic data, so
// that this file also builds and runs quickly under ThreadSanitizer (.ci/run, stage tsan).
#define BOOST_TEST_MODULE trainer_threads
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/nn/trainer.hpp"

#include "support/count_allocations.hpp"  // ctgrad_test::heap_allocations

namespace tt = boost::test_tools;
using namespace ctgrad;

namespace {

using model = nn::mlp<fn::tanh, float, 8, 16, 3>;

// `count` rows of 8 features in [-1, 1]; the label is the argmax of three fixed projections, so
// the task is learnable.
struct synthetic {
  std::vector<float> x;
  std::vector<std::int32_t> y;
  std::size_t count;
  explicit synthetic(std::size_t n, unsigned seed = 11) : x(n * 8), y(n), count(n) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto& v : x) v = u(rng);
    for (std::size_t r = 0; r < n; ++r) {
      const float* f = x.data() + r * 8;
      const float s[3] = {f[0] + f[1] - f[2], f[3] - f[4] + 0.5f * f[5], f[6] + f[7] - f[0]};
      y[r] = std::int32_t(std::max_element(s, s + 3) - s);
    }
  }
  nn::dataset_view view() const { return {x, y, count, 8}; }
};

std::vector<float> flat(const nn::trainer<model>& t) {
  return {t.parameters().flat().begin(), t.parameters().flat().end()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trainer_threads)

BOOST_AUTO_TEST_CASE(threads_below_one_are_an_invalid_argument_naming_the_value) {
  const auto st = nn::validate(nn::train_options{.threads = 0});
  BOOST_TEST(st.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(st.message()) == "threads must be in [1, 256], got 0");
  BOOST_TEST(!nn::validate(nn::train_options{.threads = -3}).ok());
  BOOST_TEST(!nn::validate(nn::train_options{.threads = 257}).ok());
  BOOST_TEST(nn::validate(nn::train_options{.threads = 2}).ok());
}

BOOST_AUTO_TEST_CASE(two_threads_are_bit_identical_to_one) {
  const synthetic data(203);  // batch 10: 21 batches, the last one of 3 rows
  const nn::train_options base{.batch = 10, .optimizer = nn::adam_options{.learning_rate = 0.01}, .seed = 4};
  nn::train_options two = base;
  two.threads = 2;
  nn::trainer<model> one(base), a(two), b(two);
  for (int epoch = 1; epoch <= 3; ++epoch) {
    auto m1 = one.train_epoch(data.view(), epoch);
    auto ma = a.train_epoch(data.view(), epoch);
    auto mb = b.train_epoch(data.view(), epoch);
    BOOST_TEST_REQUIRE((m1.ok() && ma.ok() && mb.ok()));
    BOOST_TEST(ma->loss == mb->loss);  // bit-identical
    BOOST_TEST(ma->accuracy == mb->accuracy);
    BOOST_TEST(ma->loss == m1->loss);  // every element computed as on one thread
    BOOST_TEST(ma->accuracy == m1->accuracy);
  }
  BOOST_TEST(flat(a) == flat(b), tt::per_element());
  const auto p1 = flat(one), pa = flat(a);
  double worst = 0;
  for (std::size_t k = 0; k < p1.size(); ++k) worst = std::max(worst, double(std::abs(p1[k] - pa[k])));
  BOOST_TEST(worst == 0.0, "largest parameter difference, 1 vs 2 threads, after 3 epochs: " << worst);
  BOOST_TEST(a.steps() == one.steps());
  // The model learned something (chance is about 1/3).
  auto m = a.evaluate(data.view());
  BOOST_TEST_REQUIRE(m.ok());
  BOOST_TEST(m->accuracy > 0.6);
}

BOOST_AUTO_TEST_CASE(batches_smaller_than_the_thread_count_give_one_threads_results) {
  const synthetic data(7);  // batch 3 on 4 threads; the last batch has 1 row
  nn::trainer<model> one({.batch = 3, .seed = 2}), four({.batch = 3, .seed = 2, .threads = 4});
  for (int epoch = 1; epoch <= 2; ++epoch) {
    auto m1 = one.train_epoch(data.view(), epoch);
    auto m4 = four.train_epoch(data.view(), epoch);
    BOOST_TEST_REQUIRE((m1.ok() && m4.ok()));
    BOOST_TEST(m4->loss == m1->loss);
  }
  const synthetic single(1);
  nn::trainer<model> two({.batch = 32, .threads = 2});
  auto m = two.train_epoch(single.view(), 1);
  BOOST_TEST_REQUIRE(m.ok());
  BOOST_TEST(std::isfinite(m->loss));
  BOOST_TEST(two.steps() == 1);
  BOOST_TEST(two.evaluate(single.view()).ok());
}

BOOST_AUTO_TEST_CASE(evaluate_with_threads_agrees_with_one_thread) {
  const synthetic train(120), test(301, 5);
  nn::trainer<model> one({.batch = 16, .seed = 8}), two({.batch = 16, .seed = 8, .threads = 2});
  BOOST_TEST_REQUIRE(one.train_epoch(train.view(), 1).ok());
  std::copy(one.parameters().flat().begin(), one.parameters().flat().end(), two.parameters().flat().begin());
  for (std::size_t batch : {std::size_t(1000), std::size_t(50), std::size_t(1)}) {
    auto e1 = one.evaluate(test.view(), batch);
    auto e2 = two.evaluate(test.view(), batch);
    BOOST_TEST_REQUIRE((e1.ok() && e2.ok()));
    BOOST_TEST(e2->loss == e1->loss);
    BOOST_TEST(e2->accuracy == e1->accuracy);
  }
}

// Every thread count computes every element as one thread does, so a checkpoint resumes with any
// count and the run goes on exactly as if it had not stopped (a checkpoint from before the count was
// recorded too).
BOOST_AUTO_TEST_CASE(a_checkpoint_resumes_exactly_with_any_thread_count) {
  const synthetic data(90);
  const nn::train_options two_threads{.batch = 8, .seed = 3, .threads = 2};
  const nn::train_options one_thread{.batch = 8, .seed = 3};
  nn::trainer<model> straight(two_threads), first(two_threads), first_single(one_thread);
  BOOST_TEST_REQUIRE(straight.train_epoch(data.view(), 1).ok());
  BOOST_TEST_REQUIRE(straight.train_epoch(data.view(), 2).ok());
  BOOST_TEST_REQUIRE(first.train_epoch(data.view(), 1).ok());
  BOOST_TEST_REQUIRE(first_single.train_epoch(data.view(), 1).ok());
  auto ck = first.save(1);
  auto ck1 = first_single.save(1);
  BOOST_TEST_REQUIRE((ck.ok() && ck1.ok()));
  BOOST_TEST(ck->metadata.at("threads") == "2");
  auto old = *ck1;
  old.metadata.erase("threads");  // written before the count was recorded

  for (const auto* c : {&*ck, &*ck1, &old})
    for (const auto& options : {one_thread, two_threads, nn::train_options{.batch = 8, .seed = 3, .threads = 3}}) {
      nn::trainer<model> resumed(options);
      auto done = resumed.restore(*c);
      BOOST_TEST_REQUIRE(done.ok(), done.status());
      BOOST_TEST(*done == 1);
      BOOST_TEST_REQUIRE(resumed.train_epoch(data.view(), 2).ok());
      BOOST_TEST(flat(resumed) == flat(straight), tt::per_element());
    }
}

BOOST_AUTO_TEST_CASE(a_trainer_with_threads_is_movable) {
  const synthetic data(40);
  nn::trainer<model> t({.batch = 8, .threads = 2});
  BOOST_TEST_REQUIRE(t.train_epoch(data.view(), 1).ok());
  nn::trainer<model> moved(std::move(t));
  BOOST_TEST_REQUIRE(moved.train_epoch(data.view(), 2).ok());
  BOOST_TEST(moved.steps() == 10);
}

BOOST_AUTO_TEST_CASE(steps_after_the_first_make_no_heap_allocation,
                     *boost::unit_test::enable_if<CTGRAD_TEST_COUNTS_ALLOCATIONS != 0>()) {
  // Counted between the end of the first batch and the end of the last one (an epoch's shuffle
  // allocates once, in std::seed_seq), and over a whole evaluate() after a first one.
  const synthetic data(100);
  for (int threads : {1, 2, 3}) {
    nn::trainer<model> t({.batch = 16, .threads = threads});
    long after_first = -1, after_last = -1;
    auto m = t.train_epoch(data.view(), 1, [&](std::size_t batches, std::size_t, double) {
      (batches == 1 ? after_first : after_last) = ctgrad_test::heap_allocations.load();
    });
    BOOST_TEST_REQUIRE(m.ok());
    BOOST_TEST(after_last - after_first == 0, "threads = " << threads << ": allocations in batches 2-7");
    auto e1 = t.evaluate(data.view(), 40);
    const long before = ctgrad_test::heap_allocations.load();
    auto e2 = t.evaluate(data.view(), 40);
    const long allocations = ctgrad_test::heap_allocations.load() - before;
    BOOST_TEST_REQUIRE((e1.ok() && e2.ok()));
    BOOST_TEST(allocations == 0, "threads = " << threads << ": allocations in evaluate()");
  }
}

BOOST_AUTO_TEST_SUITE_END()

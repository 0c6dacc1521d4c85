// nn/team.hpp: every task of a job runs exactly once, whoever runs it; the caller never waits for a
// task nobody claimed (workers asleep, helping off); jobs of more than 64 tasks; a worker that starts
// late; the team's destructor with sleeping and spinning workers; the pacer's choice, its early end
// at stalls, its check of kept workers and its growing wait; products split over a team.
#define BOOST_TEST_MODULE team
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "ctgrad/nn/team.hpp"

namespace nn = ctgrad::nn;

namespace {
// Runs `jobs` jobs of `count` tasks and checks that every task of every job ran exactly once.
void check_exactly_once(nn::team& t, std::size_t count, int jobs) {
  std::vector<std::atomic<int>> hits(count);
  for (int j = 0; j < jobs; ++j) {
    for (auto& h : hits) h.store(0);
    auto task = [&](std::size_t i) { hits[i].fetch_add(1); };
    t.run(count, task);
    for (std::size_t i = 0; i < count; ++i) BOOST_TEST_REQUIRE(hits[i].load() == 1, "job " << j << " task " << i);
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_task_runs_exactly_once_for_every_thread_and_task_count) {
  for (int threads : {1, 2, 3, 5}) {
    nn::team t(threads);
    BOOST_TEST(t.threads() == threads);
    for (std::size_t count : {0u, 1u, 2u, 3u, 13u, 63u, 64u, 65u, 200u}) check_exactly_once(t, count, 50);
  }
}

BOOST_AUTO_TEST_CASE(workers_take_part_and_helping_off_leaves_every_task_to_the_caller) {
  nn::team t(2);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  auto task = [&](std::size_t) {
    if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // long enough for a worker to claim some
  };
  for (int j = 0; j < 20; ++j) t.run(8, task);
  BOOST_TEST(elsewhere.load() > 0);
  BOOST_TEST(t.worker_tasks() == std::uint64_t(elsewhere.load()));
  t.set_helping(false);
  elsewhere = 0;
  for (int j = 0; j < 20; ++j) t.run(8, task);
  BOOST_TEST(elsewhere.load() == 0);
}

BOOST_AUTO_TEST_CASE(sleeping_workers_never_hold_the_caller_up) {
  // Spin of 1 us: the workers are asleep when each job starts; the jobs still complete, and a job
  // of one short task does not wait for a worker to wake (it is the caller's).
  nn::team t(3, std::chrono::microseconds(1));
  for (int j = 0; j < 200; ++j) {
    check_exactly_once(t, 4, 1);
    if (j % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let them sleep
  }
}

BOOST_AUTO_TEST_CASE(a_team_is_destroyed_cleanly_at_once_after_jobs_and_while_workers_sleep) {
  for (int rep = 0; rep < 30; ++rep) {
    nn::team t(3, std::chrono::microseconds(rep % 2 ? 1 : 2000));  // a worker may start after this ends
    if (rep % 3 == 1) check_exactly_once(t, 7, 3);
    if (rep % 3 == 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

BOOST_AUTO_TEST_CASE(the_pacer_switches_the_workers_off_when_they_slow_steps_down) {
  // Steps that take longer when the workers help (a stand-in for a busy machine): the pacer
  // measures both settings and keeps the workers off; then steps that are faster with them.
  nn::team t(2);
  nn::pacer p;
  p.restart(t);
  for (int s = 0; s < nn::pacer::block + nn::pacer::probe_steps + 1; ++s) {
    std::this_thread::sleep_for(std::chrono::microseconds(t.helping() ? 600 : 200));
    p.step_done(t);
  }
  BOOST_TEST(p.decisions() == 1);
  BOOST_TEST(!p.helping_chosen());
  BOOST_TEST(!t.helping());
  nn::pacer q;
  q.restart(t);
  for (int s = 0; s < nn::pacer::block + nn::pacer::probe_steps + 1; ++s) {
    std::this_thread::sleep_for(std::chrono::microseconds(t.helping() ? 200 : 600));
    q.step_done(t);
  }
  BOOST_TEST(q.decisions() == 1);
  BOOST_TEST(q.helping_chosen());
  BOOST_TEST(t.helping());
  // Steps that are mostly faster with the workers, but one in eight waits for a descheduled worker
  // (the other core busy): the workers lose on the sum of the steps, which is what an epoch takes.
  nn::pacer r;
  r.restart(t);
  for (int s = 0; s < nn::pacer::block + nn::pacer::probe_steps + 1; ++s) {
    std::this_thread::sleep_for(std::chrono::microseconds(t.helping() ? (s % 8 == 3 ? 3000 : 150) : 300));
    r.step_done(t);
  }
  BOOST_TEST(r.decisions() == 1);
  BOOST_TEST(!r.helping_chosen());
  nn::pacer off(false);  // a disabled pacer never switches
  off.restart(t);
  t.set_helping(true);
  for (int s = 0; s < 60; ++s) off.step_done(t);
  BOOST_TEST(off.decisions() == 0);
  BOOST_TEST(t.helping());
}

// Steps of the given durations (microseconds, with the workers helping or not) until the pacer has
// made `decisions` choices or `limit` steps have run; returns the steps run.
template <class Duration> int run_steps(nn::team& t, nn::pacer& p, int decisions, int limit, Duration us) {
  int s = 0;
  for (; s < limit && p.decisions() < decisions; ++s) {
    std::this_thread::sleep_for(std::chrono::microseconds(us(t.helping(), s)));
    p.step_done(t);
  }
  return s;
}

BOOST_AUTO_TEST_CASE(the_pacer_ends_a_measurement_at_the_second_stall) {
  // Steps with the workers that wait 20 times as long as steps alone (a worker descheduled
  // mid-task): the measurement ends in the first block with the workers, not after 108 steps.
  nn::team t(2);
  nn::pacer p;
  p.restart(t);
  const int steps = run_steps(t, p, 1, 1000, [](bool helping, int) { return helping ? 4000 : 200; });
  BOOST_TEST(p.decisions() == 1);
  BOOST_TEST(!p.helping_chosen());
  // The warm-up (8 steps with the workers), a block alone (9), the first block's untimed step and
  // its two stalled steps.
  BOOST_TEST(steps == nn::pacer::block + (nn::pacer::block + 1) + 3);
  // A stall is strong evidence: the next measurement comes 4 times later than after a plain choice.
  const int next = run_steps(t, p, 2, 100000, [](bool helping, int) { return helping ? 4000 : 200; });
  BOOST_TEST(next > 4 * nn::pacer::settle);
  BOOST_TEST(next <= 4 * nn::pacer::settle + nn::pacer::probe_steps);
}

BOOST_AUTO_TEST_CASE(the_pacer_switches_kept_workers_off_when_they_stop_helping) {
  // Measured, the workers help (100 against 1000 us); then their steps become slow (2000 us, over
  // check_loss times the mean alone): one check later they are off, without waiting for the next
  // measurement.
  nn::team t(2);
  nn::pacer p;
  p.restart(t);
  run_steps(t, p, 1, 1000, [](bool helping, int) { return helping ? 100 : 1000; });
  BOOST_TEST_REQUIRE(p.decisions() == 1);
  BOOST_TEST_REQUIRE(p.helping_chosen());
  const int steps = run_steps(t, p, 2, 1000, [](bool helping, int) { return helping ? 2000 : 1000; });
  BOOST_TEST(p.decisions() == 2);
  BOOST_TEST(!p.helping_chosen());
  BOOST_TEST(!t.helping());
  BOOST_TEST(steps <= nn::pacer::check + 1);
}

BOOST_AUTO_TEST_CASE(the_pacer_measures_less_often_while_its_choice_holds) {
  // The workers always lose: after each confirmation the wait before the next measurement doubles
  // (1,024 steps, then 2,048), so the measurements' steps alone grow rarer.
  nn::team t(2);
  nn::pacer p;
  p.restart(t);
  // Slower, far from a stall (4 times the mean alone): at 300 us, a loaded machine's late wake-ups
  // made some steps stalls, and a stall's 4-times-longer wait failed the bound below.
  const auto slow_workers = [](bool helping, int) { return helping ? 160 : 100; };
  run_steps(t, p, 1, 100000, slow_workers);
  BOOST_TEST_REQUIRE(p.decisions() == 1);
  const int second = run_steps(t, p, 2, 100000, slow_workers);
  const int third = run_steps(t, p, 3, 100000, slow_workers);
  BOOST_TEST(!p.helping_chosen());
  // Each: the wait, then a measurement (108 steps at most).
  BOOST_TEST(second > nn::pacer::settle);
  BOOST_TEST(second <= nn::pacer::settle + nn::pacer::probe_steps);
  BOOST_TEST(third > 2 * nn::pacer::settle);
  BOOST_TEST(third <= 2 * nn::pacer::settle + nn::pacer::probe_steps);
}

// kernel::parallel_for over a team: a product's blocks (K blocks with partial sums, row blocks or
// column blocks, eval/gemm.hpp's blocked()) run on several threads and every element of C is
// bit-for-bit what the serial kernel computes (the trainer's results then do not depend on its
// thread count), for shapes around the register tile, both operand layouts, and C scaled or not.
#include <random>

#include "ctgrad/eval/gemm.hpp"

BOOST_AUTO_TEST_CASE(products_split_over_a_team_equal_the_serial_kernel_bit_for_bit) {
  namespace k = ctgrad::kernel;
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int threads : {2, 3, 4}) {
    nn::team t(threads);
    k::parallel_for par;
    par.threads = threads;
    par.min_work = 0;
    par.context = &t;
    par.run = [](void* ctx, std::size_t count, void (*task)(void*, std::size_t), void* task_ctx) {
      auto each = [&](std::size_t i) { task(task_ctx, i); };
      static_cast<nn::team*>(ctx)->run(count, each);
    };
    // Split along K (K the largest: 32 x 128 x 784, as X W1), along rows (784 x 128 x 32, as X^T dH)
    // or columns; alpha != 1 never splits K (its partial sums would round differently).
    for (auto [M, N, K] : {std::array<std::size_t, 3>{32, 128, 784}, {784, 128, 32}, {7, 33, 5}, {64, 97, 300},
                           {3, 200, 17}, {129, 65, 257}, {10, 20, 1000}}) {
      for (auto ta : {k::trans::no, k::trans::yes}) {
        for (auto [alpha, beta] : {std::array<float, 2>{1, 0}, {1, 1}, {0.5f, 0.75f}}) {
          std::vector<float> A(M * K), B(K * N), serial(M * N);
          for (auto& x : A) x = u(gen);
          for (auto& x : B) x = u(gen);
          for (auto& x : serial) x = u(gen);
          std::vector<float> split = serial;
          const std::size_t lda = ta == k::trans::no ? K : M;
          k::builtin_gemm(ta, k::trans::no, M, N, K, alpha, A.data(), lda, B.data(), N, beta, serial.data(), N);
          {
            k::parallel_scope scope(&par);
            k::builtin_gemm(ta, k::trans::no, M, N, K, alpha, A.data(), lda, B.data(), N, beta, split.data(), N);
          }
          BOOST_TEST_INFO("M " << M << " N " << N << " K " << K << " threads " << threads << " alpha " << alpha
                               << " beta " << beta);
          BOOST_TEST(split == serial, boost::test_tools::per_element());
        }
      }
    }
  }
}

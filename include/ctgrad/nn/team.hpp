// ctgrad/nn/team.hpp — a fixed team of threads that runs jobs made of independent tasks: the
// calling thread and T - 1 persistent workers claim the tasks of a job one at a time, so a worker
// that is asleep, descheduled or busy elsewhere never holds the caller up (the caller takes the
// tasks nobody has claimed). The tasks of a job are the same whoever runs them, so a job's result
// does not depend on how its tasks were shared out: reproducible for a given task split.
// The team also decides, by measuring, whether its workers help at all (see `pacer`).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ctgrad::nn {

namespace detail {
// Sleeps while *word == old (or until woken): a Linux futex, else std::atomic::wait. The futex is
// called directly so that the wait and the wake are exactly one system call each.
inline void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t old) noexcept {
#if defined(__linux__)
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, old, nullptr, nullptr, 0);
#else
  word.wait(old, std::memory_order_seq_cst);
#endif
}
inline void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 0x7fffffff, nullptr, nullptr, 0);
#else
  word.notify_all();
#endif
}
}  // namespace detail

/// T threads (the caller and T - 1 workers started by the constructor, joined by the destructor).
/// run(count, task) calls task(i) exactly once for each i in [0, count) and returns when all have
/// returned. Allocation-free per job. Not thread-safe itself: one caller at a time.
///
/// Waiting. A worker that has just finished a job spins for `spin` (a step's jobs come microseconds
/// apart, and waking a sleeping thread costs tens of microseconds, up to milliseconds on a virtual
/// machine whose idle vCPU has halted) and then sleeps on a futex (std::atomic::wait), so idle
/// workers cost nothing. The caller never waits for a task that nobody has claimed: it runs it.
/// It waits only for tasks in flight on a worker.
///
/// Helping on or off. With set_helping(false) the caller runs every task itself and the workers
/// sleep: what a trainer does when its measurements (pacer) show that the workers slow it down,
/// e.g. when another process has the other cores.
class team {
 public:
  /// The most tasks one round of a job has (a job of more tasks runs in rounds of this many).
  static constexpr std::size_t round_tasks = 64;

  explicit team(int threads, std::chrono::microseconds spin = std::chrono::microseconds(2000))
      : spin_(spin) {
    const int workers = std::max(threads, 1) - 1;
    workers_.reserve(static_cast<std::size_t>(workers));
    for (int w = 0; w < workers; ++w) workers_.emplace_back([this, w] { work(w + 1); });
  }
  team(const team&) = delete;
  team& operator=(const team&) = delete;
  ~team() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_seq_cst);  // wakes spinners
    wake_.fetch_add(1, std::memory_order_seq_cst);        // and sleepers
    detail::futex_wake_all(wake_);
    for (auto& t : workers_) t.join();
  }

  int threads() const noexcept { return static_cast<int>(workers_.size()) + 1; }
  bool helping() const noexcept { return helping_; }
  /// Whether the workers take part in the following jobs (they do by default). Switched off, a
  /// spinning worker goes to sleep at once instead of after its spin: the pacer's steps alone are
  /// then what one thread gets, and another process on the worker's core gets that core.
  void set_helping(bool on) noexcept {
    helping_ = on;
    park_.store(!on, std::memory_order_relaxed);
  }
  /// Tasks run by workers (not by the caller) since construction: for tests and reports.
  std::uint64_t worker_tasks() const noexcept { return worker_tasks_.load(std::memory_order_relaxed); }

  /// Runs task(i) for every i in [0, count), the caller taking part; returns when all are done.
  /// Thread k (the caller is 0) first takes the tasks of its own share, [k count / T, (k + 1)
  /// count / T), in order, then any task left: with every thread awake each keeps the same share
  /// from job to job, so the data a task touches stays in that core's cache. `task` must not throw.
  template <class Task> void run(std::size_t count, Task& task) {
    if (workers_.empty() || !helping_ || count <= 1) {
      for (std::size_t i = 0; i < count; ++i) task(i);
      return;
    }
    for (std::size_t base = 0; base < count; base += round_tasks) run_round(base, std::min(round_tasks, count - base), task);
  }

 private:
  template <class Task> void run_round(std::size_t base, std::size_t count, Task& task) {
    fn_ = [](void* ctx, std::size_t i) { (*static_cast<Task*>(ctx))(i); };
    ctx_ = &task;
    base_ = base;
    count_.store(count, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Publishing: the fields above, then the mask of unclaimed tasks (release: a thread that claims
    // a task from it sees them), then the generation (seq_cst, against a worker's sleepers_
    // increment and generation load: either it sees the new job before it sleeps or this sees it
    // sleeping and wakes it).
    claimed_.store(count == 64 ? 0 : ~((std::uint64_t(1) << count) - 1), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      wake_.fetch_add(1, std::memory_order_seq_cst);
      detail::futex_wake_all(wake_);
    }
    while (claim_and_run(0)) {
    }
    // Tasks still in flight on workers: spin (they are running), then sleep (one was descheduled).
    const std::uint32_t n = static_cast<std::uint32_t>(count);
    if (!spin_until([&] { return done_.load(std::memory_order_acquire) == n; })) {
      caller_sleeps_.store(true, std::memory_order_seq_cst);
      for (std::uint32_t d = done_.load(std::memory_order_seq_cst); d != n; d = done_.load(std::memory_order_seq_cst))
        detail::futex_wait(done_, d);
      caller_sleeps_.store(false, std::memory_order_relaxed);
    }
  }

  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  // True as soon as ready() is; false if it is still false after spin_.
  template <class Ready> bool spin_until(Ready ready) const {
    const auto until = std::chrono::steady_clock::now() + spin_;
    for (;;) {
      for (int i = 0; i < 64; ++i) {
        if (ready()) return true;
        cpu_relax();
      }
      if (std::chrono::steady_clock::now() >= until) return ready();
    }
  }

  // Thread k claims one task of the current round (its own share first), runs it and counts it
  // done: true if it ran one, false if none was left. A claim is a bit set in claimed_; the round's
  // fields (fn_, ctx_, base_, count_) stay as they are from a successful claim until done_ counts
  // the task, because the caller publishes no new round before every task is done. A worker late
  // from an earlier round therefore either finds every bit set or claims a task of the current one,
  // which it then runs correctly.
  bool claim_and_run(int k) {
    std::uint64_t mask = claimed_.load(std::memory_order_acquire);
    for (;;) {
      if (~mask == 0) return false;
      // Own share: bits [count k / T, count (k + 1) / T), the lowest free one first; else steal
      // another's highest free one (its owner works up from the bottom). A worker late from an
      // earlier round may read the new count or the old: its pick is then only less apt.
      const std::uint64_t free = ~mask;
      const std::size_t t = workers_.size() + 1, count = count_.load(std::memory_order_relaxed);
      const std::size_t lo = count * std::size_t(k) / t, hi = count * std::size_t(k + 1) / t;
      const std::uint64_t own = hi - lo >= 64 ? ~std::uint64_t(0) : (((std::uint64_t(1) << (hi - lo)) - 1) << lo);
      const int bit = (free & own) ? std::countr_zero(free & own) : 63 - std::countl_zero(free);
      const std::uint64_t b = std::uint64_t(1) << bit;
      mask = claimed_.fetch_or(b, std::memory_order_acq_rel);
      if (mask & b) continue;  // taken meanwhile: mask is the new state
      const std::size_t n = count_.load(std::memory_order_relaxed);
      fn_(ctx_, base_ + static_cast<std::size_t>(bit));
      // Release: the task's writes reach the caller, which acquires done_.
      if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == static_cast<std::uint32_t>(n) &&
          caller_sleeps_.load(std::memory_order_seq_cst))
        detail::futex_wake_all(done_);
      return true;
    }
  }

  void work(int k) {
    std::uint64_t seen = 0;  // the constructor's generation: a worker that starts late still sees a stop
    for (;;) {
      const auto fresh = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      const auto fresh_or_parked = [&] { return fresh() || park_.load(std::memory_order_relaxed); };
      if (!spin_until(fresh_or_parked) || !fresh()) {
        // Sleeps on wake_ (a plain futex). Announced first, then the generation re-checked: the
        // caller either sees this sleeper after its new round (and bumps wake_), or it is seen here.
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        for (;;) {
          const std::uint32_t v = wake_.load(std::memory_order_seq_cst);
          if (generation_.load(std::memory_order_seq_cst) != seen) break;
          detail::futex_wait(wake_, v);
        }
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      if (stop_.load(std::memory_order_acquire)) return;
      seen = generation_.load(std::memory_order_acquire);
      std::uint32_t ran = 0;
      while (claim_and_run(k)) ++ran;
      if (ran) worker_tasks_.fetch_add(ran, std::memory_order_relaxed);
    }
  }

  std::chrono::microseconds spin_;
  std::vector<std::thread> workers_;
  bool helping_ = true;
  // The current round, written by the caller before it publishes claimed_.
  void (*fn_)(void*, std::size_t) = nullptr;
  void* ctx_ = nullptr;
  std::size_t base_ = 0;
  std::atomic<std::size_t> count_{0};
  alignas(64) std::atomic<std::uint64_t> claimed_{~std::uint64_t(0)};  // bit i: task base_ + i taken
  alignas(64) std::atomic<std::uint64_t> generation_{0};
  alignas(64) std::atomic<std::uint32_t> done_{0};
  std::atomic<bool> caller_sleeps_{false};
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<std::uint32_t> wake_{0};  // bumped to wake sleeping workers
  std::atomic<bool> stop_{false};
  std::atomic<bool> park_{false};  // helping switched off: workers sleep instead of spinning
  std::atomic<std::uint64_t> worker_tasks_{0};
};

/// Decides by measurement whether a team's workers help: the caller reports the end of every step
/// (step_done), and the pacer times the steps with the workers helping and without, then keeps the
/// faster setting for `settle` steps before it measures again.
/// - The two settings are measured interleaved, in blocks of `block` timed steps (12 blocks, 48
///   steps each), not in two long runs: a disturbance of a few milliseconds (the host giving the
///   other vCPU to another machine, a burst of another process) then weighs on both alike. In two
///   runs of 48, one such burst during the workers' run could switch them off for the next 1,024
///   steps, more than half of an epoch.
/// - A measurement starts with a block alone. A second step with the workers that takes more than
///   `stall` times the mean step alone ends it at once, with the workers off: a worker was
///   descheduled mid-task (another process has its core) and the step waited for a time slice;
///   measuring on would pay that again in most of the workers' blocks (with `yes` on the other
///   core, 2 threads were 0.89-0.90x as fast as one without this rule, 0.92-0.97x with it).
/// - Kept workers are checked every `check` steps: a mean over `check_loss` times the
///   measurement's mean alone switches them off (on a busy machine a measurement can fall in a
///   quiet moment).
/// - Each time a measurement confirms the setting the next wait doubles, up to `max_settle` (the
///   slower setting's 48 steps are 5 % of the steps with a wait of 1,024, under 1 % at 8,192); a
///   changed choice starts again from `settle`, one ended by stalls waits at least 4 `settle`.
/// With the other cores busy (another process), or steps too small to share, waking a worker
/// costs more than it saves, and the caller works alone. Which thread runs a task never changes a
/// result, so neither does the pacer.
class pacer {
 public:
  static constexpr int window = 48;    ///< steps timed per setting (the means are compared)
  static constexpr int block = 8;      ///< timed steps of one setting before switching to the other
  /// Steps of one measurement: 2 * window / block blocks, each with one untimed first step (it
  /// pays for the switch).
  static constexpr int probe_steps = 2 * (window / block) * (block + 1);
  static constexpr int settle = 1024;  ///< steps run with a new choice before measuring again
  static constexpr int max_settle = 8 * settle;  ///< the longest wait, after confirmations
  /// The workers are kept only when their steps' mean is below this fraction of the caller's
  /// alone: working alone is exactly the one-thread step, so a tie or noise keeps them out. The
  /// mean, not the median: with the other core busy most steps with the workers are fast, but the
  /// few in which a worker was descheduled mid-task wait a scheduler's time slice, and an epoch is
  /// the sum of its steps.
  static constexpr double margin = 0.95;
  static constexpr double stall = 4;  ///< a step with the workers this much slower ends a measurement
  static constexpr int check = 128;   ///< steps per check of kept workers against the mean alone
  /// Kept workers are switched off when a check's mean is over this many times the mean alone: a
  /// clear loss, not one slow step (on this project's virtual machines an idle one sometimes
  /// stalls for a millisecond or two, which adds 10-20 % to the mean of 128 steps).
  static constexpr double check_loss = 1.25;

  explicit pacer(bool enabled = true) : enabled_(enabled) {}

  /// At the start of an epoch: the time since the last step is not a step's, so a measurement
  /// under way starts again; a settled choice stays (the first call starts measuring).
  void restart(team& t) {
    last_ = {};
    if (!settled_) start(t);
  }

  /// After every step: times it, and switches the team's helping as the measurement goes.
  void step_done(team& t) {
    if (!enabled_ || t.threads() == 1) return;
    const auto now = std::chrono::steady_clock::now();
    const bool timed = last_ != std::chrono::steady_clock::time_point{};
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    if (warmup_ > 0) {  // the first steps with the workers, untimed (see start)
      if (--warmup_ == 0) t.set_helping(false);
      return;
    }
    if (settled_) {
      // Kept workers are checked: `check` steps whose mean is over check_loss times the measured
      // mean alone switch them off (a measurement the other core's load happened to spare).
      if (helping_wins_ && timed) {
        check_sum_ += seconds;
        if (++check_count_ == check) {
          if (check_sum_ / check > check_loss * alone_mean_) {
            helping_wins_ = false;
            t.set_helping(false);
            ++decisions_;
            wait_ = settle;
            left_ = settle;
          }
          check_sum_ = 0;
          check_count_ = 0;
        }
      }
      if (--left_ <= 0) start(t);
      return;
    }
    // Blocks alternate: alone (even b), with the workers (odd b); [0] sums the workers' steps.
    const int b = step_ / (block + 1), pos = step_ % (block + 1), with = b % 2 == 1 ? 0 : 1;
    if (timed && pos > 0 && with == 0 && count_[1] >= block / 2 && seconds > stall * (sum_[1] / count_[1])) ++stalls_;
    const bool stalled = stalls_ >= 2;
    if (timed && pos > 0) {
      sum_[with] += seconds;
      ++count_[with];
    }
    if (++step_ < probe_steps && !stalled) {
      if (step_ % (block + 1) == 0) t.set_helping((step_ / (block + 1)) % 2 == 1);
      return;
    }
    const double on = count_[0] ? sum_[0] / count_[0] : 0, off = count_[1] ? sum_[1] / count_[1] : 0;
    const bool wins = !stalled && on < off * margin;
    // A stall is the plainest evidence (another process holds a worker's core): wait 4 times longer.
    wait_ = decisions_ > 0 && wins == helping_wins_ ? std::min(2 * wait_, max_settle) : settle;
    if (stalled) wait_ = std::max(wait_, std::min(4 * settle, max_settle));
    helping_wins_ = wins;
    alone_mean_ = off;
    check_sum_ = 0;
    check_count_ = 0;
    t.set_helping(helping_wins_);
    ++decisions_;
    settled_ = true;
    left_ = wait_;
  }

  /// How many times it has chosen, and the last choice (for reports and tests).
  int decisions() const noexcept { return decisions_; }
  bool helping_chosen() const noexcept { return helping_wins_; }

 private:
  // A measurement. The first one is preceded by `block` steps with the workers, untimed: a
  // worker's first tasks touch its buffers for the first time (a page fault of about 11 us per
  // 4 KiB page on this project's virtual machines, 0.9 ms for the products' packing buffers),
  // which would count as stalls.
  void start(team& t) {
    settled_ = false;
    step_ = 0;
    sum_ = {};
    count_ = {};
    stalls_ = 0;
    warmup_ = 0;
    if (!enabled_) return;
    if (!warmed_) {
      warmed_ = true;
      warmup_ = block;
      t.set_helping(true);
      return;
    }
    t.set_helping(false);
  }

  bool enabled_;
  bool settled_ = false;
  bool warmed_ = false;
  int warmup_ = 0;  // steps left of the first warm-up
  int step_ = 0;  // of the measurement under way
  int left_ = 0;  // steps left in the settled phase
  int decisions_ = 0;
  bool helping_wins_ = true;
  int wait_ = settle;  // steps of the current settled phase
  std::array<double, 2> sum_{};  // seconds of the timed steps: [0] helping, [1] alone
  std::array<int, 2> count_{};
  int stalls_ = 0;  // steps with the workers over `stall` times the mean alone
  double alone_mean_ = 0;  // of the last measurement
  double check_sum_ = 0;   // settled with the workers: the steps of the current check
  int check_count_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace ctgrad::nn

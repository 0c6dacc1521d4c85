// ctgrad/nn/trainer.hpp — mini-batch training of a ctgrad::nn::mlp classifier: shuffled batches, one
// compiled program for the loss, every gradient and the logits, Adam or SGD, evaluation, and
// checkpoints (parameters + optimiser state) that resume a run exactly. With options.threads > 1,
// data-parallel steps: each batch is split into row shards run on persistent worker threads.
// Not a framework: one model type, one loss (sparse categorical cross-entropy), data in memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/io/checkpoint.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "ctgrad/nn/optim.hpp"
#include "ctgrad/nn/train_options.hpp"

namespace ctgrad::nn {

/// Called after each training batch with (batches done, samples done, running mean loss).
using batch_callback = std::function<void(std::size_t, std::size_t, double)>;

/// Trains a Model (an mlp<Act, float, ...>) on a classification dataset. The training program is
/// compile(Model::gradients(), Model::logits()): one fused evaluation gives the loss, every
/// parameter gradient and the logits (for the running accuracy). After the first batch a step
/// allocates nothing. With options.threads = T > 1 the trainer starts T - 1 worker threads once
/// (joined by the destructor), each with its own compiled programs; every batch is split into T
/// contiguous row shards (the calling thread runs shard 0), and the loss, gradients and accuracy
/// counts are combined in shard order, weighted by shard rows, before one optimiser step.
/// A trainer is movable; it is not thread-safe itself (call it from one thread at a time).
template <class Model>
class trainer {
 public:
  using T = typename Model::value_type;
  static constexpr int parameter_count = Model::parameter_count;

  /// A trainer with parameters initialised from options.seed (Glorot-uniform, zero biases).
  /// options.threads is clamped to [1, max_train_threads] (validate() reports it as an error).
  explicit trainer(train_options options) : options_(options) {
    options_.threads = std::clamp(options_.threads, 1, max_train_threads);
    params_.initialize(options_.seed);
    const std::size_t n = params_.flat().size();
    if (options_.threads > 1) pool_ = std::make_unique<shard_pool>(options_.threads, n);
    if (options_.optimizer == optimizer_kind::adam) {
      adam_options a;
      if (options_.learning_rate > 0) a.learning_rate = options_.learning_rate;
      opt_.template emplace<adam<T>>(n, a);
    } else {
      sgd_options s;
      if (options_.learning_rate > 0) s.learning_rate = options_.learning_rate;
      s.momentum = options_.momentum;
      opt_.template emplace<sgd<T>>(n, s);
    }
  }

  /// "mlp 784-128-10 relu float": what a checkpoint must match to be resumed by this trainer.
  static std::string model_description() {
    std::string s = "mlp ";
    for (std::size_t i = 0; i < Model::sizes.size(); ++i) s += absl::StrFormat("%s%d", i ? "-" : "", Model::sizes[i]);
    return absl::StrFormat("%s %s %s", s, Model::activation::name, sizeof(T) == 4 ? "float" : "double");
  }

  /// One pass over `data` in shuffled mini-batches (the permutation depends on the seed and the
  /// epoch number only, so a resumed run sees the same batches). Returns the running mean loss and
  /// accuracy over the epoch, as Keras reports them. Errors: data that does not match the model
  /// (features, label range) as InvalidArgument; an empty dataset.
  absl::StatusOr<metrics> train_epoch(const dataset_view& data, int epoch, const batch_callback& on_batch = {}) {
    if (auto st = check(data, "training"); !st.ok()) return st;
    order_.resize(data.count);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    std::seed_seq seq{static_cast<std::uint32_t>(options_.seed), static_cast<std::uint32_t>(options_.seed >> 32),
                      static_cast<std::uint32_t>(epoch), 0x5eedu};
    std::mt19937_64 shuffle_gen(seq);
    std::shuffle(order_.begin(), order_.end(), shuffle_gen);

    const std::size_t batch = static_cast<std::size_t>(options_.batch);
    x_.resize(batch * data.features);
    y_.resize(batch);
    double loss_sum = 0;
    std::size_t correct = 0, done = 0, batches = 0;
    for (std::size_t start = 0; start < data.count; start += batch) {
      const std::size_t n = std::min(batch, data.count - start);
      for (std::size_t r = 0; r < n; ++r) {
        const std::size_t src = order_[start + r];
        std::copy_n(data.images.data() + src * data.features, data.features, x_.data() + r * data.features);
        y_[r] = data.labels[src];
      }
      double loss = 0;
      std::size_t batch_correct = 0;
      if (pool_) {
        if (auto st = pool_->run(job_kind::train, params_, x_.data(), y_.data(), n); !st.ok()) return st;
        loss = pool_->batch_loss(n, batch_correct);
      } else {
        if (auto st = run(train_, n); !st.ok()) return st;
        loss = train_.template get<0>().item();
      }
      if (!std::isfinite(loss))
        return absl::FailedPreconditionError(absl::StrFormat(
            "the training loss is %g at epoch %d, batch %d: the data holds NaN or infinite values, or the "
            "learning rate is too high (training diverged)", loss, epoch, batches + 1));
      loss_sum += loss * double(n);
      correct += pool_ ? batch_correct : count_correct(train_.template get<parameter_count + 1>(), y_.data(), n);
      if (pool_) {
        std::visit([](auto& o) { o.begin_step(); }, opt_);
        pool_->update(opt_, params_, n);  // combine the shards' gradients and step, split by parameter range
      } else {
        apply_gradients(std::make_index_sequence<parameter_count>{});
      }
      done += n;
      ++batches;
      if (on_batch) on_batch(batches, done, loss_sum / double(done));
    }
    return metrics{loss_sum / double(done), double(correct) / double(done)};
  }

  /// Mean loss and accuracy over `data`, in batches of `batch` (the parameters are not changed).
  /// With options.threads > 1 each batch is split into row shards like a training batch.
  absl::StatusOr<metrics> evaluate(const dataset_view& data, std::size_t batch = 1000) {
    if (auto st = check(data, "evaluation"); !st.ok()) return st;
    batch = std::max<std::size_t>(1, batch);
    if (pool_) {
      double loss_sum = 0;
      std::size_t correct = 0;
      for (std::size_t start = 0; start < data.count; start += batch) {
        const std::size_t n = std::min(batch, data.count - start);
        if (auto st = pool_->run(job_kind::evaluate, params_, data.images.data() + start * data.features,
                                 data.labels.data() + start, n);
            !st.ok())
          return st;
        loss_sum += pool_->combine_evaluate(correct);
      }
      return metrics{loss_sum / double(data.count), double(correct) / double(data.count)};
    }
    x_.resize(std::max(x_.size(), batch * data.features));
    y_.resize(std::max(y_.size(), batch));
    double loss_sum = 0;
    std::size_t correct = 0;
    for (std::size_t start = 0; start < data.count; start += batch) {
      const std::size_t n = std::min(batch, data.count - start);
      std::copy_n(data.images.data() + start * data.features, n * data.features, x_.data());
      std::copy_n(data.labels.data() + start, n, y_.data());
      if (auto st = run(eval_, n); !st.ok()) return st;
      loss_sum += eval_.template get<0>().item() * double(n);
      correct += count_correct(eval_.template get<1>(), y_.data(), n);
    }
    return metrics{loss_sum / double(data.count), double(correct) / double(data.count)};
  }

  parameter_store<Model>& parameters() noexcept { return params_; }
  const parameter_store<Model>& parameters() const noexcept { return params_; }
  const train_options& options() const noexcept { return options_; }
  std::int64_t steps() const noexcept {
    return std::visit([](const auto& o) { return o.steps(); }, opt_);
  }

  /// The parameters and the optimiser state, with `epochs_done` and the model description as
  /// metadata; `extra` metadata (e.g. the history so far) is stored too.
  absl::StatusOr<io::checkpoint> save(int epochs_done, const std::map<std::string, std::string>& extra = {}) const {
    static_assert(sizeof(T) == sizeof(float), "trainer::save: checkpoints store float32 parameters");
    io::checkpoint ck;
    ck.metadata = extra;
    ck.metadata["model"] = model_description();
    ck.metadata["epoch"] = absl::StrCat(epochs_done);
    ck.metadata["seed"] = absl::StrCat(options_.seed);
    ck.metadata["batch"] = absl::StrCat(options_.batch);
    ck.metadata["threads"] = absl::StrCat(options_.threads);
    ck.metadata["optimizer"] = options_.optimizer == optimizer_kind::adam ? "adam" : "sgd";
    ck.metadata["steps"] = absl::StrCat(steps());
    for (int i = 0; i < parameter_count; ++i) {
      const auto s = Model::parameter_shape(i);
      if (auto st = io::add_tensor(ck, Model::parameter_name(i), shape_of(i), params_[i]); !st.ok()) return st;
      const std::size_t off = params_.offset(i), n = params_.size(i);
      if (const auto* a = std::get_if<adam<T>>(&opt_)) {
        auto& m = const_cast<adam<T>*>(a)->first_moment();
        auto& v = const_cast<adam<T>*>(a)->second_moment();
        if (auto st = io::add_tensor(ck, "adam.m." + Model::parameter_name(i), shape_of(i), {m.data() + off, n}); !st.ok()) return st;
        if (auto st = io::add_tensor(ck, "adam.v." + Model::parameter_name(i), shape_of(i), {v.data() + off, n}); !st.ok()) return st;
      } else {
        auto& vel = const_cast<sgd<T>&>(std::get<sgd<T>>(opt_)).velocity();
        if (auto st = io::add_tensor(ck, "sgd.velocity." + Model::parameter_name(i), shape_of(i), {vel.data() + off, n}); !st.ok()) return st;
      }
      (void)s;
    }
    return ck;
  }

  /// Restores parameters and optimiser state from `ck`, which must have been written for the same
  /// model, optimiser, seed, batch size and thread count (else FailedPrecondition naming both; a
  /// checkpoint without a thread count was written by a single-threaded trainer). Returns the number
  /// of epochs it had completed.
  absl::StatusOr<int> restore(const io::checkpoint& ck) {
    const auto expect = [&](std::string_view key, const std::string& want) -> absl::Status {
      auto got = io::get_metadata(ck, key);
      if (!got.ok()) return got.status();
      if (*got != want)
        return absl::FailedPreconditionError(absl::StrFormat(
            "%s: checkpoint %s is '%s' but this run has '%s'; resume with the same settings or start a new run",
            ck.source, key, *got, want));
      return absl::OkStatus();
    };
    if (auto st = expect("model", model_description()); !st.ok()) return st;
    if (auto st = expect("optimizer", options_.optimizer == optimizer_kind::adam ? "adam" : "sgd"); !st.ok()) return st;
    if (auto st = expect("seed", absl::StrCat(options_.seed)); !st.ok()) return st;
    if (auto st = expect("batch", absl::StrCat(options_.batch)); !st.ok()) return st;
    if (ck.metadata.count("threads")) {
      if (auto st = expect("threads", absl::StrCat(options_.threads)); !st.ok()) return st;
    } else if (options_.threads != 1) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s: checkpoint threads is '1' (not recorded) but this run has '%d'; resume with the same settings "
          "or start a new run", ck.source, options_.threads));
    }
    int epoch = 0;
    std::int64_t step_count = 0;
    auto e = io::get_metadata(ck, "epoch");
    auto s = io::get_metadata(ck, "steps");
    if (!e.ok()) return e.status();
    if (!s.ok()) return s.status();
    if (!absl::SimpleAtoi(*e, &epoch) || epoch < 0 || !absl::SimpleAtoi(*s, &step_count) || step_count < 0)
      return absl::DataLossError(absl::StrFormat("%s: bad epoch or step count in the checkpoint", ck.source));
    // Read everything first so that a failure leaves the trainer unchanged.
    std::vector<absl::Span<const float>> p(parameter_count), st1(parameter_count), st2(parameter_count);
    const bool is_adam = std::holds_alternative<adam<T>>(opt_);
    for (int i = 0; i < parameter_count; ++i) {
      const auto name = Model::parameter_name(i);
      const auto shape = shape_of(i);
      auto a = io::get_tensor(ck, name, shape);
      if (!a.ok()) return a.status();
      p[i] = *a;
      auto b = io::get_tensor(ck, is_adam ? "adam.m." + name : "sgd.velocity." + name, shape);
      if (!b.ok()) return b.status();
      st1[i] = *b;
      if (is_adam) {
        auto c = io::get_tensor(ck, "adam.v." + name, shape);
        if (!c.ok()) return c.status();
        st2[i] = *c;
      }
    }
    for (int i = 0; i < parameter_count; ++i) {
      std::copy(p[i].begin(), p[i].end(), params_[i].begin());
      const std::size_t off = params_.offset(i);
      if (auto* a = std::get_if<adam<T>>(&opt_)) {
        std::copy(st1[i].begin(), st1[i].end(), a->first_moment().begin() + off);
        std::copy(st2[i].begin(), st2[i].end(), a->second_moment().begin() + off);
      } else {
        std::copy(st1[i].begin(), st1[i].end(), std::get<sgd<T>>(opt_).velocity().begin() + off);
      }
    }
    std::visit([&](auto& o) { o.set_steps(step_count); }, opt_);
    return epoch;
  }

 private:
  using train_program = decltype(compile(Model::gradients(), Model::logits()));
  using eval_program = decltype(compile(Model::loss(), Model::logits()));

  static std::vector<std::size_t> shape_of(int i) {
    const auto s = Model::parameter_shape(i);
    if (i % 2 == 1) return {static_cast<std::size_t>(s[1])};
    return {static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1])};
  }

  absl::Status check(const dataset_view& d, const char* what) const {
    if (d.features != static_cast<std::size_t>(Model::inputs))
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data has %d features per example but the model's input has %d", what, d.features, Model::inputs));
    if (d.count == 0) return absl::InvalidArgumentError(absl::StrFormat("%s data is empty", what));
    if (d.images.size() != d.count * d.features || d.labels.size() != d.count)
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s data holds %d values and %d labels, expected %d x %d and %d", what, d.images.size(),
          d.labels.size(), d.count, d.features, d.count));
    for (auto l : d.labels)
      if (l < 0 || l >= Model::classes)
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s data has label %d, outside [0, %d) of the model's classes", what, l, Model::classes));
    return absl::OkStatus();
  }

  template <class Program> absl::Status run(Program& prog, std::size_t n) {
    return std::apply(
        [&](const auto&... b) {
          return prog.run(typename Model::input{} = std::span<const T>(x_.data(), n * Model::inputs),
                          typename Model::labels{} = std::span<const int>(y_.data(), n), b...);
        },
        params_.bindings());
  }

  static std::size_t count_correct(tensor_view<const T> logits, const int* labels, std::size_t n) {
    std::size_t correct = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const T* row = logits.data + r * logits.cols;
      const auto best = std::max_element(row, row + logits.cols) - row;
      correct += best == labels[r];
    }
    return correct;
  }

  template <class Program>
  static absl::Status run_program(Program& prog, const parameter_store<Model>& params, const T* x, const int* y,
                                  std::size_t n) {
    return std::apply(
        [&](const auto&... b) {
          return prog.run(typename Model::input{} = std::span<const T>(x, n * Model::inputs),
                          typename Model::labels{} = std::span<const int>(y, n), b...);
        },
        params.bindings());
  }

  template <std::size_t... I> void apply_gradients(std::index_sequence<I...>) {
    std::visit(
        [&](auto& o) {
          o.begin_step();
          (o.update(params_[int(I)], train_.template get<I + 1>().span(), params_.offset(int(I))), ...);
        },
        opt_);
  }

  enum class job_kind { train, evaluate, update };
  using optimizer = std::variant<adam<T>, sgd<T>>;

  // Data-parallel shards: `threads` compiled program pairs, shard 0 run by the calling thread and
  // shard s > 0 by worker thread s, started once and joined by the destructor. A training step is
  // two jobs: the shards' forward and backward passes (rows split), then the combine of their
  // gradients and the optimiser update (each parameter's range split, so every element is computed
  // exactly as one thread would). A job is one generation: the caller publishes it and bumps the
  // generation, each worker does its part and decrements `pending`; the caller does part 0 and waits
  // for 0. Waiting spins for up to spin_wait (the jobs of a run come microseconds apart, and a
  // futex wake-up costs tens of microseconds, as much as a shard's work at batch 32), then sleeps
  // on a condition variable, so idle workers cost nothing. No allocation per step. Held by
  // unique_ptr so that the trainer stays movable (the workers never see the trainer).
  class shard_pool {
   public:
    shard_pool(int threads, std::size_t parameter_values)
        : shards_(static_cast<std::size_t>(threads)), grad_(parameter_values, T(0)) {
      threads_.reserve(shards_.size() - 1);
      for (std::size_t s = 1; s < shards_.size(); ++s) threads_.emplace_back([this, s] { work(s); });
    }
    shard_pool(const shard_pool&) = delete;
    shard_pool& operator=(const shard_pool&) = delete;
    ~shard_pool() {
      {
        std::lock_guard lock(mutex_);  // a worker between its check and its wait sees the flag
        stop_.store(true, std::memory_order_release);
      }
      work_cv_.notify_all();
      for (auto& t : threads_) t.join();
    }

    /// Runs `kind` on rows [0, n) of x and y, split into contiguous shards of near-equal size (the
    /// first n % threads shards one row longer; shards past n are empty and skipped). Returns the
    /// first shard's error, in shard order.
    absl::Status run(job_kind kind, const parameter_store<Model>& params, const T* x, const int* y, std::size_t n) {
      const std::size_t k = shards_.size(), base = n / k, extra = n % k;
      std::size_t row = 0;
      for (std::size_t s = 0; s < k; ++s) {
        shard& sh = shards_[s];
        sh.rows = base + (s < extra ? 1 : 0);
        sh.x = x + row * std::size_t(Model::inputs);
        sh.y = y + row;
        row += sh.rows;
      }
      params_ = &params;
      dispatch(kind);
      for (auto& sh : shards_)
        if (!sh.status.ok()) return sh.status;
      return absl::OkStatus();
    }

    /// After run(train), with the optimiser's begin_step() done: for every parameter element,
    /// grad = sum over shards of (rows_s / n) * grad_s in shard order, then the optimiser's update,
    /// each thread taking one contiguous part of every parameter.
    void update(optimizer& opt, parameter_store<Model>& params, std::size_t n) {
      opt_ = &opt;
      update_params_ = &params;
      n_ = n;
      dispatch(job_kind::update);
    }

    /// After run(train): the batch's mean loss; adds its correct predictions to `correct`.
    double batch_loss(std::size_t n, std::size_t& correct) const {
      double loss = 0;
      for (const auto& sh : shards_) {
        if (sh.rows == 0) continue;
        loss += sh.loss * double(sh.rows);
        correct += sh.correct;
      }
      return loss / double(n);
    }

    /// After run(evaluate): the batch's loss summed over its rows; adds its correct predictions.
    double combine_evaluate(std::size_t& correct) const {
      double loss_sum = 0;
      for (const auto& sh : shards_) {
        if (sh.rows == 0) continue;
        loss_sum += sh.loss * double(sh.rows);
        correct += sh.correct;
      }
      return loss_sum;
    }

   private:
    struct shard {
      train_program train = compile(Model::gradients(), Model::logits());
      eval_program eval = compile(Model::loss(), Model::logits());
      const T* x = nullptr;
      const int* y = nullptr;
      std::size_t rows = 0;
      absl::Status status;
      double loss = 0;
      std::size_t correct = 0;
    };

    // How long a waiting thread spins before it sleeps (see the class comment).
    static constexpr std::chrono::microseconds spin_wait{200};

    static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }

    // True as soon as ready() is; false if it is still false after spin_wait.
    template <class Ready> static bool spin_until(Ready ready) {
      const auto until = std::chrono::steady_clock::now() + spin_wait;
      for (;;) {
        for (int i = 0; i < 64; ++i) {
          if (ready()) return true;
          cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= until) return ready();
      }
    }

    // Publishes the job (fields set by the caller before this), does part 0, waits for the rest.
    // The release of the new generation publishes the job's fields; the workers acquire it.
    void dispatch(job_kind kind) {
      kind_ = kind;
      pending_.store(shards_.size() - 1, std::memory_order_relaxed);
      {
        std::lock_guard lock(mutex_);  // a worker between its check and its wait cannot miss it
        generation_.fetch_add(1, std::memory_order_release);
      }
      work_cv_.notify_all();
      run_part(0);
      const auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
      if (!spin_until(done)) {
        std::unique_lock lock(mutex_);
        done_cv_.wait(lock, done);
      }
    }

    void run_part(std::size_t s) {
      if (kind_ == job_kind::update) {
        update_part(s, std::make_index_sequence<parameter_count>{});
      } else {
        run_shard(s);
      }
    }

    // Part s of [0, size): boundaries on multiples of 16 elements (whole vectors for the loops).
    std::pair<std::size_t, std::size_t> part_of(std::size_t size, std::size_t s) const {
      const std::size_t k = shards_.size(), blocks = (size + 15) / 16;
      const std::size_t b = std::min(size, blocks * s / k * 16), e = std::min(size, blocks * (s + 1) / k * 16);
      return {b, e};
    }

    template <std::size_t... I> void update_part(std::size_t s, std::index_sequence<I...>) {
      std::visit([&](auto& o) { (update_one<I>(o, s), ...); }, *opt_);
    }
    template <std::size_t I, class Opt> void update_one(Opt& o, std::size_t s) {
      const auto [b, e] = part_of(update_params_->size(int(I)), s);
      if (b >= e) return;
      const std::size_t off = update_params_->offset(int(I));
      T* out = grad_.data() + off;
      bool first = true;
      for (auto& sh : shards_) {
        if (sh.rows == 0) continue;
        const T w = static_cast<T>(double(sh.rows) / double(n_));
        const T* g = sh.train.template get<I + 1>().span().data();
        if (first) {
          for (std::size_t k = b; k < e; ++k) out[k] = w * g[k];
          first = false;
        } else {
          for (std::size_t k = b; k < e; ++k) out[k] += w * g[k];
        }
      }
      o.update((*update_params_)[int(I)].subspan(b, e - b), std::span<const T>(out + b, e - b), off + b);
    }

    void run_shard(std::size_t s) {
      shard& sh = shards_[s];
      sh.status = absl::OkStatus();
      if (sh.rows == 0) return;
      if (kind_ == job_kind::train) {
        sh.status = run_program(sh.train, *params_, sh.x, sh.y, sh.rows);
        if (!sh.status.ok()) return;
        sh.loss = sh.train.template get<0>().item();
        sh.correct = count_correct(sh.train.template get<parameter_count + 1>(), sh.y, sh.rows);
      } else {
        sh.status = run_program(sh.eval, *params_, sh.x, sh.y, sh.rows);
        if (!sh.status.ok()) return;
        sh.loss = sh.eval.template get<0>().item();
        sh.correct = count_correct(sh.eval.template get<1>(), sh.y, sh.rows);
      }
    }

    void work(std::size_t s) {
      std::uint64_t seen = 0;
      const auto ready = [&] {
        return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
      };
      for (;;) {
        if (!spin_until(ready)) {
          std::unique_lock lock(mutex_);
          work_cv_.wait(lock, ready);
        }
        if (stop_.load(std::memory_order_acquire)) return;
        seen = generation_.load(std::memory_order_acquire);
        run_part(s);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          { std::lock_guard lock(mutex_); }  // the caller is either before its check or waiting
          done_cv_.notify_one();
        }
      }
    }

    std::vector<shard> shards_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable work_cv_, done_cv_;
    // Changed under mutex_ (so that a sleeper cannot miss a change), read without it.
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> pending_{0};  // parts of the current job not yet done
    // The job: set by the caller before dispatch() publishes the generation, read by the workers
    // after they acquire it.
    job_kind kind_ = job_kind::train;
    const parameter_store<Model>* params_ = nullptr;
    optimizer* opt_ = nullptr;
    parameter_store<Model>* update_params_ = nullptr;
    std::size_t n_ = 0;
    std::vector<T> grad_;  // the combined gradient (the parameter store's layout)
  };

  train_options options_;
  parameter_store<Model> params_;
  std::variant<adam<T>, sgd<T>> opt_{std::in_place_type<adam<T>>, 0};
  train_program train_ = compile(Model::gradients(), Model::logits());
  eval_program eval_ = compile(Model::loss(), Model::logits());
  std::vector<T> x_;
  std::vector<int> y_;
  std::vector<std::uint32_t> order_;
  std::unique_ptr<shard_pool> pool_;  // threads > 1 only; declared last: joined before the rest goes
};

}  // namespace ctgrad::nn

// ctgrad/nn/data_parallel.hpp — one training step (and one evaluation) of an mlp on T threads of
// this process and K processes (ranks of a dist::reducer): the trainer's loop calls the same two
// functions for 1 thread, T threads and K ranks.
//
// Ranks split the batch: a global batch of n rows is cut into K contiguous rank slices; each rank
// runs its compiled program on its slice, weighs its mean gradient by rows_r / n, and the reducer
// sums the ranks' gradients in rank order, so every rank applies the same optimiser update.
// Threads split the work inside a rank's step, not its rows: the program's large matrix products
// run their blocks on the team (kernel::parallel_for: X W1 along K, X^T dH along rows), the
// optimiser's update runs part k of every parameter on thread k (the rows of W1 whose products
// thread k computed), and thread k gathers the features of each row that its products read; so
// W1, dW1, Adam's moments and X stay in one core's cache from step to step (docs/scaling.md). Every
// element is computed exactly as on one thread, so the results do not depend on the thread count
// at all (nor on the pacer switching the workers on and off), and a run is reproducible for a
// given K.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "ctgrad/dist/reducer.hpp"
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "ctgrad/nn/optim.hpp"
#include "ctgrad/nn/team.hpp"
#include "ctgrad/nn/train_options.hpp"

namespace ctgrad::nn {

/// What a step or an evaluation adds up: the loss summed over rows, correct predictions, rows.
struct batch_totals {
  double loss_sum = 0;
  double correct = 0;
  double rows = 0;
};

template <class Model>
class data_parallel {
 public:
  using T = typename Model::value_type;
  static constexpr int parameter_count = Model::parameter_count;
  using optimizer = optimizers::variant<T>;  // nn/optim.hpp's list

  /// `threads` threads per step (the calling thread and threads - 1 workers); `group` the
  /// ranks (nullptr: this process alone); `max_batch` the largest training batch; `adaptive`: let
  /// the pacer switch the workers off while they slow the steps down (team.hpp).
  data_parallel(int threads, dist::reducer* group, std::size_t max_batch, std::size_t parameter_values,
                bool adaptive = true)
      : group_(group ? group : &alone_),
        team_(threads),
        pacer_(adaptive),
        grad_(parameter_values, T(0)) {
    par_.threads = team_.threads();
    par_.context = &team_;
    par_.run = [](void* t, std::size_t count, void (*task)(void*, std::size_t), void* ctx) {
      auto each = [&](std::size_t i) { task(ctx, i); };
      static_cast<team*>(t)->run(count, each);
    };
    const std::size_t rows = (max_batch + std::size_t(ranks()) - 1) / std::size_t(ranks());
    slice_.x.resize(rows * std::size_t(Model::inputs));
    slice_.y.resize(rows);
    // The update's tasks: each parameter cut into T even parts (on 16-element boundaries), listed
    // part by part, so that thread k's own share of the job (team::run) is part k of every
    // parameter: the rows of W1 whose products it computed (eval/gemm.hpp splits X W1 along K and
    // X^T dH along rows, both in T even parts for the MLP's shapes), so that W1, its gradient and
    // its optimiser state stay in that thread's core.
    const std::size_t t = std::size_t(team_.threads());
    for (std::size_t k = 0; k < t; ++k) {
      for (int i = 0; i < parameter_count; ++i) {
        const std::size_t off = offset_of(i), size = size_of(i);
        chunks_.push_back({i, off + part_bound(size, k, t), off + part_bound(size, k + 1, t)});
      }
    }
  }

  data_parallel(const data_parallel&) = delete;
  data_parallel& operator=(const data_parallel&) = delete;

  int threads() const noexcept { return team_.threads(); }
  int ranks() const noexcept { return group_->size(); }
  int rank() const noexcept { return group_->rank(); }
  dist::reducer& group() noexcept { return *group_; }
  team& workers() noexcept { return team_; }
  pacer& pace() noexcept { return pacer_; }

  /// One step on the global batch data[rows[0]], ..., data[rows[n - 1]]: this rank's slice's forward
  /// and backward pass, the gradient summed over the ranks, the optimiser's update (the
  /// same on every rank). `out` gets the global batch's totals. `next`: the next step's rows (if
  /// known), whose data is prefetched while this step runs. Errors: a program's run error, the
  /// reducer's (a failed peer).
  absl::Status train_step(parameter_store<Model>& params, optimizer& opt, const dataset_view& data,
                          std::span<const std::uint32_t> rows, batch_totals& out,
                          std::span<const std::uint32_t> next = {}) {
    const std::size_t n = rows.size();
    const auto [first, count] = my_rows(n);
    slice_.rows_index = rows.data() + first;
    slice_.rows = count;
    const auto [next_first, next_count] = my_rows(next.size());
    slice_.next_index = next.data() + next_first;
    slice_.next_rows = next_count;
    params_ = &params;
    data_ = &data;
    {
      // The threads work inside the program's matrix products (kernel::parallel_for).
      kernel::parallel_scope scope(team_.threads() > 1 && team_.helping() ? &par_ : nullptr);
      run_train();
    }
    if (!slice_.status.ok()) return slice_.status;
    std::array<double, 2> totals{slice_.loss * double(slice_.rows), double(slice_.correct)};
    std::visit([](auto& o) { o.begin_step(); }, opt);
    opt_ = &opt;
    n_ = n;
    if (ranks() == 1) {
      // The program's gradient is the batch's: the update reads it where it is.
      auto update_direct = [this](std::size_t c) {
        fetch_next(c);
        update_from_program(chunks_[c], std::make_index_sequence<parameter_count>{});
      };
      team_.run(chunks_.size(), update_direct);
    } else {
      auto combine_only = [this](std::size_t c) { combine(chunks_[c]); };
      team_.run(chunks_.size(), combine_only);
      if (auto st = group_->sum(std::span<T>(grad_)); !st.ok()) return st;
      if (auto st = group_->sum(std::span<double>(totals)); !st.ok()) return st;
      auto update_only = [this](std::size_t c) {
        fetch_next(c);
        update(chunks_[c], grad_.data() + chunks_[c].begin, 0);
      };
      team_.run(chunks_.size(), update_only);
    }
    out = {totals[0], totals[1], double(n)};
    pacer_.step_done(team_);
    return absl::OkStatus();
  }

  /// Loss and correct predictions over rows [begin, end) of `data` (this rank's share of them),
  /// without the ranks' sum: call total() once after the last batch.
  absl::Status evaluate_batch(const parameter_store<Model>& params, const dataset_view& data, std::size_t begin,
                              std::size_t end, batch_totals& acc) {
    const std::size_t n = end - begin;
    const auto [first, count] = my_rows(n);
    slice_.first_row = begin + first;
    slice_.rows = count;
    eval_params_ = &params;
    data_ = &data;
    {
      kernel::parallel_scope scope(team_.threads() > 1 && team_.helping() ? &par_ : nullptr);
      run_eval();
    }
    if (!slice_.status.ok()) return slice_.status;
    acc.loss_sum += slice_.loss * double(slice_.rows);
    acc.correct += double(slice_.correct);
    acc.rows += double(n);
    return absl::OkStatus();
  }

  /// Sums evaluation totals over the ranks (every rank gets the whole test set's totals).
  absl::Status total(batch_totals& acc) {
    std::array<double, 2> v{acc.loss_sum, acc.correct};
    if (auto st = group_->sum(std::span<double>(v)); !st.ok()) return st;
    acc.loss_sum = v[0];
    acc.correct = v[1];
    return absl::OkStatus();
  }

 private:
  using train_program = decltype(compile(Model::gradients(), Model::logits()));
  using eval_program = decltype(compile(Model::loss(), Model::logits()));

  // This rank's rows of a batch: its compiled programs, its copy of the rows, what they gave.
  struct slice {
    train_program train = compile(Model::gradients(), Model::logits());
    eval_program eval = compile(Model::loss(), Model::logits());
    std::vector<T> x;
    std::vector<int> y;
    const std::uint32_t* rows_index = nullptr;  // training: the slice's rows of the dataset
    const std::uint32_t* next_index = nullptr;  // and those of the next step (prefetched)
    std::size_t next_rows = 0;
    std::size_t first_row = 0;                  // evaluation: the slice's first row
    std::size_t rows = 0;
    absl::Status status;
    double loss = 0;
    std::size_t correct = 0;
  };
  struct update_chunk {
    int parameter;
    std::size_t begin, end;  // in the flat parameter store
  };

  static std::size_t offset_of(int i) {
    static const parameter_store<Model> layout;  // offsets depend on the shapes only
    return layout.offset(i);
  }
  static std::size_t size_of(int i) {
    static const parameter_store<Model> layout;
    return layout.size(i);
  }

  // This rank's rows of a global batch of n: {first row, count}, the ranks' slices contiguous.
  std::pair<std::size_t, std::size_t> my_rows(std::size_t n) const {
    const std::size_t k = std::size_t(ranks()), r = std::size_t(rank());
    const std::size_t first = n * r / k;
    return {first, n * (r + 1) / k - first};
  }

  template <class Program> absl::Status run_program(Program& prog, const parameter_store<Model>& params, slice& sh) {
    return std::apply(
        [&](const auto&... b) {
          return prog.run(typename Model::input{} = std::span<const T>(sh.x.data(), sh.rows * Model::inputs),
                          typename Model::labels{} = std::span<const int>(sh.y.data(), sh.rows), b...);
        },
        params.bindings());
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

  void run_train() {
    slice& sh = slice_;
    sh.status = absl::OkStatus();
    sh.loss = 0;
    sh.correct = 0;
    if (sh.rows == 0) return;
    // The rows are gathered by the threads, each a contiguous part of every row's features (one job
    // of T tasks): the columns of X that thread's part of X W1 and X^T dH reads (eval/gemm.hpp).
    const std::size_t f = data_->features, t = std::size_t(team_.threads());
    auto gather = [&](std::size_t k) {
      const auto [c0, c1] = feature_part(k);
      for (std::size_t r = 0; r < sh.rows; ++r) {
        const std::size_t src = sh.rows_index[r];
        data_->copy_row(src, c0, c1, sh.x.data() + r * f);
        if (k == 0) sh.y[r] = data_->labels[src];
      }
    };
    team_.run(t, gather);
    sh.status = run_program(sh.train, *params_, sh);
    if (!sh.status.ok()) return;
    sh.loss = sh.train.template get<0>().item();
    sh.correct = count_correct(sh.train.template get<parameter_count + 1>(), sh.y.data(), sh.rows);
  }

  void run_eval() {
    slice& sh = slice_;
    sh.status = absl::OkStatus();
    sh.loss = 0;
    sh.correct = 0;
    if (sh.rows == 0) return;
    const std::size_t f = data_->features;
    if (sh.x.size() < sh.rows * f) sh.x.resize(sh.rows * f);  // the first evaluation batch only
    if (sh.y.size() < sh.rows) sh.y.resize(sh.rows);
    for (std::size_t r = 0; r < sh.rows; ++r) data_->copy_row(sh.first_row + r, 0, f, sh.x.data() + r * f);
    std::copy_n(data_->labels.data() + sh.first_row, sh.rows, sh.y.data());
    sh.status = run_program(sh.eval, *eval_params_, sh);
    if (!sh.status.ok()) return;
    sh.loss = sh.eval.template get<0>().item();
    sh.correct = count_correct(sh.eval.template get<1>(), sh.y.data(), sh.rows);
  }

  // Where part q of n values cut into t even parts starts: n q / t rounded to a multiple of 16 (whole
  // cache lines of floats, whole vectors), and n for q = t. For the update's parameters and the
  // gather's features.
  static std::size_t part_bound(std::size_t n, std::size_t q, std::size_t t) {
    return q == t ? n : std::min(n, (n * q / t + 8) / 16 * 16);
  }

  // Features [c0, c1) of each row that thread k gathers: T even parts whose bounds are multiples of
  // 16 values (whole cache lines of float rows), so that no line of X is written by two threads.
  std::pair<std::size_t, std::size_t> feature_part(std::size_t k) const {
    const std::size_t t = std::size_t(team_.threads()), f = data_->features;
    return {part_bound(f, k, t), part_bound(f, k + 1, t)};
  }

  // Before the first update task of thread k's share (chunks_ lists part k of every parameter at
  // [k P, (k + 1) P)), starts fetching the features the next step's gather task k copies: the
  // fetches then overlap the update instead of each row's cache and TLB misses stalling the gather.
  void fetch_next(std::size_t c) const {
    if (c % parameter_count != 0 || data_ == nullptr) return;
    const auto [c0, c1] = feature_part(c / parameter_count);
    unsigned sum = 0;
    for (std::size_t r = 0; r < slice_.next_rows; ++r) sum += data_->fetch_row(slice_.next_index[r], c0, c1);
    asm volatile("" : : "r"(sum));  // the loads are kept
  }

  // grad[b, e) = (rows / n) * this rank's gradient (its mean over its rows), 0 without rows.
  void combine(const update_chunk& c) {
    combine_one(c, std::make_index_sequence<parameter_count>{});
  }
  template <std::size_t... I> void combine_one(const update_chunk& c, std::index_sequence<I...>) {
    ((c.parameter == int(I) ? combine_parameter<I>(c) : void()), ...);
  }
  template <std::size_t I> void combine_parameter(const update_chunk& c) {
    const std::size_t off = offset_of(int(I));
    T* o = grad_.data() + c.begin;
    if (slice_.rows == 0) {
      std::fill(o, grad_.data() + c.end, T(0));
      return;
    }
    const T w = static_cast<T>(double(slice_.rows) / double(n_));
    const T* g = slice_.train.template get<I + 1>().span().data() + (c.begin - off);
    for (std::size_t k = 0, m = c.end - c.begin; k < m; ++k) o[k] = w * g[k];
  }

  // The optimiser's update of chunk c from its gradient g (g[0] is element c.begin's).
  void update(const update_chunk& c, const T* g, std::size_t) {
    std::visit(
        [&](auto& o) {
          o.update(params_->flat().subspan(c.begin, c.end - c.begin), std::span<const T>(g, c.end - c.begin), c.begin);
        },
        *opt_);
  }

  template <std::size_t... I> void update_from_program(const update_chunk& c, std::index_sequence<I...>) {
    ((c.parameter == int(I)
          ? update(c, slice_.train.template get<I + 1>().span().data() + (c.begin - offset_of(int(I))), c.begin)
          : void()),
     ...);
  }

  dist::local_reducer alone_;
  dist::reducer* group_;
  team team_;
  kernel::parallel_for par_;
  pacer pacer_;
  slice slice_;
  std::vector<update_chunk> chunks_;  // the update's tasks (flat ranges of the parameters)
  std::vector<T> grad_;  // the combined gradient, in the parameter store's flat layout
  // The job of the current step, read by the tasks.
  parameter_store<Model>* params_ = nullptr;
  const parameter_store<Model>* eval_params_ = nullptr;
  const dataset_view* data_ = nullptr;
  optimizer* opt_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace ctgrad::nn

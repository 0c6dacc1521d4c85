// ctgrad/io/progress.hpp — the training tool's per-epoch progress display: a bar redrawn in place
// when the output is a terminal, a few plain lines otherwise, and the epoch summary line.
// Not a logging framework: one writer, one epoch at a time, no colours.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>

#include "ctgrad/io/history.hpp"

namespace ctgrad::io {

/// Terminal: one line redrawn with '\r'. plain: a line at 25%, 50%, 75% and the end.
/// automatic: terminal when isatty(fileno(out)), else plain.
enum class progress_style { automatic, terminal, plain };

struct progress_options {
  std::FILE* out = stdout;
  progress_style style = progress_style::automatic;
  double max_redraws_per_second = 10;  ///< terminal style; the first and last draws always happen
  /// Monotonic clock in seconds; empty means std::chrono::steady_clock (tests inject a fake one).
  std::function<double()> clock = nullptr;
};

/// The progress of one epoch of `total_batches` batches. Not thread-safe; the destructor calls
/// finish().
class epoch_progress {
 public:
  epoch_progress(int epoch, int epochs, std::size_t total_batches, progress_options options = {});
  ~epoch_progress();
  epoch_progress(const epoch_progress&) = delete;
  epoch_progress& operator=(const epoch_progress&) = delete;

  /// Reports that `batches_done` batches (cumulative), `samples_done` samples have been trained,
  /// with `running_loss` the mean loss so far. Draws when the style's rules say so:
  ///   terminal: "epoch 3/20 [#####.....]  412/938  loss 0.4123  18234 samples/s  ETA 0:07"
  ///   plain:    "epoch 3/20  batch 235/938 (25%)  loss 0.4123  18234 samples/s  ETA 0:07"
  void update(std::size_t batches_done, std::size_t samples_done, double running_loss);

  /// Ends the display: draws the last state if not shown yet, and in terminal style ends the line.
  /// Further calls do nothing.
  void finish();

  /// The style in use after resolving `automatic`.
  progress_style style() const noexcept { return style_; }

 private:
  std::string line(bool bar) const;
  void emit(const std::string& text);
  double now() const;

  int epoch_, epochs_;
  std::size_t total_;
  progress_options options_;
  progress_style style_;
  double start_ = 0, last_draw_ = 0;
  std::size_t batches_ = 0, samples_ = 0;
  double loss_ = 0;
  bool drawn_current_ = true;  ///< the latest update is on screen (nothing to draw initially)
  bool any_drawn_ = false;
  int quarters_shown_ = 0;
  std::size_t last_width_ = 0;
  bool finished_ = false;
};

/// "epoch 3/20  loss 0.4123  accuracy 0.8512  val_loss 0.4410  val_accuracy 0.8433  seconds 4.21"
std::string format_epoch_summary(const epoch_record& record, int epochs);

/// Writes format_epoch_summary(record, epochs) and a newline to `out`, and flushes it.
void print_epoch_summary(const epoch_record& record, int epochs, std::FILE* out = stdout);

}  // namespace ctgrad::io

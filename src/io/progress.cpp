// Progress bar / plain progress lines and the epoch summary line.
#include "ctgrad/io/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ctgrad::io {
namespace {

constexpr int bar_width = 24;

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace

epoch_progress::epoch_progress(int epoch, int epochs, std::size_t total_batches,
                               progress_options options)
    : epoch_(epoch), epochs_(epochs), total_(total_batches), options_(std::move(options)) {
  if (options_.out == nullptr) options_.out = stdout;
  style_ = options_.style;
  if (style_ == progress_style::automatic) {
    const int fd = ::fileno(options_.out);
    style_ = fd >= 0 && ::isatty(fd) ? progress_style::terminal : progress_style::plain;
  }
  start_ = now();
}

epoch_progress::~epoch_progress() { finish(); }

double epoch_progress::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string epoch_progress::line(bool bar) const {
  const double elapsed = now() - start_;
  const double rate = elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0.0;
  const double eta = batches_ > 0 && total_ > batches_
                         ? elapsed * static_cast<double>(total_ - batches_) / static_cast<double>(batches_)
                         : (batches_ >= total_ ? 0.0 : -1.0);
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(batches_) / static_cast<double>(total_)) : 1.0;
  std::string head = absl::StrFormat("epoch %d/%d ", epoch_, epochs_);
  if (bar) {
    const int filled = static_cast<int>(frac * bar_width);
    std::string cells(bar_width, '.');
    std::fill_n(cells.begin(), filled, '#');
    absl::StrAppend(&head, "[", cells, "] ");
    head += absl::StrFormat("%*d/%d", static_cast<int>(absl::StrFormat("%d", total_).size()),
                            batches_, total_);
  } else {
    head += absl::StrFormat(" batch %d/%d (%d%%)", batches_, total_, static_cast<int>(frac * 100 + 1e-9));
  }
  return absl::StrFormat("%s  loss %.4f  %.0f samples/s  ETA %s", head, loss_, rate,
                         format_eta(eta));
}

void epoch_progress::emit(const std::string& text) {
  if (style_ == progress_style::terminal) {
    // Pad over the previous, possibly longer, line instead of relying on terminal escapes.
    const std::size_t pad = last_width_ > text.size() ? last_width_ - text.size() : 0;
    std::fprintf(options_.out, "\r%s%*s", text.c_str(), static_cast<int>(pad), "");
    last_width_ = text.size();
  } else {
    std::fprintf(options_.out, "%s\n", text.c_str());
  }
  std::fflush(options_.out);
  any_drawn_ = true;
  drawn_current_ = true;
}

void epoch_progress::update(std::size_t batches_done, std::size_t samples_done, double running_loss) {
  if (finished_) return;
  batches_ = batches_done;
  samples_ = samples_done;
  loss_ = running_loss;
  drawn_current_ = false;
  const bool last = batches_ >= total_;
  if (style_ == progress_style::terminal) {
    const double t = now();
    const double interval =
        options_.max_redraws_per_second > 0 ? 1.0 / options_.max_redraws_per_second : 0.0;
    if (!any_drawn_ || last || t - last_draw_ >= interval) {
      last_draw_ = t;
      emit(line(true));
    }
    return;
  }
  const int quarter = total_ > 0 ? static_cast<int>(std::min<std::size_t>(4, batches_ * 4 / total_)) : 4;
  if (quarter > quarters_shown_) {
    quarters_shown_ = quarter;
    emit(line(false));
  }
}

void epoch_progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!drawn_current_) emit(line(style_ == progress_style::terminal));
  if (style_ == progress_style::terminal && any_drawn_) {
    std::fputc('\n', options_.out);
    std::fflush(options_.out);
  }
}

std::string format_epoch_summary(const epoch_record& r, int epochs) {
  return absl::StrFormat(
      "epoch %d/%d  loss %.4f  accuracy %.4f  val_loss %.4f  val_accuracy %.4f  seconds %.2f",
      r.epoch, epochs, r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.seconds);
}

void print_epoch_summary(const epoch_record& record, int epochs, std::FILE* out) {
  if (out == nullptr) out = stdout;
  std::fprintf(out, "%s\n", format_epoch_summary(record, epochs).c_str());
  std::fflush(out);
}

}  // namespace ctgrad::io

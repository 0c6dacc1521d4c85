// What ctgrad-train prints, as the README and docs/training.md show it: the progress bar, the epoch
// summary line and the comparison table, made by the io functions the tool calls (with a fake clock
// for the progress bar). The expected text below is the docs' text: returns non-zero if the
// functions print anything else.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ctgrad/io/history.hpp"
#include "ctgrad/io/progress.hpp"

namespace {
bool failed = false;

// Compares one output with the expected text (a raw string that starts with a line break, so that
// its lines stand in this file as the docs show them).
void expect(std::string_view what, const std::string& got, std::string_view want) {
  want.remove_prefix(1);
  if (got != want) {
    std::printf("%.*s differs from the docs:\n%s--- expected:\n%.*s", static_cast<int>(what.size()),
                what.data(), got.c_str(), static_cast<int>(want.size()), want.data());
    failed = true;
  }
}
}  // namespace

int main() {
  using namespace ctgrad;

  // [progress] Epoch 3 of 20, 938 batches of 32: half done 0.8231 s after the epoch started. In a
  // terminal the line is redrawn in place ("\r" before it); the last draw ends it with "\n".
  double now = 0;
  std::FILE* out = std::tmpfile();
  {
    io::epoch_progress progress(3, 20, 938, {.out = out, .style = io::progress_style::terminal,
                                             .clock = [&] { return now; }});
    now = 0.8231;
    progress.update(469, 469 * 32, 0.4123);
  }
  std::string drawn(256, '\0');
  std::rewind(out);
  drawn.resize(std::fread(drawn.data(), 1, drawn.size(), out));
  std::fclose(out);
  const bool redrawn = drawn.starts_with('\r');
  expect("the progress bar", redrawn ? drawn.substr(1) : "(no \\r) " + drawn, R"(
epoch 3/20 [############............] 469/938  loss 0.4123  18234 samples/s  ETA 0:01
)");

  // [summary] The line that ends each epoch.
  const io::epoch_record epoch3{.epoch = 3, .loss = 0.4123, .accuracy = 0.8512, .val_loss = 0.4410,
                                .val_accuracy = 0.8433, .seconds = 4.21};
  expect("the epoch summary", io::format_epoch_summary(epoch3, 20) + "\n", R"(
epoch 3/20  loss 0.4123  accuracy 0.8512  val_loss 0.4410  val_accuracy 0.8433  seconds 4.21
)");

  // [table] The comparison at the end of a run, one row per activation.
  const std::vector<io::run_summary> one_run = {{"relu", 0.8812, 0.33449, 4.213}};
  expect("the comparison table", io::format_comparison_table(one_run), R"(
activation  test accuracy  test loss  s/epoch
relu               88.12%     0.3345     4.21
)");

  // [readme] The README's table: the default run (seed 1, 5 epochs) recorded in docs/training.md.
  const std::vector<io::run_summary> recorded = {{"relu", 0.8677, 0.3664, 0.35},
                                                 {"sigmoid", 0.8699, 0.3568, 0.33}};
  expect("the README's table", io::format_comparison_table(recorded), R"(
activation  test accuracy  test loss  s/epoch
relu               86.77%     0.3664     0.35
sigmoid            86.99%     0.3568     0.33
)");
  return failed ? 1 : 0;
}

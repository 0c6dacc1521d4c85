// ctgrad/io/history.hpp — per-epoch training records for one or more runs (one per activation),
// written as CSV and as the accuracy/loss figure (gnuplot script + data, rendered when possible),
// and the end-of-study comparison table. Not a plotting library: it drives gnuplot if installed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ctgrad::io {

/// What one epoch measured. accuracy values are fractions in [0,1]; seconds is wall time.
struct epoch_record {
  int epoch = 0;  ///< 1-based
  double loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0, seconds = 0;
};

/// The history of one training run, named by its activation ("relu", "gelu", ...).
struct run_history {
  std::string activation;
  std::vector<epoch_record> epochs;
};

/// The epochs of `h` as one line of text, for a checkpoint's metadata (ctgrad-train stores it under
/// "history", so that a resumed run's history continues): "epoch,loss,accuracy,val_loss,
/// val_accuracy,seconds" per epoch, epochs separated by ';', numbers with 17 significant digits
/// (parse_history_metadata gives back the same doubles). Empty for no epochs.
std::string history_metadata(const run_history& h);

/// The epochs history_metadata wrote. DataLossError naming `source` (the checkpoint's path) and the
/// entry for a malformed entry.
absl::StatusOr<std::vector<epoch_record>> parse_history_metadata(std::string_view text, std::string_view source);

/// CSV text with header "activation,epoch,loss,accuracy,val_loss,val_accuracy,seconds" and one row
/// per epoch of each run, runs in order. Floats use %.6g.
std::string history_csv(absl::Span<const run_history> runs);

/// Writes history_csv(runs) atomically to `path`; errors name the path.
absl::Status write_history_csv(const std::string& path, absl::Span<const run_history> runs);

/// How write_history_plot renders.
struct plot_options {
  std::string title = "Fashion-MNIST, 784-128-10 MLP";
  /// The gnuplot to run; a name without '/' is looked up in PATH. Empty: do not render.
  std::string gnuplot = "gnuplot";
  bool png = true;  ///< also render PNG (pngcairo, else png) when gnuplot has the terminal
};

/// What write_history_plot produced. The script and data always exist on success; svg / png are
/// the rendered images or empty when not rendered, and `note` says why and how to render by hand.
struct plot_result {
  std::string script;  ///< "<prefix>.gp"
  std::string data;    ///< "<prefix>.dat"
  std::string svg;     ///< "<prefix>.svg" or empty
  std::string png;     ///< "<prefix>.png" or empty
  std::string note;    ///< e.g. "gnuplot not found in PATH; render with: cd DIR && gnuplot x.gp"
};

/// Writes the figure "accuracy (left) and loss (right) per epoch, train solid and validation
/// dashed, one colour per activation" as gnuplot script "<prefix>.gp" reading "<prefix>.dat"
/// (one data block per run, in `runs` order), then runs gnuplot in the script's directory to make
/// "<prefix>.svg" (and "<prefix>.png"). A missing gnuplot or a failed render is not an error: see
/// plot_result::note. Errors: InvalidArgument for no runs or an activation name with a quote or
/// newline; OS errors writing the files, naming the path.
absl::StatusOr<plot_result> write_history_plot(const std::string& prefix,
                                               absl::Span<const run_history> runs,
                                               const plot_options& options = {});

/// The gnuplot script write_history_plot writes, for data file `data_name` and outputs
/// "<out_stem>.svg" / "<out_stem>.png" (names relative to the script's directory).
std::string history_plot_script(absl::Span<const run_history> runs, const std::string& data_name,
                                const std::string& out_stem, const std::string& title);

/// One row of the final comparison.
struct run_summary {
  std::string activation;
  double test_accuracy = 0, test_loss = 0, epoch_seconds = 0;
};

/// Mean of the runs' per-epoch seconds (0 for no epochs).
double mean_epoch_seconds(const run_history& run);

/// A fixed-width text table, one row per run in the given order:
///   activation  test accuracy  test loss  s/epoch
///   relu               88.12%     0.3345     4.21
std::string format_comparison_table(absl::Span<const run_summary> rows);

}  // namespace ctgrad::io

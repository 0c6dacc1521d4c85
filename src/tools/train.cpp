// ctgrad-train: trains the Fashion-MNIST MLP (784-128-10, Adam, batch 32) once per hidden activation
// and compares them, reproducing the ReLU-vs-Sigmoid experiment of the project's seed article with
// ctgrad's compile-time graph doing every forward and backward pass. `ctgrad-train --help` explains.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ctgrad/dist/reducer.hpp"
#include "ctgrad/io/history.hpp"
#include "ctgrad/io/idx.hpp"
#include "ctgrad/nn/optim.hpp"
#include "train_run.hpp"

namespace {
// --optimizer's and --lr's help, from nn::optimizers (nn/optim.hpp): an optimiser added there is
// offered here without an edit.
std::string optimizer_help() {
  std::vector<std::string> each;
  for (auto name : ctgrad::nn::optimizers::names) {
    const auto o = *ctgrad::nn::optimizers::from_name(name);
    each.push_back(absl::StrFormat("%s (%s)", name, std::visit([](const auto& x) { return x.summary; }, o)));
  }
  return absl::StrCat(absl::StrJoin(each, ", "), ". Checkpoints resume with the same optimizer only.");
}
std::string lr_help() {
  std::vector<std::string> each;
  for (auto name : ctgrad::nn::optimizers::names) {
    const auto o = *ctgrad::nn::optimizers::from_name(name);
    each.push_back(absl::StrFormat("%s %g", name, std::visit([](const auto& x) { return x.learning_rate; }, o)));
  }
  return absl::StrFormat("Learning rate; 0 means the optimizer's default (%s).", absl::StrJoin(each, ", "));
}
}  // namespace

ABSL_FLAG(std::vector<std::string>, activation, (std::vector<std::string>{"relu", "sigmoid"}),
          "Hidden-layer activations, comma separated: one model is trained per activation and the runs are "
          "compared (e.g. relu,sigmoid,tanh). Which are available depends on the build (see the error "
          "message for the list).");
ABSL_FLAG(int, epochs, 5, "Passes over the training data.");
ABSL_FLAG(int, batch, 32, "Mini-batch size (Keras's default 32).");
ABSL_FLAG(int, threads, 1,
          "Threads per training step: they share each step's large matrix products and the optimiser's "
          "update, every element computed as on one thread, so the results are the same digit for digit "
          "for every count (and a checkpoint resumes with any count). 0: one per core, but at most one "
          "per 256 rows of a batch (1 at batch 32, where a step is too small to share: docs/scaling.md).");
ABSL_FLAG(bool, adaptive_threads, true,
          "With --threads > 1: now and then time the steps with and without the worker threads and keep "
          "the faster (the workers sleep while another process has the other cores). Results do not "
          "depend on it, only the speed.");
ABSL_FLAG(int, hidden, 128, "Hidden layer width. Shapes are compile-time: only sizes compiled into this build "
                            "(Meson option train_hidden) are accepted.");
ABSL_FLAG(std::string, optimizer, std::string(ctgrad::nn::optimizers::names[0]), optimizer_help());
ABSL_FLAG(double, lr, 0, lr_help());
ABSL_FLAG(double, momentum, ctgrad::nn::sgd_options{}.momentum, "Momentum for --optimizer=sgd.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the weight initialisation and of the batch shuffling: a run is reproducible.");
ABSL_FLAG(std::string, data_dir, ctgrad::io::default_data_dir(),
          "Directory of MNIST-format IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
          "t10k-...). Default: the Debian package dataset-fashion-mnist.");
ABSL_FLAG(int, limit, 0, "Use only the first N training images (0: all). The test set is always complete.");
ABSL_FLAG(std::string, history_csv, "history.csv", "Write the per-epoch history of every run here (empty: don't).");
ABSL_FLAG(std::string, plot, "history",
          "Write the accuracy/loss figure as <plot>.svg and <plot>.png via gnuplot (gnuplot-nox), with its "
          "script <plot>.gp and data <plot>.dat; without gnuplot only the script and data (empty: don't).");
ABSL_FLAG(std::string, checkpoint, "",
          "Save parameters and optimiser state after every epoch to <checkpoint>.<activation>.ckpt (atomic "
          "write, checksummed).");
ABSL_FLAG(bool, resume, false, "Continue from the --checkpoint files where they exist (same settings required).");
ABSL_FLAG(bool, quiet, false, "Only print the final comparison.");

#if defined(CTGRAD_HAVE_MPI)
#include "ctgrad/dist/mpi.hpp"
#endif

namespace {

using ctgrad::tools::model_entry;

// Exit status 2 for a bad command line, 1 for anything that went wrong running it (data, files).
int fail(const absl::Status& st) {
  std::fprintf(stderr, "ctgrad-train: error: %s\n", std::string(st.message()).c_str());
  return 1;
}
int usage_error(const absl::Status& st) {
  fail(st);
  return 2;
}

std::string available_models() {
  std::vector<std::string> names;
  for (const auto& m : ctgrad::tools::compiled_models()) names.push_back(absl::StrFormat("%s/%d", m.activation, m.hidden));
  return absl::StrJoin(names, ", ");
}

// --threads=0: one thread per core, but no more than one per 256 rows of a batch. The threads split
// each step's large products and the optimiser's update (nn/data_parallel.hpp); at batch 32 the
// products are small, and a second thread gains less than it risks on a busy machine (docs/scaling.md:
// 1.30-1.38x idle and 0.94x with the other core busy at batch 32).
int auto_threads(int batch) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::clamp(std::min(cores, batch / 256), 1, ctgrad::nn::max_train_threads);
}

absl::StatusOr<std::vector<const model_entry*>> pick_models(const std::vector<std::string>& acts, int hidden) {
  if (acts.empty()) return absl::InvalidArgumentError("--activation: give at least one activation, e.g. relu,sigmoid");
  std::vector<const model_entry*> out;
  for (const auto& a : acts) {
    const model_entry* found = nullptr;
    for (const auto& m : ctgrad::tools::compiled_models())
      if (m.activation == a && m.hidden == hidden) found = &m;
    if (!found)
      return absl::InvalidArgumentError(absl::StrFormat(
          "--activation=%s with --hidden=%d is not compiled into this build (shapes and activations are "
          "compile-time); available activation/hidden: %s. Add it with `meson configure BUILD "
          "-Dtrain_activations=... -Dtrain_hidden=...`",
          a, hidden, available_models()));
    for (const auto* o : out)
      if (o == found) return absl::InvalidArgumentError(absl::StrFormat("--activation lists %s twice", a));
    out.push_back(found);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) { return absl::StrContains(file, "tools/train"); };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "trains the Fashion-MNIST MLP 784-<hidden>-10 once per --activation and compares them.\n"
      "Example: ctgrad-train --activation=relu,sigmoid --epochs=5\n"
      "Outputs: per-epoch lines, a comparison table, --history_csv and the --plot figure.");
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  // Started by mpirun: one rank of a data-parallel run (docs/scaling.md). Flags are the same on
  // every rank (mpirun passes them), so a bad one fails on every rank alike.
  ctgrad::dist::reducer* group = nullptr;
  int rank = 0;
#if defined(CTGRAD_HAVE_MPI)
  std::optional<ctgrad::dist::mpi_session> session;
  std::optional<ctgrad::dist::mpi_reducer> mpi_group;
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK")) {
    auto s = ctgrad::dist::mpi_session::start(&argc, &argv);
    if (!s.ok()) return fail(s.status());
    session.emplace(*std::move(s));
    auto g = ctgrad::dist::mpi_reducer::create();
    if (!g.ok()) return fail(g.status());
    mpi_group.emplace(*std::move(g));
    if (mpi_group->size() > 1) {
      group = &*mpi_group;
      rank = group->rank();
    }
  }
#endif
  const bool lead = rank == 0;
  // An error that only this rank may have seen (a run error): the others would wait for it in
  // their next collective, so it ends the whole job (mpirun reports the abort too).
  const auto fail_rank = [&](const absl::Status& st) {
#if defined(CTGRAD_HAVE_MPI)
    if (group) {
      std::fprintf(stderr, "ctgrad-train: rank %d: error: %s\n", rank, std::string(st.message()).c_str());
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
#endif
    return fail(st);
  };
  if (rest.size() > 1)
    return usage_error(absl::InvalidArgumentError(absl::StrFormat("unexpected argument '%s' (flags look like --epochs=5)", rest[1])));

  // The flags enter here, and each is checked once: the tool's own below, the training options
  // (--batch, --threads, --optimizer's hyper-parameters) by nn::validate, their one check.
  ctgrad::tools::run_config cfg;
  cfg.epochs = absl::GetFlag(FLAGS_epochs);
  cfg.train.batch = absl::GetFlag(FLAGS_batch);
  cfg.train.seed = absl::GetFlag(FLAGS_seed);
  cfg.train.adaptive_threads = absl::GetFlag(FLAGS_adaptive_threads);
  cfg.resume = absl::GetFlag(FLAGS_resume);
  cfg.quiet = absl::GetFlag(FLAGS_quiet) || !lead;
  cfg.group = group;
  const std::string opt = absl::GetFlag(FLAGS_optimizer);
  auto optimizer = ctgrad::nn::optimizers::from_name(opt);
  if (!optimizer.ok())
    return usage_error(absl::InvalidArgumentError(
        absl::StrFormat("--optimizer=%s: use %s", opt, ctgrad::nn::optimizers::names_text())));
  cfg.train.optimizer = *optimizer;
  const double lr = absl::GetFlag(FLAGS_lr);
  if (lr != 0) std::visit([&](auto& o) { o.learning_rate = lr; }, cfg.train.optimizer);
  if (auto* sgd = std::get_if<ctgrad::nn::sgd_options>(&cfg.train.optimizer))
    sgd->momentum = absl::GetFlag(FLAGS_momentum);
  // --threads=0 means one thread per core, at most one per 256 rows of a batch: it depends on the
  // batch size, so it is chosen once nn::validate has accepted that (1 stands in for it until then).
  const int threads = absl::GetFlag(FLAGS_threads);
  // The one check that is the tool's own: its flag's encoding (0 = one per core), which nn::validate
  // cannot know; the count itself is nn::validate's.
  if (threads < 0)
    return usage_error(absl::InvalidArgumentError(absl::StrFormat(
        "--threads=%d: must be 0 (one per core) or a count in [1, %d]", threads, ctgrad::nn::max_train_threads)));
  cfg.train.threads = threads == 0 ? 1 : threads;
  if (cfg.epochs < 1) return usage_error(absl::InvalidArgumentError(absl::StrFormat("--epochs=%d: must be >= 1", cfg.epochs)));
  const int limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) return usage_error(absl::InvalidArgumentError(absl::StrFormat("--limit=%d: must be >= 0", limit)));
  // Its messages name the option ("batch size must be >= 1, got 0", "threads must be in [1, 256],
  // got 300", "sgd: momentum must be in [0, 1), got 1.5").
  if (auto st = ctgrad::nn::validate(cfg.train); !st.ok()) return usage_error(st);
  if (threads == 0) cfg.train.threads = auto_threads(cfg.train.batch);
  if (cfg.resume && absl::GetFlag(FLAGS_checkpoint).empty())
    return usage_error(absl::InvalidArgumentError("--resume needs --checkpoint=<prefix> (the files to resume from)"));
  auto models = pick_models(absl::GetFlag(FLAGS_activation), absl::GetFlag(FLAGS_hidden));
  if (!models.ok()) return usage_error(models.status());

  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  // With two threads or more the test split is read beside the training split (each file is one
  // gzip stream, inflated on one thread: the training images take about 0.3 s here, the test split
  // 0.08 s more when read after them).
  absl::StatusOr<ctgrad::io::mnist_split> test = absl::UnknownError("not read");
  std::thread test_reader;
  if (cfg.train.threads > 1) test_reader = std::thread([&] { test = ctgrad::io::load_mnist(dir, "t10k"); });
  auto train = ctgrad::io::load_mnist(dir, "train", static_cast<std::size_t>(limit));
  if (test_reader.joinable()) test_reader.join();
  if (!train.ok()) {
    test = train.status();
  } else if (cfg.train.threads <= 1) {
    test = ctgrad::io::load_mnist(dir, "t10k");
  }
  if (group) {
    // Every rank reads the data; one that cannot ends the run on every rank, naming it.
    if (auto all = group->agree(test.status()); !all.ok()) return lead ? fail(all) : 1;
  }
  if (!train.ok()) return fail(train.status());
  if (!test.ok()) return fail(test.status());
  if (!cfg.quiet)
    std::printf("data: %s (%zu training, %zu test images)\n", dir.c_str(), train->count, test->count);

  std::vector<ctgrad::io::run_history> runs;
  std::vector<ctgrad::io::run_summary> rows;
  for (const model_entry* m : *models) {
    ctgrad::tools::run_config c = cfg;
    if (!absl::GetFlag(FLAGS_checkpoint).empty())
      c.checkpoint = absl::StrFormat("%s.%s.ckpt", absl::GetFlag(FLAGS_checkpoint), m->activation);
    if (!cfg.quiet)
      std::printf("\n== %s: MLP 784-%d-10, %s%s, batch %d, %d epochs, seed %llu%s ==\n", std::string(m->activation).c_str(),
                  m->hidden, opt.c_str(), lr > 0 ? absl::StrFormat(" lr %g", lr).c_str() : "",
                  cfg.train.batch, cfg.epochs, static_cast<unsigned long long>(cfg.train.seed),
                  (std::string(cfg.train.threads > 1 ? absl::StrFormat(", %d threads", cfg.train.threads) : "") +
                   (group ? absl::StrFormat(", %d ranks", group->size()) : ""))
                      .c_str());
    std::fflush(stdout);
    auto r = m->run(*train, *test, c);
    if (!r.ok()) return fail_rank(r.status());
    rows.push_back({r->history.activation, r->test.accuracy, r->test.loss, ctgrad::io::mean_epoch_seconds(r->history)});
    runs.push_back(std::move(r->history));
  }

  if (!lead) return 0;  // rank 0 reports and writes the files
  std::printf("\n%s", ctgrad::io::format_comparison_table(rows).c_str());
  if (rows.size() >= 2) {
    const auto best = std::max_element(rows.begin(), rows.end(),
                                       [](const auto& a, const auto& b) { return a.test_accuracy < b.test_accuracy; });
    std::vector<std::string> parts;
    for (const auto& r : rows) parts.push_back(absl::StrFormat("%s %.3f", r.activation, r.test_accuracy));
    std::printf("test accuracy: %s; best: %s (the reference Keras run: relu 0.875, sigmoid 0.872)\n",
                absl::StrJoin(parts, ", ").c_str(), best->activation.c_str());
  }
  if (const auto csv = absl::GetFlag(FLAGS_history_csv); !csv.empty()) {
    if (auto st = ctgrad::io::write_history_csv(csv, runs); !st.ok()) return fail(st);
    std::printf("history: %s\n", csv.c_str());
  }
  if (const auto plot = absl::GetFlag(FLAGS_plot); !plot.empty()) {
    auto p = ctgrad::io::write_history_plot(plot, runs);
    if (!p.ok()) return fail(p.status());
    if (!p->svg.empty()) std::printf("figure: %s%s%s\n", p->svg.c_str(), p->png.empty() ? "" : ", ", p->png.c_str());
    if (!p->note.empty()) std::printf("figure: %s\n", p->note.c_str());
  }
  return 0;
}

// ctgrad-train internals: the run of one model (train for N epochs, evaluate on the test split after
// each, checkpoint, resume), shared by the per-model translation units that Meson generates from
// train_model.cpp.in (one compiled MLP per --activation x --hidden pair; see src/tools/meson.build).
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/io/checkpoint.hpp"
#include "ctgrad/io/history.hpp"
#include "ctgrad/io/progress.hpp"
#include "ctgrad/nn/trainer.hpp"
#include "train_run.hpp"

namespace ctgrad::tools {

/// Trains Model on `train` for cfg.epochs epochs (continuing from cfg.checkpoint when cfg.resume
/// and the file exists), evaluating on `test` after every epoch, and checkpointing after every epoch
/// when cfg.checkpoint is set.
template <class Model>
absl::StatusOr<run_result> run_model(const io::mnist_split& train, const io::mnist_split& test, const run_config& cfg) {
  nn::trainer<Model> t(cfg.train, cfg.group);  // cfg.train was validated where the flags entered
  const bool lead = t.rank() == 0;  // prints and writes files
  run_result out;
  out.history.activation = std::string(Model::activation::name);
  int first_epoch = 1;
  if (cfg.resume && !cfg.checkpoint.empty()) {
    // Every rank reads the checkpoint (the path must be visible to all of them) and they agree.
    auto ck = io::read_checkpoint(cfg.checkpoint);
    if (cfg.group) {
      absl::Status st = ck.ok() || absl::IsNotFound(ck.status()) ? absl::OkStatus() : ck.status();
      if (auto all = cfg.group->agree(st); !all.ok()) return all;
      absl::Status found = ck.ok() ? absl::OkStatus() : absl::NotFoundError(absl::StrFormat("%s: not found", cfg.checkpoint));
      if (auto all = cfg.group->agree(found); !all.ok() && ck.ok())
        return absl::FailedPreconditionError(absl::StrFormat(
            "%s is missing on some rank (%s): --resume needs the checkpoint where every rank can read it",
            cfg.checkpoint, all.message()));
    }
    if (ck.ok()) {
      auto done = t.restore(*ck);
      if (cfg.group)
        if (auto all = cfg.group->agree(done.status()); !all.ok()) return all;
      if (!done.ok()) return done.status();
      auto hist_text = io::get_metadata(*ck, "history");
      if (!hist_text.ok()) return hist_text.status();
      auto hist = io::parse_history_metadata(*hist_text, cfg.checkpoint);
      if (!hist.ok()) return hist.status();
      if (static_cast<int>(hist->size()) != *done)
        return absl::DataLossError(absl::StrFormat("%s: %d epochs done but %d in the history", cfg.checkpoint, *done, hist->size()));
      out.history.epochs = *std::move(hist);
      first_epoch = *done + 1;
      if (!cfg.quiet && lead)
        std::printf("%s: resumed from %s after epoch %d\n", out.history.activation.c_str(), cfg.checkpoint.c_str(), *done);
    } else if (!absl::IsNotFound(ck.status())) {
      return ck.status();  // a corrupt or foreign file is an error, never silently ignored
    }
  }
  const nn::dataset_view tr{.images = {}, .labels = train.labels, .count = train.count, .features = io::mnist_split::pixels, .bytes = train.bytes};
  const nn::dataset_view te{.images = {}, .labels = test.labels, .count = test.count, .features = io::mnist_split::pixels, .bytes = test.bytes};
  const std::size_t batches = (train.count + std::size_t(cfg.train.batch) - 1) / std::size_t(cfg.train.batch);
  for (int epoch = first_epoch; epoch <= cfg.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<nn::metrics> m;
    if (cfg.quiet || !lead) {
      m = t.train_epoch(tr, epoch);
    } else {
      io::epoch_progress bar(epoch, cfg.epochs, batches);
      m = t.train_epoch(tr, epoch, [&](std::size_t b, std::size_t s, double loss) { bar.update(b, s, loss); });
    }
    if (!m.ok()) return m.status();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto v = t.evaluate(te);
    if (!v.ok()) return v.status();
    io::epoch_record rec{epoch, m->loss, m->accuracy, v->loss, v->accuracy, seconds};
    out.history.epochs.push_back(rec);
    if (!cfg.quiet && lead) io::print_epoch_summary(rec, cfg.epochs);
    if (!cfg.checkpoint.empty()) {
      absl::Status written = absl::OkStatus();
      if (lead) {
        auto ck = t.save(epoch, {{"history", io::history_metadata(out.history)}});
        written = ck.ok() ? io::write_checkpoint(cfg.checkpoint, *ck) : ck.status();
      }
      if (cfg.group) written = cfg.group->agree(written);
      if (!written.ok()) return written;
    }
  }
  auto final_metrics = t.evaluate(te);
  if (!final_metrics.ok()) return final_metrics.status();
  out.test = *final_metrics;
  return out;
}

}  // namespace ctgrad::tools

#pragma once
// The ground truth's files: one result (BASE.h5) and one state (BASE.state.h5, the last whole
// epoch) per architecture, a claim file while a rank trains it, and the merged table
// (groundtruth.h5). The state is written by a training callback (CellCheckpoint).
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/io/table.h"
#include "wsnas/pipeline/groundtruth.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/task.h"
#include "wsnas/train/trainer.h"

namespace wsnas::io {
class File;
}

namespace wsnas::pipeline {

/// One architecture's learning curves (the task's loss and score per epoch) and outcome.
struct Run {
  std::string arch;
  std::int64_t arch_index = -1, params = 0, epoch = 0;
  double flops = 0, seconds = 0;
  std::vector<double> train_loss, train_score, valid_loss, valid_score, test_score;
};

/// One epoch of a run's learning curves (a cell file's /curves).
struct CurveRow {
  double train_loss = 0, train_score = 0, valid_loss = 0, valid_score = 0, test_score = 0;
};
/// The declared schemas of a cell file: its /cell attributes and its /curves, for the task's
/// score `score` (docs/results-format.md).
io::Table<Run> cell_table();
io::Table<CurveRow> curves_table(const std::string& score);

/// One row of the merged table (groundtruth.h5 /results).
struct MergedRow {
  std::string arch;
  std::int64_t arch_index = -1, params = 0, best_epoch = 0;
  double flops = 0, final_valid = 0, best_valid = 0, final_test = 0, test_at_best = 0, seconds = 0;
};
/// The merged table's columns, for the task's score `score`.
io::Table<MergedRow> groundtruth_table(const std::string& score);

/// "cell_NNNNNN" by index in the space, or "cell_<hash>" for spaces without one.
std::string cell_key(const std::string& arch, std::int64_t index);
/// Writes a cell's result or (with `net` and `opt`) its state.
void write_run(const std::string& path, const std::string& kind, const Provenance& prov,
               const train::RunConfig& cfg, const std::string& score, const Run& c,
               nn::Network* net, train::Optimizer* opt);
Run read_run(const io::File& f, const std::string& score);
/// The merged table. final_* are the last epoch's scores, or with `keep_best` those of the epoch
/// of the best validation score (DARTS' and the PTB code's final model); best_valid_* and
/// test_at_best_valid are always there.
void merge(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
           const train::Metric& score, const std::vector<Run>& runs, std::int64_t epochs,
           bool keep_best);

/// Keeps `run`'s training curves and time up to date at each epoch's end, and writes BASE.state.h5
/// unless the run is complete (the stage then writes the result). A stop abandons the epoch in
/// progress: the state holds the last whole one.
class CellCheckpoint : public train::Callback {
 public:
  CellCheckpoint(Run& run, std::string path, Provenance& prov, const train::RunConfig& cfg);
  void on_epoch_end(train::Trainer& trainer) override;

 private:
  Run& run_;
  std::string path_;
  Provenance& prov_;
  const train::RunConfig& cfg_;
};

/// Trains the architectures of a ground-truth run, one at a time on this rank (its own loop
/// collectives), with what they share: the data and evaluation batches, the device, the shapes.
class CellTrainer {
 public:
  /// Collective over ctx.world (each rank's own communicator is split from it).
  CellTrainer(app::Context& ctx, const GroundTruthJob& job, const train::RunConfig& cfg,
              const train::Task& task);
  ~CellTrainer();
  c10::Device device() const { return device_; }
  /// Trains `arch` into `run`, resuming BASE.state.h5: false when a stop signal ended it (the
  /// state then holds the last whole epoch).
  bool train(const space::Arch& arch, Run& run, const std::string& base) const;

 private:
  struct Shared;
  app::Context& ctx_;
  const GroundTruthJob& job_;
  const train::RunConfig& cfg_;
  const train::Task& task_;
  c10::Device device_;
  std::unique_ptr<Shared> shared_;
};

}  // namespace wsnas::pipeline

#pragma once
// The supernet stage's checkpoint (a training callback): supernet.h5 holds the latest state, at
// least every --checkpoint-minutes, at each epoch's end and on a stop signal; epoch_NNNN.h5 are
// snapshots of the one schedule (--save-epochs). The schema: docs/results-format.md.
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/io/table.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/trainer.h"

namespace wsnas::pipeline {

/// The /state attributes of a supernet checkpoint (supernet_state_table).
struct SupernetState {
  std::int64_t epoch = 0, epoch_step = 0, step = 0;
  std::string run_id;
  double seconds = 0;
  std::int64_t complete = 0, rollbacks = 0;
  std::string weights = "last";
  std::int64_t schedule_epochs = 0, snapshot = 0;
  /// "<run id>@<step>": what the checkpoint is, not where (evaluation keys its scores on it; a
  /// few-shot sub-supernet records the one-shot it started from by it).
  std::string id() const { return run_id + "@" + std::to_string(step); }
};
/// One epoch of the /log of a supernet checkpoint (supernet_log_table).
struct SupernetLogRow {
  std::int64_t epoch = 0;
  double loss = 0, score = 0, lr = 0, seconds = 0;
};
/// The declared schemas (io::Table) of a checkpoint's /state attributes and its /log, the task's
/// score named `score`; they write, read and document (docs/results-format.md) the file.
io::Table<SupernetState> supernet_state_table();
io::Table<SupernetLogRow> supernet_log_table(const std::string& score);

/// "pow2" | "none" | "1,2,5" -> epochs in 1..epochs; UsageError naming --save-epochs otherwise.
std::set<std::int64_t> parse_save_epochs(const std::string& text, std::int64_t epochs);

struct CheckpointSetup {
  Provenance* provenance = nullptr;
  const train::RunConfig* config = nullptr;
  const std::vector<std::string>* result_keys = nullptr;  ///< a resume must agree on these
  std::vector<std::string> pool;  ///< the --pool architectures, written with the state
  std::string out_dir;
  std::set<std::int64_t> save_epochs;
  double minutes = 10;
};

class SupernetCheckpoint : public train::Callback {
 public:
  SupernetCheckpoint(train::Trainer& trainer, CheckpointSetup setup);
  /// Reads supernet.h5 into the trainer, its callbacks and this when it exists (after every
  /// callback is registered); false when there is none.
  bool resume();
  const std::string& path() const { return path_; }
  /// The run's identity: made when a run starts, kept by its resumes (evaluation keys on it).
  const std::string& run_id() const { return run_id_; }

  std::size_t votes() const override { return 1; }
  void cast_votes(const train::Trainer& trainer, double* out) override;
  Action on_step(train::Trainer& trainer, const double* votes) override;
  void on_epoch_begin(train::Trainer& trainer) override;
  void on_epoch_end(train::Trainer& trainer) override;
  void on_stop(train::Trainer& trainer) override;

 private:
  void write(const std::string& path);

  train::Trainer& trainer_;
  CheckpointSetup setup_;
  std::string path_, run_id_;
  /// A recurrent network's carried state, all replicas' rows in order (Network::state; written
  /// mid-epoch only: an epoch starts from zeros).
  std::vector<at::Tensor> carried_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace wsnas::pipeline

#pragma once
/// Evaluation of architectures on supernet checkpoints as a library stage: BN calibration, then
/// the task's metrics on a split; (checkpoint, architecture) pairs sharded over ranks; rank 0
/// writes the results file atomically, and a rerun scores only what is missing.

#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/app/app.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"

namespace wsnas::pipeline {

struct EvaluateJob {
  std::vector<std::string> checkpoints;
  std::string archs_path, out_path;
  std::string split = "valid";            ///< valid | test
  std::string data_dir;                   ///< "" = the one the supernet used
  std::vector<std::string> dataset_dirs;  ///< --dataset-dir NAME=DIR (over data_dir)
  options::HyperParameters hp;  ///< only bn-calib-*; whole so one config file serves every stage
  train::RunOptions run;
  std::int64_t eval_batch =
      0;  ///< 0: the dataset's default_eval_batch (500 images; text 10 valid, 1 test)
  std::uint64_t seed = 0;  ///< calibration batches (the same for every architecture)
  double flush_s = 30;
  bool cache_stem =
      true;  ///< compute the architecture-independent stem once per batch (up to 4 GiB of outputs)
  /// Training options evaluation accepts (so one config file serves every stage) and leaves out
  /// of its results' configuration: every option of the training and protocol groups but BN
  /// calibration's, read from those groups' declarations by add_options.
  std::vector<std::string> training_only;
  /// Where the protocol group's values go (accepted, unused).
  std::string accepted_sampler, accepted_unused, accepted_split_on;
  int accepted_paths = 0, accepted_fine_tune_epochs = 0;
};

void add_options(options::Parser& parser, EvaluateJob& job);
/// --check-options' look at the inputs: --dataset-dir is well formed (the dataset is the
/// checkpoint's, which a plan has not trained yet).
void check_inputs(const EvaluateJob& job);

/// Scores job.archs on every checkpoint into job.out_path (resuming it). Returns 0, or
/// kExitInterrupted after saving on a stop signal.
int evaluate(app::Context& ctx, const EvaluateJob& job, train::RunConfig config);

}  // namespace wsnas::pipeline

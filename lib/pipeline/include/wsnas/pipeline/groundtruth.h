#pragma once
/// The ground-truth farm as a library stage: every listed architecture trained stand-alone from
/// scratch. Ranks claim architectures as they free up (an exclusive claim file each); each one
/// checkpoints every epoch and writes a result file of its own; rank 0 merges them into
/// DIR/groundtruth.h5. Reruns skip finished architectures and resume unfinished ones.

#include <cstdint>
#include <string>

#include "wsnas/app/app.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"

namespace wsnas::pipeline {

struct GroundTruthJob {
  options::HyperParameters
      hp;  ///< defaults: NAS-Bench-201's recipe (lr 0.1 cosine per epoch, 200 epochs)
  train::DataOptions data;
  train::ModelOptions model;
  train::RunOptions run;
  std::string archs_path, out_dir;
  std::uint64_t seed = 0;
  bool drop_last = false;  ///< NAS-Bench-201 keeps the last partial batch
  GroundTruthJob();
};

void add_options(options::Parser& parser, GroundTruthJob& job);
/// --check-options' look at the inputs: the dataset's folder holds its files.
void check_inputs(const GroundTruthJob& job);

/// Trains every architecture of job.archs_path into job.out_dir (resuming). Returns 0, or
/// kExitInterrupted on a stop signal (finished architectures and the last whole epoch of
/// unfinished ones are kept).
int train_ground_truth(app::Context& ctx, const GroundTruthJob& job, train::RunConfig config);

}  // namespace wsnas::pipeline

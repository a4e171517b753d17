#pragma once
/// Zero-cost scores as a library stage (wsnas-score): each architecture's stand-alone network at
/// initialisation, scored by the named scorers (lib/score) on one batch of the training split.
/// Architectures are sharded over ranks as evaluation's pairs are; rank 0 writes the results file
/// (kind "scores": the architecture, one column per scorer; docs/results-format.md), which every
/// analysis reads like a supernet's scores; a rerun scores only the architectures it lacks.

#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/app/app.h"
#include "wsnas/options/parser.h"
#include "wsnas/pipeline/groundtruth.h"
#include "wsnas/pipeline/supernet.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"

namespace wsnas::pipeline {

struct ScoreJob {
  std::string archs_path, out_path;
  std::string scorers = "all";  ///< comma-separated names (score::scorers()), or all
  /// Images in the scored batch: zero-cost-nas' default (nasbench2_pred.py:36, one batch: :41).
  std::int64_t batch = 64;
  /// Seeds the batch and each architecture's initial weights, as the ground truth's with the same
  /// --seed (its initial network).
  std::uint64_t seed = 0;
  double flush_s = 30;
  train::RunOptions run;
  train::DataOptions data;
  train::ModelOptions model;
  /// The other stages' options wsnas-score accepts without using them, so that one config file
  /// serves a whole study (a study's score runs read its supernet or ground-truth configs); their
  /// values land here, their names in `accepted`, and they stay out of the results' configuration.
  SupernetJob accepted_supernet;
  GroundTruthJob accepted_groundtruth;
  std::vector<std::string> accepted;
};

void add_options(options::Parser& parser, ScoreJob& job);
/// --check-options' look at the inputs: the scorer names and the dataset folder.
void check_inputs(const ScoreJob& job);

/// Scores job.archs into job.out_path (resuming it). Returns 0, or kExitInterrupted after saving
/// on a stop signal.
int score(app::Context& ctx, const ScoreJob& job, train::RunConfig config);

}  // namespace wsnas::pipeline

#pragma once
/// A supernet as a search's fitness, computed when the search asks (wsnas-search
/// --fitness-checkpoint; docs/search.md): each architecture scored as wsnas-evaluate scores it
/// (the checkpoint's weights, BN calibration on the same fixed batches, then the task's score on
/// the split), so that spaces no table covers (DARTS, ProxylessNAS) can be searched. A few-shot
/// list (docs/few-shot.md) scores each architecture on the sub-supernet that owns it.

#include <memory>
#include <string>

#include "wsnas/app/app.h"
#include "wsnas/pipeline/evaluate.h"
#include "wsnas/space/search_space.h"

namespace wsnas::pipeline {

class SupernetFitness {
 public:
  /// job.checkpoints: one supernet checkpoint or a few-shot list; job's BN calibration, split,
  /// seed, batch and run options are wsnas-evaluate's.
  SupernetFitness(app::Context& ctx, EvaluateJob job);
  ~SupernetFitness();
  /// The task's score of `arch` (negated when lower is better, e.g. perplexity: higher is
  /// fitter); the same value wsnas-evaluate writes for it.
  double operator()(const space::Arch& arch);
  /// "CHECKPOINT:SCORE" (e.g. "runs/s/supernet.h5:accuracy").
  std::string source() const;
  /// The checkpoint's space.
  const space::SearchSpace& space() const;
  /// The space a checkpoint (or a few-shot list) was trained on, read from its /config alone.
  static std::string space_of(const std::string& checkpoint);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsnas::pipeline

#pragma once
// Scores one (checkpoint, architecture) pair on the supernet: the checkpoint's weights (ASGD's
// averages when it has them), BN calibration on fixed training batches (paper Table 2; the
// released code, github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:324-373), then
// the task's metrics on the split. With --cache-stem the architecture-independent stem runs once
// per checkpoint.
#include <memory>

#include "evaluate_inputs.h"
#include "evaluate_results.h"
#include "wsnas/app/app.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

class ArchScorer {
 public:
  /// Loads the data and builds the supernet of `ck`; messages on rank 0.
  ArchScorer(app::Context& ctx, const EvaluateJob& job, const Checkpoints& ck,
             const train::Task& task);
  ~ArchScorer();
  /// Fills r.metrics and r.seconds.
  void score(Record& r);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsnas::pipeline

#pragma once
/// Progress of training on rank 0: step, rate, ETA, and the epoch's loss, score and learning rate
/// so far (wsnas/core/progress.h).
#include <string>

#include "wsnas/core/progress.h"
#include "wsnas/train/trainer.h"

namespace wsnas::train::callbacks {

class ProgressReport : public Callback {
 public:
  /// Prints when `enabled` (rank 0), at most every `interval_s` seconds.
  ProgressReport(std::string label, std::int64_t total_steps, bool enabled, double interval_s);
  Action on_step(Trainer& trainer, const double* votes) override;
  void on_end(Trainer& trainer) override;

 private:
  Progress progress_;
};

}  // namespace wsnas::train::callbacks

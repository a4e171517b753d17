#pragma once
/// The learning-rate schedule's position: the rate of each step from the steps done so far
/// (train::learning_rate over the run's total steps, scaled by the batch's lr_scale: text windows
/// of variable BPTT), for the supernet and the ground truth alike.
#include <cstdint>

#include "wsnas/train/trainer.h"

namespace wsnas::train::callbacks {

class LearningRate : public Callback {
 public:
  /// `steps_per_epoch` and `total_steps` as the loader counts them before the first epoch.
  LearningRate(const options::HyperParameters& hp, std::int64_t steps_per_epoch,
               std::int64_t total_steps);
  void on_epoch_begin(Trainer& trainer) override;
  void on_batch(Trainer& trainer, const data::Batch& batch) override;

 private:
  const options::HyperParameters& hp_;
  std::int64_t per_epoch_, total_;
};

}  // namespace wsnas::train::callbacks

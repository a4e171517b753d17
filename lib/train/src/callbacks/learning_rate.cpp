#include "wsnas/train/callbacks/learning_rate.h"

#include "wsnas/data/loader.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/schedule.h"

namespace wsnas::train::callbacks {

LearningRate::LearningRate(const options::HyperParameters& hp, std::int64_t steps_per_epoch,
                           std::int64_t total_steps)
    : hp_(hp), per_epoch_(steps_per_epoch), total_(total_steps) {}

void LearningRate::on_epoch_begin(Trainer& trainer) {
  // A resume at the very end of an epoch runs no batch of it: its log gets the epoch's last rate.
  const auto& p = trainer.progress();
  if (p.epoch_step == trainer.loader().batches_per_epoch())
    trainer.set_lr(learning_rate(hp_, (p.epoch + 1) * per_epoch_ - 1, total_, per_epoch_));
}

void LearningRate::on_batch(Trainer& trainer, const data::Batch& batch) {
  trainer.set_lr(learning_rate(hp_, trainer.progress().step, total_, per_epoch_) * batch.lr_scale);
}

}  // namespace wsnas::train::callbacks

#include "wsnas/train/callbacks/nan_rollback.h"

#include <iostream>

#include "wsnas/train/callbacks/best_weights.h"
#include "wsnas/train/callbacks/validation.h"

namespace wsnas::train::callbacks {

NanRollback::NanRollback(BestWeights& best, const Validation* validation, bool announce)
    : best_(best), validation_(validation), announce_(announce) {}

Callback::Action NanRollback::on_step_reduced(Trainer& trainer) {
  if (trainer.step_finite()) return Action::kContinue;
  best_.restore(true);
  auto& p = trainer.progress();
  ++p.rollbacks;
  if (announce_) {
    const bool validated = validation_ != nullptr && !validation_->scores().empty();
    std::cerr << trainer.setup().name << ": non-finite loss at step " << p.step << " (epoch "
              << p.epoch + 1 << "); back to the "
              << (validated ? "best validated state" : "initial state")
              << ", the rest of the epoch skipped (--nan-rollback)\n";
  }
  return Action::kEndEpoch;
}

}  // namespace wsnas::train::callbacks

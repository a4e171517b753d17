#pragma once
/// --nan-rollback (the paper's trainers/ptb.py): a step whose loss is not finite on some rank
/// sends every rank back to the best validated state (callbacks::BestWeights; the initial state
/// before any validation), and the rest of the epoch is skipped. progress().rollbacks counts them.
#include <string>

#include "wsnas/train/trainer.h"

namespace wsnas::train::callbacks {

class BestWeights;
class Validation;

class NanRollback : public Callback {
 public:
  /// `validation` (may be null) says whether the best state is a validated one, for the message.
  NanRollback(BestWeights& best, const Validation* validation, bool announce);
  Action on_step_reduced(Trainer& trainer) override;

 private:
  BestWeights& best_;
  const Validation* validation_;
  bool announce_;
};

}  // namespace wsnas::train::callbacks

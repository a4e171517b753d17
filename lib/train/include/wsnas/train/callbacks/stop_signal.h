#pragma once
/// Stop signals (SIGTERM, SIGUSR1, SIGINT: wsnas/core/signals.h) end the run after the step in
/// progress, on every rank of the training at once (the request is part of the step's allreduce).
/// The checkpoint callbacks save in on_stop.
#include "wsnas/train/trainer.h"

namespace wsnas::train::callbacks {

class StopSignal : public Callback {
 public:
  StopSignal();
  std::size_t votes() const override { return 1; }
  void cast_votes(const Trainer& trainer, double* out) override;
  Action on_step(Trainer& trainer, const double* votes) override;
};

}  // namespace wsnas::train::callbacks

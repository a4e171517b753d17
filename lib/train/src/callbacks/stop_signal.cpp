#include "wsnas/train/callbacks/stop_signal.h"

#include "wsnas/core/signals.h"

namespace wsnas::train::callbacks {

StopSignal::StopSignal() { install_stop_handlers(); }

void StopSignal::cast_votes(const Trainer& /*trainer*/, double* out) {
  out[0] = stop_signal() != 0 ? 1 : 0;
}

Callback::Action StopSignal::on_step(Trainer& /*trainer*/, const double* votes) {
  return votes[0] > 0 ? Action::kStop : Action::kContinue;
}

}  // namespace wsnas::train::callbacks

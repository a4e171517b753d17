#include "wsnas/train/callbacks/progress.h"

#include <cstdio>

#include "wsnas/train/task.h"

namespace wsnas::train::callbacks {

ProgressReport::ProgressReport(std::string label, std::int64_t total_steps, bool enabled,
                               double interval_s)
    : progress_(std::move(label), total_steps, enabled, interval_s, "step") {}

Callback::Action ProgressReport::on_step(Trainer& trainer, const double* /*votes*/) {
  const auto& p = trainer.progress();
  const auto metrics = trainer.task().finish(p.totals);
  char extra[128];
  std::snprintf(extra, sizeof extra, "epoch %lld loss %.4f %s %.4g lr %.4g",
                static_cast<long long>(p.epoch + 1), metrics.back(),
                trainer.task().score().name.c_str(), metrics.front(), trainer.lr());
  progress_.update(p.step, extra);
  return Action::kContinue;
}

void ProgressReport::on_end(Trainer& /*trainer*/) { progress_.finish(); }

}  // namespace wsnas::train::callbacks

#include "wsnas/train/callbacks/best_weights.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "wsnas/io/h5file.h"
#include "wsnas/train/state_io.h"

namespace wsnas::train::callbacks {

void BestWeights::on_begin(Trainer& /*trainer*/) {
  if (params_.empty()) snapshot();
}

void BestWeights::snapshot() {
  {
    AveragedWeights averaged(trainer_.opt());
    params_.clear();
    for (const auto& p : trainer_.params()) params_.push_back(p.detach().clone());
  }
  opt_ = trainer_.opt().save();
}

void BestWeights::restore(bool optimizer) {
  {
    at::NoGradGuard g;
    const auto& params = trainer_.params();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(params_[i]);
  }
  if (optimizer) trainer_.opt().restore(opt_);
}

void BestWeights::save(io::File& f) const {
  if (params_.empty()) return;
  write_tensor_list(f, "/best/params", params_);
  write_optimizer_state(f, "/best/optimizer", opt_);
}

void BestWeights::load(const io::File& f) {
  if (!f.exists("/best/params")) return;
  params_.clear();
  for (const auto& p : trainer_.params()) params_.push_back(p.detach().clone());
  read_tensor_list(f, "/best/params", params_);
  opt_ = read_optimizer_state(f, "/best/optimizer", trainer_.opt());
}

}  // namespace wsnas::train::callbacks

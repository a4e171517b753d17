#include "wsnas/nn/bn_calibration.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/utils.h>

#include <stdexcept>
#include <vector>

#include "wsnas/nn/batch_norm.h"

namespace wsnas::nn {

int count_bn_layers(torch::nn::Module& module) {
  int n = 0;
  for (const auto& m : module.modules(/*include_self=*/true))
    if (m->as<BatchNorm2dImpl>() != nullptr || m->as<torch::nn::BatchNorm2dImpl>() != nullptr) ++n;
  return n;
}

void calibrate_bn(torch::nn::Module& module, int steps,
                  const std::function<void(int)>& forward_batch) {
  std::vector<BatchNorm2dImpl*> layers;
  for (const auto& m : module.modules(/*include_self=*/true)) {
    // A programming error, not a user's: a network built with LibTorch's BatchNorm2d.
    if (m->as<torch::nn::BatchNorm2dImpl>() != nullptr)
      throw std::logic_error(
          "calibrate_bn: a torch::nn::BatchNorm2d; networks use nn::BatchNorm2d");
    if (auto* bn = m->as<BatchNorm2dImpl>()) layers.push_back(bn);
  }
  // The layers stop collecting however the passes end (an exception leaves no layer collecting).
  struct Collecting {
    std::vector<BatchNorm2dImpl*>& layers;
    bool done = false;
    ~Collecting() {
      if (done) return;
      for (auto* bn : layers) bn->cancel_calibration();
    }
  } collecting{layers};
  for (auto* bn : layers) bn->begin_calibration();
  module.train();
  {
    torch::NoGradGuard no_grad;
    for (int s = 0; s < steps; ++s) forward_batch(s);
  }
  for (auto* bn : layers) bn->end_calibration();
  collecting.done = true;
  module.eval();
}

}  // namespace wsnas::nn

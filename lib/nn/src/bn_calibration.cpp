#include "wsnas/nn/bn_calibration.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/utils.h>

#include <cmath>
#include <type_traits>
#include <utility>

namespace wsnas::nn {

namespace {
template <class F>
void for_each_bn(torch::nn::Module& module, F f) {
  for (const auto& m : module.modules(/*include_self=*/true)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) f(*bn);
  }
}
}  // namespace

// LibTorch 1.13 uses c10::optional, 2.x std::optional: name the type through the option itself.
using Momentum = std::decay_t<decltype(std::declval<torch::nn::BatchNormOptions&>().momentum())>;

std::vector<double> reset_bn_statistics(torch::nn::Module& module) {
  std::vector<double> momenta;
  for_each_bn(module, [&](torch::nn::BatchNorm2dImpl& bn) {
    const Momentum m = bn.options.momentum();
    momenta.push_back(m.has_value() ? *m : std::nan(""));
    bn.reset_running_stats();
    // momentum = None: running statistics become the cumulative average over the batches seen.
    bn.options.momentum(Momentum());
  });
  return momenta;
}

void restore_bn_momentum(torch::nn::Module& module, const std::vector<double>& momenta) {
  std::size_t i = 0;
  for_each_bn(module, [&](torch::nn::BatchNorm2dImpl& bn) {
    if (i >= momenta.size()) return;
    const double m = momenta[i++];
    bn.options.momentum(std::isnan(m) ? Momentum() : Momentum(m));
  });
}

void calibrate_bn(torch::nn::Module& module, int steps, const std::function<void(int)>& forward_batch) {
  auto momenta = reset_bn_statistics(module);
  module.train();
  {
    torch::NoGradGuard no_grad;
    for (int s = 0; s < steps; ++s) forward_batch(s);
  }
  restore_bn_momentum(module, momenta);
  module.eval();
}

}  // namespace wsnas::nn

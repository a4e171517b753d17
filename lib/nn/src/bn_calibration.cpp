#include "wsnas/nn/bn_calibration.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/utils.h>

#include <array>
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

int count_bn_layers(torch::nn::Module& module) {
  int n = 0;
  for_each_bn(module, [&](torch::nn::BatchNorm2dImpl&) { ++n; });
  return n;
}

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

void calibrate_bn(torch::nn::Module& module, int steps,
                  const std::function<void(int)>& forward_batch) {
  // Layers that do not run keep their statistics (the paper's code updates only the BN layers its
  // hooks saw, github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:365-370): keep
  // them aside and put them back if nothing ran them.
  std::vector<std::array<at::Tensor, 3>> kept;
  for_each_bn(module, [&](torch::nn::BatchNorm2dImpl& bn) {
    kept.push_back(
        {bn.running_mean.clone(), bn.running_var.clone(), bn.num_batches_tracked.clone()});
  });
  auto momenta = reset_bn_statistics(module);
  module.train();
  {
    torch::NoGradGuard no_grad;
    for (int s = 0; s < steps; ++s) forward_batch(s);
    std::vector<at::Tensor> counts;
    for_each_bn(module,
                [&](torch::nn::BatchNorm2dImpl& bn) { counts.push_back(bn.num_batches_tracked); });
    const at::Tensor ran =
        counts.empty() ? at::Tensor() : at::stack(counts).to(at::kCPU);  // one sync
    std::size_t i = 0;
    for_each_bn(module, [&](torch::nn::BatchNorm2dImpl& bn) {
      const auto& k = kept[i];
      if (ran[static_cast<std::int64_t>(i++)].item<std::int64_t>() != 0) return;  // ran: calibrated
      bn.running_mean.copy_(k[0]);
      bn.running_var.copy_(k[1]);
      bn.num_batches_tracked.copy_(k[2]);
    });
  }
  restore_bn_momentum(module, momenta);
  module.eval();
}

}  // namespace wsnas::nn

#pragma once
/// Helpers shared by the network tests (LibTorch; header-only so the other tests stay free of it).

#include <ATen/core/grad_mode.h>
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/network.h"

namespace wsnas::test {

/// Makes a network's BN layers non-trivial, so a BN slip shows: running means ~ N(0, 0.2), running
/// variances and affine scales in [0.5, 1.5], affine offsets ~ N(0, 0.2).
inline void perturb_bn(torch::nn::Module& net) {
  at::NoGradGuard g;
  for (auto& b : net.named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.2);
    if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 1.5);
  }
  for (auto& m : net.named_modules()) {
    auto* bn = m.value()->as<nn::BatchNorm2dImpl>();
    if (bn == nullptr || !bn->options.affine()) continue;
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.normal_(0, 0.2);
  }
}

/// Parameters a training-mode forward/backward pass of a batch of 2 images (3 x size x size)
/// through `arch` reaches: those with a gradient afterwards (all gradients are cleared first).
inline std::int64_t used_parameters(nn::Network& net, const space::Arch& arch, int size = 32) {
  for (auto& p : net.parameters()) p.mutable_grad() = at::Tensor();
  net.train();
  net.forward(torch::randn({2, 3, size, size}), arch).output.sum().backward();
  std::int64_t n = 0;
  for (const auto& p : net.parameters())
    if (p.grad().defined()) n += p.numel();
  return n;
}

}  // namespace wsnas::test

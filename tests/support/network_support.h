#pragma once
/// Helpers shared by the network tests (LibTorch; header-only so the other tests stay free of it).

#include <torch/torch.h>

#include <cstdint>

#include "wsnas/nn/network.h"

namespace wsnas::test {

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

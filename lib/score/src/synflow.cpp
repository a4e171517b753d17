// synflow: the network without batch normalisation, every parameter and buffer replaced by its
// absolute value, in double precision; R = the sum of its output for one input of ones; the score
// is the sum over layers of |weight ⊙ dR/dweight| (Tanaka et al., NeurIPS 2020; Abdelfattah et al.
// 2021, Sec. 3; zero-cost-nas @ca61347 foresight/pruners/measures/synflow.py:23-64, registered with
// bn=False, line 23, which replaces every BN's forward by the identity, predictive.py:29-35).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "layers.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/network.h"

namespace wsnas::score {

double synflow(const Input& in) {
  auto& net = in.net;
  {
    at::NoGradGuard no_grad;
    for (auto& p : net.parameters()) p.abs_();
    for (auto& b : net.buffers()) b.abs_();
  }
  for (const auto& m : net.modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<nn::BatchNorm2dImpl*>(m.get())) bn->bypass = true;
  }
  net.to(at::kDouble);
  auto shape = in.x.sizes().vec();
  shape[0] = 1;
  const at::Tensor ones = at::ones(shape, in.x.options().dtype(at::kDouble));
  const auto weights = layer_weights(in);
  logits(in, ones).sum().backward();
  return sum_over(weights, [](const at::Tensor& w, const at::Tensor& g) { return (w * g).abs(); });
}

}  // namespace wsnas::score

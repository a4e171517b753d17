#pragma once
// What the zero-cost scorers share: the layers they sum over and the forward pass they score.
#include <ATen/core/Tensor.h>

#include <vector>

#include "wsnas/score/scorer.h"

namespace wsnas::score {

/// The weight of every Conv2d and Linear module of `net`, in module order: the layers zero-cost-nas
/// sums over (p_utils.py:get_layer_metric_array, the isinstance test at its line 66).
std::vector<at::Tensor> layer_weights(const Input& in);
/// The network's output (logits) for `x` through the architecture; drop-path off.
at::Tensor logits(const Input& in, const at::Tensor& x);
/// The sum over `weights` of f(weight, its gradient) in float64; a weight without a gradient (a
/// layer the architecture does not use) adds 0, as zero-cost-nas' `torch.zeros_like` does.
template <class F>
double sum_over(const std::vector<at::Tensor>& weights, F f) {
  double s = 0;
  for (const auto& w : weights) {
    if (w.grad().defined()) s += f(w.detach(), w.grad().detach()).sum().item().toDouble();
  }
  return s;
}

}  // namespace wsnas::score

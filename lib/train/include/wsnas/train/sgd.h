#pragma once
/// Stochastic gradient descent with momentum, Nesterov and weight decay (PyTorch's torch.optim.SGD
/// update rule with dampening 0), written out so its state is plain tensors for checkpoints, and
/// learning-rate schedules and gradient clipping (paper Table 2).

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "wsnas/options/hyper_parameters.h"

namespace wsnas::train {

class Sgd {
 public:
  Sgd(std::vector<at::Tensor> params, double momentum, bool nesterov, double weight_decay);
  /// One update of every parameter that has a gradient; parameters without one (operators the
  /// sampled cell did not use) are left alone, momentum included, as PyTorch does.
  void step(double lr);
  /// Sets every gradient to undefined (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();
  const std::vector<at::Tensor>& params() const { return params_; }
  /// Momentum buffers, one per parameter (zeros until the parameter is first updated).
  std::vector<at::Tensor>& buffers() { return buffers_; }

 private:
  std::vector<at::Tensor> params_, buffers_;
  double momentum_, weight_decay_;
  bool nesterov_;
};

/// Scales gradients so their global L2 norm is at most `max_norm` (torch.nn.utils.clip_grad_norm_);
/// returns the norm before clipping. `max_norm` <= 0 only measures.
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

/// Learning rate at optimisation step `step` of `total_steps`: "fixed", or "cosine" annealing to 0
/// per step (NAS-Bench-201 and SPOS anneal per iteration).
double learning_rate(const options::HyperParameters& hp, std::int64_t step, std::int64_t total_steps);

}  // namespace wsnas::train

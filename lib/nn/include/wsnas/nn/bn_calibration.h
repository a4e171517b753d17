#pragma once
/// Batch-norm calibration before evaluating a cell inherited from a supernet (paper Appendix A.2;
/// Bender et al. 2018, Guo et al. 2019), as the paper's released code does it
/// (github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:324-373): every BN layer's
/// running statistics become the average, over the calibration batches, of its input's batch mean
/// and biased batch variance.

#include <torch/nn/module.h>

#include <functional>

namespace wsnas::nn {

/// Number of BN layers in `module` (0: nothing to calibrate, e.g. DARTS-PTB's recurrent network).
int count_bn_layers(torch::nn::Module& module);

/// Runs `steps` forward passes in training mode without gradients, calling `forward_batch(step)`
/// each time; then sets the running mean and variance of every BN layer the passes ran to the
/// averages of their batch means and biased batch variances (weighted by batch size). BN layers
/// the passes did not run keep their statistics, as in the paper's code; LibTorch's momentum
/// update still counts the passes in num_batches_tracked, as PyTorch's does there. Every BN layer
/// must be an nn::BatchNorm2d (batch_norm.h). Leaves the module in eval mode.
void calibrate_bn(torch::nn::Module& module, int steps,
                  const std::function<void(int)>& forward_batch);

}  // namespace wsnas::nn

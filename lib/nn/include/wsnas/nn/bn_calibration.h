#pragma once
/// Batch-norm calibration before evaluating a cell inherited from a supernet (paper Appendix A.2;
/// Bender et al. 2018, Guo et al. 2019): reset every BN layer's running statistics and recompute
/// them as an exact average over calibration batches.

#include <torch/nn/module.h>

#include <functional>
#include <vector>

namespace wsnas::nn {

/// Resets running mean/var of every BatchNorm in `module` and sets their momentum to cumulative
/// averaging; returns the previous momenta (NaN for "cumulative") for restore_bn_momentum.
std::vector<double> reset_bn_statistics(torch::nn::Module& module);
/// Puts back the momenta returned by reset_bn_statistics.
void restore_bn_momentum(torch::nn::Module& module, const std::vector<double>& momenta);

/// Number of BN layers in `module` (0: nothing to calibrate, e.g. DARTS-PTB's recurrent network).
int count_bn_layers(torch::nn::Module& module);

/// Runs `steps` forward passes in training mode without gradients, calling `forward_batch(step)`
/// each time, after resetting BN statistics; BN layers the passes did not run keep their previous
/// statistics (as the paper's code). Leaves the module in eval mode.
void calibrate_bn(torch::nn::Module& module, int steps,
                  const std::function<void(int)>& forward_batch);

}  // namespace wsnas::nn

#pragma once
/// The networks' BatchNorm2d: LibTorch's layer (same options, parameters, buffers, names and
/// arithmetic, so checkpoints are unchanged), plus the statistics BN calibration needs (paper
/// Appendix A.2). The released code calibrates with forward hooks that average, over the
/// calibration batches, each BN input's batch mean and *biased* batch variance
/// (github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:324-373); LibTorch has no module
/// hooks, so the layer keeps those sums itself while nn::calibrate_bn has it collecting. (A class
/// derived from torch::nn::BatchNorm2dImpl does not link against Debian's LibTorch 1.13: its base's
/// pretty_print is not exported.)

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/options/batchnorm.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <ostream>

namespace wsnas::nn {

/// 2-d batch normalisation with calibration statistics.
class BatchNorm2dImpl : public torch::nn::Cloneable<BatchNorm2dImpl> {
 public:
  explicit BatchNorm2dImpl(const torch::nn::BatchNormOptions& options);
  explicit BatchNorm2dImpl(std::int64_t features)
      : BatchNorm2dImpl(torch::nn::BatchNormOptions(features)) {}
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  /// torch::nn::BatchNorm2d's forward; while collecting in training mode, also adds the batch's
  /// mean and biased variance per channel, weighted by the batch size, to the sums.
  at::Tensor forward(const at::Tensor& input);
  /// Starts collecting (clears the sums).
  void begin_calibration();
  /// Stops collecting; if the layer ran, sets running_mean and running_var to the averages
  /// collected and returns true; otherwise leaves them and returns false.
  bool end_calibration();
  /// Stops collecting and drops the sums (the running statistics then hold the last batch's).
  void cancel_calibration();

  torch::nn::BatchNormOptions options;
  /// The layer is the identity while set: forward returns its input (synflow's networks without
  /// BN, zero-cost-nas predictive.py:copynet(bn=False); lib/score).
  bool bypass = false;
  at::Tensor weight, bias;  ///< undefined unless affine
  at::Tensor running_mean, running_var, num_batches_tracked;

 private:
  /// The collecting forward pass in training mode without gradients (BN calibration) on the
  /// inputs LibTorch's kernel is slow on (batch_norm.cpp); undefined for the others.
  at::Tensor calibration_forward(const at::Tensor& input);
  bool collecting_ = false;
  at::Tensor mean_sum_, var_sum_;
  std::int64_t count_ = 0;
};
TORCH_MODULE(BatchNorm2d);

/// bn(conv(x)). In inference (gradients off, `bn` in evaluation mode with running statistics) it
/// runs as one convolution whose weights and bias fold the normalisation in: the same function up
/// to float rounding, one pass over the output fewer (the convolution adds the bias as it writes).
/// Training, BN calibration and any pass with gradients take the two layers as they are.
at::Tensor conv_bn(torch::nn::Conv2dImpl& conv, BatchNorm2dImpl& bn, const at::Tensor& x);

}  // namespace wsnas::nn

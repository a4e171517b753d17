#include "wsnas/nn/batch_norm.h"

#include <torch/nn/functional/batchnorm.h>
#include <torch/nn/functional/conv.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <stdexcept>

namespace wsnas::nn {

BatchNorm2dImpl::BatchNorm2dImpl(const torch::nn::BatchNormOptions& options) : options(options) {
  BatchNorm2dImpl::reset();
}

void BatchNorm2dImpl::reset() {
  // As LibTorch's NormImplBase::reset (and PyTorch's _NormBase): the same tensors, names, values.
  const std::int64_t c = options.num_features();
  if (options.affine()) {
    weight = register_parameter("weight", torch::ones({c}));
    bias = register_parameter("bias", torch::zeros({c}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", torch::zeros({c}));
    running_var = register_buffer("running_var", torch::ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
  }
}

void BatchNorm2dImpl::pretty_print(std::ostream& stream) const {
  stream << "wsnas::nn::BatchNorm2d(" << options.num_features() << ", eps=" << options.eps()
         << ", affine=" << options.affine() << ")";
}

at::Tensor BatchNorm2dImpl::forward(const at::Tensor& input) {
  if (input.dim() != 4)
    throw std::invalid_argument("BatchNorm2d: expected a 4-d input (N, C, H, W)");
  const bool collect = collecting_ && is_training() && options.track_running_stats();
  // As LibTorch's BatchNormImplBase::forward: momentum None is the cumulative average.
  double factor = 0.0;
  if (is_training() && options.track_running_stats()) {
    num_batches_tracked.add_(1);
    factor = options.momentum().has_value()
                 ? *options.momentum()
                 : 1.0 / static_cast<double>(num_batches_tracked.item<std::int64_t>());
  }
  if (collect && !at::GradMode::is_enabled()) {
    if (auto out = calibration_forward(input); out.defined()) return out;
  }
  // While collecting, momentum 1 over zeroed buffers leaves exactly this batch's mean and unbiased
  // variance in them: the statistics come without a second pass over the input, and whatever the
  // buffers held before (even non-finite values) does not leak in.
  if (collect) {
    factor = 1.0;
    torch::NoGradGuard no_grad;
    running_mean.zero_();
    running_var.zero_();
  }
  // LibTorch's own path (its checks included: more than one value per channel in training).
  at::Tensor out = torch::nn::functional::detail::batch_norm(
      input, running_mean, running_var, weight, bias,
      is_training() || !options.track_running_stats(), factor, options.eps());
  if (!collect || input.numel() == 0) return out;
  torch::NoGradGuard no_grad;
  // The unbiased variance times (m - 1) / m, m = N x H x W, is the biased one the released code
  // averages; each batch weighs its size (AverageMeter.update(value, x.size(0))).
  const double n = static_cast<double>(input.size(0));
  const double m = static_cast<double>(input.numel() / input.size(1));
  const at::Tensor var = running_var * ((m - 1.0) / m);
  if (count_ == 0) {
    mean_sum_ = running_mean * n;
    var_sum_ = var * n;
  } else {
    mean_sum_.add_(running_mean, n);
    var_sum_.add_(var, n);
  }
  count_ += input.size(0);
  return out;
}

at::Tensor BatchNorm2dImpl::calibration_forward(const at::Tensor& input) {
  // The batch's statistics and the normalised output, as LibTorch's training-mode batch_norm
  // computes them (two passes: the mean, then the variance of the centred values), from reductions
  // over a [values, channels] view of a channels-last batch. Only where LibTorch's own kernel is
  // slow: LibTorch 1.13's channels-last statistics take 2-3.5x longer when a pixel's channels are
  // not a whole number of 64-byte cache lines (DARTS' 36 channels: 15 ms against 8 ms here for a
  // 200 x 36 x 32 x 32 batch on 2 threads; 16, 48 or 64 channels: 3x faster than this), and BN
  // calibration was a third of DARTS' evaluation (docs/decisions.md). Anything else (other
  // layouts, bf16, one value per channel) takes LibTorch's path.
  const std::int64_t c = input.size(1);
  const std::int64_t m = input.numel() / std::max<std::int64_t>(c, 1);
  const bool cl = input.is_contiguous(at::MemoryFormat::ChannelsLast) &&
                  !input.is_contiguous(at::MemoryFormat::Contiguous);
  if (!cl || m <= 1 || input.scalar_type() != at::kFloat ||
      (c * static_cast<std::int64_t>(sizeof(float))) % 64 == 0)
    return {};
  // [N, H, W, C] in memory: a [m, C] matrix.
  const at::Tensor x = input.permute({0, 2, 3, 1}).reshape({m, c});
  const at::Tensor mean = x.mean(0);
  const at::Tensor centred = x - mean;
  // Biased variance: the mean of the squared centred values (at::linalg_vector_norm, which
  // needs no squared copy, takes 4 ms where this takes 1.5).
  const at::Tensor var = centred.square().sum(0).div_(static_cast<double>(m));
  at::Tensor scale = torch::rsqrt(var + options.eps());
  if (options.affine()) scale = scale * weight;
  const at::Tensor shift = options.affine() ? bias : torch::zeros_like(mean);
  const at::Tensor out = torch::addcmul(shift, centred, scale)
                             .reshape({input.size(0), input.size(2), input.size(3), c})
                             .permute({0, 3, 1, 2});
  // The buffers as LibTorch leaves them at momentum 1: this batch's mean and unbiased variance.
  running_mean.copy_(mean);
  running_var.copy_(var * (static_cast<double>(m) / static_cast<double>(m - 1)));
  const double n = static_cast<double>(input.size(0));
  if (count_ == 0) {
    mean_sum_ = mean * n;
    var_sum_ = var * n;
  } else {
    mean_sum_.add_(mean, n);
    var_sum_.add_(var, n);
  }
  count_ += input.size(0);
  return out;
}

void BatchNorm2dImpl::cancel_calibration() {
  collecting_ = false;
  count_ = 0;
  mean_sum_ = var_sum_ = at::Tensor();
}

void BatchNorm2dImpl::begin_calibration() {
  collecting_ = true;
  count_ = 0;
  mean_sum_ = var_sum_ = at::Tensor();
}

bool BatchNorm2dImpl::end_calibration() {
  collecting_ = false;
  if (count_ == 0) return false;
  torch::NoGradGuard no_grad;
  running_mean.copy_(mean_sum_ / static_cast<double>(count_));
  running_var.copy_(var_sum_ / static_cast<double>(count_));
  mean_sum_ = var_sum_ = at::Tensor();
  count_ = 0;
  return true;
}

at::Tensor conv_bn(torch::nn::Conv2dImpl& conv, BatchNorm2dImpl& bn, const at::Tensor& x) {
  const auto& o = conv.options;
  // Zero padding only (index 0 of the padding-mode variant): other modes pad in Conv2d::forward.
  if (bn.is_training() || !bn.options.track_running_stats() || at::GradMode::is_enabled() ||
      o.padding_mode().index() != 0 || x.dim() != 4)
    return bn.forward(conv.forward(x));
  // y = (conv(x, W) - mean) / sqrt(var + eps) * gamma + beta = conv(x, W * s) + (beta - mean * s),
  // s = gamma / sqrt(var + eps) per output channel (gamma 1, beta 0 without affine).
  at::Tensor scale = torch::rsqrt(bn.running_var + bn.options.eps());
  if (bn.options.affine()) scale = scale * bn.weight;
  at::Tensor shift = -bn.running_mean * scale;
  if (bn.options.affine()) shift = shift + bn.bias;
  if (conv.bias.defined()) shift = shift + conv.bias * scale;
  const at::Tensor weight = conv.weight * scale.reshape({-1, 1, 1, 1});
  return torch::nn::functional::conv2d(x, weight,
                                       torch::nn::functional::Conv2dFuncOptions()
                                           .bias(shift)
                                           .stride(o.stride())
                                           .padding(o.padding())
                                           .dilation(o.dilation())
                                           .groups(o.groups()));
}

}  // namespace wsnas::nn

#include "wsnas/nn/batch_norm.h"

#include <torch/nn/functional/batchnorm.h>
#include <torch/types.h>
#include <torch/utils.h>

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

}  // namespace wsnas::nn

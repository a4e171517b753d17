#include "wsnas/nn/batch_norm.h"

#include <ATen/core/grad_mode.h>
#include <c10/util/Optional.h>
#include <torch/autograd.h>
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

namespace {

// LibTorch 1.13's training-mode batch norm on channels-last float batches is slow when a pixel's
// channels are not a whole number of 64-byte cache lines (DARTS' 36; also Proxyless' 24, 40, ...
// and NB-101's uneven vertex widths): DARTS' 36 channels, 112 x 36 x 32 x 32,
// 2 threads: forward 8.5 ms and forward + backward 42 ms, against 1.2 and 3.5 ms at 48 channels
// (a third more data). There BN runs on a [pixels, channels] view with reductions (forward 4 ms at
// 36 channels), and its backward is written out; LibTorch's kernel is kept everywhere else, where
// it is the faster (16, 48 or 64 channels: about 3x). Measured in docs/decisions.md.
bool libtorch_is_slow_on(const at::Tensor& x) {
  if (x.dim() != 4 || x.scalar_type() != at::kFloat || x.device().type() != at::kCPU) return false;
  const std::int64_t c = x.size(1);
  if (c <= 0 || x.numel() / c <= 1 || (c * static_cast<std::int64_t>(sizeof(float))) % 64 == 0)
    return false;
  return x.is_contiguous(at::MemoryFormat::ChannelsLast) &&
         !x.is_contiguous(at::MemoryFormat::Contiguous);
}

// A channels-last batch as a [m, C] matrix (m = N x H x W), with its statistics: two passes, the
// mean, then the mean of the squared centred values (the biased variance), as LibTorch computes
// them.
struct ClBatch {
  at::Tensor centred, mean, var, invstd;
};

ClBatch cl_batch(const at::Tensor& x, double eps) {
  const std::int64_t c = x.size(1), m = x.numel() / c;
  const at::Tensor rows = x.permute({0, 2, 3, 1}).reshape({m, c});
  ClBatch b;
  b.mean = rows.mean(0);
  b.centred = rows - b.mean;
  // (at::linalg_vector_norm, which needs no squared copy, takes 4 ms where this takes 1.5.)
  b.var = b.centred.square().sum(0).div_(static_cast<double>(m));
  b.invstd = torch::rsqrt(b.var + eps);
  return b;
}

// [m, C] rows back to the [N, C, H, W] channels-last shape of `like`.
at::Tensor cl_shape(const at::Tensor& rows, const at::Tensor& like) {
  return rows.reshape({like.size(0), like.size(2), like.size(3), like.size(1)})
      .permute({0, 3, 1, 2});
}

// centred * invstd * weight + bias, weight and bias optional, written into a new channels-last
// tensor shaped as `like` (a tensor of its own, not a view: autograd refuses in-place operations
// on views made inside a custom Function, and the layers after BN may use them).
at::Tensor cl_output(const ClBatch& b, const at::Tensor& like, const at::Tensor& weight,
                     const at::Tensor& bias) {
  const at::Tensor scale = weight.defined() ? b.invstd * weight : b.invstd;
  at::Tensor out =
      at::empty_like(like, like.options().memory_format(at::MemoryFormat::ChannelsLast));
  at::Tensor rows = out.permute({0, 2, 3, 1}).reshape({b.centred.size(0), b.centred.size(1)});
  if (bias.defined())
    at::addcmul_out(rows, bias, b.centred, scale);
  else
    at::mul_out(rows, b.centred, scale);
  return out;
}

// Training-mode BN of a batch libtorch_is_slow_on, as one autograd node; updates the running
// statistics (when given) as LibTorch does: (1 - f) r + f s, s the batch mean and unbiased
// variance.
struct ClBatchNorm : public torch::autograd::Function<ClBatchNorm> {
  // The optional tensors are absent without affine parameters or running statistics (an
  // undefined at::Tensor cannot be an autograd input).
  using Optional = c10::optional<at::Tensor>;
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const Optional& weight_in, const Optional& bias_in,
                            const Optional& running_mean_in, const Optional& running_var_in,
                            double factor, double eps) {
    const at::Tensor weight = weight_in.value_or(at::Tensor());
    const at::Tensor bias = bias_in.value_or(at::Tensor());
    const at::Tensor running_mean = running_mean_in.value_or(at::Tensor());
    const at::Tensor running_var = running_var_in.value_or(at::Tensor());
    ClBatch b = cl_batch(x, eps);
    at::Tensor out = cl_output(b, x, weight, bias);
    if (running_mean.defined()) {
      const double m = static_cast<double>(b.centred.size(0));
      running_mean.mul_(1.0 - factor).add_(b.mean, factor);
      running_var.mul_(1.0 - factor).add_(b.var, factor * m / (m - 1.0));
    }
    // The centred values stand in for the input LibTorch keeps (the same size; the input can go).
    ctx->save_for_backward({b.centred, b.invstd, weight.defined() ? weight : b.invstd});
    ctx->saved_data["affine"] = weight.defined();
    ctx->saved_data["bias"] = bias.defined();
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    // A second derivative would need the centred values' own graph, which is not kept.
    if (at::GradMode::is_enabled())
      throw std::logic_error(
          "BatchNorm2d: no double backward through the channels-last training kernel "
          "(batch_norm.cpp, ClBatchNorm)");
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& centred = saved[0];
    const at::Tensor& invstd = saved[1];
    const bool affine = ctx->saved_data["affine"].toBool();
    const std::int64_t m = centred.size(0), c = centred.size(1);
    const at::Tensor& g = grads[0];
    const at::Tensor dy =
        g.contiguous(at::MemoryFormat::ChannelsLast).permute({0, 2, 3, 1}).reshape({m, c});
    // With xhat = centred * invstd and scale = invstd * weight:
    // dx = scale * (dy - mean(dy) - xhat * mean(dy * xhat)), dweight = sum(dy * xhat),
    // dbias = sum(dy).
    const at::Tensor sum_dy = dy.sum(0);
    const at::Tensor sum_dy_c = (dy * centred).sum(0);
    const at::Tensor scale = affine ? invstd * saved[2] : invstd;
    const double inv_m = 1.0 / static_cast<double>(m);
    const at::Tensor dx = torch::addcmul(-scale * sum_dy * inv_m, dy, scale)
                              .addcmul_(centred, -scale * invstd * invstd * sum_dy_c * inv_m);
    at::Tensor dweight, dbias;
    if (affine) dweight = sum_dy_c * invstd;
    if (ctx->saved_data["bias"].toBool()) dbias = sum_dy;
    return {cl_shape(dx, g), dweight,      dbias,       at::Tensor(),
            at::Tensor(),    at::Tensor(), at::Tensor()};
  }
};

ClBatchNorm::Optional optional(const at::Tensor& t) {
  return t.defined() ? ClBatchNorm::Optional(t) : ClBatchNorm::Optional();
}

}  // namespace

at::Tensor BatchNorm2dImpl::forward(const at::Tensor& input) {
  if (bypass) return input;
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
  // (A channel count other than the layer's takes LibTorch's path and its error.)
  if (is_training() && !collect && input.size(1) == options.num_features() &&
      libtorch_is_slow_on(input))
    return ClBatchNorm::apply(input, optional(options.affine() ? weight : at::Tensor()),
                              optional(options.affine() ? bias : at::Tensor()),
                              optional(running_mean), optional(running_var), factor, options.eps());
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
  if (input.size(1) != options.num_features() || !libtorch_is_slow_on(input)) return {};
  const ClBatch b = cl_batch(input, options.eps());
  const at::Tensor out = cl_output(b, input, options.affine() ? weight : at::Tensor(),
                                   options.affine() ? bias : at::Tensor());
  // The buffers as LibTorch leaves them at momentum 1: this batch's mean and unbiased variance.
  const double m = static_cast<double>(b.centred.size(0));
  running_mean.copy_(b.mean);
  running_var.copy_(b.var * (m / (m - 1.0)));
  const double n = static_cast<double>(input.size(0));
  if (count_ == 0) {
    mean_sum_ = b.mean * n;
    var_sum_ = b.var * n;
  } else {
    mean_sum_.add_(b.mean, n);
    var_sum_.add_(b.var, n);
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
  if (bn.bypass || bn.is_training() || !bn.options.track_running_stats() ||
      at::GradMode::is_enabled() || o.padding_mode().index() != 0 || x.dim() != 4)
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

#include "wsnas/train/sgd.h"

#include <ATen/ATen.h>

#include <cmath>

#include "wsnas/core/error.h"
#include "wsnas/io/h5file.h"
#include "wsnas/train/state_io.h"

namespace wsnas::train {

UnusedParams parse_unused_params(const std::string& text) {
  if (text == "decay") return UnusedParams::kDecay;
  if (text == "skip") return UnusedParams::kSkip;
  if (text == "decay-all") return UnusedParams::kDecayAll;
  throw UsageError("--unused-params '" + text + "': expected decay, skip or decay-all");
}

Sgd::Sgd(std::vector<at::Tensor> params, double momentum, bool nesterov, double weight_decay,
         UnusedParams unused)
    : params_(std::move(params)),
      touched_(params_.size(), unused == UnusedParams::kDecayAll ? 1 : 0),
      unused_(unused),
      momentum_(momentum),
      weight_decay_(weight_decay),
      nesterov_(nesterov) {
  WSNAS_CHECK_USAGE(!nesterov_ || momentum_ > 0, "--nesterov needs --momentum > 0");
  buffers_.reserve(params_.size());
  for (const auto& p : params_) buffers_.push_back(at::zeros_like(p));
}

void Sgd::use_rmsprop(double decay, double epsilon) {
  WSNAS_CHECK_USAGE(!nesterov_, "--optimizer rmsprop does not take --nesterov true");
  rms_decay_ = decay;
  rms_epsilon_ = epsilon;
  mean_squares_.clear();
  for (const auto& p : params_) mean_squares_.push_back(at::ones_like(p));
}

Sgd make_optimizer(std::vector<at::Tensor> params, const options::HyperParameters& hp,
                   UnusedParams unused) {
  Sgd opt(std::move(params), hp.momentum, hp.nesterov, hp.weight_decay, unused);
  if (hp.optimizer == "rmsprop") opt.use_rmsprop(hp.rmsprop_decay, hp.rmsprop_epsilon);
  return opt;
}

void write_optimizer(io::File& f, const std::string& group, Sgd& opt) {
  write_tensor_list(f, group + "/momentum", opt.buffers());
  if (opt.rmsprop()) write_tensor_list(f, group + "/mean_square", opt.mean_squares());
}

void read_optimizer(const io::File& f, const std::string& group, Sgd& opt) {
  read_tensor_list(f, group + "/momentum", opt.buffers());
  if (opt.rmsprop()) read_tensor_list(f, group + "/mean_square", opt.mean_squares());
}

void Sgd::zero_grad() {
  for (auto& p : params_) p.mutable_grad().reset();
}

void Sgd::step(double lr) {
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    at::Tensor d;
    if (p.grad().defined()) {
      touched_[i] = 1;
      d = weight_decay_ != 0 ? p.grad().add(p, weight_decay_) : p.grad();
    } else if (unused_ != UnusedParams::kSkip && touched_[i]) {
      d = p.mul(weight_decay_);  // a zero gradient plus weight decay
    } else {
      continue;
    }
    if (rmsprop()) {  // TensorFlow 1's RMSPropOptimizer with momentum
      auto& ms = mean_squares_[i];
      ms.mul_(rms_decay_).addcmul_(d, d, 1 - rms_decay_);
      auto& buf = buffers_[i];
      buf.mul_(momentum_).add_(d / (ms + rms_epsilon_).sqrt(), lr);
      p.sub_(buf);
      continue;
    }
    if (momentum_ != 0) {
      // With zero-initialised buffers, buf = m*buf + d equals PyTorch's first-step buf = d.
      auto& buf = buffers_[i];
      buf.mul_(momentum_).add_(d);
      d = nesterov_ ? d.add(buf, momentum_) : buf;
    }
    p.add_(d, -lr);
  }
}

double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> squares;
  for (const auto& p : params) {
    if (p.grad().defined()) squares.push_back(p.grad().to(at::kDouble).pow(2).sum());
  }
  if (squares.empty()) return 0;
  const double norm = std::sqrt(at::stack(squares).sum().item<double>());  // one device sync
  if (max_norm > 0 && norm > max_norm) {
    const double scale = max_norm / (norm + 1e-6);
    for (const auto& p : params) {
      if (p.grad().defined()) p.grad().mul_(scale);
    }
  }
  return norm;
}

double learning_rate(const options::HyperParameters& hp, std::int64_t step,
                     std::int64_t total_steps, std::int64_t steps_per_epoch) {
  WSNAS_ASSERT(steps_per_epoch >= 1, "steps per epoch");
  const double spe = static_cast<double>(steps_per_epoch);
  // Warm-up (ProxylessNAS code, paper-code-spec §5.3): per step, by fractional epoch, linear from
  // warmup_lr to lr; the schedule then runs over the remaining epochs.
  const double epoch = static_cast<double>(step) / spe;
  if (hp.warmup_epochs > 0 && epoch < hp.warmup_epochs)
    return hp.warmup_lr + epoch * (hp.lr - hp.warmup_lr) / hp.warmup_epochs;
  if (hp.lr_schedule == "fixed" || total_steps <= 0) return hp.lr;
  const double warm_steps = hp.warmup_epochs * spe;
  double t = static_cast<double>(step) - warm_steps,
         total = static_cast<double>(total_steps) - warm_steps;
  if (hp.lr_schedule == "cosine-epoch") {
    t = std::floor(t / spe);
    total = std::ceil(total / spe);
  }
  if (total <= 0) return hp.lr;
  const double pi = 3.14159265358979323846;
  return 0.5 * hp.lr * (1.0 + std::cos(pi * t / total));
}

}  // namespace wsnas::train

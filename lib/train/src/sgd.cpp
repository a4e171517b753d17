#include "wsnas/train/sgd.h"

#include <ATen/ATen.h>

#include <algorithm>
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
      unused_(unused),
      momentum_(momentum),
      weight_decay_(weight_decay),
      nesterov_(nesterov) {
  WSNAS_CHECK_USAGE(!nesterov_ || momentum_ > 0, "--nesterov needs --momentum > 0");
  st_.touched.assign(params_.size(), unused == UnusedParams::kDecayAll ? 1 : 0);
  st_.buffers.reserve(params_.size());
  for (const auto& p : params_) st_.buffers.push_back(at::zeros_like(p));
}

void Sgd::use_rmsprop(double decay, double epsilon) {
  WSNAS_CHECK_USAGE(!nesterov_, "--optimizer rmsprop does not take --nesterov true");
  rms_decay_ = decay;
  rms_epsilon_ = epsilon;
  st_.mean_squares.clear();
  for (const auto& p : params_) st_.mean_squares.push_back(at::ones_like(p));
}

void Sgd::start_averaging() {
  WSNAS_CHECK_USAGE(momentum_ == 0 && !rmsprop(),
                    "--asgd needs --momentum 0 and --optimizer sgd (torch.optim.ASGD has no "
                    "momentum)");
  if (st_.averaging) return;
  st_.averaging = true;
  st_.averages.clear();
  for (const auto& p : params_) st_.averages.push_back(at::zeros_like(p));
  st_.average_steps.assign(params_.size(), 0);
  st_.etas.assign(params_.size(), 0.0);
}

namespace {
std::vector<at::Tensor> clone_all(const std::vector<at::Tensor>& v) {
  std::vector<at::Tensor> out;
  for (const auto& t : v) out.push_back(t.clone());
  return out;
}
}  // namespace

Sgd::State Sgd::save() const {
  State s = st_;
  s.buffers = clone_all(st_.buffers);
  s.mean_squares = clone_all(st_.mean_squares);
  s.averages = clone_all(st_.averages);
  return s;
}

void Sgd::restore(const State& s) {
  st_ = s;
  st_.buffers = clone_all(s.buffers);
  st_.mean_squares = clone_all(s.mean_squares);
  st_.averages = clone_all(s.averages);
}

AveragedWeights::AveragedWeights(Sgd& opt) : opt_(opt) {
  if (!opt_.averaging()) return;
  at::NoGradGuard g;
  for (std::size_t i = 0; i < opt_.params().size(); ++i) {
    saved_.push_back(opt_.params()[i].clone());
    if (opt_.average_steps()[i] > 0) opt_.params()[i].copy_(opt_.averages()[i]);
  }
}

AveragedWeights::~AveragedWeights() {
  at::NoGradGuard g;
  for (std::size_t i = 0; i < saved_.size(); ++i) opt_.params()[i].copy_(saved_[i]);
}

bool asgd_switch(const std::string& rule, int patience, const std::vector<double>& h,
                 bool higher_is_better) {
  if (rule == "off" || h.empty()) return false;
  if (rule == "always") return true;
  const std::size_t n = h.size(), p = static_cast<std::size_t>(std::max(patience, 0));
  if (rule == "plateau") {
    // The code's patience counter: validations since the best (all of them when none was
    // finite, its best starting at 1e9), checked only after one that did not improve.
    const bool any = std::any_of(h.begin(), h.end(), [](double v) { return std::isfinite(v); });
    const std::size_t since = any ? n - 1 - best_index(h, higher_is_better) : n;
    return since > 0 && since >= p;
  }
  if (rule == "nonmono") {
    if (n - 1 <= p) return false;
    const std::vector<double> old(h.begin(), h.end() - 1 - static_cast<std::ptrdiff_t>(p));
    const double best = old[best_index(old, higher_is_better)];
    return higher_is_better ? h.back() < best : h.back() > best;
  }
  throw UsageError("--asgd '" + rule + "': expected off, plateau, nonmono or always");
}

std::size_t best_index(const std::vector<double>& h, bool higher_is_better) {
  WSNAS_ASSERT(!h.empty(), "best_index of no scores");
  std::size_t b = h.size();  // non-finite scores (a diverged run) are never the best
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (!std::isfinite(h[i])) continue;
    if (b == h.size() || (higher_is_better ? h[i] > h[b] : h[i] < h[b])) b = i;
  }
  return b == h.size() ? 0 : b;
}

Sgd make_optimizer(std::vector<at::Tensor> params, const options::HyperParameters& hp,
                   UnusedParams unused) {
  Sgd opt(std::move(params), hp.momentum, hp.nesterov, hp.weight_decay, unused);
  if (hp.optimizer == "rmsprop") opt.use_rmsprop(hp.rmsprop_decay, hp.rmsprop_epsilon);
  if (hp.asgd == "always") opt.start_averaging();
  return opt;
}

void write_sgd_state(io::File& f, const std::string& group, const Sgd::State& s) {
  write_tensor_list(f, group + "/momentum", s.buffers);
  if (!s.mean_squares.empty()) write_tensor_list(f, group + "/mean_square", s.mean_squares);
  f.write_i64(group + "/touched", s.touched);
  if (s.averaging) {
    write_tensor_list(f, group + "/average", s.averages);
    f.write_i64(group + "/average_steps", s.average_steps);
    f.write_f64(group + "/eta", s.etas);
  }
}

Sgd::State read_sgd_state(const io::File& f, const std::string& group, const Sgd& like) {
  Sgd::State s = like.save();
  read_tensor_list(f, group + "/momentum", s.buffers);
  if (!s.mean_squares.empty()) read_tensor_list(f, group + "/mean_square", s.mean_squares);
  // Checkpoints before this format kept `touched` beside the group (the caller reads it there).
  if (f.exists(group + "/touched")) {
    const auto touched = f.read_i64(group + "/touched");
    WSNAS_CHECK_INPUT(touched.size() == s.touched.size(), f.where(group + "/touched"), ": ",
                      touched.size(), " entries, expected ", s.touched.size());
    s.touched = touched;
  }
  s.averaging = f.exists(group + "/average");
  if (s.averaging) {
    s.averages.clear();
    for (const auto& p : like.params()) s.averages.push_back(at::zeros_like(p));
    read_tensor_list(f, group + "/average", s.averages);
    s.average_steps = f.read_i64(group + "/average_steps");
    s.etas = f.read_f64(group + "/eta");
    WSNAS_CHECK_INPUT(
        s.average_steps.size() == like.params().size() && s.etas.size() == like.params().size(),
        f.where(group + "/average_steps"), ": ", s.average_steps.size(), " entries, expected ",
        like.params().size());
  }
  return s;
}

void write_optimizer(io::File& f, const std::string& group, Sgd& opt) {
  write_sgd_state(f, group, opt.state());
}

void read_optimizer(const io::File& f, const std::string& group, Sgd& opt) {
  if (f.exists(group + "/average")) opt.start_averaging();  // checks momentum 0
  opt.restore(read_sgd_state(f, group, opt));
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
      st_.touched[i] = 1;
      d = weight_decay_ != 0 ? p.grad().add(p, weight_decay_) : p.grad();
    } else if (unused_ != UnusedParams::kSkip && st_.touched[i]) {
      d = p.mul(weight_decay_);  // a zero gradient plus weight decay
    } else {
      continue;
    }
    if (st_.averaging) {  // torch.optim.ASGD with lambd = 0, t0 = 0 (see start_averaging)
      // torch keeps eta and mu as float32 scalars: rounded here the same way.
      const std::int64_t k = ++st_.average_steps[i];
      if (k == 1) st_.etas[i] = static_cast<float>(lr);
      p.add_(d, -st_.etas[i]);
      auto& ax = st_.averages[i];
      if (k <= 2) {
        ax.copy_(p);
      } else {
        ax.add_(p - ax, static_cast<float>(1.0 / static_cast<double>(k - 1)));
      }
      st_.etas[i] = static_cast<float>(lr);
      continue;
    }
    if (rmsprop()) {  // TensorFlow 1's RMSPropOptimizer with momentum
      auto& ms = st_.mean_squares[i];
      ms.mul_(rms_decay_).addcmul_(d, d, 1 - rms_decay_);
      auto& buf = st_.buffers[i];
      buf.mul_(momentum_).add_(d / (ms + rms_epsilon_).sqrt(), lr);
      p.sub_(buf);
      continue;
    }
    if (momentum_ != 0) {
      // With zero-initialised buffers, buf = m*buf + d equals PyTorch's first-step buf = d.
      auto& buf = st_.buffers[i];
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
  // Warm-up (the paper's ProxylessNAS code, github.com/matluster/anonymous-2102 @3825f00
  // trainers/utils.py:259-270, trainers/proxyless.py:37): per step, by fractional epoch, linear
  // from warmup_lr to lr; the schedule then runs over the remaining epochs.
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

#include "wsnas/train/schedule.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

#include "wsnas/core/error.h"

namespace wsnas::train {

bool asgd_switch(options::AsgdRule rule, int patience, const std::vector<double>& h,
                 bool higher_is_better) {
  using options::AsgdRule;
  if (rule == AsgdRule::kOff || h.empty()) return false;
  if (rule == AsgdRule::kAlways) return true;
  const std::size_t n = h.size(), p = static_cast<std::size_t>(std::max(patience, 0));
  if (rule == AsgdRule::kPlateau) {
    // The code's patience counter: validations since the best (all of them when none was
    // finite, its best starting at 1e9), checked only after one that did not improve.
    const bool any = std::any_of(h.begin(), h.end(), [](double v) { return std::isfinite(v); });
    const std::size_t since = any ? n - 1 - best_index(h, higher_is_better) : n;
    return since > 0 && since >= p;
  }
  // nonmono
  if (n - 1 <= p) return false;
  const std::vector<double> old(h.begin(), h.end() - 1 - static_cast<std::ptrdiff_t>(p));
  const double best = old[best_index(old, higher_is_better)];
  return higher_is_better ? h.back() < best : h.back() > best;
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
  if (hp.lr_schedule == options::LrSchedule::kFixed || total_steps <= 0) return hp.lr;
  const double warm_steps = hp.warmup_epochs * spe;
  double t = static_cast<double>(step) - warm_steps,
         total = static_cast<double>(total_steps) - warm_steps;
  if (hp.lr_schedule == options::LrSchedule::kCosineEpoch) {
    t = std::floor(t / spe);
    total = std::ceil(total / spe);
  }
  if (total <= 0) return hp.lr;
  const double pi = 3.14159265358979323846;
  return 0.5 * hp.lr * (1.0 + std::cos(pi * t / total));
}

}  // namespace wsnas::train

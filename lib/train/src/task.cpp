#include "wsnas/train/task.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>

#include <cmath>

#include "wsnas/core/error.h"

namespace wsnas::train {

namespace {

/// Image classification: cross-entropy; top-1 (the score) and top-5 accuracy in percent, and the
/// mean loss (paper §4.1 and Appendix A: top-1 ranks; ProxylessNAS also reports top-5).
class Classification final : public Task {
 public:
  explicit Classification(double smoothing) : smoothing_(smoothing) {}
  std::string name() const override { return "classification"; }
  const std::vector<Metric>& metrics() const override {
    static const std::vector<Metric> m = {{"accuracy", true}, {"top5", true}, {"loss", false}};
    return m;
  }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) const override {
    if (smoothing_ == 0) return torch::nn::functional::cross_entropy(output, target);
    // ProxylessNAS's smoothed targets (the paper's released code,
    // github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:215-229): q = 1 - e on the
    // label and e / (C - 1) elsewhere; loss = mean over the batch of -sum_c q_c log_softmax_c.
    const auto classes = output.size(1);
    const at::Tensor logp = at::log_softmax(output.to(at::kFloat), 1);
    const at::Tensor q = at::full_like(logp, smoothing_ / static_cast<double>(classes - 1))
                             .scatter_(1, target.view({-1, 1}), 1.0 - smoothing_);
    return -(q * logp).sum(1).mean();
  }
  at::Tensor totals(const at::Tensor& output, const at::Tensor& target,
                    const at::Tensor& loss) const override {
    const auto n = output.size(0);
    const at::Tensor mean = loss.defined()
                                ? loss.detach()
                                : torch::nn::functional::cross_entropy(output.detach(), target);
    const auto k = std::min<std::int64_t>(5, output.size(1));
    const at::Tensor top = std::get<1>(output.detach().topk(k, 1));  // [n, k], best first
    const at::Tensor hit = top.eq(target.view({-1, 1}));
    const at::Tensor top1 = hit.select(1, 0).sum();
    const at::Tensor top5 = hit.any(1).sum();
    return at::stack({mean.to(at::kDouble) * static_cast<double>(n),
                      at::scalar_tensor(static_cast<double>(n), mean.options().dtype(at::kDouble)),
                      top1.to(at::kDouble), top5.to(at::kDouble)});
  }
  std::vector<double> finish(const std::vector<double>& t) const override {
    WSNAS_ASSERT(t.size() == 4, "classification totals");
    if (t[1] <= 0) return {0, 0, 0};
    return {100.0 * t[2] / t[1], 100.0 * t[3] / t[1], t[0] / t[1]};
  }

 private:
  double smoothing_;
};

/// Language modelling (DARTS-PTB; anonymous-2102 trainers/ptb.py:179-196): the output is the
/// logits of every position, [L * n, V] or [L, n, V]; the target the next tokens [L, n]. Loss:
/// mean token cross-entropy. Score: perplexity exp(sum of token losses / tokens), lower is better
/// (the released code's token-weighted mean of window losses: windows have L x B tokens, B
/// fixed).
class LanguageModelling final : public Task {
 public:
  std::string name() const override { return "language-modelling"; }
  const std::vector<Metric>& metrics() const override {
    static const std::vector<Metric> m = {{"perplexity", false}, {"loss", false}};
    return m;
  }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) const override {
    return torch::nn::functional::cross_entropy(output.reshape({-1, output.size(-1)}),
                                                target.reshape({-1}));
  }
  at::Tensor totals(const at::Tensor& output, const at::Tensor& target,
                    const at::Tensor& loss) const override {
    const at::Tensor mean = loss.defined() ? loss.detach() : this->loss(output.detach(), target);
    const double n = static_cast<double>(target.numel());
    return at::stack(
        {mean.to(at::kDouble) * n, at::scalar_tensor(n, mean.options().dtype(at::kDouble))});
  }
  std::vector<double> finish(const std::vector<double>& t) const override {
    WSNAS_ASSERT(t.size() == 2, "language-modelling totals");
    if (t[1] <= 0) return {0, 0};
    const double mean = t[0] / t[1];
    return {std::exp(mean), mean};
  }
};

}  // namespace

std::unique_ptr<Task> make_task(const std::string& name, const TaskOptions& options) {
  if (name == "classification") return std::make_unique<Classification>(options.label_smoothing);
  if (name == "language-modelling") return std::make_unique<LanguageModelling>();
  throw InputError("task '" + name + "': unknown (expected classification or language-modelling)");
}

}  // namespace wsnas::train

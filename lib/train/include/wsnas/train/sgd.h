#pragma once
/// Stochastic gradient descent with momentum, Nesterov and weight decay (PyTorch's torch.optim.SGD
/// update rule with dampening 0), written out so its state is plain tensors for checkpoints, and
/// learning-rate schedules and gradient clipping (paper Table 2).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/options/hyper_parameters.h"

namespace wsnas::io {
class File;
}

namespace wsnas::train {

/// What a step does to a parameter without a gradient (an operator the sampled path did not use).
enum class UnusedParams {
  /// PyTorch 1.x, the paper's code (github.com/matluster/anonymous-2102 @3825f00, e.g.
  /// trainers/nb201.py:36): zero_grad() zeroed gradients in place, so a parameter used once
  /// before gets weight decay and momentum on every later step.
  kDecay,
  /// Left alone, momentum included (PyTorch 2's zero_grad(set_to_none=True)).
  kSkip,
  /// Every parameter counts as used from the first step: the released DARTS code with parallel
  /// sampling pre-fills zero gradients for all parameters (trainers/darts_cifar.py:175-177).
  kDecayAll,
};
/// "decay" | "skip" | "decay-all"; UsageError naming --unused-params otherwise.
UnusedParams parse_unused_params(const std::string& text);

class Sgd {
 public:
  /// Everything a step depends on besides the parameters and the gradients.
  struct State {
    std::vector<at::Tensor> buffers, mean_squares, averages;
    std::vector<std::int64_t> touched, average_steps;
    std::vector<double> etas;
    bool averaging = false;
  };
  Sgd(std::vector<at::Tensor> params, double momentum, bool nesterov, double weight_decay,
      UnusedParams unused = UnusedParams::kSkip);
  /// One update: every parameter with a gradient, and with kDecay every parameter that has had
  /// one before (as if its gradient were zero).
  void step(double lr);
  /// Makes the update TensorFlow 1's RMSPropOptimizer with momentum (NAS-Bench-101's recipe): with
  /// d = gradient + weight_decay * p (its L2 loss term), ms = decay * ms + (1 - decay) * d^2
  /// (ms starts at 1, TF's slot initialiser), buf = momentum * buf + lr * d / sqrt(ms + epsilon),
  /// p -= buf. Not with Nesterov.
  void use_rmsprop(double decay, double epsilon);
  bool rmsprop() const { return rms_decay_ >= 0; }
  /// RMSProp's mean squares, one per parameter (empty for SGD).
  std::vector<at::Tensor>& mean_squares() { return st_.mean_squares; }
  /// Switches to averaged SGD as the PTB trainers do (torch.optim.ASGD(lr, t0 = 0, lambd = 0,
  /// weight_decay); Merity et al. 2018's NT-ASGD): from the next step, p -= eta * (g + wd * p)
  /// where eta is the rate passed to the parameter's previous step (torch's ASGD sets eta after
  /// its update; its first step uses its own rate), and the average of the parameter's values
  /// after each step (torch's ax: the value itself after the first two steps, then the running
  /// mean, mu = 1 / max(1, step - 1); eta and mu rounded to float32 as torch's scalar tensors).
  /// Needs momentum 0 and SGD.
  void start_averaging();
  bool averaging() const { return st_.averaging; }
  /// Per parameter: its average (ax), its steps since the switch and its next step size (eta).
  std::vector<at::Tensor>& averages() { return st_.averages; }
  std::vector<std::int64_t>& average_steps() { return st_.average_steps; }
  std::vector<double>& etas() { return st_.etas; }
  /// The optimizer's state; a deep copy of it (a best state to roll back to, anonymous-2102
  /// trainers/ptb.py:253-264,272), and setting one back.
  const State& state() const { return st_; }
  State save() const;
  void restore(const State& state);
  /// Sets every gradient to undefined (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();
  const std::vector<at::Tensor>& params() const { return params_; }
  /// Momentum buffers, one per parameter (zeros until the parameter is first updated).
  std::vector<at::Tensor>& buffers() { return st_.buffers; }
  /// Per parameter, 1 once it has had a gradient (checkpointed with the buffers).
  std::vector<std::int64_t>& touched() { return st_.touched; }

 private:
  std::vector<at::Tensor> params_;
  State st_;
  UnusedParams unused_;
  double momentum_, weight_decay_, rms_decay_ = -1, rms_epsilon_ = 1;
  bool nesterov_;
};

/// The optimizer `hp` names (--optimizer, --momentum, --nesterov, --weight-decay, --rmsprop-*).
Sgd make_optimizer(std::vector<at::Tensor> params, const options::HyperParameters& hp,
                   UnusedParams unused = UnusedParams::kSkip);
/// Writes / reads the optimizer's state under `group` (momentum buffers; RMSProp's mean squares;
/// ASGD's averages, steps and step sizes, whose presence switches a read optimizer to ASGD).
void write_optimizer(io::File& f, const std::string& group, Sgd& opt);
void read_optimizer(const io::File& f, const std::string& group, Sgd& opt);
/// The same for a saved state (Sgd::save) of an optimizer like `like` (its shapes).
void write_sgd_state(io::File& f, const std::string& group, const Sgd::State& state);
Sgd::State read_sgd_state(const io::File& f, const std::string& group, const Sgd& like);

/// While it lives, the parameters hold ASGD's averages (evaluation uses the averaged weights, as
/// the PTB trainers do); nothing when the optimizer is not averaging.
class AveragedWeights {
 public:
  explicit AveragedWeights(Sgd& opt);
  ~AveragedWeights();
  AveragedWeights(const AveragedWeights&) = delete;
  AveragedWeights& operator=(const AveragedWeights&) = delete;

 private:
  Sgd& opt_;
  std::vector<at::Tensor> saved_;
};

/// Whether the validation scores so far (`history`, oldest first, the last just measured) switch
/// SGD to ASGD under `rule`: "off" never; "always" at once; "plateau" (the paper's
/// trainers/ptb.py) after a score that did not beat the best, when `patience` or more came since
/// the best (none finite: all of them); "nonmono"
/// (DARTS' and AWD-LSTM's NT-ASGD) when more than `patience` scores came before the last and the
/// last is worse than the best of all but the `patience` latest before it.
bool asgd_switch(const std::string& rule, int patience, const std::vector<double>& history,
                 bool higher_is_better);
/// Index of the best finite score (the first one on ties; 0 when none is finite); history must not
/// be empty.
std::size_t best_index(const std::vector<double>& history, bool higher_is_better);

/// Scales gradients so their global L2 norm is at most `max_norm` (torch.nn.utils.clip_grad_norm_);
/// returns the norm before clipping. `max_norm` <= 0 only measures.
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

/// Learning rate at optimisation step `step` of `total_steps` (`steps_per_epoch` per epoch):
/// "fixed"; "cosine" annealing to 0 per step (the paper's supernets, e.g. anonymous-2102
/// trainers/nb101.py:62,150); or "cosine-epoch", constant within an epoch (NAS-Bench-201's
/// stand-alone training). With hp.warmup_epochs > 0, a linear warm-up from hp.warmup_lr comes
/// first and the schedule spans the remaining steps (ProxylessNAS code).
double learning_rate(const options::HyperParameters& hp, std::int64_t step,
                     std::int64_t total_steps, std::int64_t steps_per_epoch = 1);

}  // namespace wsnas::train

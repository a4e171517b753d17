#pragma once
/// The optimizers (paper Table 2 and the released code's recipes), written out so their state is
/// plain tensors for checkpoints: a base class with the parameters, the unused-parameter policy and
/// save/restore; SGD (torch.optim.SGD), TensorFlow 1's RMSProp (NAS-Bench-101's recipe) and
/// averaged SGD (torch.optim.ASGD, the PTB trainers) as a wrapper that switches an SGD to
/// averaging.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
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

/// An optimizer's state besides the parameters, by name: per-parameter tensors ("momentum",
/// "mean_square", "average"), integers ("touched", "average_steps") and reals ("eta"). The names
/// are the checkpoint's datasets under its optimizer group.
struct OptimizerState {
  std::vector<std::pair<std::string, std::vector<at::Tensor>>> tensors;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> integers;
  std::vector<std::pair<std::string, std::vector<double>>> reals;
};

/// The base of the optimizers: the parameters and which have had a gradient.
class Optimizer {
 public:
  Optimizer(std::vector<at::Tensor> params, double weight_decay, UnusedParams unused);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update at learning rate `lr`: every parameter with a gradient, and under kDecay every
  /// parameter that has had one before (as if its gradient were zero), kDecayAll every one.
  virtual void step(double lr);
  /// Sets every gradient to undefined (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();
  const std::vector<at::Tensor>& params() const { return params_; }
  /// Per parameter, 1 once it has had a gradient.
  const std::vector<std::int64_t>& touched() const { return touched_; }

  /// A deep copy of the state (a best state to roll back to: anonymous-2102
  /// trainers/ptb.py:253-264,272), and setting one back.
  virtual OptimizerState save() const;
  virtual void restore(const OptimizerState& state);

  /// Averaged SGD (Asgd): whether it averages, the switch, and per parameter its average
  /// (undefined before its first averaged step). Other optimizers never average.
  virtual bool averaging() const { return false; }
  virtual void start_averaging();
  virtual std::vector<at::Tensor> averages() const { return {}; }

  /// The update direction of parameter i this step (gradient + weight decay x p, or weight decay
  /// x p for an unused parameter the policy decays), undefined when the step leaves it alone;
  /// marks it touched.
  at::Tensor direction(std::size_t i);

 protected:
  /// Applies direction `d` to parameter i.
  virtual void update(std::size_t i, const at::Tensor& d, double lr) = 0;

  std::vector<at::Tensor> params_;
  std::vector<std::int64_t> touched_;
  double weight_decay_;
  UnusedParams unused_;
};

/// torch.optim.SGD (dampening 0): buf = m * buf + d; p -= lr * (d + m * buf if Nesterov else buf).
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<at::Tensor> params, double momentum, bool nesterov, double weight_decay,
      UnusedParams unused = UnusedParams::kSkip);
  OptimizerState save() const override;
  void restore(const OptimizerState& state) override;
  double momentum() const { return momentum_; }
  /// Momentum buffers, one per parameter (zeros until the parameter is first updated).
  const std::vector<at::Tensor>& buffers() const { return buffers_; }

 protected:
  void update(std::size_t i, const at::Tensor& d, double lr) override;

 private:
  double momentum_;
  bool nesterov_;
  std::vector<at::Tensor> buffers_;
};

/// TensorFlow 1's RMSPropOptimizer with momentum (NAS-Bench-101's recipe): with d = gradient +
/// weight_decay * p (its L2 loss term), ms = decay * ms + (1 - decay) * d^2 (ms starts at 1, TF's
/// slot initialiser), buf = momentum * buf + lr * d / sqrt(ms + epsilon), p -= buf.
class RmsProp : public Optimizer {
 public:
  RmsProp(std::vector<at::Tensor> params, double momentum, double weight_decay, double decay,
          double epsilon, UnusedParams unused = UnusedParams::kSkip);
  OptimizerState save() const override;
  void restore(const OptimizerState& state) override;

 protected:
  void update(std::size_t i, const at::Tensor& d, double lr) override;

 private:
  double momentum_, decay_, epsilon_;
  std::vector<at::Tensor> buffers_, mean_squares_;
};

/// An optimizer that switches to averaged SGD as the PTB trainers do (torch.optim.ASGD(lr, t0 = 0,
/// lambd = 0, weight_decay); Merity et al. 2018's NT-ASGD). Before start_averaging it is the
/// optimizer it wraps (an SGD without momentum: torch's ASGD has none). From the next step after,
/// p -= eta * (g + wd * p) where eta is the rate passed to the parameter's previous step (torch's
/// ASGD sets eta after its update; its first step uses its own rate), and the average of the
/// parameter's values after each step (torch's ax: the value itself after the first two steps,
/// then the running mean, mu = 1 / max(1, step - 1); eta and mu rounded to float32 as torch's
/// scalar tensors).
class Asgd : public Optimizer {
 public:
  explicit Asgd(std::unique_ptr<Sgd> inner);
  void step(double lr) override;
  OptimizerState save() const override;
  void restore(const OptimizerState& state) override;
  bool averaging() const override { return averaging_; }
  void start_averaging() override;
  std::vector<at::Tensor> averages() const override;
  /// Per parameter: its steps since the switch and its next step size (eta).
  const std::vector<std::int64_t>& average_steps() const { return steps_; }
  const std::vector<double>& etas() const { return etas_; }

 protected:
  void update(std::size_t i, const at::Tensor& d, double lr) override;

 private:
  std::unique_ptr<Sgd> inner_;
  bool averaging_ = false;
  std::vector<at::Tensor> averages_;
  std::vector<std::int64_t> steps_;
  std::vector<double> etas_;
};

/// The optimizer `hp` names (--optimizer sgd | rmsprop, --momentum, --nesterov, --weight-decay,
/// --rmsprop-*); wrapped in Asgd when --asgd is not off (switched at once for "always").
std::unique_ptr<Optimizer> make_optimizer(std::vector<at::Tensor> params,
                                          const options::HyperParameters& hp,
                                          UnusedParams unused = UnusedParams::kSkip);
/// Writes / reads an optimizer's state under `group` (one dataset per named state; a read ASGD
/// state switches the optimizer to averaging).
void write_optimizer(io::File& f, const std::string& group, const Optimizer& opt);
void read_optimizer(const io::File& f, const std::string& group, Optimizer& opt);
/// The same for a saved state (Optimizer::save) of an optimizer like `like` (its shapes).
void write_optimizer_state(io::File& f, const std::string& group, const OptimizerState& state);
OptimizerState read_optimizer_state(const io::File& f, const std::string& group,
                                    const Optimizer& like);

/// While it lives, the parameters hold ASGD's averages (evaluation uses the averaged weights, as
/// the PTB trainers do); nothing when the optimizer is not averaging.
class AveragedWeights {
 public:
  explicit AveragedWeights(Optimizer& opt);
  ~AveragedWeights();
  AveragedWeights(const AveragedWeights&) = delete;
  AveragedWeights& operator=(const AveragedWeights&) = delete;

 private:
  Optimizer& opt_;
  std::vector<at::Tensor> saved_;
};

}  // namespace wsnas::train

#pragma once
/// Supernet training hyper-parameters: the option group and its defaults (paper, Table 2, NB-201
/// column). The presets under configs/ hold Table 2's column for each of the five spaces.

#include <boost/any.hpp>
#include <boost/program_options/options_description.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace wsnas::options {

/// Learning-rate decay: cosine annealing to 0 per step (the paper's supernets), per epoch
/// (NAS-Bench-201's stand-alone training), or none.
enum class LrSchedule { kCosine, kCosineEpoch, kFixed };
/// The update rule: SGD (the paper's supernets) or TensorFlow 1's RMSProp with momentum
/// (NAS-Bench-101's stand-alone recipe).
enum class OptimizerKind { kSgd, kRmsProp };
/// When SGD switches to averaged SGD (the PTB codes; train::asgd_switch).
enum class AsgdRule { kOff, kPlateau, kNonmono, kAlways };

/// The options' spelling of each value ("cosine-epoch", "rmsprop", "nonmono", ...).
std::string to_string(LrSchedule v);
std::string to_string(OptimizerKind v);
std::string to_string(AsgdRule v);
std::ostream& operator<<(std::ostream& os, LrSchedule v);
std::ostream& operator<<(std::ostream& os, OptimizerKind v);
std::ostream& operator<<(std::ostream& os, AsgdRule v);
/// Boost.ProgramOptions parsers: one UsageError line naming the option and the values it takes.
void validate(boost::any& out, const std::vector<std::string>& values, LrSchedule*, int);
void validate(boost::any& out, const std::vector<std::string>& values, OptimizerKind*, int);
void validate(boost::any& out, const std::vector<std::string>& values, AsgdRule*, int);

struct HyperParameters {
  int batch_size = 256;                          ///< global mini-batch (split across replicas)
  double lr = 0.05;                              ///< initial learning rate
  LrSchedule lr_schedule = LrSchedule::kCosine;  ///< cosine (per step) | cosine-epoch | fixed
  double momentum = 0.9;  ///< SGD momentum (not in Table 2; SPOS/NB201 use 0.9)
  bool nesterov = true;   ///< Nesterov momentum (NAS-Bench-201's training recipe)
  double weight_decay = 5e-4;
  double grad_clip = 5.0;    ///< max gradient norm; 0 disables clipping
  int bn_calib_batch = 400;  ///< BN calibration batch size before each evaluation
  int bn_calib_steps = 25;   ///< BN calibration steps (0: no calibration)
  int gpus = 1;              ///< replicas = GPUs of the paper's run (Table 2)
  int epochs = 1000;         ///< paper, Appendix A.2: 1000 epochs unless said otherwise
  double warmup_epochs = 0;  ///< linear LR warm-up before the schedule (ProxylessNAS code: 5)
  double warmup_lr = 0;  ///< learning rate at the start of the warm-up (ProxylessNAS code: 0.025)
  /// "sgd" (the paper's supernets) | "rmsprop" (NAS-Bench-101's stand-alone recipe: TensorFlow 1's
  /// RMSPropOptimizer with momentum, Ying et al. 2019, nasbench/lib/model_builder.py)
  OptimizerKind optimizer = OptimizerKind::kSgd;
  double rmsprop_decay = 0.9;    ///< TF's default decay of the mean square
  double rmsprop_epsilon = 1.0;  ///< NAS-Bench-101's epsilon (inside the square root, as TF)
  double label_smoothing =
      0;  ///< target 1 - e, other classes e / (classes - 1) (ProxylessNAS code: 0.1)
  /// Weight of the auxiliary head's loss (DARTS: 0.4); > 0 builds the head
  /// (nn::NetworkOptions::auxiliary).
  double aux_weight = 0;
  /// Drop-path probability of the last epoch, ramped linearly from epoch 1 (DARTS: 0.2).
  double drop_path = 0;
  /// Side of the cutout square of training images (DARTS: 16; 0: none).
  int cutout = 0;
  /// Switch from SGD to averaged SGD (torch.optim.ASGD; the PTB trainer of the paper's released
  /// code, github.com/matluster/anonymous-2102 @3825f00 trainers/ptb.py:221-225,265-280):
  /// off | plateau (the paper's code: after asgd_patience validations without a new best) |
  /// nonmono (DARTS' stand-alone NT-ASGD) | always. Averaged weights are what is evaluated.
  AsgdRule asgd = AsgdRule::kOff;
  int asgd_patience = 5;
  /// Supernet: validate eval_archs architectures (drawn once from the seed) every eval_every
  /// epochs and at the last (0: never); their mean score drives --asgd, --keep-best and
  /// --nan-rollback (the paper's trainers/ptb.py: 5 and 10). Ground truth validates every epoch.
  int eval_every = 0;
  int eval_archs = 10;
  /// The final weights (supernet) or the final scores (ground truth) are those of the best
  /// validation, as the PTB trainers keep their best model.
  bool keep_best = false;
  /// On a non-finite training loss, go back to the best validated state (the initial one before
  /// any) and end the epoch (the paper's trainers/ptb.py); otherwise training goes on.
  bool nan_rollback = false;
  /// Weight of a recurrent network's temporal activation regularisation (DARTS-PTB: 1e-3,
  /// Forward::penalty; 0: none).
  double tar = 0;
};

/// The drop-path probability of training epoch `epoch` (0-based): drop_path x (epoch + 1) /
/// epochs, the released code's ramp (anonymous-2102 trainers/darts_cifar.py:30-36).
inline double drop_path_at(const HyperParameters& hp, long long epoch) {
  return hp.epochs > 0 ? hp.drop_path * static_cast<double>(epoch + 1) / hp.epochs : 0.0;
}

/// The training hyper-parameters' option group, bound to `hp`, with range checks, titled as the
/// stage uses them (the supernet's Table 2, the stand-alone recipe, evaluation's calibration).
inline constexpr const char* kSupernetTraining =
    "Supernet training (paper Table 2; presets in configs/)";
boost::program_options::options_description hyper_parameter_options(
    HyperParameters& hp, const std::string& title = kSupernetTraining);

}  // namespace wsnas::options

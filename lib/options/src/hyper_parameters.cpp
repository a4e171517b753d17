#include "wsnas/options/hyper_parameters.h"

#include <boost/program_options/value_semantic.hpp>
#include <ostream>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/options/effect.h"
#include "wsnas/options/parser.h"

namespace wsnas::options {

namespace {

template <class E>
struct Spelling {
  E value;
  const char* text;
};
const Spelling<LrSchedule> kSchedules[] = {{LrSchedule::kCosine, "cosine"},
                                           {LrSchedule::kCosineEpoch, "cosine-epoch"},
                                           {LrSchedule::kFixed, "fixed"}};
const Spelling<OptimizerKind> kOptimizers[] = {{OptimizerKind::kSgd, "sgd"},
                                               {OptimizerKind::kRmsProp, "rmsprop"}};
const Spelling<AsgdRule> kAsgdRules[] = {{AsgdRule::kOff, "off"},
                                         {AsgdRule::kPlateau, "plateau"},
                                         {AsgdRule::kNonmono, "nonmono"},
                                         {AsgdRule::kAlways, "always"}};

template <class E, std::size_t N>
std::string spell(const Spelling<E> (&table)[N], E v) {
  for (const auto& s : table) {
    if (s.value == v) return s.text;
  }
  return "?";
}

template <class E, std::size_t N>
void parse_into(boost::any& out, const std::vector<std::string>& values,
                const Spelling<E> (&table)[N], const char* option) {
  po::validators::check_first_occurrence(out);
  const std::string& text = po::validators::get_single_string(values);
  std::vector<std::string> known;
  for (const auto& s : table) {
    if (text == s.text) {
      out = boost::any(s.value);
      return;
    }
    known.push_back(s.text);
  }
  throw UsageError(std::string("--") + option + " '" + text + "': expected one of " +
                   join(known, ", "));
}

}  // namespace

std::string to_string(LrSchedule v) { return spell(kSchedules, v); }
std::string to_string(OptimizerKind v) { return spell(kOptimizers, v); }
std::string to_string(AsgdRule v) { return spell(kAsgdRules, v); }
std::ostream& operator<<(std::ostream& os, LrSchedule v) { return os << to_string(v); }
std::ostream& operator<<(std::ostream& os, OptimizerKind v) { return os << to_string(v); }
std::ostream& operator<<(std::ostream& os, AsgdRule v) { return os << to_string(v); }

void validate(boost::any& out, const std::vector<std::string>& values, LrSchedule*, int) {
  parse_into(out, values, kSchedules, "lr-schedule");
}
void validate(boost::any& out, const std::vector<std::string>& values, OptimizerKind*, int) {
  parse_into(out, values, kOptimizers, "optimizer");
}
void validate(boost::any& out, const std::vector<std::string>& values, AsgdRule*, int) {
  parse_into(out, values, kAsgdRules, "asgd");
}

po::options_description hyper_parameter_options(HyperParameters& hp, const std::string& title) {
  po::options_description g(title);
  g.add_options()("batch-size",
                  value(&hp.batch_size, kTrains)
                      ->default_value(hp.batch_size)
                      ->notifier(at_least("batch-size", 1)),
                  "global mini-batch size, split across ranks")(
      "lr", value(&hp.lr, kTrains)->default_value(hp.lr)->notifier(in_range("lr", 1e-12, 1e6)),
      "initial learning rate")(
      "lr-schedule", value(&hp.lr_schedule, kTrains)->default_value(hp.lr_schedule),
      "learning-rate decay: cosine (to 0, per step) | cosine-epoch (per epoch) | fixed")(
      "momentum",
      value(&hp.momentum, kTrains)
          ->default_value(hp.momentum)
          ->notifier(in_range("momentum", 0, 1)),
      "SGD momentum")("nesterov", value(&hp.nesterov, kTrains)->default_value(hp.nesterov),
                      "Nesterov momentum (true/false)")(
      "weight-decay",
      value(&hp.weight_decay, kTrains)
          ->default_value(hp.weight_decay)
          ->notifier(in_range("weight-decay", 0, 1)),
      "L2 weight decay")("grad-clip",
                         value(&hp.grad_clip, kTrains)
                             ->default_value(hp.grad_clip)
                             ->notifier(in_range("grad-clip", 0, 1e9)),
                         "gradient-norm clip (0: none)")(
      "bn-calib-batch",
      value(&hp.bn_calib_batch, Effect{kEvaluate})
          ->default_value(hp.bn_calib_batch)
          ->notifier(at_least("bn-calib-batch", 1)),
      "BN calibration batch size")("bn-calib-steps",
                                   value(&hp.bn_calib_steps, Effect{kEvaluate})
                                       ->default_value(hp.bn_calib_steps)
                                       ->notifier(at_least("bn-calib-steps", 0)),
                                   "BN calibration steps (0: none)")(
      "gpus", po::value(&hp.gpus)->default_value(hp.gpus)->notifier(at_least("gpus", 1)),
      "data-parallel replicas, as the GPUs of the paper's run (Table 2): they split the global "
      "batch, "
      "whatever the rank count")(
      "epochs",
      value(&hp.epochs, kTrains)->default_value(hp.epochs)->notifier(at_least("epochs", 1)),
      "training epochs")("warmup-epochs",
                         value(&hp.warmup_epochs, kTrains)
                             ->default_value(hp.warmup_epochs)
                             ->notifier(in_range("warmup-epochs", 0, 1e6)),
                         "linear learning-rate warm-up over this many epochs, from --warmup-lr to "
                         "--lr, then the schedule")("warmup-lr",
                                                    value(&hp.warmup_lr, kTrains)
                                                        ->default_value(hp.warmup_lr)
                                                        ->notifier(in_range("warmup-lr", 0, 1e6)),
                                                    "learning rate at the start of the warm-up")(
      "optimizer", value(&hp.optimizer, kTrains)->default_value(hp.optimizer),
      "sgd | rmsprop (TensorFlow 1's RMSProp with momentum: NAS-Bench-101's stand-alone recipe)")(
      "asgd", value(&hp.asgd, kTrains)->default_value(hp.asgd),
      "switch SGD to averaged SGD (evaluated with its averaged weights): off | plateau (the "
      "paper's PTB code: after --asgd-patience validations without a new best) | nonmono (DARTS' "
      "NT-ASGD) | always")("asgd-patience",
                           value(&hp.asgd_patience, kTrains)
                               ->default_value(hp.asgd_patience)
                               ->notifier(at_least("asgd-patience", 0)),
                           "validations of --asgd plateau / nonmono (5 in both PTB codes)")(
      "eval-every",
      value(&hp.eval_every, Effect{kSupernet})
          ->default_value(hp.eval_every)
          ->notifier(at_least("eval-every", 0)),
      "supernet: validate --eval-archs architectures every N epochs and at the last (0: never; "
      "the PTB code: 5); networks without batch norm")(
      "eval-archs",
      value(&hp.eval_archs, Effect{kSupernet})
          ->default_value(hp.eval_archs)
          ->notifier(at_least("eval-archs", 1)),
      "supernet: architectures of each validation (the PTB code: 10)")(
      "keep-best", value(&hp.keep_best, kTrains)->default_value(hp.keep_best),
      "end with the best validated weights (supernet) or report the best validation epoch's "
      "scores (ground truth), as the PTB codes")(
      "nan-rollback", value(&hp.nan_rollback, Effect{kSupernet})->default_value(hp.nan_rollback),
      "supernet: on a non-finite loss, return to the best validated state and end the epoch (the "
      "PTB code)")("rmsprop-decay",
                   value(&hp.rmsprop_decay, kTrains)
                       ->default_value(hp.rmsprop_decay)
                       ->notifier(in_range("rmsprop-decay", 0, 0.999999)),
                   "rmsprop: decay of the mean square")(
      "rmsprop-epsilon",
      value(&hp.rmsprop_epsilon, kTrains)
          ->default_value(hp.rmsprop_epsilon)
          ->notifier(in_range("rmsprop-epsilon", 1e-12, 1e3)),
      "rmsprop: epsilon added to the mean square")(
      "label-smoothing",
      value(&hp.label_smoothing, kTrains)
          ->default_value(hp.label_smoothing)
          ->notifier(in_range("label-smoothing", 0, 0.999)),
      "training loss with smoothed targets: 1 - e on the label, e / (classes - 1) on each other "
      "class")(
      "aux-weight",
      value(&hp.aux_weight, kShapes)
          ->default_value(hp.aux_weight)
          ->notifier(in_range("aux-weight", 0, 1e9)),
      "weight of the auxiliary head's loss; > 0 builds the head where the space's network has one "
      "(DARTS 0.4)")("drop-path",
                     value(&hp.drop_path, kShapes)
                         ->default_value(hp.drop_path)
                         ->notifier(in_range("drop-path", 0, 0.99)),
                     "drop-path probability of the last epoch, ramped linearly by epoch (DARTS "
                     "0.2; networks without drop-path ignore it)")(
      "tar", value(&hp.tar, kTrains)->default_value(hp.tar)->notifier(in_range("tar", 0, 1e9)),
      "temporal activation regularisation weight of recurrent networks (DARTS-PTB 1e-3; others "
      "ignore it)")(
      "cutout",
      value(&hp.cutout, kShapes)->default_value(hp.cutout)->notifier(at_least("cutout", 0)),
      "side of a square zeroed at a random centre of each augmented training image, after "
      "normalisation (DeVries & Taylor 2017; DARTS 16; 0: none)");
  return g;
}

}  // namespace wsnas::options

#pragma once
/// What moves during training besides the weights: the learning-rate schedule, gradient clipping,
/// and the rules that switch SGD to averaged SGD on validation scores (paper Table 2; the released
/// code's trainers).

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/options/hyper_parameters.h"

namespace wsnas::train {

/// Whether the validation scores so far (`history`, oldest first, the last just measured) switch
/// SGD to ASGD under `rule`: "off" never; "always" at once; "plateau" (the paper's
/// trainers/ptb.py) after a score that did not beat the best, when `patience` or more came since
/// the best (none finite: all of them); "nonmono"
/// (DARTS' and AWD-LSTM's NT-ASGD) when more than `patience` scores came before the last and the
/// last is worse than the best of all but the `patience` latest before it.
bool asgd_switch(options::AsgdRule rule, int patience, const std::vector<double>& history,
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

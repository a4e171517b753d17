#pragma once
// The task a space's networks solve (model registry), with the training options of `hp`.
#include <memory>
#include <string>

#include "wsnas/data/dataset.h"
#include "wsnas/nn/network.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

inline std::unique_ptr<train::Task> task_for(const std::string& space,
                                             const options::HyperParameters& hp) {
  train::TaskOptions o;
  o.label_smoothing = hp.label_smoothing;
  return train::make_task(nn::model_entry(space).task, o);
}

/// The training objective of one forward pass: the task's loss, plus --aux-weight times the loss
/// of the auxiliary head's output when the network computed one (DARTS: 0.4; the paper's released
/// code, github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:232-245), plus --tar times
/// the network's penalty when it computed one (DARTS-PTB's temporal activation regularisation,
/// 1e-3: anonymous-2102 configs/ptb.py:30, trainers/ptb.py:51-52).
inline at::Tensor objective(const nn::Forward& f, const train::Task& task, const at::Tensor& target,
                            const options::HyperParameters& hp) {
  auto loss = task.loss(f.output, target);
  if (f.auxiliary.defined() && hp.aux_weight > 0)
    loss = loss + task.loss(f.auxiliary, target) * hp.aux_weight;
  if (f.penalty.defined() && hp.tar > 0) loss = loss + f.penalty * hp.tar;
  return loss;
}

/// "N images" or, for a text split, "N tokens".
inline std::string split_size(const data::Split& s) {
  return std::to_string(s.size()) +
         (s.data != nullptr && s.data->is_text() ? " tokens" : " images");
}

}  // namespace wsnas::pipeline

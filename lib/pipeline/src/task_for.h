#pragma once
// The task a space's networks solve (model registry), with the training options of `hp`.
#include <memory>
#include <string>

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

/// The training objective of one forward pass that gave `out`: the task's loss, plus `aux_weight`
/// times the loss of the auxiliary head's output when the network computed one (DARTS: 0.4,
/// paper-code-spec §4.2).
inline at::Tensor objective(nn::Network& net, const train::Task& task, const at::Tensor& out,
                            const at::Tensor& target, double aux_weight) {
  auto loss = task.loss(out, target);
  const at::Tensor aux = net.take_auxiliary();
  if (aux.defined() && aux_weight > 0) loss = loss + task.loss(aux, target) * aux_weight;
  return loss;
}

}  // namespace wsnas::pipeline

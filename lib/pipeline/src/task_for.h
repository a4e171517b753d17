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

}  // namespace wsnas::pipeline

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

/// "N images" or, for a text split, "N tokens".
inline std::string split_size(const data::Split& s) {
  return std::to_string(s.size()) +
         (s.data != nullptr && s.data->is_text() ? " tokens" : " images");
}

}  // namespace wsnas::pipeline

#pragma once
// The supernet's validation during training (train::callbacks::Validation's score).
#include <cstdint>
#include <vector>

#include "wsnas/space/search_space.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/trainer.h"

namespace wsnas::pipeline {

/// Validation during training (--eval-every; the paper's trainers/ptb.py): --eval-archs
/// architectures drawn once from the seed (from the pool when given), scored on the validation
/// split with the weights evaluation uses (ASGD's averages), shared among the ranks; their mean
/// (values of a lower-is-better score at or above 1e6 left out, as the code) drives --asgd and
/// --keep-best.
struct MeanValidation {
  std::vector<space::Arch> archs;
  train::TensorBatches batches;
  std::int64_t batch = 0;
  bool bf16 = false;

  double operator()(train::Trainer& tr) const;
};

}  // namespace wsnas::pipeline

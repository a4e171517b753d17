#include "supernet_validation.h"

#include <ATen/ATen.h>

#include <cmath>

#include "wsnas/mpi/communicator.h"
#include "wsnas/nn/network.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

double MeanValidation::operator()(train::Trainer& tr) const {
  const bool higher = tr.task().score().higher_is_better;
  const int rank = tr.comm().rank(), world = tr.comm().size();
  std::vector<double> scores(archs.size(), 0.0);
  {
    train::AveragedWeights averaged(tr.opt());
    tr.net().eval();
    train::Autocast autocast(tr.setup().device, bf16);
    for (std::size_t k = static_cast<std::size_t>(rank); k < archs.size();
         k += static_cast<std::size_t>(world)) {
      tr.net().reset_state(batch);
      const auto& arch = archs[k];
      scores[k] =
          train::evaluate(
              tr.task(), [&](const at::Tensor& x) { return tr.net().forward(x, arch).output; },
              batches)
              .values.front();
    }
    tr.net().train();
  }
  tr.comm().allreduce_sum(scores.data(), scores.size(), mpi::DType::kFloat64);
  double sum = 0;
  int n = 0;
  for (const double v : scores) {
    if (std::isfinite(v) && (higher || v < 1e6)) {
      sum += v;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::nan("");
}

}  // namespace wsnas::pipeline

// grad_norm: the sum over layers of the Euclidean norm of the loss gradient of the layer's weight
// (Abdelfattah et al. 2021, Sec. 3; zero-cost-nas @ca61347 foresight/pruners/measures/
// grad_norm.py:24-37, summed by predictive.py:131-135).
#include <ATen/ATen.h>

#include "layers.h"
#include "wsnas/train/task.h"

namespace wsnas::score {

double grad_norm(const Input& in) {
  const auto weights = layer_weights(in);
  in.task.loss(logits(in, in.x), in.y).backward();
  return sum_over(weights, [](const at::Tensor&, const at::Tensor& g) {
    return at::linalg_vector_norm(g.to(at::kDouble));
  });
}

}  // namespace wsnas::score

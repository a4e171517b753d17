// snip: the sum of |dL/dc| over the layers' weights, c a multiplicative mask of ones on each
// weight, i.e. of |weight ⊙ dL/dweight| (Lee et al., ICLR 2019; Abdelfattah et al. 2021, Sec. 3;
// zero-cost-nas @ca61347 foresight/pruners/measures/snip.py:37-67: at mask 1, weight_mask's
// gradient is the weight times the weight's gradient).
#include <ATen/ATen.h>

#include "layers.h"
#include "wsnas/train/task.h"

namespace wsnas::score {

double snip(const Input& in) {
  const auto weights = layer_weights(in);
  in.task.loss(logits(in, in.x), in.y).backward();
  return sum_over(weights, [](const at::Tensor& w, const at::Tensor& g) {
    return (w.to(at::kDouble) * g.to(at::kDouble)).abs();
  });
}

}  // namespace wsnas::score

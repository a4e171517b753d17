// grasp: -sum over layers of weight ⊙ (H g), H the Hessian of the loss over the layers' weights and
// g its gradient, H g as the gradient of g·∇L (Wang et al., ICLR 2020; Abdelfattah et al. 2021,
// Sec. 3, with the sign that makes higher better; zero-cost-nas @ca61347 foresight/pruners/
// measures/grasp.py:28-88, T = 1, one iteration). It differentiates twice: the network's layers
// must support double backward (nn::BatchNorm2d's own channels-last training kernel does not:
// wsnas-score runs contiguous).
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include "layers.h"
#include "wsnas/train/task.h"

namespace wsnas::score {

double grasp(const Input& in) {
  const auto weights = layer_weights(in);
  // g: the gradient of a first pass, as data (grasp.py:45-57).
  const auto g = torch::autograd::grad({in.task.loss(logits(in, in.x), in.y)}, weights, {},
                                       /*retain_graph=*/false, /*create_graph=*/false,
                                       /*allow_unused=*/true);
  // A second pass with its graph kept: z = sum g ⊙ ∇L, whose gradient is H g (grasp.py:60-75).
  const auto f = torch::autograd::grad({in.task.loss(logits(in, in.x), in.y)}, weights, {},
                                       /*retain_graph=*/true, /*create_graph=*/true,
                                       /*allow_unused=*/true);
  at::Tensor z;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!g[i].defined() || !f[i].defined()) continue;
    const at::Tensor t = (g[i].detach() * f[i]).sum();
    z = z.defined() ? z + t : t;
  }
  if (!z.defined()) return 0;
  z.backward();
  return sum_over(weights, [](const at::Tensor& w, const at::Tensor& hg) {
    return -(w.to(at::kDouble) * hg.to(at::kDouble));
  });
}

}  // namespace wsnas::score

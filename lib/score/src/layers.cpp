#include "layers.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "wsnas/nn/network.h"

namespace wsnas::score {

std::vector<at::Tensor> layer_weights(const Input& in) {
  std::vector<at::Tensor> out;
  for (const auto& m : in.net.modules(/*include_self=*/false)) {
    if (auto* c = dynamic_cast<torch::nn::Conv2dImpl*>(m.get())) {
      out.push_back(c->weight);
    } else if (auto* l = dynamic_cast<torch::nn::LinearImpl*>(m.get())) {
      out.push_back(l->weight);
    }
  }
  return out;
}

at::Tensor logits(const Input& in, const at::Tensor& x) {
  in.net.set_drop_path(0, 0);
  return in.net.forward(x, in.arch).output;
}

}  // namespace wsnas::score

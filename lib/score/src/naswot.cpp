// naswot: log |det K|, K[i][j] = the number of rectified units on which images i and j of the batch
// agree (both active or both inactive), over every ReLU (and ReLU6) of the network (Mellor et al.,
// "Neural Architecture Search without Training", ICML 2021, Sec. 3, eq. 2; their code
// github.com/BayesWatch/nas-without-training @b3a82a6 score_networks.py:98-123 (the kernel, from
// hooks on the ReLU modules: x = (input > 0), K += x x^T + (1 - x)(1 - x)^T) and scores.py:7-9
// (numpy slogdet's log-magnitude)).
// Two differences from that code, both in docs/decisions.md ("NASWOT's units"): its hooks take
// every module whose class name contains "ReLU", so a container such as NAS-Bench-201's ReLUConvBN
// counts its units a second time (the paper's K counts each unit once, as here); and it counts a
// ReLU only if the backward pass of an earlier forward reached it, which every ReLU of a network
// that runs here does (the auxiliary head does not run: no gradients, score_networks.py:51-56).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "layers.h"
#include "wsnas/nn/relu_observer.h"

namespace wsnas::score {

double naswot(const Input& in) {
  const std::int64_t n = in.x.size(0);
  at::Tensor k = at::zeros({n, n}, in.x.options().dtype(at::kDouble));
  const nn::ObserveRelus watch([&](const at::Tensor& r) {
    const at::Tensor c = (r.reshape({n, -1}) > 0).to(at::kDouble);
    const at::Tensor off = 1.0 - c;
    k.add_(c.matmul(c.t())).add_(off.matmul(off.t()));
  });
  const at::NoGradGuard no_grad;
  logits(in, in.x);
  return std::get<1>(at::linalg_slogdet(k)).item().toDouble();
}

}  // namespace wsnas::score

// jacob_cov: J = d(sum of the outputs)/d(input), one row per image of the batch; C = the
// correlation matrix of J's rows; the score is -sum over C's eigenvalues v of log(v + k) +
// 1 / (v + k), k = 1e-5 (Mellor et al., arXiv:2006.04647v1, Sec. 3; Abdelfattah et al. 2021,
// Sec. 3; zero-cost-nas @ca61347 foresight/pruners/measures/jacob_cov.py:22-57: numpy's corrcoef,
// then eig of the symmetric C, here eigvalsh, in float64).
#include <ATen/ATen.h>

#include "layers.h"

namespace wsnas::score {

double jacob_cov(const Input& in) {
  const at::Tensor x = in.x.detach().clone().requires_grad_(true);
  const at::Tensor y = logits(in, x);
  y.backward(at::ones_like(y));
  const at::Tensor j = x.grad().detach().reshape({x.size(0), -1}).to(at::kDouble);
  // numpy.corrcoef: rows are variables; covariance over the columns, normalised by the diagonal,
  // then clipped to [-1, 1].
  const at::Tensor centred = j - j.mean(1, /*keepdim=*/true);
  const at::Tensor cov = centred.matmul(centred.t()) / static_cast<double>(j.size(1) - 1);
  const at::Tensor d = cov.diagonal().sqrt();
  const at::Tensor corr = (cov / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1.0, 1.0);
  const at::Tensor v = at::linalg_eigvalsh(corr);
  constexpr double k = 1e-5;
  return -(at::log(v + k) + 1.0 / (v + k)).sum().item().toDouble();
}

}  // namespace wsnas::score

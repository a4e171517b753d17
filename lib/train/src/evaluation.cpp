#include "wsnas/train/evaluation.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>

namespace wsnas::train {

TensorBatches make_batches(const data::Split& split, std::int64_t batch_size, const data::Augment& augment,
                           bool shuffle, bool drop_last, std::uint64_t seed, std::int64_t max_batches,
                           c10::Device device) {
  data::LoaderOptions lo;
  lo.batch_size = batch_size;
  lo.shuffle = shuffle;
  lo.drop_last = drop_last;
  lo.seed = seed;
  lo.augment = augment;
  data::BatchLoader loader(split, lo);
  loader.start_epoch(0);
  TensorBatches out;
  data::Batch b;
  while ((max_batches <= 0 || static_cast<std::int64_t>(out.images.size()) < max_batches) && loader.next(b)) {
    out.count += b.labels.size(0);
    out.images.push_back(b.images.to(device));
    out.labels.push_back(b.labels.to(device));
  }
  return out;
}

EvalResult evaluate(const std::function<at::Tensor(const at::Tensor&)>& forward, const TensorBatches& batches) {
  at::NoGradGuard no_grad;
  EvalResult r;
  r.count = batches.count;
  if (batches.images.empty()) return r;
  // Totals stay on the device; one synchronisation at the end.
  at::Tensor loss_sum, correct;
  for (std::size_t i = 0; i < batches.images.size(); ++i) {
    at::Tensor logits = forward(batches.images[i]);
    const auto& y = batches.labels[i];
    at::Tensor l = torch::nn::functional::cross_entropy(
                       logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .to(at::kDouble);
    at::Tensor c = logits.argmax(1).eq(y).sum();
    loss_sum = loss_sum.defined() ? loss_sum + l : l;
    correct = correct.defined() ? correct + c : c;
  }
  if (r.count > 0) {
    r.accuracy = 100.0 * static_cast<double>(correct.item<std::int64_t>()) / static_cast<double>(r.count);
    r.loss = loss_sum.item<double>() / static_cast<double>(r.count);
  }
  return r;
}

}  // namespace wsnas::train

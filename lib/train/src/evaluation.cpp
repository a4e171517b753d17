#include "wsnas/train/evaluation.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace wsnas::train {

TensorBatches make_batches(const data::Split& split, std::int64_t batch_size,
                           const data::Augment& augment, bool shuffle, bool drop_last,
                           std::uint64_t seed, std::int64_t max_batches, c10::Device device,
                           c10::MemoryFormat format, std::int64_t bptt) {
  data::LoaderOptions lo;
  lo.batch_size = batch_size;
  lo.shuffle = shuffle;
  lo.drop_last = drop_last;
  lo.seed = seed;
  lo.augment = augment;
  lo.bptt = bptt;
  data::BatchLoader loader(split, lo);
  loader.start_epoch(0);
  TensorBatches out;
  data::Batch b;
  while ((max_batches <= 0 || static_cast<std::int64_t>(out.images.size()) < max_batches) &&
         loader.next(b)) {
    out.count += b.labels.size(0);
    out.images.push_back(to_device(b.images, device, format));
    out.labels.push_back(b.labels.to(device));
  }
  return out;
}

at::Tensor to_device(const at::Tensor& inputs, c10::Device device, c10::MemoryFormat format) {
  return inputs.dim() == 4 ? inputs.to(device).contiguous(format) : inputs.to(device);
}

Scores evaluate(const Task& task, const std::function<at::Tensor(const at::Tensor&)>& forward,
                const TensorBatches& batches) {
  at::NoGradGuard no_grad;
  at::Tensor sum;  // totals stay on the device; one synchronisation at the end
  for (std::size_t i = 0; i < batches.images.size(); ++i) {
    at::Tensor t = task.totals(forward(batches.images[i]), batches.labels[i]);
    sum = sum.defined() ? sum + t : t;
  }
  Scores s;
  for (const auto& m : task.metrics()) s.names.push_back(m.name);
  std::vector<double> totals;
  if (sum.defined()) {
    at::Tensor host = sum.to(at::kCPU).contiguous();
    totals.assign(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
    s.values = task.finish(totals);
  } else {
    s.values.assign(s.names.size(), 0.0);
  }
  return s;
}

}  // namespace wsnas::train

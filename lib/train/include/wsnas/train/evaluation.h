#pragma once
/// Batches prepared once and reused for every cell (BN calibration and validation), and a task's
/// metrics of a forward function over them.

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/MemoryFormat.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "wsnas/data/loader.h"
#include "wsnas/train/task.h"

namespace wsnas::train {

struct TensorBatches {
  std::vector<at::Tensor> images, labels;  ///< on the target device
  std::int64_t count = 0;                  ///< images (text: columns) in all batches
};

/// Materialises up to `max_batches` (0 = all) batches of `split` on `device`, in a deterministic
/// order (shuffled with `seed` when `shuffle`), one process (no rank slicing). A text split gives
/// `batch_size` columns read in windows of `bptt` tokens, in order.
TensorBatches make_batches(const data::Split& split, std::int64_t batch_size,
                           const data::Augment& augment, bool shuffle, bool drop_last,
                           std::uint64_t seed, std::int64_t max_batches, c10::Device device,
                           c10::MemoryFormat format = c10::MemoryFormat::Contiguous,
                           std::int64_t bptt = 35);

/// A batch's inputs on `device`: images in `format`, other inputs (text tokens) as they are.
at::Tensor to_device(const at::Tensor& inputs, c10::Device device, c10::MemoryFormat format);

/// Runs `forward` (network outputs) over all batches without gradients and returns the task's
/// metrics (one device synchronisation).
Scores evaluate(const Task& task, const std::function<at::Tensor(const at::Tensor&)>& forward,
                const TensorBatches& batches);

}  // namespace wsnas::train

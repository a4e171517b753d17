#pragma once
/// Batches of augmented, normalised images as LibTorch tensors, produced by a background thread.
/// Deterministic: the order and every random augmentation depend only on (seed, epoch, position
/// in the epoch), so 1 and 2 ranks see the same global batches (each rank takes its slice).

#include <ATen/core/Tensor.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "wsnas/data/dataset.h"

namespace wsnas::data {

/// One batch (this rank's slice of a global batch). A text split's batch is a BPTT window: the
/// tokens [L, n] as `images` and the next tokens [L, n] as `labels` (int64 both), for the n
/// columns (streams) of this rank.
struct Batch {
  at::Tensor images;       ///< float32 [n, C, H, W]; text: int64 tokens [L, n]
  at::Tensor labels;       ///< int64 [n]; text: the next tokens [L, n]
  std::int64_t index = 0;  ///< batch number within the epoch
  /// Factor of this batch's learning rate: a variable BPTT window of length L trains at
  /// lr * L / bptt (DARTS' and AWD-LSTM's rnn training loop); 1 otherwise.
  double lr_scale = 1.0;
};

/// Converts images `ids` of `d` into a normalised float tensor [n, C, H, W], augmenting with
/// per-image seeds (ImageDataset::fill_images; file-backed images decoded by `threads` threads,
/// an unreadable one replaced by the next, `used` receiving the ids actually used).
at::Tensor make_image_tensor(const ImageDataset& d, const std::vector<std::int64_t>& ids,
                             const Augment& aug, const std::vector<std::uint64_t>& seeds,
                             int threads = 1, std::vector<std::int64_t>* used = nullptr);

/// Batches of one split, epoch after epoch, prepared ahead by a background thread from the
/// dataset's Epoch (Dataset::epoch): any dataset, one loader.
class BatchLoader {
 public:
  BatchLoader(const Split& split, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  /// Starts an epoch (stopping any epoch in progress), skipping its first `skip` batches.
  void start_epoch(std::int64_t epoch, std::int64_t skip = 0);
  /// The next batch of the epoch; false at its end. Errors of the producer are rethrown here.
  bool next(Batch& out);
  /// Global batches per epoch: those of the epoch last started, epoch 0 before any (text with
  /// variable BPTT: other epochs differ by a few).
  std::int64_t batches_per_epoch() const;
  /// Global batches in the first `epochs` epochs together (each epoch's own count).
  std::int64_t batches_until(std::int64_t epochs) const;
  const LoaderOptions& options() const { return options_; }

 private:
  void stop();
  /// Runs a producer on the worker thread: its error is kept for next(), the epoch then ends.
  void run_producer(const std::function<void()>& body);
  void produce(const Epoch& epoch, std::int64_t skip);
  bool push(Batch&& batch);          ///< false when stopping
  std::int64_t epoch_batches_ = -1;  ///< batches of the epoch last started (-1: none yet)
  std::unique_ptr<Epoch> epoch_;     ///< the epoch the producer reads
  const Split& split_;
  LoaderOptions options_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool done_ = true;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace wsnas::data

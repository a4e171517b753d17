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
#include <mutex>
#include <thread>
#include <vector>

#include "wsnas/data/dataset.h"

namespace wsnas::data {

/// Augmentations (NAS-Bench-201 / DARTS CIFAR recipe: pad-4 random crop, horizontal flip,
/// normalisation; optional cutout, DeVries & Taylor 2017).
struct Augment {
  int crop_padding = 0;  ///< pad by this many zero pixels and crop back at random (4 for CIFAR)
  bool hflip = false;    ///< flip horizontally with probability 1/2
  int cutout = 0;        ///< side of a zeroed square (0: no cutout)
  ChannelStats stats;    ///< per-channel normalisation; empty: scale to [0, 1] only
  /// File-backed images (ImageNet): RandomResizedCrop when true, else resize to size / 0.875 and
  /// centre crop; colour jitter (brightness, contrast, saturation in [1 - j, 1 + j]) and a hue
  /// rotation in [hue_lo, hue_hi] degrees (as the paper's released code,
  /// github.com/matluster/anonymous-2102 @3825f00 datasets/imagenet.py:24-77).
  bool random_resized_crop = false;
  double jitter = 0;
  double hue_lo = 0, hue_hi = 0;
  /// Training augmentation for 32x32 colour images: crop 4 + flip.
  static Augment cifar_train(const ChannelStats& stats);
  /// Training augmentation of the released ProxylessNAS code for ImageNet: RandomResizedCrop,
  /// flip, jitter 0.4, hue 0.9-1.1 degrees (DALI's "normal" colour jitter, anonymous-2102
  /// configs/proxyless.py:37, datasets/imagenet.py:32-35,52-54).
  static Augment imagenet_train(const ChannelStats& stats);
  /// Evaluation: normalisation only.
  static Augment eval(const ChannelStats& stats);
};

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

struct LoaderOptions {
  std::int64_t batch_size = 256;  ///< global batch size (all ranks together)
  bool shuffle = true;
  bool drop_last = true;  ///< drop an incomplete last global batch
  std::uint64_t seed = 0;
  int prefetch = 2;        ///< batches prepared ahead by the background thread
  int decode_threads = 0;  ///< threads decoding file-backed images (0: LibTorch's thread count)
  int rank = 0;            ///< this rank's slice of every global batch
  int world = 1;
  Augment augment;
  /// Text splits: the token stream is cut into batch_size columns (DARTS' batchify) read in BPTT
  /// windows of `bptt` tokens; with `variable_bptt`, each window's length is drawn as DARTS'
  /// training loop does: mean bptt (bptt / 2 with probability 0.05), length
  /// max(5, int(N(mean, 5))), at most bptt + 20 (anonymous-2102 datasets/ptb.py:52-55).
  std::int64_t bptt = 35;
  bool variable_bptt = false;
};

/// The BPTT window lengths of one epoch over `rows` rows of a text split (the last one cut to
/// what remains); variable ones drawn from `seed`. `scales` (when given) receives each window's
/// learning-rate factor, length / bptt (the paper's trainers/ptb.py; DARTS' rnn/train.py scales the
/// last window by its length before the cut).
std::vector<std::int64_t> bptt_windows(std::int64_t rows, std::int64_t bptt, bool variable,
                                       std::uint64_t seed, std::vector<double>* scales = nullptr);

/// Converts images `ids` of `d` into a normalised float tensor, augmenting with per-image seeds.
/// File-backed images are decoded by `threads` threads; a file that cannot be decoded is skipped
/// with one warning naming it (once per process) and the next image of the dataset takes its
/// place: `used` (when given) receives the ids actually used, for the labels.
at::Tensor make_image_tensor(const Dataset& d, const std::vector<std::int64_t>& ids,
                             const Augment& aug, const std::vector<std::uint64_t>& seeds,
                             int threads = 1, std::vector<std::int64_t>* used = nullptr);
/// Image files skipped so far by this process (corrupt or truncated), for provenance.
std::int64_t skipped_image_files();

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
  /// Global batches per epoch (text with variable BPTT: those of the epoch last started, epoch 0
  /// before any; other epochs differ by a few).
  std::int64_t batches_per_epoch() const;
  /// Global batches in the first `epochs` epochs together (text with variable BPTT: each epoch's
  /// own count).
  std::int64_t batches_until(std::int64_t epochs) const;
  const LoaderOptions& options() const { return options_; }

 private:
  void stop();
  /// Runs a producer on the worker thread: its error is kept for next(), the epoch then ends.
  void run_producer(const std::function<void()>& body);
  void produce(std::int64_t epoch, std::int64_t skip);
  void produce_text(std::int64_t epoch, std::int64_t skip);
  bool push(Batch&& batch);  ///< false when stopping
  std::uint64_t text_seed(std::int64_t epoch) const;
  std::int64_t text_rows() const;
  std::int64_t text_batches_ = 0;  ///< windows of the epoch last started (text)
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

#include "wsnas/data/loader.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>

#include "wsnas/core/error.h"

namespace wsnas::data {

at::Tensor make_image_tensor(const ImageDataset& d, const std::vector<std::int64_t>& ids,
                             const Augment& aug, const std::vector<std::uint64_t>& seeds,
                             int threads, std::vector<std::int64_t>* used) {
  at::Tensor out =
      at::empty({static_cast<std::int64_t>(ids.size()), d.channels, d.height, d.width}, at::kFloat);
  d.fill_images(ids, aug, seeds, std::max(1, threads), out.data_ptr<float>(), used);
  return out;
}

BatchLoader::BatchLoader(const Split& split, LoaderOptions options)
    : split_(split), options_(std::move(options)) {
  WSNAS_CHECK(split_.data != nullptr, "BatchLoader: split '", split_.name, "' has no dataset");
  WSNAS_CHECK_INPUT(options_.batch_size >= 1, "batch size must be >= 1");
  WSNAS_CHECK_INPUT(options_.world >= 1 && options_.rank >= 0 && options_.rank < options_.world,
                    "BatchLoader: bad rank/world");
  WSNAS_CHECK_INPUT(options_.batch_size % options_.world == 0, "--batch-size ", options_.batch_size,
                    " is not divisible by the ", options_.world, " ranks");
}

BatchLoader::~BatchLoader() { stop(); }

std::int64_t BatchLoader::batches_until(std::int64_t epochs) const {
  std::int64_t n = 0;
  for (std::int64_t e = 0; e < epochs; ++e) n += split_.data->batches(split_, options_, e);
  return n;
}

std::int64_t BatchLoader::batches_per_epoch() const {
  return epoch_batches_ >= 0 ? epoch_batches_ : split_.data->batches(split_, options_, 0);
}

void BatchLoader::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  stopping_ = false;
  done_ = true;
  error_ = nullptr;
}

void BatchLoader::start_epoch(std::int64_t epoch, std::int64_t skip) {
  stop();
  LoaderOptions o = options_;
  if (o.decode_threads <= 0) o.decode_threads = at::get_num_threads();
  epoch_ = split_.data->epoch(split_, o, epoch);
  epoch_batches_ = epoch_->batches();
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = false;
  }
  worker_ = std::thread([this, skip] { run_producer([&] { produce(*epoch_, skip); }); });
}

void BatchLoader::run_producer(const std::function<void()>& body) {
  try {
    body();
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  cv_.notify_all();
}

bool BatchLoader::push(Batch&& batch) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return stopping_ || static_cast<int>(queue_.size()) < std::max(1, options_.prefetch);
  });
  if (stopping_) return false;
  queue_.push_back(std::move(batch));
  cv_.notify_all();
  return true;
}

void BatchLoader::produce(const Epoch& epoch, std::int64_t skip) {
  for (std::int64_t b = skip; b < epoch.batches(); ++b) {
    const BatchLayout layout = epoch.layout(b);
    Batch batch;
    batch.index = b;
    batch.lr_scale = layout.lr_scale;
    batch.images = at::empty(layout.inputs, layout.integer_inputs ? at::kLong : at::kFloat);
    batch.labels = at::empty(layout.labels, at::kLong);
    epoch.fill(b, batch.images.data_ptr(), batch.labels.data_ptr<std::int64_t>());
    if (!push(std::move(batch))) return;
  }
}

bool BatchLoader::next(Batch& out) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || done_ || error_; });
  if (error_) std::rethrow_exception(error_);
  if (queue_.empty()) return false;
  out = std::move(queue_.front());
  queue_.pop_front();
  cv_.notify_all();
  return true;
}

}  // namespace wsnas::data

#include "wsnas/data/loader.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <set>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/data/image_folder.h"

namespace wsnas::data {

Augment Augment::cifar_train(const ChannelStats& stats) {
  Augment a;
  a.crop_padding = 4;
  a.hflip = true;
  a.stats = stats;
  return a;
}

Augment Augment::imagenet_train(const ChannelStats& stats) {
  Augment a;
  a.random_resized_crop = true;
  a.hflip = true;
  a.jitter = 0.4;
  a.hue_lo = 0.9;
  a.hue_hi = 1.1;
  a.stats = stats;
  return a;
}

namespace {

std::mutex skipped_mu;
std::set<std::string>& skipped_files() {
  static std::set<std::string> files;
  return files;
}

bool read_bytes(const std::string& path, std::vector<std::uint8_t>& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open";
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Cutout on a normalised channel-major image: rows and columns [c - L/2, c + L/2) set to 0.
void cutout(float* img, int C, int H, int W, int side, Rng& rng) {
  const int cx = static_cast<int>(rng.below(static_cast<std::uint64_t>(W)));
  const int cy = static_cast<int>(rng.below(static_cast<std::uint64_t>(H)));
  const int half = side / 2;
  for (int c = 0; c < C; ++c)
    for (int y = std::max(0, cy - half); y < std::min(H, cy + half); ++y)
      for (int x = std::max(0, cx - half); x < std::min(W, cx + half); ++x)
        img[(c * H + y) * W + x] = 0.0f;
}

// File-backed images: decoded and transformed by `threads` threads, one image at a time each.
at::Tensor decode_files(const Dataset& d, const std::vector<std::int64_t>& ids, const Augment& aug,
                        const std::vector<std::uint64_t>& seeds, int threads,
                        std::vector<std::int64_t>* used) {
  const int S = d.height;
  WSNAS_CHECK(d.width == S && d.channels == 3, "file-backed images are square RGB");
  const auto n = static_cast<std::int64_t>(ids.size());
  at::Tensor out = at::empty({n, 3, S, S}, at::kFloat);
  float* dst = out.data_ptr<float>();
  ImageTransform t;
  t.size = S;
  t.random_crop = aug.random_resized_crop;
  t.hflip = aug.hflip;
  t.jitter = aug.jitter;
  t.hue_lo = aug.hue_lo;
  t.hue_hi = aug.hue_hi;
  const ChannelStats stats =
      aug.stats.mean.empty() ? ChannelStats{{0, 0, 0}, {1, 1, 1}} : aug.stats;
  std::vector<std::int64_t> chosen(ids.begin(), ids.end());
  std::atomic<std::int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::max(1, threads)));
  auto work = [&](int worker) {
    try {
      std::vector<std::uint8_t> bytes;
      for (std::int64_t i = next++; i < n; i = next++) {
        const std::uint64_t seed = seeds.empty() ? 0 : seeds[static_cast<std::size_t>(i)];
        float* img = dst + i * 3 * S * S;
        std::int64_t id = ids[static_cast<std::size_t>(i)];
        // A file that cannot be read or decoded: the next image of the dataset instead.
        for (int attempt = 0;; ++attempt) {
          const std::string& path = d.files[static_cast<std::size_t>(id)];
          std::string error;
          if (read_bytes(path, bytes, error) &&
              process_image(bytes, t, stats.mean, stats.std, seed, img, error))
            break;
          {
            std::lock_guard<std::mutex> lock(skipped_mu);
            if (skipped_files().insert(path).second)
              std::cerr << "wsnas: warning: skipping image '" << path << "': " << error
                        << " (the next image of the dataset takes its place)\n";
          }
          WSNAS_CHECK_INPUT(attempt < 64, "image folder '", d.source,
                            "': 64 unreadable images in a row from '", path, "'");
          id = (id + 1) % d.size();
        }
        chosen[static_cast<std::size_t>(i)] = id;
        if (aug.cutout > 0) {
          Rng rng(Rng::derive(seed, 7));
          cutout(img, 3, S, S, aug.cutout, rng);
        }
      }
    } catch (...) {
      errors[static_cast<std::size_t>(worker)] = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < threads; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  if (used) *used = std::move(chosen);
  return out;
}

}  // namespace

std::int64_t skipped_image_files() {
  std::lock_guard<std::mutex> lock(skipped_mu);
  return static_cast<std::int64_t>(skipped_files().size());
}

Augment Augment::eval(const ChannelStats& stats) {
  Augment a;
  a.stats = stats;
  return a;
}

at::Tensor make_image_tensor(const Dataset& d, const std::vector<std::int64_t>& ids,
                             const Augment& aug, const std::vector<std::uint64_t>& seeds,
                             int threads, std::vector<std::int64_t>* used) {
  if (d.file_backed()) return decode_files(d, ids, aug, seeds, std::max(1, threads), used);
  if (used) *used = ids;
  const int C = d.channels, H = d.height, W = d.width;
  const auto n = static_cast<std::int64_t>(ids.size());
  at::Tensor out = at::empty({n, C, H, W}, at::kFloat);
  float* dst = out.data_ptr<float>();
  std::vector<float> scale(static_cast<std::size_t>(C), 1.0f / 255),
      shift(static_cast<std::size_t>(C), 0.0f);
  if (!aug.stats.mean.empty()) {
    WSNAS_CHECK(aug.stats.mean.size() == static_cast<std::size_t>(C) &&
                    aug.stats.std.size() == aug.stats.mean.size(),
                "normalisation has ", aug.stats.mean.size(), " channels, images have ", C);
    for (int c = 0; c < C; ++c) {
      scale[static_cast<std::size_t>(c)] =
          1.0f / (255.0f * aug.stats.std[static_cast<std::size_t>(c)]);
      shift[static_cast<std::size_t>(c)] =
          -aug.stats.mean[static_cast<std::size_t>(c)] / aug.stats.std[static_cast<std::size_t>(c)];
    }
  }
  for (std::int64_t i = 0; i < n; ++i) {
    Rng rng(seeds.empty() ? 0 : seeds[static_cast<std::size_t>(i)]);
    const int pad = aug.crop_padding;
    const int ox =
        pad ? static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * pad + 1))) - pad : 0;
    const int oy =
        pad ? static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * pad + 1))) - pad : 0;
    const bool flip = aug.hflip && rng.below(2) == 1;
    int cx = -1, cy = -1;
    if (aug.cutout > 0) {
      cx = static_cast<int>(rng.below(static_cast<std::uint64_t>(W)));
      cy = static_cast<int>(rng.below(static_cast<std::uint64_t>(H)));
    }
    const std::uint8_t* src = d.image(ids[static_cast<std::size_t>(i)]);
    float* img = dst + i * C * H * W;
    for (int c = 0; c < C; ++c) {
      const float sc = scale[static_cast<std::size_t>(c)], sh = shift[static_cast<std::size_t>(c)];
      for (int y = 0; y < H; ++y) {
        const int sy = y + oy;
        for (int x = 0; x < W; ++x) {
          int sx = (flip ? W - 1 - x : x) + ox;
          // Zero padding happens before normalisation (as torchvision's RandomCrop on the image).
          float v =
              (sy >= 0 && sy < H && sx >= 0 && sx < W) ? src[(c * H + sy) * W + sx] * sc + sh : sh;
          // Cutout: rows [cy - L/2, cy + L/2) and the same columns (the reference implementation).
          const int half = aug.cutout / 2;
          if (cx >= 0 && y >= cy - half && y < cy + half && x >= cx - half && x < cx + half)
            v = 0.0f;
          img[(c * H + y) * W + x] = v;
        }
      }
    }
  }
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

std::vector<std::int64_t> bptt_windows(std::int64_t rows, std::int64_t bptt, bool variable,
                                       std::uint64_t seed, std::vector<double>* scales) {
  WSNAS_CHECK_INPUT(bptt >= 1, "--bptt ", bptt, ": expected at least 1");
  std::vector<std::int64_t> out;
  if (scales) scales->clear();
  Rng rng(seed);
  // DARTS' train loop runs while i < rows - 2 (rnn/train.py); evaluation over range(0, rows - 1).
  for (std::int64_t i = 0; variable ? i < rows - 2 : i < rows - 1;) {
    std::int64_t len = bptt;
    if (variable) {
      const double mean = rng.uniform() < 0.95 ? static_cast<double>(bptt) : bptt / 2.0;
      // N(mean, 5) by Box-Muller; int() truncates toward zero as Python's.
      const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
      const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      len = std::min<std::int64_t>(
          std::max<std::int64_t>(5, static_cast<std::int64_t>(mean + 5.0 * normal)), bptt + 20);
    }
    out.push_back(std::min(len, rows - 1 - i));
    if (scales) scales->push_back(static_cast<double>(out.back()) / static_cast<double>(bptt));
    i += len;
  }
  return out;
}

std::uint64_t BatchLoader::text_seed(std::int64_t epoch) const {
  return Rng::derive(options_.seed, static_cast<std::uint64_t>(epoch));
}

std::int64_t BatchLoader::text_rows() const { return split_.size() / options_.batch_size; }

std::int64_t BatchLoader::batches_until(std::int64_t epochs) const {
  if (!split_.data->is_text() || !options_.variable_bptt) return epochs * batches_per_epoch();
  std::int64_t n = 0;
  for (std::int64_t e = 0; e < epochs; ++e)
    n += static_cast<std::int64_t>(
        bptt_windows(text_rows(), options_.bptt, true, text_seed(e)).size());
  return n;
}

std::int64_t BatchLoader::batches_per_epoch() const {
  if (split_.data->is_text()) {
    if (text_batches_ > 0) return text_batches_;
    return static_cast<std::int64_t>(
        bptt_windows(text_rows(), options_.bptt, options_.variable_bptt, text_seed(0)).size());
  }
  const std::int64_t n = split_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = false;
  }
  if (split_.data->is_text()) {
    text_batches_ = static_cast<std::int64_t>(
        bptt_windows(text_rows(), options_.bptt, options_.variable_bptt, text_seed(epoch)).size());
    worker_ =
        std::thread([this, epoch, skip] { run_producer([&] { produce_text(epoch, skip); }); });
    return;
  }
  worker_ = std::thread([this, epoch, skip] { run_producer([&] { produce(epoch, skip); }); });
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

void BatchLoader::produce_text(std::int64_t epoch, std::int64_t skip) {
  // DARTS' batchify: the stream cut to a multiple of B tokens, column c = tokens [c*rows,
  // (c+1)*rows); this rank reads columns [rank*B/world, (rank+1)*B/world).
  const std::int64_t B = options_.batch_size, rows = text_rows();
  const std::int64_t per = B / options_.world, c0 = options_.rank * per;
  std::vector<double> scales;
  const auto windows =
      bptt_windows(rows, options_.bptt, options_.variable_bptt, text_seed(epoch), &scales);
  const auto& tokens = split_.data->tokens;
  std::int64_t pos = 0;
  for (std::size_t b = 0; b < windows.size(); ++b) {
    const std::int64_t len = windows[b];
    if (static_cast<std::int64_t>(b) >= skip) {
      Batch batch;
      batch.index = static_cast<std::int64_t>(b);
      batch.lr_scale = options_.variable_bptt ? scales[b] : 1.0;
      batch.images = at::empty({len, per}, at::kLong);
      batch.labels = at::empty({len, per}, at::kLong);
      auto* x = batch.images.data_ptr<std::int64_t>();
      auto* y = batch.labels.data_ptr<std::int64_t>();
      for (std::int64_t t = 0; t < len; ++t) {
        for (std::int64_t c = 0; c < per; ++c) {
          const auto at = static_cast<std::size_t>((c0 + c) * rows + pos + t);
          x[t * per + c] = tokens[at];
          y[t * per + c] = tokens[at + 1];
        }
      }
      if (!push(std::move(batch))) return;
    }
    pos += len;
  }
}

void BatchLoader::produce(std::int64_t epoch, std::int64_t skip) {
  const std::uint64_t epoch_seed = Rng::derive(options_.seed, static_cast<std::uint64_t>(epoch));
  std::vector<std::int64_t> order = split_.indices;
  if (options_.shuffle) {
    Rng rng(epoch_seed);
    for (std::size_t i = order.size(); i-- > 1;) std::swap(order[i], order[rng.below(i + 1)]);
  }
  const std::int64_t nb = batches_per_epoch(), B = options_.batch_size;
  for (std::int64_t b = skip; b < nb; ++b) {
    // This rank's slice of global batch b: positions [lo, hi) within the epoch.
    std::int64_t g_lo = b * B,
                 g_hi = std::min<std::int64_t>(g_lo + B, static_cast<std::int64_t>(order.size()));
    std::int64_t per = (g_hi - g_lo + options_.world - 1) / options_.world;
    std::int64_t lo = std::min(g_hi, g_lo + options_.rank * per), hi = std::min(g_hi, lo + per);
    std::vector<std::int64_t> ids(order.begin() + lo, order.begin() + hi);
    std::vector<std::uint64_t> seeds;
    for (std::int64_t p = lo; p < hi; ++p)
      seeds.push_back(Rng::derive(epoch_seed, static_cast<std::uint64_t>(p) + 1));
    Batch batch;
    batch.index = b;
    const int threads =
        options_.decode_threads > 0 ? options_.decode_threads : at::get_num_threads();
    std::vector<std::int64_t> used;
    batch.images = make_image_tensor(*split_.data, ids, options_.augment, seeds, threads, &used);
    ids = used;  // a skipped file's replacement gives its label
    batch.labels = at::empty({static_cast<std::int64_t>(ids.size())}, at::kLong);
    auto* lab = batch.labels.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < ids.size(); ++i)
      lab[i] = split_.data->labels[static_cast<std::size_t>(ids[i])];
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

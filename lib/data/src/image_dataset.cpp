// Labelled images read a split's indices at a time (ImageDataset), and images held in memory
// (ImageArray): the crop, flip, cutout and normalisation of the CIFAR recipe.
#include <algorithm>
#include <cmath>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/data/dataset.h"

namespace wsnas::data {

namespace {

/// One epoch of an image split: the split's indices shuffled by the epoch's seed; global batch b
/// is positions [b B, (b + 1) B) of that order, and this rank reads its slice of it.
class ImageEpoch : public Epoch {
 public:
  ImageEpoch(const ImageDataset& data, const Split& split, const LoaderOptions& options,
             std::int64_t epoch)
      : data_(data),
        options_(options),
        seed_(Rng::derive(options.seed, static_cast<std::uint64_t>(epoch))),
        order_(split.indices),
        batches_(data.batches(split, options, epoch)) {
    if (options_.shuffle) {
      Rng rng(seed_);
      for (std::size_t i = order_.size(); i-- > 1;) std::swap(order_[i], order_[rng.below(i + 1)]);
    }
  }
  std::int64_t batches() const override { return batches_; }
  BatchLayout layout(std::int64_t b) const override {
    const auto [lo, hi] = slice(b);
    BatchLayout l;
    l.inputs = {hi - lo, data_.channels, data_.height, data_.width};
    l.labels = {hi - lo};
    return l;
  }
  void fill(std::int64_t b, void* inputs, std::int64_t* labels) const override {
    const auto [lo, hi] = slice(b);
    std::vector<std::int64_t> ids(order_.begin() + lo, order_.begin() + hi), used;
    std::vector<std::uint64_t> seeds;
    for (std::int64_t p = lo; p < hi; ++p)
      seeds.push_back(Rng::derive(seed_, static_cast<std::uint64_t>(p) + 1));
    data_.fill_images(ids, options_.augment, seeds, std::max(1, options_.decode_threads),
                      static_cast<float*>(inputs), &used);
    // A skipped file's replacement gives its label.
    for (std::size_t i = 0; i < used.size(); ++i)
      labels[i] = data_.labels[static_cast<std::size_t>(used[i])];
  }

 private:
  /// This rank's slice of global batch b: positions [lo, hi) within the epoch.
  std::pair<std::int64_t, std::int64_t> slice(std::int64_t b) const {
    const std::int64_t B = options_.batch_size;
    const std::int64_t g_lo = b * B, g_hi = std::min<std::int64_t>(
                                         g_lo + B, static_cast<std::int64_t>(order_.size()));
    const std::int64_t per = (g_hi - g_lo + options_.world - 1) / options_.world;
    const std::int64_t lo = std::min(g_hi, g_lo + options_.rank * per);
    return {lo, std::min(g_hi, lo + per)};
  }
  const ImageDataset& data_;
  LoaderOptions options_;
  std::uint64_t seed_;
  std::vector<std::int64_t> order_;
  std::int64_t batches_;
};

}  // namespace

Augment ImageDataset::train_augment(bool augment, int cutout) const {
  auto a = augment ? Augment::cifar_train(channel_stats()) : Augment::eval(channel_stats());
  if (augment) a.crop_padding = train_crop_padding;
  a.cutout = cutout;
  return a;
}

Augment ImageDataset::eval_augment() const { return Augment::eval(channel_stats()); }

std::int64_t ImageDataset::batches(const Split& split, const LoaderOptions& options,
                                   std::int64_t) const {
  const std::int64_t n = split.size(), b = options.batch_size;
  return options.drop_last ? n / b : (n + b - 1) / b;
}

std::unique_ptr<Epoch> ImageDataset::epoch(const Split& split, const LoaderOptions& options,
                                           std::int64_t epoch) const {
  return std::make_unique<ImageEpoch>(*this, split, options, epoch);
}

std::string ImageDataset::describe() const {
  return "image: " + std::to_string(channels) + "x" + std::to_string(height) + "x" +
         std::to_string(width) + "\nclasses: " + std::to_string(classes);
}

ChannelStats ImageDataset::channel_stats() const { return stats; }

// ---- images in memory -------------------------------------------------------------------------

void ImageArray::append(const ImageArray& o) {
  if (labels.empty() && images.empty()) {
    channels = o.channels;
    height = o.height;
    width = o.width;
    classes = o.classes;
    name = o.name;
    default_protocol = o.default_protocol;
    stats = o.stats;
  }
  WSNAS_CHECK_INPUT(o.channels == channels && o.height == height && o.width == width, "dataset '",
                    o.source, "': image shape differs from the files before it");
  images.insert(images.end(), o.images.begin(), o.images.end());
  labels.insert(labels.end(), o.labels.begin(), o.labels.end());
  source = source.empty() ? o.source : source + "," + o.source;
}

ChannelStats ImageArray::channel_stats() const {
  if (!stats.mean.empty()) return stats;
  ChannelStats s;
  const std::int64_t plane = static_cast<std::int64_t>(height) * width;
  for (int c = 0; c < channels; ++c) {
    double sum = 0, sq = 0;
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < size(); ++i) {
      const std::uint8_t* p = image(i) + c * plane;
      for (std::int64_t k = 0; k < plane; ++k) {
        double v = p[k] / 255.0;
        sum += v;
        sq += v * v;
      }
      count += plane;
    }
    double mean = count ? sum / static_cast<double>(count) : 0.0;
    double var = count ? sq / static_cast<double>(count) - mean * mean : 1.0;
    s.mean.push_back(static_cast<float>(mean));
    s.std.push_back(static_cast<float>(std::sqrt(var > 1e-12 ? var : 1.0)));
  }
  return s;
}

void ImageArray::fill_images(const std::vector<std::int64_t>& ids, const Augment& aug,
                             const std::vector<std::uint64_t>& seeds, int, float* dst,
                             std::vector<std::int64_t>* used) const {
  if (used) *used = ids;
  const int C = channels, H = height, W = width;
  const auto n = static_cast<std::int64_t>(ids.size());
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
    const std::uint8_t* src = image(ids[static_cast<std::size_t>(i)]);
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
}

}  // namespace wsnas::data

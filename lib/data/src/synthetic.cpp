#include <cmath>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/image_folder.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::data {

ImageArray make_synthetic(std::int64_t n, int classes, std::uint64_t seed, int channels, int height,
                          int width) {
  WSNAS_CHECK(n >= 0 && classes >= 1, "make_synthetic: bad size");
  ImageArray d;
  d.name = "synthetic";
  d.source = "synthetic(seed=" + std::to_string(seed) + ")";
  d.channels = channels;
  d.height = height;
  d.width = width;
  d.classes = classes;
  // Each class is a smooth pattern (a per-class frequency and phase per channel); each image is its
  // class pattern, shifted by a few pixels, plus noise: learnable, not trivially separable.
  Rng cls_rng(Rng::derive(seed, 0xC1A55));
  std::vector<double> fx(static_cast<std::size_t>(classes * channels)), fy(fx.size()),
      ph(fx.size());
  for (std::size_t i = 0; i < fx.size(); ++i) {
    fx[i] = 0.5 + 2.5 * cls_rng.uniform();
    fy[i] = 0.5 + 2.5 * cls_rng.uniform();
    ph[i] = 6.283185307 * cls_rng.uniform();
  }
  Rng rng(Rng::derive(seed, 1));
  d.images.resize(static_cast<std::size_t>(n * d.image_bytes()));
  d.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
    d.labels[static_cast<std::size_t>(i)] = label;
    const int dx = static_cast<int>(rng.below(5)) - 2, dy = static_cast<int>(rng.below(5)) - 2;
    std::uint8_t* img = d.images.data() + i * d.image_bytes();
    for (int c = 0; c < channels; ++c) {
      const std::size_t k = static_cast<std::size_t>(label * channels + c);
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          double v = std::sin(fx[k] * (x + dx) * 6.283185307 / width + ph[k]) *
                     std::cos(fy[k] * (y + dy) * 6.283185307 / height);
          double noise = (rng.uniform() - 0.5) * 0.8;
          double px = 127.5 + 100.0 * v + 60.0 * noise;
          img[(c * height + y) * width + x] =
              static_cast<std::uint8_t>(std::lround(std::fmin(255.0, std::fmax(0.0, px))));
        }
      }
    }
  }
  return d;
}

namespace {
ImageArray slice(const ImageArray& d, std::int64_t lo, std::int64_t hi) {
  ImageArray out = d;
  out.images.assign(d.images.begin() + lo * d.image_bytes(),
                    d.images.begin() + hi * d.image_bytes());
  out.labels.assign(d.labels.begin() + lo, d.labels.begin() + hi);
  return out;
}
}  // namespace

void write_synthetic_cifar(const std::string& dir, bool cifar100, std::int64_t n_train,
                           std::int64_t n_test, std::uint64_t seed) {
  WSNAS_CHECK(n_train >= 5 && n_test >= 1,
              "write_synthetic_cifar: need >= 5 training and >= 1 test images");
  io::make_dirs(dir);
  // One draw split in two: training and test sets of the same task.
  const ImageArray all = make_synthetic(n_train + n_test, cifar100 ? 100 : 10, seed);
  const ImageArray train = slice(all, 0, n_train);
  const ImageArray test = slice(all, n_train, n_train + n_test);
  if (cifar100) {
    write_cifar_file(dir + "/train.bin", train, true);
    write_cifar_file(dir + "/test.bin", test, true);
    return;
  }
  // CIFAR-10 splits its training set into five files.
  const std::int64_t per = (n_train + 4) / 5;
  for (int b = 0; b < 5; ++b) {
    std::int64_t lo = std::min<std::int64_t>(b * per, n_train),
                 hi = std::min<std::int64_t>(lo + per, n_train);
    write_cifar_file(dir + "/data_batch_" + std::to_string(b + 1) + ".bin", slice(train, lo, hi),
                     false);
  }
  write_cifar_file(dir + "/test_batch.bin", test, false);
}

void write_synthetic_image_folder(const std::string& dir, std::int64_t n_train, std::int64_t n_test,
                                  int classes, std::uint64_t seed) {
  WSNAS_CHECK(n_train >= 1 && n_test >= 1 && classes >= 1,
              "write_synthetic_image_folder: need images and classes");
  // Each class a colour and a stripe frequency; each image its class's pattern at a random size
  // (96 to 320 pixels a side, as varied as ImageNet's aspect ratios), plus noise.
  Rng cls_rng(Rng::derive(seed, 0xF01D));
  std::vector<double> colour(static_cast<std::size_t>(classes) * 3), freq(classes);
  for (auto& c : colour) c = 40 + 175 * cls_rng.uniform();
  for (auto& f : freq) f = 1 + 6 * cls_rng.uniform();
  Rng rng(Rng::derive(seed, 2));
  for (const auto& [split, n] :
       {std::pair<const char*, std::int64_t>{"train", n_train}, {"val", n_test}}) {
    for (int c = 0; c < classes; ++c) {
      char name[32];
      std::snprintf(name, sizeof name, "n%08d", c);
      io::make_dirs(dir + "/" + split + "/" + name);
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const int label = static_cast<int>(i % classes);
      RgbImage img;
      img.width = 96 + static_cast<int>(rng.below(225));
      img.height = 96 + static_cast<int>(rng.below(225));
      img.pixels.resize(static_cast<std::size_t>(img.width) * img.height * 3);
      const double f = freq[static_cast<std::size_t>(label)];
      for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
          const double v =
              std::sin(f * 6.283185307 * x / img.width) * std::cos(3.0 * y / img.height);
          for (int k = 0; k < 3; ++k) {
            const double px = colour[static_cast<std::size_t>(label) * 3 + k] * (0.7 + 0.3 * v) +
                              40 * (rng.uniform() - 0.5);
            img.pixels[(static_cast<std::size_t>(y) * img.width + x) * 3 + k] =
                static_cast<std::uint8_t>(std::lround(std::fmin(255.0, std::fmax(0.0, px))));
          }
        }
      }
      char name[64];
      std::snprintf(name, sizeof name, "/%s/n%08d/%s_%06lld.JPEG", split, label, split,
                    static_cast<long long>(i));
      write_jpeg(dir + name, img);
    }
  }
}

}  // namespace wsnas::data

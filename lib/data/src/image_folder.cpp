#include "wsnas/data/image_folder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "entries.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"

namespace wsnas::data {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpeg" || ext == ".jpg";
}

}  // namespace

std::vector<std::string> image_folder_classes(const std::string& dir) {
  std::error_code ec;
  WSNAS_CHECK_INPUT(
      fs::is_directory(dir, ec), "--data-dir: no folder '", dir,
      "' (expected the ImageNet layout: train/<class>/*.JPEG and val/<class>/*.JPEG)");
  std::vector<std::string> classes;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory()) classes.push_back(e.path().filename().string());
  WSNAS_CHECK_INPUT(!ec, "folder '", dir, "': ", ec.message());
  std::sort(classes.begin(), classes.end());
  WSNAS_CHECK_INPUT(!classes.empty(), "folder '", dir,
                    "': no class subfolders (expected <class>/*.JPEG inside)");
  return classes;
}

ImageFiles read_image_folder(const std::string& dir, const std::string& name, int size,
                             const std::vector<std::string>* classes) {
  const auto own = image_folder_classes(dir);
  const std::vector<std::string>& names = classes ? *classes : own;
  ImageFiles d;
  d.name = name;
  d.source = dir;
  d.channels = 3;
  d.height = d.width = size;
  d.classes = static_cast<int>(names.size());
  for (const auto& c : own) {
    const auto it = std::lower_bound(names.begin(), names.end(), c);
    WSNAS_CHECK_INPUT(it != names.end() && *it == c, "folder '", dir, "': class '", c,
                      "' is not one of the training folder's ", names.size(), " classes");
    const auto label = static_cast<std::int64_t>(it - names.begin());
    // Every image under the class folder, at any depth, in torchvision's ImageFolder order
    // (torchvision/datasets/folder.py make_dataset: sorted(os.walk(class_dir, followlinks=True)),
    // then sorted file names): by folder path, then by name.
    std::vector<std::pair<std::string, std::string>> files;
    std::error_code ec;
    const fs::path root = fs::path(dir) / c;
    for (fs::recursive_directory_iterator
             it(root, fs::directory_options::follow_directory_symlink, ec),
         end;
         !ec && it != end; it.increment(ec))
      if (it->is_regular_file() && is_image_file(it->path()))
        files.emplace_back(it->path().parent_path().string(), it->path().filename().string());
    WSNAS_CHECK_INPUT(!ec, "folder '", printable(root.string()), "': ", ec.message());
    WSNAS_CHECK_INPUT(!files.empty(), "folder '", printable(root.string()),
                      "': no .JPEG/.jpg image in this class folder or below (a class needs at "
                      "least one image, as in torchvision's ImageFolder)");
    std::sort(files.begin(), files.end());
    for (const auto& [folder, file] : files) {
      d.files.push_back(folder + "/" + file);
      d.labels.push_back(label);
    }
  }
  return d;
}

ImageFiles read_imagenet(const std::string& dir, bool train) {
  // Labels by the training folder's sorted class names, for both folders.
  const auto classes = image_folder_classes(dir + "/train");
  auto d = read_image_folder(dir + (train ? "/train" : "/val"), "imagenet", 224, &classes);
  // The released code (github.com/matluster/anonymous-2102 @3825f00 trainers/proxyless.py:
  // 140-146) trains on train/ and scores on val/.
  d.default_protocol = "train-all";
  return d;
}

DatasetEntry imagenet_entry() {
  auto e = train_test_entry(
      "imagenet", "", "ImageNet folders: train/<wnid>/*.JPEG, val/<wnid>/*.JPEG; 224x224 inputs",
      [](const std::string& dir, bool train) { return read_imagenet(dir, train); });
  e.files = {"train/", "val/"};
  e.source =
      "ILSVRC2012 from image-net.org (ILSVRC2012_img_train.tar, ILSVRC2012_img_val.tar), the "
      "validation images sorted into class folders as torchvision's ImageNet does";
  return e;
}

// ---- ImageFiles: decoded when a batch needs them --------------------------------------------

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

}  // namespace

std::int64_t skipped_image_files() {
  std::lock_guard<std::mutex> lock(skipped_mu);
  return static_cast<std::int64_t>(skipped_files().size());
}

Augment ImageFiles::train_augment(bool augment, int cutout) const {
  auto a = augment ? Augment::imagenet_train(channel_stats()) : Augment::eval(channel_stats());
  a.cutout = cutout;
  return a;
}

ChannelStats ImageFiles::channel_stats() const {
  // ImageNet's (the released code's DALI CropMirrorNormalize, anonymous-2102
  // datasets/imagenet.py:11-12,37-41), for any image folder.
  if (stats.mean.empty()) return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  return stats;
}

// Decoded and transformed by `threads` threads, one image at a time each.
void ImageFiles::fill_images(const std::vector<std::int64_t>& ids, const Augment& aug,
                             const std::vector<std::uint64_t>& seeds, int threads, float* dst,
                             std::vector<std::int64_t>* used) const {
  const int S = height;
  WSNAS_CHECK(width == S && channels == 3, "file-backed images are square RGB");
  threads = std::max(1, threads);
  const auto n = static_cast<std::int64_t>(ids.size());
  ImageTransform t;
  t.size = S;
  t.random_crop = aug.random_resized_crop;
  t.hflip = aug.hflip;
  t.jitter = aug.jitter;
  t.hue_lo = aug.hue_lo;
  t.hue_hi = aug.hue_hi;
  const ChannelStats norm = aug.stats.mean.empty() ? ChannelStats{{0, 0, 0}, {1, 1, 1}} : aug.stats;
  std::vector<std::int64_t> chosen(ids.begin(), ids.end());
  std::atomic<std::int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  auto work = [&](int worker) {
    try {
      std::vector<std::uint8_t> bytes;
      for (std::int64_t i = next++; i < n; i = next++) {
        const std::uint64_t seed = seeds.empty() ? 0 : seeds[static_cast<std::size_t>(i)];
        float* img = dst + i * 3 * S * S;
        std::int64_t id = ids[static_cast<std::size_t>(i)];
        // A file that cannot be read or decoded: the next image of the dataset instead.
        for (int attempt = 0;; ++attempt) {
          const std::string& path = files[static_cast<std::size_t>(id)];
          std::string error;
          if (read_bytes(path, bytes, error) &&
              process_image(bytes, t, norm.mean, norm.std, seed, img, error))
            break;
          {
            std::lock_guard<std::mutex> lock(skipped_mu);
            if (skipped_files().insert(path).second)
              std::cerr << "wsnas: warning: skipping image '" << printable(path)
                        << "': " << printable(error)
                        << " (the next image of the dataset takes its place)\n";
          }
          WSNAS_CHECK_INPUT(attempt < 64, "image folder '", source,
                            "': 64 unreadable images in a row from '", path, "'");
          id = (id + 1) % size();
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
}

bool process_image(const std::vector<std::uint8_t>& bytes, const ImageTransform& t,
                   const std::vector<float>& mean, const std::vector<float>& stdev,
                   std::uint64_t seed, float* dst, std::string& error) {
  int W = 0, H = 0;
  if (!jpeg_size(bytes, W, H, error)) return false;
  Rng rng(seed);
  // The region of the original image that becomes the output, [x0, x0 + cw) x [y0, y0 + ch).
  double x0 = 0, y0 = 0, cw = W, ch = H;
  if (t.random_crop) {
    // torchvision's RandomResizedCrop: area in [0.08, 1] of the image, log-uniform aspect ratio
    // in [3/4, 4/3], 10 tries, then the whole image clamped to that ratio, centred.
    bool found = false;
    for (int attempt = 0; attempt < 10 && !found; ++attempt) {
      const double area = static_cast<double>(W) * H * (0.08 + 0.92 * rng.uniform());
      const double ratio = std::exp(std::log(3.0 / 4) + rng.uniform() * std::log(16.0 / 9));
      const int w = static_cast<int>(std::lround(std::sqrt(area * ratio)));
      const int h = static_cast<int>(std::lround(std::sqrt(area / ratio)));
      if (w > 0 && h > 0 && w <= W && h <= H) {
        x0 = static_cast<double>(rng.below(static_cast<std::uint64_t>(W - w + 1)));
        y0 = static_cast<double>(rng.below(static_cast<std::uint64_t>(H - h + 1)));
        cw = w;
        ch = h;
        found = true;
      }
    }
    if (!found) {
      const double r = static_cast<double>(W) / H;
      cw = r < 3.0 / 4 ? W : r > 4.0 / 3 ? std::round(H * 4.0 / 3) : W;
      ch = r < 3.0 / 4 ? std::round(W * 4.0 / 3) : H;
      x0 = (W - cw) / 2;
      y0 = (H - ch) / 2;
    }
  } else {
    // Resize the shorter side to size / crop_ratio (224 -> 256), centre-crop `size`: the same
    // as cropping the centred square of side shorter x crop_ratio and resizing it.
    const double side = std::min(W, H) * t.crop_ratio;
    cw = ch = side;
    x0 = (W - side) / 2;
    y0 = (H - side) / 2;
  }
  // libjpeg's DCT scaling: decode at 1/d, the largest d that keeps the region at least `size`
  // pixels wide and high (so the resize only shrinks by less than 2, or enlarges).
  int denom = 8;
  while (denom > 1 && (cw / denom < t.size || ch / denom < t.size)) denom /= 2;
  RgbImage img;
  if (!decode_jpeg(bytes, denom, img, error)) return false;
  const double sx = static_cast<double>(img.width) / W, sy = static_cast<double>(img.height) / H;
  const bool flip = t.hflip && rng.below(2) == 1;
  double brightness = 1, contrast = 1, saturation = 1, hue = 0;
  if (t.jitter > 0) {
    brightness = 1 - t.jitter + 2 * t.jitter * rng.uniform();
    contrast = 1 - t.jitter + 2 * t.jitter * rng.uniform();
    saturation = 1 - t.jitter + 2 * t.jitter * rng.uniform();
  }
  if (t.hue_hi > t.hue_lo || t.hue_lo != 0) hue = t.hue_lo + (t.hue_hi - t.hue_lo) * rng.uniform();
  const int S = t.size;
  const std::size_t plane = static_cast<std::size_t>(S) * S;
  // Source coordinates of every output column and row (bilinear, pixel centres, clamped).
  struct Tap {
    int lo, hi;
    float f;
  };
  auto taps = [&](double origin, double step, int limit, bool mirror) {
    std::vector<Tap> out(static_cast<std::size_t>(S));
    for (int o = 0; o < S; ++o) {
      const int src = mirror ? S - 1 - o : o;
      const float v = std::clamp(static_cast<float>(origin + (src + 0.5) * step - 0.5), 0.0f,
                                 static_cast<float>(limit - 1));
      const int lo = static_cast<int>(v);
      out[static_cast<std::size_t>(o)] = {lo, std::min(lo + 1, limit - 1), v - lo};
    }
    return out;
  };
  const auto xs = taps(x0 * sx, cw * sx / S, img.width, flip);
  const auto ys = taps(y0 * sy, ch * sy / S, img.height, false);
  // DALI's colour ops as the paper's released code chains them (github.com/matluster/anonymous-2102
  // @3825f00 datasets/imagenet.py:29-30,52-54): BrightnessContrast,
  // brightness x (128 + contrast x (v - 128)), clamped to [0, 255]; then Hsv, saturation and a
  // hue rotation of the chroma plane in YIQ, one 3x3 matrix, clamped again.
  const bool colour = brightness != 1 || contrast != 1 || saturation != 1 || hue != 0;
  const float gain = static_cast<float>(brightness * contrast),
              offset = static_cast<float>(brightness * 128 * (1 - contrast));
  float m[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (colour) {
    const double a = hue * 3.14159265358979323846 / 180, c = std::cos(a) * saturation,
                 sn = std::sin(a) * saturation;
    const double to_yiq[9] = {0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312};
    const double from_yiq[9] = {1, 0.956, 0.621, 1, -0.272, -0.647, 1, -1.106, 1.703};
    const double twist[9] = {1, 0, 0, 0, c, -sn, 0, sn, c};
    double tmp[9];
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) {
        tmp[r * 3 + k] = 0;
        for (int j = 0; j < 3; ++j) tmp[r * 3 + k] += twist[r * 3 + j] * to_yiq[j * 3 + k];
      }
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) {
        double v = 0;
        for (int j = 0; j < 3; ++j) v += from_yiq[r * 3 + j] * tmp[j * 3 + k];
        m[r * 3 + k] = static_cast<float>(v);
      }
  }
  float scale[3], shift[3];
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / (255.0f * stdev[static_cast<std::size_t>(c)]);
    shift[c] = -mean[static_cast<std::size_t>(c)] / stdev[static_cast<std::size_t>(c)];
  }
  const std::size_t row_bytes = static_cast<std::size_t>(img.width) * 3;
  for (int oy = 0; oy < S; ++oy) {
    const Tap ty = ys[static_cast<std::size_t>(oy)];
    const std::uint8_t* r0 = img.pixels.data() + static_cast<std::size_t>(ty.lo) * row_bytes;
    const std::uint8_t* r1 = img.pixels.data() + static_cast<std::size_t>(ty.hi) * row_bytes;
    for (int ox = 0; ox < S; ++ox) {
      const Tap tx = xs[static_cast<std::size_t>(ox)];
      float p[3];
      for (int c = 0; c < 3; ++c) {
        const float top = r0[3 * tx.lo + c] + tx.f * (r0[3 * tx.hi + c] - r0[3 * tx.lo + c]);
        const float bottom = r1[3 * tx.lo + c] + tx.f * (r1[3 * tx.hi + c] - r1[3 * tx.lo + c]);
        p[c] = top + ty.f * (bottom - top);
      }
      if (colour) {
        for (float& v : p) v = std::clamp(gain * v + offset, 0.0f, 255.0f);
        const float q0 = m[0] * p[0] + m[1] * p[1] + m[2] * p[2];
        const float q1 = m[3] * p[0] + m[4] * p[1] + m[5] * p[2];
        const float q2 = m[6] * p[0] + m[7] * p[1] + m[8] * p[2];
        p[0] = std::clamp(q0, 0.0f, 255.0f);
        p[1] = std::clamp(q1, 0.0f, 255.0f);
        p[2] = std::clamp(q2, 0.0f, 255.0f);
      }
      const std::size_t i = static_cast<std::size_t>(oy) * S + ox;
      for (int c = 0; c < 3; ++c)
        dst[static_cast<std::size_t>(c) * plane + i] = p[c] * scale[c] + shift[c];
    }
  }
  return true;
}

}  // namespace wsnas::data

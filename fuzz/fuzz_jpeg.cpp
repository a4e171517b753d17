// JPEG files of image folders (ImageNet's train/<wnid>/*.JPEG), decoded by libjpeg-turbo as the
// folder reader does (lib/data/src/jpeg.cpp, image_folder.cpp; no LibTorch): jpeg_size, then
// decode_jpeg with DCT scaling at 1/1, 1/2, 1/4 and 1/8, then process_image, the per-file path of
// ImageFiles::fill_images (crop, DCT-scaled decode, bilinear resize, flip, colour jitter,
// normalisation). A refusal is `false` with an error message; an accepted image has the header's
// size scaled as libjpeg scales (ceil(size / denom)), as many pixels as it says, and a finite
// normalised output.
//
// Bounds of the harness, not of the library: a header of more than 2^18 pixels is not decoded at
// full scale and one of more than 2^22 pixels not at all (a 16-byte header may claim 65500 x
// 65500, and decoding it costs gigabytes and minutes per run).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_strict.h"
#include "fuzz_support.h"
#include "wsnas/data/image_folder.h"

namespace {

constexpr std::int64_t kFullScalePixels = std::int64_t{1} << 18;
constexpr std::int64_t kMaxPixels = std::int64_t{1} << 22;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const std::vector<std::uint8_t> bytes(data, data + size);
  int W = 0, H = 0;
  std::string error;
  bool sized = false;
  fuzz::refused_or_accepted([&] { sized = data::jpeg_size(bytes, W, H, error); });
  if (!sized) {
    if (error.empty()) fuzz::finding("jpeg_size refused a file without saying why");
  } else if (W <= 0 || H <= 0) {
    fuzz::finding("jpeg_size accepted an image of " + std::to_string(W) + " x " +
                  std::to_string(H) + " pixels");
  }
  const std::int64_t pixels = static_cast<std::int64_t>(W) * H;
  if (sized && pixels > kMaxPixels) return 0;
  for (const int denom : {1, 2, 4, 8}) {
    if (sized && denom < 4 && pixels > kFullScalePixels) continue;
    data::RgbImage img;
    std::string why;
    bool ok = false;
    fuzz::refused_or_accepted([&] { ok = data::decode_jpeg(bytes, denom, img, why); });
    if (!ok) {
      if (why.empty()) fuzz::finding("decode_jpeg refused a file without saying why");
      continue;
    }
    if (!sized) fuzz::finding("decode_jpeg accepted a file jpeg_size refused: " + error);
    const int w = (W + denom - 1) / denom, h = (H + denom - 1) / denom;
    if (img.width != w || img.height != h)
      fuzz::finding("decode_jpeg at 1/" + std::to_string(denom) + " of " + std::to_string(W) +
                    " x " + std::to_string(H) + " gave " + std::to_string(img.width) + " x " +
                    std::to_string(img.height));
    if (img.pixels.size() != static_cast<std::size_t>(w) * h * 3)
      fuzz::finding("decode_jpeg's pixels are not width x height x 3 bytes");
  }
  // The folder reader's path: evaluation (resize + centre crop) and training (RandomResizedCrop,
  // flip, colour jitter, hue), small outputs.
  const std::vector<float> mean = {0.485f, 0.456f, 0.406f}, stdev = {0.229f, 0.224f, 0.225f};
  for (const bool train : {false, true}) {
    data::ImageTransform t;
    t.size = train ? 24 : 16;
    t.random_crop = train;
    t.hflip = train;
    t.jitter = train ? 0.4 : 0;
    t.hue_lo = train ? -30 : 0;
    t.hue_hi = train ? 30 : 0;
    const std::size_t n = 3 * static_cast<std::size_t>(t.size) * t.size;
    std::vector<float> out(n, std::nanf(""));
    std::string why;
    bool ok = false;
    fuzz::refused_or_accepted(
        [&] { ok = data::process_image(bytes, t, mean, stdev, /*seed=*/size, out.data(), why); });
    if (!ok) {
      if (why.empty()) fuzz::finding("process_image refused a file without saying why");
      continue;
    }
    if (!sized) fuzz::finding("process_image accepted a file jpeg_size refused: " + error);
    // Pixels in [0, 255], normalised: within [(0 - mean) / std, (1 - mean) / std] per channel.
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = i / (n / 3);
      const float lo = -mean[c] / stdev[c] - 1e-3f, hi = (1 - mean[c]) / stdev[c] + 1e-3f;
      if (!(out[i] >= lo && out[i] <= hi))
        fuzz::finding("process_image wrote " + std::to_string(out[i]) + " (channel " +
                      std::to_string(c) + ", expected a normalised pixel in [" +
                      std::to_string(lo) + ", " + std::to_string(hi) + "])");
    }
  }
  return 0;
}

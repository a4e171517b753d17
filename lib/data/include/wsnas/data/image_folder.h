#pragma once
/// ImageNet in its standard folder layout (`train/<wnid>/*.JPEG`, `val/<wnid>/*.JPEG`; labels by
/// sorted class folder), decoded on demand with libjpeg-turbo, and its augmentations (the paper's
/// released code, github.com/matluster/anonymous-2102 @3825f00 datasets/imagenet.py:24-77):
/// RandomResizedCrop (area 0.08-1, aspect 3/4-4/3), flip, colour jitter for training; resize to
/// 256 and centre crop 224 for evaluation. No LibTorch here: ImageFiles::fill_images calls
/// process_image per image from its decode threads.

#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/data/dataset.h"

namespace wsnas::data {

/// An 8-bit RGB image, rows of width x 3 bytes.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
};

/// The size of a JPEG from its header; false with `error` set when it is not a readable JPEG.
bool jpeg_size(const std::vector<std::uint8_t>& bytes, int& width, int& height, std::string& error);
/// Decodes a JPEG to RGB (greyscale and CMYK converted), scaled down by libjpeg's DCT scaling to
/// 1 / `denom` (1, 2, 4 or 8). False with `error` set for corrupt or truncated data.
bool decode_jpeg(const std::vector<std::uint8_t>& bytes, int denom, RgbImage& out,
                 std::string& error);
/// Writes a JPEG (tests and the benchmark write real files with it).
void write_jpeg(const std::string& path, const RgbImage& image, int quality = 90);

/// Reads an image folder: one subfolder per class, image files (.jpeg, .jpg; any case) inside;
/// classes sorted by name, or those of `classes` when given (a validation folder takes the
/// training folder's classes; a class it lacks is allowed, an unknown one is an InputError). The
/// dataset holds file paths, 3 channels and `size` x `size` output images.
ImageFiles read_image_folder(const std::string& dir, const std::string& name, int size,
                             const std::vector<std::string>* classes = nullptr);
/// ImageNet's training (`train/`) or validation (`val/`) folder in `dir`, labelled by the
/// training folder's classes; 224 x 224 inputs.
ImageFiles read_imagenet(const std::string& dir, bool train);
/// The class subfolders of `dir`, sorted; InputError naming the folder when there are none.
std::vector<std::string> image_folder_classes(const std::string& dir);

/// How one file-backed image becomes a network input.
struct ImageTransform {
  int size = 224;                 ///< output side
  bool random_crop = false;       ///< training: RandomResizedCrop; else resize + centre crop
  double crop_ratio = 0.875;      ///< evaluation: resize the shorter side to size / crop_ratio
  bool hflip = false;             ///< flip with probability 1/2
  double jitter = 0;              ///< brightness, contrast, saturation factors in [1 - j, 1 + j]
  double hue_lo = 0, hue_hi = 0;  ///< hue rotation in degrees, uniform in [lo, hi]
};

/// Decodes `bytes` and writes the transformed image, normalised by `mean`/`std` (per channel, in
/// [0, 1] units), into `dst` (3 x size x size floats, channel-major). Randomness from `seed`.
/// False with `error` set when the file is not a decodable JPEG.
bool process_image(const std::vector<std::uint8_t>& bytes, const ImageTransform& t,
                   const std::vector<float>& mean, const std::vector<float>& std,
                   std::uint64_t seed, float* dst, std::string& error);

}  // namespace wsnas::data

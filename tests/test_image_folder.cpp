// ImageNet's folder layout with real JPEG files (written here with libjpeg): decoding and DCT
// scaling, corrupt and truncated files, the class folders and labels, the evaluation and
// training transforms (the paper's released code, github.com/matluster/anonymous-2102 @3825f00
// datasets/imagenet.py:24-77), and the loader skipping an unreadable file.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/image_folder.h"
#include "wsnas/data/loader.h"

using namespace wsnas;
using data::RgbImage;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& path) {
  const std::string s = test::read_file(path);
  return {s.begin(), s.end()};
}

RgbImage gradient(int w, int h) {  // red rises with x, green with y, blue constant
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.resize(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = &img.pixels[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = static_cast<std::uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (h - 1));
      p[2] = 128;
    }
  return img;
}

}  // namespace

TEST(Jpeg, RoundTripScalingAndBadFiles) {
  const std::string dir = test::scratch_dir("jpeg");
  data::write_jpeg(dir + "/g.jpg", gradient(64, 48), 95);
  const auto bytes = bytes_of(dir + "/g.jpg");
  int w = 0, h = 0;
  std::string error;
  ASSERT_TRUE(data::jpeg_size(bytes, w, h, error)) << error;
  EXPECT_EQ(w, 64);
  EXPECT_EQ(h, 48);
  {  // A header promising 65000 x 65000 pixels (the frame marker's height and width patched) is
     // refused before anything is allocated (fuzz_jpeg's review: minutes and gigabytes).
    auto huge = bytes;
    std::size_t sof = 2;
    while (sof + 9 < huge.size() && !(huge[sof] == 0xFF && huge[sof + 1] == 0xC0)) ++sof;
    ASSERT_LT(sof + 9, huge.size());
    for (std::size_t k : {sof + 5, sof + 7}) {
      huge[k] = 0xFD;
      huge[k + 1] = 0xE8;  // 65000
    }
    EXPECT_FALSE(data::jpeg_size(huge, w, h, error));
    EXPECT_NE(error.find("an image of 65000 x 65000 pixels, more than the 268435456"),
              std::string::npos)
        << error;
    RgbImage big;
    EXPECT_FALSE(data::decode_jpeg(huge, 8, big, error));
    EXPECT_TRUE(big.pixels.empty());
  }
  RgbImage img;
  ASSERT_TRUE(data::decode_jpeg(bytes, 1, img, error)) << error;
  const RgbImage ref = gradient(64, 48);
  double err = 0;
  for (std::size_t i = 0; i < ref.pixels.size(); ++i)
    err += std::abs(static_cast<int>(img.pixels[i]) - static_cast<int>(ref.pixels[i]));
  EXPECT_LT(err / static_cast<double>(ref.pixels.size()), 3.0);  // quality 95
  // libjpeg's DCT scaling: 1/2 and 1/8 of each side (rounded up).
  ASSERT_TRUE(data::decode_jpeg(bytes, 2, img, error)) << error;
  EXPECT_EQ(img.width, 32);
  EXPECT_EQ(img.height, 24);
  ASSERT_TRUE(data::decode_jpeg(bytes, 8, img, error)) << error;
  EXPECT_EQ(img.width, 8);
  EXPECT_EQ(img.height, 6);
  // A file truncated in its scan data is an error (not grey pixels), and so is a file that is not
  // a JPEG or one cut in its header.
  RgbImage noisy = gradient(256, 192);
  std::uint32_t state = 1;
  for (auto& p : noisy.pixels)
    p = static_cast<std::uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  data::write_jpeg(dir + "/noisy.jpg", noisy, 90);
  const auto full = bytes_of(dir + "/noisy.jpg");
  ASSERT_TRUE(data::decode_jpeg(full, 1, img, error)) << error;
  const std::vector<std::uint8_t> half(full.begin(), full.begin() + full.size() / 2);
  EXPECT_FALSE(data::decode_jpeg(half, 1, img, error));
  EXPECT_NE(error.find("Premature end"), std::string::npos) << error;
  EXPECT_FALSE(data::jpeg_size({'P', 'N', 'G', 0, 1, 2}, w, h, error));
  EXPECT_NE(error.find("not a JPEG"), std::string::npos) << error;
  const std::vector<std::uint8_t> header_only(bytes.begin(), bytes.begin() + 20);
  EXPECT_FALSE(data::decode_jpeg(header_only, 1, img, error));
}

TEST(ImageFolder, ReadsTheLayoutWithLabelsBySortedClass) {
  const std::string dir = test::scratch_dir("imagefolder");
  data::write_synthetic_image_folder(dir, 12, 6, 3, 1);
  auto train = data::read_imagenet(dir, true);
  auto val = data::read_imagenet(dir, false);
  EXPECT_EQ(train.size(), 12);
  EXPECT_EQ(val.size(), 6);
  EXPECT_EQ(train.classes, 3);
  EXPECT_EQ(train.height, 224);
  EXPECT_EQ(std::string(train.unit()), "images");
  EXPECT_EQ(train.files.size(), 12u);
  for (std::int64_t i = 0; i < train.size(); ++i) {
    const auto& f = train.files[static_cast<std::size_t>(i)];
    const auto label = train.labels[static_cast<std::size_t>(i)];
    EXPECT_NE(f.find("/train/n0000000" + std::to_string(label) + "/"), std::string::npos) << f;
  }
  // ImageNet's normalisation for image folders; the released code's protocol by default.
  const auto stats = data::channel_stats(train);
  EXPECT_FLOAT_EQ(stats.mean[0], 0.485f);
  EXPECT_FLOAT_EQ(stats.std[2], 0.225f);
  auto bundle = data::make_bundle(std::move(train), std::move(val), "default");
  EXPECT_EQ(bundle.protocol, "train-all");
  EXPECT_EQ(bundle.train.size(), 12);
  EXPECT_EQ(bundle.valid.size(), 6);
  // A validation class the training folder lacks; a missing folder; an empty one.
  std::filesystem::create_directories(dir + "/val/n99999999");
  std::ofstream(dir + "/val/n99999999/x.JPEG") << "x";
  EXPECT_NE(test::input_error_of([&] {
              data::read_imagenet(dir, false);
            }).find("class 'n99999999' is not one of the training folder's 3 classes"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] {
              data::read_imagenet(dir + "/none", true);
            }).find("no folder '" + dir + "/none/train' (expected the ImageNet layout"),
            std::string::npos);
  std::filesystem::create_directories(dir + "/empty/train/a");
  EXPECT_NE(test::input_error_of([&] {
              data::read_imagenet(dir + "/empty", true);
            }).find("empty/train/a': no .JPEG/.jpg image in this class folder or below"),
            std::string::npos);
}

TEST(ImageFolder, ClassFoldersAreWalkedRecursivelyAndAnEmptyOneIsRefused) {
  // torchvision's ImageFolder (torchvision/datasets/folder.py make_dataset) walks each class
  // folder with sorted(os.walk(..., followlinks=True)) and sorted file names, and refuses a class
  // with no valid file. Issue 23: images in sub-folders were dropped silently (36 of 48).
  const std::string dir = test::scratch_dir("imagefolder_nested");
  data::write_synthetic_image_folder(dir, 12, 6, 3, 1);
  const auto flat = data::read_imagenet(dir, true);
  const std::string cls = dir + "/train/n00000001";
  std::filesystem::create_directories(cls + "/sub/deeper");
  std::filesystem::create_directories(cls + "/a-sub");
  const std::string first = flat.files[4];  // a class-1 image
  ASSERT_EQ(flat.labels[4], 1);
  std::filesystem::copy_file(first, cls + "/sub/deeper/z.JPEG");
  std::filesystem::copy_file(first, cls + "/sub/a.jpg");
  std::filesystem::copy_file(first, cls + "/a-sub/b.JPEG");
  std::ofstream(cls + "/sub/notes.txt") << "not an image";
  const auto nested = data::read_imagenet(dir, true);
  ASSERT_EQ(nested.size(), 15);
  EXPECT_EQ(nested.classes, 3);
  // Python's order: by folder path ("n00000001" < "n00000001/a-sub" < "n00000001/sub" <
  // "n00000001/sub/deeper"), then by file name; the labels follow the class folder.
  std::vector<std::string> class1;
  for (std::size_t i = 0; i < nested.files.size(); ++i)
    if (nested.labels[i] == 1) class1.push_back(nested.files[i].substr(cls.size()));
  ASSERT_EQ(class1.size(), 7u);
  EXPECT_EQ(class1[4], "/a-sub/b.JPEG");
  EXPECT_EQ(class1[5], "/sub/a.jpg");
  EXPECT_EQ(class1[6], "/sub/deeper/z.JPEG");
  // An empty class folder (or one with no JPEG at any depth) is refused, naming it.
  std::filesystem::create_directories(dir + "/train/n00000009/only/text");
  std::ofstream(dir + "/train/n00000009/only/text/readme.txt") << "x";
  const auto err = test::input_error_of([&] { data::read_imagenet(dir, true); });
  EXPECT_NE(err.find("folder '" + dir + "/train/n00000009': no .JPEG/.jpg image in this class"),
            std::string::npos)
      << err;
}

TEST(ImageFolder, EvaluationAndTrainingTransforms) {
  const std::string dir = test::scratch_dir("transforms");
  data::write_jpeg(dir + "/g.jpg", gradient(300, 200), 95);
  const auto bytes = bytes_of(dir + "/g.jpg");
  const std::vector<float> mean = {0, 0, 0}, stdev = {1, 1, 1};
  data::ImageTransform eval;
  eval.size = 32;
  std::vector<float> out(3 * 32 * 32);
  std::string error;
  ASSERT_TRUE(data::process_image(bytes, eval, mean, stdev, 0, out.data(), error)) << error;
  // Resize the shorter side to 32 / 0.875 and crop the centre: the centred 175 x 175 square of
  // the image. Red rises with x: the first column samples x near 62.5 + 2.7, the last near
  // 237.5 - 2.7 (of 299); green with y over the middle 175 of 200 rows; blue stays 128.
  auto at = [&](int c, int y, int x) { return out[(c * 32 + y) * 32 + x] * 255; };
  EXPECT_NEAR(at(0, 16, 0), (62.5 + 175.0 / 64 - 0.5) * 255 / 299, 4);
  EXPECT_NEAR(at(0, 16, 31), (237.5 - 175.0 / 64 - 0.5) * 255 / 299, 4);
  EXPECT_NEAR(at(1, 0, 16), (12.5 + 175.0 / 64 - 0.5) * 255 / 199, 4);
  EXPECT_NEAR(at(2, 10, 10), 128, 3);
  // Training: RandomResizedCrop, flip, colour jitter; the same seed gives the same image.
  data::ImageTransform train = eval;
  train.random_crop = true;
  train.hflip = true;
  train.jitter = 0.4;
  train.hue_lo = 0.9;
  train.hue_hi = 1.1;
  std::vector<float> a(out.size()), b(out.size()), c(out.size());
  ASSERT_TRUE(data::process_image(bytes, train, mean, stdev, 5, a.data(), error));
  ASSERT_TRUE(data::process_image(bytes, train, mean, stdev, 5, b.data(), error));
  ASSERT_TRUE(data::process_image(bytes, train, mean, stdev, 6, c.data(), error));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (float v : a) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
}

TEST(ImageFolder, TheLoaderSkipsAnUnreadableFileWithTheReplacementsLabel) {
  const std::string dir = test::scratch_dir("corrupt");
  data::write_synthetic_image_folder(dir, 6, 3, 3, 2);
  auto train = data::read_imagenet(dir, true);
  const std::string broken = train.files[1];  // the last of class 0; the next file is class 1
  ASSERT_NE(train.labels[1], train.labels[2]);
  const std::string text = test::read_file(broken);
  std::ofstream(broken, std::ios::binary | std::ios::trunc) << text.substr(0, text.size() / 3);
  data::Split split{&train, {0, 1, 2, 3, 4, 5}, "train"};
  data::LoaderOptions lo;
  lo.batch_size = 6;
  lo.shuffle = false;
  lo.decode_threads = 2;
  lo.augment = data::Augment::imagenet_train(data::channel_stats(train));
  data::BatchLoader loader(split, lo);
  const auto before = data::skipped_image_files();
  for (int epoch = 0; epoch < 2; ++epoch) {
    loader.start_epoch(epoch);
    data::Batch batch;
    ASSERT_TRUE(loader.next(batch));
    EXPECT_EQ(batch.images.sizes(), (std::vector<std::int64_t>{6, 3, 224, 224}));
    EXPECT_EQ(batch.labels[1].item<std::int64_t>(), train.labels[2]);
    EXPECT_EQ(batch.labels[0].item<std::int64_t>(), train.labels[0]);
  }
  EXPECT_EQ(data::skipped_image_files() - before, 1);
}

TEST(ImageFolder, AWarningEscapesControlBytesInAFileName) {
  // Issue 23: errors escaped control bytes, warnings printed them raw (a terminal escape sequence
  // in a file name recoloured the log).
  const std::string dir = test::scratch_dir("warning_escape");
  data::write_synthetic_image_folder(dir, 3, 3, 3, 4);
  const std::string odd = dir + "/train/n00000000/z\x1b[31mred.JPEG";
  std::ofstream(odd, std::ios::binary) << "not a JPEG";
  auto train = data::read_imagenet(dir, true);
  ASSERT_EQ(train.size(), 4);
  data::Split split{&train, {0, 1, 2, 3}, "train"};
  data::LoaderOptions lo;
  lo.batch_size = 4;
  lo.shuffle = false;
  lo.augment = data::Augment::imagenet_train(data::channel_stats(train));
  data::BatchLoader loader(split, lo);
  testing::internal::CaptureStderr();
  loader.start_epoch(0);
  data::Batch batch;
  ASSERT_TRUE(loader.next(batch));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(
      err.find("wsnas: warning: skipping image '" + dir + "/train/n00000000/z\\x1b[31mred.JPEG'"),
      std::string::npos)
      << err;
  EXPECT_EQ(err.find('\x1b'), std::string::npos) << err;
}

// Datasets in their real formats: the real Fashion-MNIST from Debian's dataset-fashion-mnist,
// CIFAR binary files written by our generator, the paper's splits, augmentation and the loader.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <numeric>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/loader.h"

using namespace wsnas;

namespace {
void truncate_copy(const std::string& from, const std::string& to, std::size_t keep) {
  std::string bytes = test::read_file(from);
  std::ofstream out(to, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(std::min(keep, bytes.size())));
}
}  // namespace

TEST(Registry, DatasetsByNameAndOneRegistrationForANewOne) {
  // The built-in names, each read by its own reader; an unknown name is one line naming --dataset.
  const auto names = data::dataset_names();
  for (const char* n :
       {"cifar10", "cifar100", "fashion-mnist", "mnist", "imagenet", "ptb", "wikitext-2"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_EQ(data::default_dataset_dir("mnist"), "/usr/share/datasets/mnist");
  EXPECT_EQ(data::default_dataset_dir("cifar10"), "data/cifar10");
  EXPECT_EQ(test::input_error_of([] { data::load_bundle("svhn", "x"); }),
            "--dataset 'svhn': unknown dataset (expected one of: " + join(names, ", ") + ")");
  // A new dataset is one registration: here CIFAR-10's files under another name and protocol.
  const std::string dir = test::scratch_dir("registry");
  data::write_synthetic_cifar(dir, false, 50, 20, 3);
  data::register_dataset({"cifar10-copy", "", "CIFAR-10 binary, for this test",
                          [](const std::string& d, const data::BundleOptions& o) {
                            return data::make_bundle(data::read_cifar10(d, true),
                                                     data::read_cifar10(d, false), "holdout:10",
                                                     o.limit_train, o.limit_eval);
                          }});
  const auto b = data::load_bundle("cifar10-copy", dir, {"default", 0, 5});
  EXPECT_EQ(b.train.size(), 40);
  EXPECT_EQ(b.valid.size(), 5);
  EXPECT_EQ(data::describe_size(b.test), "5 images");
  EXPECT_EQ(b.train_set->describe(), "image: 3x32x32\nclasses: 10");
  EXPECT_THROW(
      data::register_dataset({"cifar10-copy", "", "", data::dataset_entry("cifar10").load}), Error);
}

TEST(FashionMnist, ReadsTheRealDebianDataset) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  auto train = data::read_mnist_dir(dir, true, "fashion-mnist");
  auto test_set = data::read_mnist_dir(dir, false, "fashion-mnist");
  // Fashion-MNIST (Xiao et al., 2017): 60,000 + 10,000 grey 28x28 images, 10 balanced classes.
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test_set.size(), 10000);
  EXPECT_EQ(train.channels, 1);
  EXPECT_EQ(train.height, 28);
  EXPECT_EQ(train.width, 28);
  std::vector<int> counts(10, 0);
  for (auto l : train.labels) ++counts[static_cast<std::size_t>(l)];
  for (int c : counts) EXPECT_EQ(c, 6000);
  auto b = data::make_bundle(std::move(train), std::move(test_set), "default");
  EXPECT_EQ(b.protocol, "holdout:10000");
  EXPECT_EQ(b.train.size(), 50000);
  EXPECT_EQ(b.valid.size(), 10000);
  EXPECT_EQ(b.test.size(), 10000);
}

TEST(Cifar, SyntheticFilesRoundTripInTheBinaryFormat) {
  std::string dir = test::scratch_dir("cifar10");
  data::write_synthetic_cifar(dir, false, 500, 100, 1);
  // Five training files of 100 records of 3073 bytes, as CIFAR-10's binary version.
  EXPECT_EQ(test::read_file(dir + "/data_batch_3.bin").size(), 100u * 3073u);
  auto train = data::read_cifar10(dir, true);
  auto test_set = data::read_cifar10(dir, false);
  EXPECT_EQ(train.size(), 500);
  EXPECT_EQ(test_set.size(), 100);
  EXPECT_EQ(train.classes, 10);
  auto again = data::make_synthetic(600, 10, 1);
  EXPECT_EQ(std::vector<std::int64_t>(again.labels.begin(), again.labels.begin() + 500),
            train.labels);
  EXPECT_TRUE(std::equal(train.images.begin(), train.images.end(), again.images.begin()));

  std::string dir100 = test::scratch_dir("cifar100");
  data::write_synthetic_cifar(dir100, true, 200, 40, 2);
  EXPECT_EQ(test::read_file(dir100 + "/train.bin").size(), 200u * 3074u);
  auto fine = data::read_cifar100(dir100, true, true);
  auto coarse = data::read_cifar100(dir100, true, false);
  EXPECT_EQ(fine.classes, 100);
  EXPECT_EQ(coarse.classes, 20);
  for (std::int64_t i = 0; i < fine.size(); ++i)
    EXPECT_EQ(coarse.labels[static_cast<std::size_t>(i)],
              fine.labels[static_cast<std::size_t>(i)] / 5);
}

TEST(Cifar, ReadsRecordsBuiltByHandFromTheFormatsDescription) {
  // The format as https://www.cs.toronto.edu/~kriz/cifar.html describes it: CIFAR-10 records are
  // <1 x label><3072 x pixel>, the pixels 1024 red, 1024 green, 1024 blue, each row-major (32
  // bytes per row); CIFAR-100 records are <1 x coarse label><1 x fine label><3072 x pixel>.
  // Two records built here byte by byte, not by our writer.
  auto pixel = [](int record, int c, int y, int x) {
    return static_cast<unsigned char>((record * 101 + c * 50 + y * 3 + x) % 256);
  };
  auto records = [&](const std::vector<std::vector<unsigned char>>& labels) {
    std::string bytes;
    for (std::size_t r = 0; r < labels.size(); ++r) {
      for (unsigned char l : labels[r]) bytes.push_back(static_cast<char>(l));
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 32; ++y)
          for (int x = 0; x < 32; ++x)
            bytes.push_back(static_cast<char>(pixel(static_cast<int>(r), c, y, x)));
    }
    return bytes;
  };
  const std::string dir = test::scratch_dir("cifar_by_hand");
  std::ofstream(dir + "/ten.bin", std::ios::binary) << records({{7}, {2}});
  std::ofstream(dir + "/hundred.bin", std::ios::binary) << records({{3, 42}, {19, 99}});
  const auto ten = data::read_cifar_file(dir + "/ten.bin", false);
  ASSERT_EQ(ten.size(), 2);
  EXPECT_EQ(ten.labels, (std::vector<std::int64_t>{7, 2}));
  EXPECT_EQ(ten.channels, 3);
  EXPECT_EQ(ten.height, 32);
  EXPECT_EQ(ten.width, 32);
  // Pixel (channel c, row y, column x) of record r, through the loader's tensor layout N x C x H x
  // W.
  const auto images =
      at::from_blob(const_cast<std::uint8_t*>(ten.images.data()), {2, 3, 32, 32}, at::kByte);
  for (int r : {0, 1})
    for (auto [c, y, x] : {std::array<int, 3>{0, 0, 0}, {1, 1, 2}, {2, 31, 31}, {0, 5, 17}})
      EXPECT_EQ(images[r][c][y][x].item<std::uint8_t>(), pixel(r, c, y, x)) << r << c << y << x;
  const auto fine = data::read_cifar_file(dir + "/hundred.bin", true, true);
  const auto coarse = data::read_cifar_file(dir + "/hundred.bin", true, false);
  EXPECT_EQ(fine.labels, (std::vector<std::int64_t>{42, 99}));
  EXPECT_EQ(coarse.labels, (std::vector<std::int64_t>{3, 19}));
  EXPECT_EQ(fine.images, ten.images);
  // Our writer puts the same bytes where the format says: record 0 of a synthetic file is its
  // label, then image 0's pixels.
  data::write_synthetic_cifar(dir, false, 5, 1, 4);
  const std::string written = test::read_file(dir + "/data_batch_1.bin");
  const auto expected = data::make_synthetic(6, 10, 4);
  ASSERT_GE(written.size(), 3073u);
  EXPECT_EQ(static_cast<std::int64_t>(static_cast<unsigned char>(written[0])), expected.labels[0]);
  EXPECT_TRUE(std::equal(expected.images.begin(), expected.images.begin() + 3072,
                         reinterpret_cast<const unsigned char*>(written.data()) + 1));
}

TEST(Cifar, TruncatedMissingAndMislabelledFilesAreRefused) {
  std::string dir = test::scratch_dir("cifar_bad");
  data::write_synthetic_cifar(dir, false, 50, 10, 3);
  truncate_copy(dir + "/test_batch.bin", dir + "/cut.bin", 3073 * 5 + 100);
  EXPECT_EQ(test::input_error_of([&] { data::read_cifar_file(dir + "/cut.bin", false); }),
            "file '" + dir +
                "/cut.bin': size 15465 bytes is not a multiple of the record size 3073 "
                "(truncated, or not CIFAR-10 binary?)");
  EXPECT_NE(test::input_error_of([&] {
              data::read_cifar10(dir + "/nowhere", false);
            }).find("nowhere/test_batch.bin': cannot open"),
            std::string::npos);
  // A CIFAR-10 file read as CIFAR-100: 10 records of 3073 bytes are not records of 3074.
  EXPECT_NE(test::input_error_of([&] {
              data::read_cifar_file(dir + "/test_batch.bin", true);
            }).find("record size 3074"),
            std::string::npos);
  // A label byte out of range (e.g. a file of another dataset with the same record size).
  std::string bytes = test::read_file(dir + "/test_batch.bin");
  bytes[3073 * 2] = static_cast<char>(17);
  {
    std::ofstream out(dir + "/badlabel.bin", std::ios::binary);
    out << bytes;
  }
  EXPECT_NE(test::input_error_of([&] {
              data::read_cifar_file(dir + "/badlabel.bin", false);
            }).find("record 2 has label 17, expected 0..9"),
            std::string::npos);
}

TEST(Idx, HeadersPromisingImpossibleSizesAreRefusedBeforeAllocating) {
  // Found by fuzzing (fuzz/corpus/idx/regression-*): a header promising 28 x 2.4e9 pixels made the
  // reader allocate that first (std::bad_alloc), and one promising 4e9 images of 65536 x 1 pixels
  // overflowed the byte count (undefined behaviour). Both are input errors naming the file now.
  const std::string dir = test::scratch_dir("idx_huge");
  auto header = [](std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
    std::string h = {0, 0, 8, 3};
    for (std::uint32_t v : {n, rows, cols})
      for (int shift : {24, 16, 8, 0}) h.push_back(static_cast<char>((v >> shift) & 0xff));
    return h + std::string(64, '\0');
  };
  const std::string labels = dir + "/labels";
  std::ofstream(labels, std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x03\0\0\0", 11);
  std::ofstream(dir + "/wide", std::ios::binary) << header(3, 28, 0x91000000u);
  EXPECT_EQ(test::input_error_of([&] { data::read_idx(dir + "/wide", labels, "x"); }),
            "file '" + dir +
                "/wide': images of 28x2432696320 pixels (expected 1 to 65536 rows and columns)");
  std::ofstream(dir + "/many", std::ios::binary) << header(0xf700009cu, 65536, 65536);
  EXPECT_EQ(
      test::input_error_of([&] { data::read_idx(dir + "/many", labels, "x"); }),
      "file '" + dir +
          "/many': header promises 4143972508 images of 65536x65536 pixels (more than 2^40 bytes)");
  // A plausible header over a short file is the usual truncation error, not an allocation.
  std::ofstream(dir + "/short", std::ios::binary) << header(1000000, 1000, 1000);
  EXPECT_NE(test::input_error_of([&] {
              data::read_idx(dir + "/short", labels, "x");
            }).find("': truncated: header promises 1000000 images of 1000x1000"),
            std::string::npos);
}

TEST(Idx, GzipAndPlainRoundTripAndBadFilesAreRefused) {
  std::string dir = test::scratch_dir("idx");
  auto d = data::make_synthetic(30, 10, 4, 1, 28, 28);
  data::write_idx(dir + "/i.gz", dir + "/l.gz", d);
  data::write_idx(dir + "/i", dir + "/l", d);
  for (auto [i, l] : {std::pair<std::string, std::string>{"/i.gz", "/l.gz"}, {"/i", "/l"}}) {
    auto r = data::read_idx(dir + i, dir + l, "test");
    EXPECT_EQ(r.labels, d.labels);
    EXPECT_EQ(r.images, d.images);
  }
  // Wrong magic number: the label file given as images.
  EXPECT_EQ(test::input_error_of([&] { data::read_idx(dir + "/l", dir + "/l", "t"); }),
            "file '" + dir +
                "/l': magic number 0x00000801, expected 0x00000803 (IDX unsigned-byte images, 3 "
                "dimensions)");
  // Truncated image data.
  truncate_copy(dir + "/i", dir + "/cut", 16 + 28 * 28 * 3 + 5);
  EXPECT_EQ(
      test::input_error_of([&] { data::read_idx(dir + "/cut", dir + "/l", "t"); }),
      "file '" + dir +
          "/cut': truncated: header promises 30 images of 28x28 (23520 bytes), found 2357 bytes");
  // Truncated gzip stream.
  truncate_copy(dir + "/i.gz", dir + "/cut.gz", 200);
  EXPECT_NE(test::input_error_of([&] {
              data::read_idx(dir + "/cut.gz", dir + "/l", "t");
            }).find("cut.gz"),
            std::string::npos);
}

TEST(Splits, FollowThePaper) {
  auto big = data::make_synthetic(50000, 10, 5, 3, 2, 2);
  big.name = "cifar10";
  big.default_protocol = "nb101";  // as read_cifar10 sets it
  auto small = data::make_synthetic(10000, 10, 6, 3, 2, 2);
  small.name = "cifar10";
  // NAS-Bench-101: 40k train / 10k valid from the CIFAR-10 training set, test set for testing.
  auto b = data::make_bundle(big, small, "default");
  EXPECT_EQ(b.protocol, "nb101");
  EXPECT_EQ(b.train.size(), 40000);
  EXPECT_EQ(b.valid.size(), 10000);
  EXPECT_EQ(b.valid.indices.front(), 40000);
  EXPECT_EQ(b.valid.data, b.train_set.get());
  EXPECT_EQ(b.test.data, b.test_set.get());
  // Halves of the test set (any size): all 50k to train, the 10k test set halved.
  auto c = data::make_bundle(big, small, "nb201-halves");
  EXPECT_EQ(c.train.size(), 50000);
  EXPECT_EQ(c.valid.size(), 5000);
  EXPECT_EQ(c.test.size(), 5000);
  EXPECT_EQ(c.valid.data, c.test_set.get());
  EXPECT_EQ(c.test.indices.front(), 5000);
  EXPECT_NE(test::input_error_of([&] {
              data::make_bundle(small, small, "nb101");
            }).find("needs the 50,000"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] {
              data::make_bundle(big, small, "random");
            }).find("--protocol 'random'"),
            std::string::npos);
  // DARTS' --cifar_split 50k (the paper's released code, github.com/matluster/anonymous-2102
  // @3825f00 trainers/darts_cifar.py:135-141): every training image trains; the test set is both
  // the valid and the test split.
  auto d = data::make_bundle(big, small, "train-all");
  EXPECT_EQ(d.train.size(), big.size());
  EXPECT_EQ(d.valid.data, d.test_set.get());
  EXPECT_EQ(d.valid.indices, d.test.indices);
  EXPECT_EQ(d.valid.size(), small.size());
  auto l = data::make_bundle(big, small, "holdout:100", 1000, 50);
  EXPECT_EQ(l.train.size(), 1000);
  EXPECT_EQ(l.valid.size(), 50);
}

namespace {
// The list `key` of a NAS-Bench-201 split file (JSON name -> ["int", ["1", "3", ...]]), parsed
// here independently of the build's embedding.
std::vector<std::int64_t> published(const std::string& file, const std::string& key) {
  const std::string text = test::read_file(test::data_file("nb201/" + file));
  auto at = text.find("\"" + key + "\"");
  EXPECT_NE(at, std::string::npos) << key;
  at = text.find('[', text.find('[', at) + 1);
  const auto end = text.find(']', at);
  std::vector<std::int64_t> out;
  for (const auto& f : split(text.substr(at + 1, end - at - 1), ',')) {
    std::int64_t v = 0;
    EXPECT_TRUE(parse_int(trim(f).substr(1, trim(f).size() - 2), v)) << f;
    out.push_back(v);
  }
  return out;
}
}  // namespace

TEST(Splits, NasBench201OfficialIndexLists) {
  // The lists in data/nb201 (AutoDL-Projects configs/nas-benchmark, MIT) are the ones
  // compiled in: x-valid / x-test 5,000 each partitioning the CIFAR-100 test set, 3,000 each
  // partitioning ImageNet16-120's 6,000 validation images, and cifar10-valid's 25,000 / 25,000
  // partition of the CIFAR-10 training set.
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> lists = {
      {"cifar100-xvalid", {"cifar100-test-split.txt", "xvalid"}},
      {"cifar100-xtest", {"cifar100-test-split.txt", "xtest"}},
      {"imagenet16-120-xvalid", {"imagenet-16-120-test-split.txt", "xvalid"}},
      {"imagenet16-120-xtest", {"imagenet-16-120-test-split.txt", "xtest"}},
      {"cifar10-train", {"cifar10-train-split.txt", "train"}},
      {"cifar10-valid", {"cifar10-train-split.txt", "valid"}}};
  std::map<std::string, std::vector<std::int64_t>> got;
  for (const auto& [name, src] : lists) {
    ASSERT_TRUE(data::embedded_split(name, got[name])) << name;
    EXPECT_EQ(got[name], published(src.first, src.second)) << name;
  }
  std::vector<std::int64_t> none;
  EXPECT_FALSE(data::embedded_split("imagenet16-xvalid", none));
  auto partition = [](std::vector<std::int64_t> a, const std::vector<std::int64_t>& b,
                      std::int64_t n) {
    a.insert(a.end(), b.begin(), b.end());
    std::sort(a.begin(), a.end());
    std::vector<std::int64_t> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    return a == all;
  };
  EXPECT_EQ(got["cifar100-xvalid"].size(), 5000u);
  EXPECT_TRUE(partition(got["cifar100-xvalid"], got["cifar100-xtest"], 10000));
  EXPECT_EQ(got["imagenet16-120-xvalid"].size(), 3000u);
  EXPECT_TRUE(partition(got["imagenet16-120-xvalid"], got["imagenet16-120-xtest"], 6000));
  EXPECT_EQ(got["cifar10-train"].size(), 25000u);
  EXPECT_TRUE(partition(got["cifar10-train"], got["cifar10-valid"], 50000));

  // The protocols use them, and refuse sets of another size.
  auto train100 = data::make_synthetic(50000, 100, 1, 1, 1, 1),
       test100 = data::make_synthetic(10000, 100, 2, 1, 1, 1);
  train100.name = test100.name = "cifar100";
  train100.default_protocol = "nb201";  // as read_cifar100 sets them
  train100.nb201_splits = "cifar100";
  auto b = data::make_bundle(train100, test100, "default");
  EXPECT_EQ(b.protocol, "nb201");
  EXPECT_EQ(b.valid.indices, got["cifar100-xvalid"]);
  EXPECT_EQ(b.test.indices, got["cifar100-xtest"]);
  EXPECT_EQ(b.valid.data, b.test_set.get());
  EXPECT_EQ(b.train.size(), 50000);
  auto train10 = train100, test10 = test100;
  train10.name = test10.name = "cifar10";
  train10.nb201_splits.clear();
  auto c = data::make_bundle(train10, test10, "nb201-cifar10-valid");
  EXPECT_EQ(c.train.indices, got["cifar10-train"]);
  EXPECT_EQ(c.valid.indices, got["cifar10-valid"]);
  EXPECT_EQ(c.valid.data, c.train_set.get());
  auto small = data::make_synthetic(100, 100, 3, 1, 1, 1);
  small.name = "cifar100";
  EXPECT_EQ(data::make_bundle(train100, small, "default").protocol, "nb201-halves");
  // A list of one dataset on the other (both have 10,000 test images) is refused.
  EXPECT_NE(test::input_error_of([&] { data::make_bundle(train10, test10, "nb201"); })
                .find("--protocol nb201 indexes the test set of CIFAR-100 or ImageNet16-120 "
                      "(x-valid, x-test); the dataset is cifar10"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] {
              data::make_bundle(train100, test100, "nb201-cifar10-valid");
            }).find("indexes CIFAR-10's training set"),
            std::string::npos);
  // ImageNet16-120 (as read_imagenet16 sets it): its 6,000 validation images by its own lists.
  auto train16 = data::make_synthetic(300, 120, 4, 1, 1, 1),
       val16 = data::make_synthetic(6000, 120, 5, 1, 1, 1);
  train16.name = val16.name = "imagenet16-120";
  train16.default_protocol = "nb201";
  train16.nb201_splits = "imagenet16-120";
  auto i16 = data::make_bundle(train16, val16, "default");
  EXPECT_EQ(i16.protocol, "nb201");
  EXPECT_EQ(i16.valid.indices, got["imagenet16-120-xvalid"]);
  EXPECT_EQ(i16.test.indices, got["imagenet16-120-xtest"]);
  EXPECT_EQ(i16.train.size(), 300);
  EXPECT_NE(test::input_error_of([&] {
              data::make_bundle(train16, test100, "nb201");
            }).find("needs the official test set of 6000 images"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] { data::make_bundle(train100, small, "nb201"); })
                .find("--protocol nb201 needs the official test set of 10000 images "
                      "(NAS-Bench-201's split files index it), found 100"),
            std::string::npos);
}

TEST(Augment, CropFlipNormaliseAndCutout) {
  data::ImageArray d = data::make_synthetic(1, 10, 7, 1, 8, 8);
  for (int i = 0; i < 64; ++i) d.images[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  data::Augment plain;
  auto t = data::make_image_tensor(d, {0}, plain, {1});
  EXPECT_FLOAT_EQ(t[0][0][0][1].item<float>(), 1.0f / 255);
  data::Augment norm;
  norm.stats = {{0.5f}, {0.25f}};
  auto n = data::make_image_tensor(d, {0}, norm, {1});
  EXPECT_NEAR(n[0][0][7][7].item<float>(), (63.0f / 255 - 0.5f) / 0.25f, 1e-6);
  // Flip only: some seed flips, and a flipped row is the reverse.
  data::Augment flip;
  flip.hflip = true;
  bool saw_flip = false;
  for (std::uint64_t s = 0; s < 10; ++s) {
    auto f = data::make_image_tensor(d, {0}, flip, {s});
    if (std::abs(f[0][0][0][0].item<float>() - 7.0f / 255) < 1e-6f) {
      saw_flip = true;
      EXPECT_FLOAT_EQ(f[0][0][0][7].item<float>(), 0.0f);
    }
  }
  EXPECT_TRUE(saw_flip);
  // Crop with padding: the same multiset of pixels cannot grow, zeros appear at borders for some
  // seeds.
  data::Augment crop;
  crop.crop_padding = 4;
  bool saw_zero_border = false;
  for (std::uint64_t s = 0; s < 10; ++s) {
    auto c = data::make_image_tensor(d, {0}, crop, {s});
    EXPECT_EQ(data::make_image_tensor(d, {0}, crop, {s}).equal(c), true);  // deterministic per seed
    if (c.eq(0).sum().item<std::int64_t>() > 1) saw_zero_border = true;
  }
  EXPECT_TRUE(saw_zero_border);
  data::Augment cut;
  cut.cutout = 4;
  cut.stats = {{0.0f}, {1.0f}};
  auto k = data::make_image_tensor(d, {0}, cut, {3});
  EXPECT_GE(k.eq(0).sum().item<std::int64_t>(),
            4);  // at least a 2x2 corner of the square is inside
  // The square is L x L, rows [cy - L/2, cy + L/2) and the same columns, clipped at the borders
  // (DeVries & Taylor; the DARTS code's Cutout, anonymous-2102 datasets/cifar10.py:78-94). On a
  // constant non-zero image the zeros form that rectangle; away from the borders it holds exactly
  // 16 pixels for L = 4.
  data::ImageArray flat;
  flat.name = "flat";
  flat.channels = 1;
  flat.height = flat.width = 8;
  flat.classes = 10;
  flat.images.assign(64, 200);
  flat.labels = {0};
  std::int64_t largest = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    auto z = data::make_image_tensor(flat, {0}, cut, {seed}).eq(0).view({8, 8});
    const auto n = z.sum().item<std::int64_t>();
    largest = std::max(largest, n);
    const auto rows = z.any(1).sum().item<std::int64_t>(),
               cols = z.any(0).sum().item<std::int64_t>();
    EXPECT_EQ(n, rows * cols) << "seed " << seed << ": the zeros are not one rectangle";
    EXPECT_LE(rows, 4);
    EXPECT_LE(cols, 4);
  }
  EXPECT_EQ(largest, 16);
}

TEST(Loader, AnErrorInTheProducerThreadIsRethrownByNext) {
  // Normalisation statistics for 2 channels on 3-channel images: make_image_tensor fails in the
  // background thread; the consumer gets that error from next() (not a hang, not a crash), and
  // the loader still stops and is destroyed cleanly.
  const auto d = data::make_synthetic(64, 10, 5);
  data::Split split{&d, {}, "train"};
  split.indices.resize(64);
  std::iota(split.indices.begin(), split.indices.end(), 0);
  data::LoaderOptions o;
  o.batch_size = 16;
  o.augment.stats = {{0.5f, 0.5f}, {0.25f, 0.25f}};
  data::BatchLoader loader(split, o);
  loader.start_epoch(0);
  data::Batch b;
  try {
    while (loader.next(b)) {
    }
    ADD_FAILURE() << "the producer's error was not rethrown";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "normalisation has 2 channels, images have 3");
  }
  loader.start_epoch(1);
  EXPECT_THROW(
      {
        while (loader.next(b)) {
        }
      },
      Error);
}

TEST(Loader, DeterministicAndRankSlicesComposeTheGlobalBatch) {
  data::ImageArray d = data::make_synthetic(100, 10, 8, 3, 8, 8);
  data::Split s{&d, {}, "train"};
  for (std::int64_t i = 0; i < 100; ++i) s.indices.push_back(i);
  data::LoaderOptions o;
  o.batch_size = 20;
  o.seed = 5;
  o.augment.crop_padding = 2;
  o.augment.hflip = true;
  auto collect = [&](int rank, int world, std::int64_t epoch) {
    auto opts = o;
    opts.rank = rank;
    opts.world = world;
    data::BatchLoader loader(s, opts);
    loader.start_epoch(epoch);
    std::vector<at::Tensor> xs, ys;
    data::Batch b;
    while (loader.next(b)) {
      xs.push_back(b.images);
      ys.push_back(b.labels);
    }
    EXPECT_EQ(static_cast<std::int64_t>(xs.size()), loader.batches_per_epoch());
    return std::make_pair(xs, ys);
  };
  auto [x1, y1] = collect(0, 1, 0);
  auto [x1b, y1b] = collect(0, 1, 0);
  auto [x1e, y1e] = collect(0, 1, 1);
  auto [x20, y20] = collect(0, 2, 0);
  auto [x21, y21] = collect(1, 2, 0);
  ASSERT_EQ(x1.size(), 5u);
  for (std::size_t i = 0; i < x1.size(); ++i) {
    EXPECT_TRUE(x1[i].equal(x1b[i]));
    EXPECT_EQ(x20[i].size(0), 10);
    EXPECT_TRUE(at::cat({x20[i], x21[i]}).equal(x1[i])) << "batch " << i;
    EXPECT_TRUE(at::cat({y20[i], y21[i]}).equal(y1[i]));
  }
  EXPECT_FALSE(x1[0].equal(x1e[0]));  // another epoch, another order
  // Every sample exactly once per epoch.
  EXPECT_EQ(std::get<0>(at::cat(y1).sort()).equal(std::get<0>(at::tensor(d.labels).sort())), true);
  // Skipping resumes mid-epoch at the same batch.
  data::BatchLoader loader(s, o);
  loader.start_epoch(0, 3);
  data::Batch b;
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(b.index, 3);
  EXPECT_TRUE(b.images.equal(x1[3]));
  auto bad = o;
  bad.world = 3;
  EXPECT_THROW(data::BatchLoader(s, bad), InputError);  // 20 not divisible by 3 ranks
}

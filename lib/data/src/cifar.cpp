#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "entries.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/data/dataset.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::data {

namespace {
constexpr std::int64_t kPixels = 3 * 32 * 32;

std::vector<std::uint8_t> read_all(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  WSNAS_CHECK_INPUT(in, "file '", path, "': cannot open (expected ", what,
                    "): ", std::strerror(errno));
  std::vector<std::uint8_t> buf((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  return buf;
}
}  // namespace

ImageArray read_cifar_file(const std::string& path, bool cifar100, bool fine) {
  const char* what = cifar100 ? "CIFAR-100 binary records of 2 label bytes + 3072 pixels"
                              : "CIFAR-10 binary records of 1 label byte + 3072 pixels";
  auto buf = read_all(path, what);
  const std::int64_t label_bytes = cifar100 ? 2 : 1;
  const std::int64_t record = label_bytes + kPixels;
  const auto size = static_cast<std::int64_t>(buf.size());
  WSNAS_CHECK_INPUT(size > 0, "file '", path, "': empty (expected ", what, ")");
  WSNAS_CHECK_INPUT(size % record == 0, "file '", path, "': size ", size,
                    " bytes is not a multiple of the record size ", record, " (truncated, or not ",
                    cifar100 ? "CIFAR-100" : "CIFAR-10", " binary?)");
  ImageArray d;
  d.name = cifar100 ? "cifar100" : "cifar10";
  d.source = path;
  // NAS-Bench-201's split protocols for these (make_bundle), and its normalisation
  // (lib/datasets/get_dataset_with_transform.py).
  d.default_protocol = cifar100 ? "nb201" : "nb101";
  d.stats = cifar100 ? ChannelStats{{129.3f / 255, 124.1f / 255, 112.4f / 255},
                                    {68.2f / 255, 65.4f / 255, 70.4f / 255}}
                     : ChannelStats{{125.3f / 255, 123.0f / 255, 113.9f / 255},
                                    {63.0f / 255, 62.1f / 255, 66.7f / 255}};
  d.channels = 3;
  d.height = d.width = 32;
  d.classes = cifar100 ? (fine ? 100 : 20) : 10;
  if (cifar100 && fine) d.nb201_splits = "cifar100";
  const std::int64_t n = size / record;
  d.images.resize(static_cast<std::size_t>(n * kPixels));
  d.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t* r = buf.data() + i * record;
    std::int64_t label = cifar100 ? (fine ? r[1] : r[0]) : r[0];
    WSNAS_CHECK_INPUT(label < d.classes, "file '", path, "': record ", i, " has label ", label,
                      ", expected 0..", d.classes - 1, " (mislabelled, or not ",
                      cifar100 ? "CIFAR-100" : "CIFAR-10", " binary?)");
    if (cifar100) {
      WSNAS_CHECK_INPUT(r[0] < 20 && r[1] < 100, "file '", path, "': record ", i,
                        " has coarse/fine labels ", int(r[0]), "/", int(r[1]),
                        ", expected <20/<100 (not CIFAR-100 binary?)");
    }
    d.labels[static_cast<std::size_t>(i)] = label;
    std::memcpy(d.images.data() + i * kPixels, r + label_bytes, kPixels);
  }
  return d;
}

ImageArray read_cifar10(const std::string& dir, bool train) {
  ImageArray d;
  if (train) {
    for (int b = 1; b <= 5; ++b)
      d.append(read_cifar_file(dir + "/data_batch_" + std::to_string(b) + ".bin", false));
  } else {
    d = read_cifar_file(dir + "/test_batch.bin", false);
  }
  return d;
}

ImageArray read_cifar100(const std::string& dir, bool train, bool fine) {
  return read_cifar_file(dir + (train ? "/train.bin" : "/test.bin"), true, fine);
}

ImageArray read_imagenet16_file(const std::string& path) {
  constexpr std::int64_t kPixels16 = 3 * 16 * 16, kClasses = 120;
  const char* what =
      "ImageNet16-120 records of 1 label byte + 768 pixels, as "
      "scripts/imagenet16-convert.py writes them";
  auto buf = read_all(path, what);
  const std::int64_t record = 1 + kPixels16;
  const auto size = static_cast<std::int64_t>(buf.size());
  WSNAS_CHECK_INPUT(size > 0, "file '", path, "': empty (expected ", what, ")");
  WSNAS_CHECK_INPUT(size % record == 0, "file '", path, "': size ", size,
                    " bytes is not a multiple of the record size ", record,
                    " (truncated, or not written by scripts/imagenet16-convert.py?)");
  ImageArray d;
  d.name = "imagenet16-120";
  d.source = path;
  d.default_protocol = "nb201";
  d.nb201_splits = "imagenet16-120";
  // NAS-Bench-201's normalisation and training crop for ImageNet16-120
  // (github.com/D-X-Y/AutoDL-Projects @f46486e xautodl/datasets/get_dataset_with_transform.py:
  // 109-111 and 130-139: RandomHorizontalFlip, RandomCrop(16, padding=2)).
  d.stats = ChannelStats{{122.68f / 255, 116.66f / 255, 104.01f / 255},
                         {63.22f / 255, 61.26f / 255, 65.09f / 255}};
  d.train_crop_padding = 2;
  d.channels = 3;
  d.height = d.width = 16;
  d.classes = kClasses;
  const std::int64_t n = size / record;
  d.images.resize(static_cast<std::size_t>(n * kPixels16));
  d.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t* r = buf.data() + i * record;
    WSNAS_CHECK_INPUT(r[0] < kClasses, "file '", path, "': record ", i, " has label ", int(r[0]),
                      ", expected 0..", kClasses - 1,
                      " (ImageNet16-120 keeps the official labels 1..120 as 0..119)");
    d.labels[static_cast<std::size_t>(i)] = r[0];
    std::memcpy(d.images.data() + i * kPixels16, r + 1, kPixels16);
  }
  return d;
}

ImageArray read_imagenet16(const std::string& dir, bool train) {
  return read_imagenet16_file(dir + (train ? "/train.bin" : "/val.bin"));
}

DatasetEntry imagenet16_entry() {
  auto e = train_test_entry(
      "imagenet16-120", "",
      "NAS-Bench-201's ImageNet16-120 (16x16, 120 classes): train.bin, val.bin written once by "
      "scripts/imagenet16-convert.py from the official downsampled ImageNet files",
      [](const std::string& dir, bool train) { return read_imagenet16(dir, train); });
  e.files = {"train.bin", "val.bin"};
  e.source =
      "the 16x16 downsampled ImageNet of image-net.org (train_data_batch_1..10, val_data), "
      "converted once: /usr/bin/python3 scripts/imagenet16-convert.py SRC DIR";
  return e;
}

DatasetEntry cifar10_entry() {
  auto e = train_test_entry(
      "cifar10", "", "CIFAR-10 binary version: data_batch_1..5.bin, test_batch.bin",
      [](const std::string& dir, bool train) { return read_cifar10(dir, train); });
  e.files = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
             "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  e.source =
      "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, untarred: its folder "
      "cifar-10-batches-bin";
  return e;
}

DatasetEntry cifar100_entry() {
  auto e = train_test_entry(
      "cifar100", "", "CIFAR-100 binary version: train.bin, test.bin (fine labels)",
      [](const std::string& dir, bool train) { return read_cifar100(dir, train); });
  e.files = {"train.bin", "test.bin"};
  e.source =
      "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz, untarred: its folder "
      "cifar-100-binary";
  return e;
}

void write_cifar_file(const std::string& path, const ImageArray& d, bool cifar100,
                      const std::vector<std::int64_t>& coarse) {
  WSNAS_CHECK(d.channels == 3 && d.height == 32 && d.width == 32,
              "CIFAR binary needs 3x32x32 images, got ", d.channels, "x", d.height, "x", d.width);
  io::AtomicPath out(path);
  {
    std::ofstream f(out.temp(), std::ios::binary | std::ios::trunc);
    if (!f) throw_system_error("file '" + out.temp() + "': cannot open for writing", errno);
    for (std::int64_t i = 0; i < d.size(); ++i) {
      auto label = static_cast<std::uint8_t>(d.labels[static_cast<std::size_t>(i)]);
      if (cifar100) {
        auto c = static_cast<std::uint8_t>(coarse.empty() ? label / 5
                                                          : coarse[static_cast<std::size_t>(i)]);
        f.put(static_cast<char>(c));
      }
      f.put(static_cast<char>(label));
      f.write(reinterpret_cast<const char*>(d.image(i)), kPixels);
    }
    WSNAS_CHECK(f, "file '", out.temp(), "': write failed");
  }
  out.commit();
}

}  // namespace wsnas::data

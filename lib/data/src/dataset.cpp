#include "wsnas/data/dataset.h"

#include <cmath>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/image_folder.h"
#include "wsnas/data/text.h"

namespace wsnas::data {

void Dataset::append(const Dataset& o) {
  if (labels.empty() && images.empty()) {
    channels = o.channels;
    height = o.height;
    width = o.width;
    classes = o.classes;
    name = o.name;
  }
  WSNAS_CHECK_INPUT(o.channels == channels && o.height == height && o.width == width, "dataset '",
                    o.source, "': image shape differs from the files before it");
  images.insert(images.end(), o.images.begin(), o.images.end());
  files.insert(files.end(), o.files.begin(), o.files.end());
  labels.insert(labels.end(), o.labels.begin(), o.labels.end());
  source = source.empty() ? o.source : source + "," + o.source;
}

std::vector<std::string> dataset_names() {
  return {"cifar10", "cifar100", "fashion-mnist", "mnist", "imagenet", "ptb", "wikitext-2"};
}

std::string default_dataset_dir(const std::string& name) {
  if (name == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (name == "mnist") return "/usr/share/datasets/mnist";
  return "data/" + name;
}

Dataset load_dataset(const std::string& name, const std::string& dir, bool train) {
  if (name == "cifar10") return read_cifar10(dir, train);
  if (name == "cifar100") return read_cifar100(dir, train, true);
  if (name == "fashion-mnist" || name == "mnist") return read_mnist_dir(dir, train, name);
  if (name == "imagenet") {
    // Labels by the training folder's sorted class names, for both folders.
    const auto classes = image_folder_classes(dir + "/train");
    return read_image_folder(dir + (train ? "/train" : "/val"), name, 224, &classes);
  }
  WSNAS_CHECK(!is_text_dataset(name), "load_dataset: the text dataset ", name,
              " loads as a whole (load_text_bundle)");
  throw InputError("--dataset '" + name +
                   "': unknown dataset (expected one of: " + join(dataset_names(), ", ") + ")");
}

namespace {
std::vector<std::int64_t> range(std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = begin; i < end; ++i) v.push_back(i);
  return v;
}
void limit(Split& s, std::int64_t n) {
  if (n > 0 && s.size() > n) s.indices.resize(static_cast<std::size_t>(n));
}
/// One of NAS-Bench-201's published index lists (data/nb201/), checked against the set it
/// indexes.
std::vector<std::int64_t> official(const std::string& name, const std::string& protocol,
                                   std::int64_t set_size, std::int64_t expected_size,
                                   const char* set_name) {
  WSNAS_CHECK_INPUT(set_size == expected_size, "--protocol ", protocol, " needs the official ",
                    set_name, " of ", expected_size,
                    " images (NAS-Bench-201's split files index it), found ", set_size);
  std::vector<std::int64_t> v;
  WSNAS_ASSERT(embedded_split(name, v), "split ", name, " not embedded");
  return v;
}
}  // namespace

DataBundle make_bundle(Dataset train_set, Dataset test_set, const std::string& protocol_in,
                       std::int64_t limit_train, std::int64_t limit_eval) {
  DataBundle b;
  b.train_set = std::move(train_set);
  b.test_set = std::move(test_set);
  std::string protocol = protocol_in;
  if (protocol == "default") {
    if (b.train_set.name == "cifar10")
      protocol = "nb101";
    else if (b.train_set.name == "cifar100")
      protocol = b.test_set.size() == 10000 ? "nb201" : "nb201-halves";
    else if (b.train_set.name == "imagenet")
      protocol = "train-all";  // the released code (github.com/matluster/anonymous-2102
                               // @3825f00 trainers/proxyless.py:140-146): train on train/,
                               // score on val/
    else
      protocol = "holdout:10000";
  }
  b.protocol = protocol;
  const std::int64_t ntrain = b.train_set.size(), ntest = b.test_set.size();
  b.train.data = &b.train_set;
  b.train.name = "train";
  b.valid.name = "valid";
  b.test.name = "test";
  if (protocol == "nb101") {
    WSNAS_CHECK_INPUT(ntrain == 50000,
                      "--protocol nb101 needs the 50,000 CIFAR-10 training images, found ", ntrain);
    b.train.indices = range(0, 40000);
    b.valid = {&b.train_set, range(40000, 50000), "valid"};
    b.test = {&b.test_set, range(0, ntest), "test"};
  } else if (protocol == "nb201") {
    WSNAS_CHECK_INPUT(b.train_set.name == "cifar100",
                      "--protocol nb201 indexes CIFAR-100's test set (x-valid, x-test); "
                      "the dataset is ",
                      b.train_set.name, " (CIFAR-10: nb201-cifar10-valid or nb101)");
    b.train.indices = range(0, ntrain);
    b.valid = {&b.test_set, official("cifar100-xvalid", protocol, ntest, 10000, "test set"),
               "valid"};
    b.test = {&b.test_set, official("cifar100-xtest", protocol, ntest, 10000, "test set"), "test"};
  } else if (protocol == "nb201-cifar10-valid") {
    WSNAS_CHECK_INPUT(b.train_set.name == "cifar10",
                      "--protocol nb201-cifar10-valid indexes CIFAR-10's training set; "
                      "the dataset is ",
                      b.train_set.name);
    b.train.indices = official("cifar10-train", protocol, ntrain, 50000, "training set");
    b.valid = {&b.train_set, official("cifar10-valid", protocol, ntrain, 50000, "training set"),
               "valid"};
    b.test = {&b.test_set, range(0, ntest), "test"};
  } else if (protocol == "nb201-halves") {
    WSNAS_CHECK_INPUT(ntest >= 2, "--protocol nb201-halves needs a test set to halve, found ",
                      ntest, " images");
    b.train.indices = range(0, ntrain);
    b.valid = {&b.test_set, range(0, ntest / 2), "valid"};
    b.test = {&b.test_set, range(ntest / 2, ntest), "test"};
  } else if (protocol == "train-all") {
    // DARTS-CIFAR10 in the paper's code (--cifar_split 50k: anonymous-2102 README.md:69,
    // trainers/darts_cifar.py:135-141): train on every training image; the supernet and the
    // ground truth are scored on the test set, which is both valid and test here (there is no
    // held-out split).
    WSNAS_CHECK_INPUT(ntest >= 1, "--protocol train-all scores on the test set, found none");
    b.train.indices = range(0, ntrain);
    b.valid = {&b.test_set, range(0, ntest), "valid"};
    b.test = {&b.test_set, range(0, ntest), "test"};
  } else if (starts_with(protocol, "holdout:")) {
    std::int64_t k = 0;
    WSNAS_CHECK_INPUT(parse_int(protocol.substr(8), k) && k > 0 && k < ntrain, "--protocol '",
                      protocol, "': expected holdout:K with 0 < K < ", ntrain,
                      " (training images)");
    b.train.indices = range(0, ntrain - k);
    b.valid = {&b.train_set, range(ntrain - k, ntrain), "valid"};
    b.test = {&b.test_set, range(0, ntest), "test"};
  } else {
    throw InputError("--protocol '" + protocol +
                     "': expected nb101, nb201, nb201-cifar10-valid, nb201-halves, train-all, "
                     "holdout:K or default");
  }
  limit(b.train, limit_train);
  limit(b.valid, limit_eval);
  limit(b.test, limit_eval);
  return b;
}

ChannelStats channel_stats(const Dataset& d) {
  // NAS-Bench-201's normalisation (lib/datasets/get_dataset_with_transform.py).
  if (d.name == "cifar10" && d.channels == 3)
    return {{125.3f / 255, 123.0f / 255, 113.9f / 255}, {63.0f / 255, 62.1f / 255, 66.7f / 255}};
  if (d.name == "cifar100" && d.channels == 3)
    return {{129.3f / 255, 124.1f / 255, 112.4f / 255}, {68.2f / 255, 65.4f / 255, 70.4f / 255}};
  // ImageNet's (the released code's DALI CropMirrorNormalize, anonymous-2102
  // datasets/imagenet.py:11-12,37-41), for any image folder.
  if (d.file_backed()) return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  ChannelStats s;
  const std::int64_t plane = static_cast<std::int64_t>(d.height) * d.width;
  for (int c = 0; c < d.channels; ++c) {
    double sum = 0, sq = 0;
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < d.size(); ++i) {
      const std::uint8_t* p = d.image(i) + c * plane;
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

}  // namespace wsnas::data

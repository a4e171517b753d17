#include "wsnas/data/dataset.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "entries.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

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

Augment Augment::eval(const ChannelStats& stats) {
  Augment a;
  a.stats = stats;
  return a;
}

std::int64_t Dataset::split_size(const Split& split) const {
  return static_cast<std::int64_t>(split.indices.size());
}
Augment Dataset::train_augment(bool, int) const { return {}; }
Augment Dataset::eval_augment() const { return {}; }

std::string describe_size(const Split& split) {
  return std::to_string(split.size()) + " " + (split.data ? split.data->unit() : "examples");
}

// ---- datasets by name -------------------------------------------------------------------------

namespace {
/// The datasets by name: the built-in ones (each defined beside its reader), then those
/// registered.
std::vector<DatasetEntry>& registry() {
  static std::vector<DatasetEntry> all = {
      cifar10_entry(), cifar100_entry(), imagenet16_entry(), fashion_mnist_entry(),
      mnist_entry(),   imagenet_entry(), ptb_entry(),        wikitext2_entry()};
  return all;
}
}  // namespace

void register_dataset(DatasetEntry entry) {
  WSNAS_CHECK(!entry.name.empty() && entry.load, "register_dataset: a name and a loader");
  for (const auto& e : registry())
    WSNAS_CHECK(e.name != entry.name, "register_dataset: a dataset named '", entry.name,
                "' exists already");
  registry().push_back(std::move(entry));
}

std::vector<std::string> dataset_names() {
  std::vector<std::string> out;
  for (const auto& e : registry()) out.push_back(e.name);
  return out;
}

const DatasetEntry& dataset_entry(const std::string& name) {
  for (const auto& e : registry())
    if (e.name == name) return e;
  throw InputError("--dataset '" + name +
                   "': unknown dataset (expected one of: " + join(dataset_names(), ", ") + ")");
}

std::string default_dataset_dir(const std::string& name) {
  const auto& e = dataset_entry(name);
  return e.default_dir.empty() ? "data/" + name : e.default_dir;
}

namespace {
bool is_dir(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}
bool is_file(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}
}  // namespace

void check_dataset_dir(const std::string& name, const std::string& dir, const std::string& option) {
  const auto& e = dataset_entry(name);
  if (e.files.empty()) return;  // it names no files (a plugin's generated data): nothing to check
  auto where = [&] {
    return " (expected " + e.summary + ")" + (e.source.empty() ? "" : "; get it: " + e.source);
  };
  WSNAS_CHECK_INPUT(is_dir(dir), option, " '", dir, "': no folder for dataset ", name, where());
  for (const auto& f : e.files) {
    bool found = false;
    for (const auto& alt : split(f, '|')) {
      const bool folder = ends_with(alt, "/");
      const std::string path = dir + "/" + (folder ? alt.substr(0, alt.size() - 1) : alt);
      found = found || (folder ? is_dir(path) : is_file(path));
    }
    WSNAS_CHECK_INPUT(found, option, " '", dir, "': no ", f, " for dataset ", name, where());
  }
}

DataBundle load_bundle(const std::string& name, const std::string& dir,
                       const BundleOptions& options) {
  return dataset_entry(name).load(dir, options);
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
/// The size of the official test set NAS-Bench-201's x-valid / x-test lists of `d` partition
/// (CIFAR-100 10,000; ImageNet16-120 6,000); -1 when it has none.
std::int64_t nb201_test_size(const Dataset& d) {
  if (d.nb201_splits.empty()) return -1;
  std::vector<std::int64_t> valid, test;
  WSNAS_ASSERT(embedded_split(d.nb201_splits + "-xvalid", valid) &&
                   embedded_split(d.nb201_splits + "-xtest", test),
               "splits ", d.nb201_splits, " not embedded");
  return static_cast<std::int64_t>(valid.size() + test.size());
}
}  // namespace

DataBundle make_bundle(std::shared_ptr<const Dataset> train_set,
                       std::shared_ptr<const Dataset> test_set, const std::string& protocol_in,
                       std::int64_t limit_train, std::int64_t limit_eval) {
  WSNAS_CHECK(train_set && test_set, "make_bundle: two datasets");
  DataBundle b;
  b.train_set = std::move(train_set);
  b.test_set = std::move(test_set);
  const Dataset& train = *b.train_set;
  const Dataset& test = *b.test_set;
  const std::int64_t ntrain = train.size(), ntest = test.size();
  std::string protocol = protocol_in;
  if (protocol == "default") {
    protocol = train.default_protocol.empty() ? "holdout:10000" : train.default_protocol;
    // NAS-Bench-201's index lists need the official test set; a smaller one is halved.
    if (protocol == "nb201" && ntest != nb201_test_size(train)) protocol = "nb201-halves";
  }
  b.protocol = protocol;
  b.train.data = &train;
  b.train.name = "train";
  b.valid.name = "valid";
  b.test.name = "test";
  if (protocol == "nb101") {
    WSNAS_CHECK_INPUT(ntrain == 50000,
                      "--protocol nb101 needs the 50,000 CIFAR-10 training images, found ", ntrain);
    b.train.indices = range(0, 40000);
    b.valid = {&train, range(40000, 50000), "valid"};
    b.test = {&test, range(0, ntest), "test"};
  } else if (protocol == "nb201") {
    WSNAS_CHECK_INPUT(!train.nb201_splits.empty(),
                      "--protocol nb201 indexes the test set of CIFAR-100 or ImageNet16-120 "
                      "(x-valid, x-test); the dataset is ",
                      train.name, " (CIFAR-10: nb201-cifar10-valid or nb101)");
    const std::int64_t official_size = nb201_test_size(train);
    const std::string& prefix = train.nb201_splits;
    b.train.indices = range(0, ntrain);
    b.valid = {&test, official(prefix + "-xvalid", protocol, ntest, official_size, "test set"),
               "valid"};
    b.test = {&test, official(prefix + "-xtest", protocol, ntest, official_size, "test set"),
              "test"};
  } else if (protocol == "nb201-cifar10-valid") {
    WSNAS_CHECK_INPUT(train.name == "cifar10",
                      "--protocol nb201-cifar10-valid indexes CIFAR-10's training set; "
                      "the dataset is ",
                      train.name);
    b.train.indices = official("cifar10-train", protocol, ntrain, 50000, "training set");
    b.valid = {&train, official("cifar10-valid", protocol, ntrain, 50000, "training set"), "valid"};
    b.test = {&test, range(0, ntest), "test"};
  } else if (protocol == "nb201-halves") {
    WSNAS_CHECK_INPUT(ntest >= 2, "--protocol nb201-halves needs a test set to halve, found ",
                      ntest, " images");
    b.train.indices = range(0, ntrain);
    b.valid = {&test, range(0, ntest / 2), "valid"};
    b.test = {&test, range(ntest / 2, ntest), "test"};
  } else if (protocol == "train-all") {
    // DARTS-CIFAR10 in the paper's code (--cifar_split 50k: anonymous-2102 README.md:69,
    // trainers/darts_cifar.py:135-141): train on every training image; the supernet and the
    // ground truth are scored on the test set, which is both valid and test here (there is no
    // held-out split).
    WSNAS_CHECK_INPUT(ntest >= 1, "--protocol train-all scores on the test set, found none");
    b.train.indices = range(0, ntrain);
    b.valid = {&test, range(0, ntest), "valid"};
    b.test = {&test, range(0, ntest), "test"};
  } else if (starts_with(protocol, "holdout:")) {
    std::int64_t k = 0;
    WSNAS_CHECK_INPUT(parse_int(protocol.substr(8), k) && k > 0 && k < ntrain, "--protocol '",
                      protocol, "': expected holdout:K with 0 < K < ", ntrain,
                      " (training images)");
    b.train.indices = range(0, ntrain - k);
    b.valid = {&train, range(ntrain - k, ntrain), "valid"};
    b.test = {&test, range(0, ntest), "test"};
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

}  // namespace wsnas::data

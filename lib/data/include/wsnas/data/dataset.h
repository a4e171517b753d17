#pragma once
/// Image datasets in their standard formats, held as uint8 pixels (N x C x H x W) and labels;
/// the paper's train/validation/test splits as index lists over them.

#include <cstdint>
#include <string>
#include <vector>

namespace wsnas::data {

/// Images in memory, channel-major per image (the CIFAR binary layout); or, for datasets too
/// large for memory (ImageNet), image files decoded when a batch needs them (`files`).
struct Dataset {
  std::string name;    ///< "cifar10", "cifar100", "fashion-mnist", ...
  std::string source;  ///< files it came from, for provenance
  int channels = 0, height = 0, width = 0;
  int classes = 0;
  std::vector<std::uint8_t> images;  ///< size() * channels * height * width bytes
  std::vector<std::int64_t> labels;  ///< size() labels in [0, classes)
  /// File-backed: one image file per label (`images` empty); height x width is the size the
  /// loader produces (ImageNet: 224).
  std::vector<std::string> files;
  /// Text (language modelling, data/text.h): one file's token ids, `<eos>` after each line;
  /// `classes` is the vocabulary size and `words` the vocabulary (id -> word). No images.
  std::vector<std::int64_t> tokens;
  std::vector<std::string> words;

  bool file_backed() const { return !files.empty(); }
  bool is_text() const { return !tokens.empty() || !words.empty(); }

  std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }
  std::int64_t image_bytes() const { return static_cast<std::int64_t>(channels) * height * width; }
  const std::uint8_t* image(std::int64_t i) const { return images.data() + i * image_bytes(); }
  /// Appends all of `other` (same shape and classes).
  void append(const Dataset& other);
};

/// A subset of a dataset by indices; of a text dataset, its whole token stream (no indices).
struct Split {
  const Dataset* data = nullptr;
  std::vector<std::int64_t> indices;
  std::string name;  ///< "train", "valid", "test"
  /// Images, or tokens of a text split.
  std::int64_t size() const {
    return data != nullptr && data->is_text() ? static_cast<std::int64_t>(data->tokens.size())
                                              : static_cast<std::int64_t>(indices.size());
  }
};

/// The train/valid/test splits of a study, with the datasets they index.
struct DataBundle {
  Dataset train_set;  ///< the dataset's official training set
  Dataset test_set;   ///< the dataset's official test set
  Dataset valid_set;  ///< text corpora: the validation file (image datasets split the others)
  Split train, valid, test;
  std::string protocol;
};

/// Mean and standard deviation per channel, in [0, 1] pixel units, for normalisation.
struct ChannelStats {
  std::vector<float> mean, std;
};

// ---- readers (errors name the file and what was expected) -----------------------------------

/// CIFAR-10 binary version: `data_batch_1..5.bin` (train) or `test_batch.bin` (test) in `dir`.
Dataset read_cifar10(const std::string& dir, bool train);
/// CIFAR-100 binary version: `train.bin` or `test.bin` in `dir`; fine labels (100 classes) or
/// coarse labels (20 classes).
Dataset read_cifar100(const std::string& dir, bool train, bool fine = true);
/// One CIFAR binary file (10000 records of 1 label + 3072 bytes for CIFAR-10, 2 labels + 3072
/// bytes for CIFAR-100).
Dataset read_cifar_file(const std::string& path, bool cifar100, bool fine = true);
/// IDX (MNIST / Fashion-MNIST) image and label files, gzip-compressed or plain.
Dataset read_idx(const std::string& images_path, const std::string& labels_path,
                 const std::string& name, int classes = 10);
/// MNIST-style directory: `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`.
Dataset read_mnist_dir(const std::string& dir, bool train, const std::string& name);

/// Datasets known by name: cifar10, cifar100, fashion-mnist, mnist, imagenet (the folder layout
/// train/<wnid>/*.JPEG, val/<wnid>/*.JPEG, read by image_folder.h; 224x224 inputs); the text
/// corpora ptb and wikitext-2 (text.h: load_text_bundle reads their three files at once).
std::vector<std::string> dataset_names();
/// Reads the training or test set of a named dataset from `dir`.
Dataset load_dataset(const std::string& name, const std::string& dir, bool train);
/// Default location of a dataset ("/usr/share/datasets/fashion-mnist" for fashion-mnist).
std::string default_dataset_dir(const std::string& name);

/// Builds the splits of a protocol:
///  - "nb101":  train = first 40,000 training images, valid = last 10,000, test = test set
///              (NAS-Bench-101's split of CIFAR-10; paper Appendix A.1);
///  - "nb201":  train = all training images, valid = the test set's `xvalid` half, test = its
///              `xtest` half, by NAS-Bench-201's published index lists (CIFAR-100; paper Appendix
///              A.1; data/nb201/): scores comparable with the benchmark's numbers;
///  - "nb201-cifar10-valid": NAS-Bench-201's "cifar10-valid": its 25,000 / 25,000 split of the
///              CIFAR-10 training set (train / valid), test = test set;
///  - "nb201-halves": valid = first half of the test set, test = second half (any size: small or
///              synthetic test sets);
///  - "train-all": train = all training images, valid = test = the test set (DARTS-CIFAR10 in the
///              paper's code: --cifar_split 50k; there is no held-out split);
///  - "holdout:K": valid = last K training images, train = the rest, test = test set.
///  - "default": nb101 for cifar10; nb201 for cifar100 (nb201-halves when its test set is not the
///              official 10,000 images); holdout:10000 otherwise.
/// `limit_train`/`limit_eval` (0 = all) keep only the first images of each split (small demos).
DataBundle make_bundle(Dataset train_set, Dataset test_set, const std::string& protocol,
                       std::int64_t limit_train = 0, std::int64_t limit_eval = 0);

/// NAS-Bench-201's published index lists, compiled in (data/nb201/): "cifar100-xvalid",
/// "cifar100-xtest", "cifar10-train", "cifar10-valid". False for an unknown name.
bool embedded_split(const std::string& name, std::vector<std::int64_t>& out);

/// Standard normalisation statistics for a dataset name (NAS-Bench-201's for CIFAR), or computed
/// from the images when unknown.
ChannelStats channel_stats(const Dataset& d);

// ---- writers (real formats; used by tests and the synthetic generator) ----------------------

/// Writes records in CIFAR binary format (10 classes: 1 label byte; 100: coarse + fine bytes).
void write_cifar_file(const std::string& path, const Dataset& d, bool cifar100,
                      const std::vector<std::int64_t>& coarse_labels = {});
/// Writes IDX image and label files (gzip when the path ends in .gz).
void write_idx(const std::string& images_path, const std::string& labels_path, const Dataset& d);

/// Generates a learnable synthetic dataset of `n` 32x32x3 images (class-dependent patterns plus
/// noise), deterministic in `seed`.
Dataset make_synthetic(std::int64_t n, int classes, std::uint64_t seed, int channels = 3,
                       int height = 32, int width = 32);
/// Writes a synthetic ImageNet-style folder of real JPEG files (`train/<class>/*.JPEG`,
/// `val/<class>/*.JPEG`; class folders n00000000, n00000001, ...), images of varied sizes.
void write_synthetic_image_folder(const std::string& dir, std::int64_t n_train, std::int64_t n_test,
                                  int classes, std::uint64_t seed);
/// Writes a synthetic CIFAR-10 (`data_batch_1..5.bin`, `test_batch.bin`) or CIFAR-100 (`train.bin`,
/// `test.bin`) directory in the real binary format.
void write_synthetic_cifar(const std::string& dir, bool cifar100, std::int64_t n_train,
                           std::int64_t n_test, std::uint64_t seed);

}  // namespace wsnas::data

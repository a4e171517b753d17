#pragma once
/// Datasets as classes behind one interface (what a split holds, how one epoch of it becomes
/// batches, how it is augmented and evaluated), registered by name; the paper's train/validation/
/// test splits as index lists over them. The kinds:
///  - ImageArray: images in memory, channel-major uint8 (CIFAR binary, IDX, synthetic);
///  - ImageFiles: image files decoded when a batch needs them (ImageNet folders, image_folder.h);
///  - TokenStream: a text corpus as token ids (PTB, WikiText-2, text.h).
/// The stages see a Dataset only: they never ask which kind it is. No LibTorch here (the fuzz
/// targets reach the readers without it): an epoch fills buffers the loader (loader.h) allocates.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace wsnas::data {

struct Split;

/// Mean and standard deviation per channel, in [0, 1] pixel units, for normalisation.
struct ChannelStats {
  std::vector<float> mean, std;
};

/// Augmentations (NAS-Bench-201 / DARTS CIFAR recipe: pad-4 random crop, horizontal flip,
/// normalisation; optional cutout, DeVries & Taylor 2017). Text datasets have none.
struct Augment {
  int crop_padding = 0;  ///< pad by this many zero pixels and crop back at random (4 for CIFAR)
  bool hflip = false;    ///< flip horizontally with probability 1/2
  int cutout = 0;        ///< side of a zeroed square (0: no cutout)
  ChannelStats stats;    ///< per-channel normalisation; empty: scale to [0, 1] only
  /// File-backed images (ImageNet): RandomResizedCrop when true, else resize to size / 0.875 and
  /// centre crop; colour jitter (brightness, contrast, saturation in [1 - j, 1 + j]) and a hue
  /// rotation in [hue_lo, hue_hi] degrees (as the paper's released code,
  /// github.com/matluster/anonymous-2102 @3825f00 datasets/imagenet.py:24-77).
  bool random_resized_crop = false;
  double jitter = 0;
  double hue_lo = 0, hue_hi = 0;
  /// Training augmentation for 32x32 colour images: crop 4 + flip.
  static Augment cifar_train(const ChannelStats& stats);
  /// Training augmentation of the released ProxylessNAS code for ImageNet: RandomResizedCrop,
  /// flip, jitter 0.4, hue 0.9-1.1 degrees (DALI's "normal" colour jitter, anonymous-2102
  /// configs/proxyless.py:37, datasets/imagenet.py:32-35,52-54).
  static Augment imagenet_train(const ChannelStats& stats);
  /// Evaluation: normalisation only.
  static Augment eval(const ChannelStats& stats);
};

struct LoaderOptions {
  std::int64_t batch_size = 256;  ///< global batch size (all ranks together)
  bool shuffle = true;
  bool drop_last = true;  ///< drop an incomplete last global batch
  std::uint64_t seed = 0;
  int prefetch = 2;        ///< batches prepared ahead by the background thread
  int decode_threads = 0;  ///< threads decoding file-backed images (0: LibTorch's thread count)
  int rank = 0;            ///< this rank's slice of every global batch
  int world = 1;
  Augment augment;
  /// Text splits: the token stream is cut into batch_size columns (DARTS' batchify) read in BPTT
  /// windows of `bptt` tokens; with `variable_bptt` (training), each window's length is drawn as
  /// DARTS' training loop does: mean bptt (bptt / 2 with probability 0.05), length
  /// max(5, int(N(mean, 5))), at most bptt + 20 (anonymous-2102 datasets/ptb.py:52-55). Image
  /// datasets ignore both.
  std::int64_t bptt = 35;
  bool variable_bptt = false;
};

/// The shape of one batch, for the loader to allocate: inputs float32 (images), or int64 (token
/// ids) when `integer_inputs`; labels int64.
struct BatchLayout {
  std::vector<std::int64_t> inputs, labels;
  bool integer_inputs = false;
  /// Factor of this batch's learning rate (a variable BPTT window of length L: L / bptt).
  double lr_scale = 1.0;
};

/// One epoch of one split as this rank reads it: a fixed sequence of batches, each filled into
/// buffers of its layout. Deterministic in (seed, epoch, batch).
class Epoch {
 public:
  virtual ~Epoch() = default;
  virtual std::int64_t batches() const = 0;
  virtual BatchLayout layout(std::int64_t batch) const = 0;
  /// Writes batch `batch`: `inputs` as the layout says (float or int64), `labels` int64.
  virtual void fill(std::int64_t batch, void* inputs, std::int64_t* labels) const = 0;
};

/// A dataset: what the stages know of it. Readers fill the description; subclasses say how
/// splits of it are read.
class Dataset {
 public:
  virtual ~Dataset() = default;
  std::string name;    ///< "cifar10", "cifar100", "fashion-mnist", "ptb", ...
  std::string source;  ///< files it came from, for provenance
  /// One input (images: channels x height x width; text: 0) and the number of classes (text: the
  /// vocabulary size): what a network for it is built for.
  int channels = 0, height = 0, width = 0;
  int classes = 0;
  /// The split protocol "default" means for this dataset (make_bundle); empty: holdout:10000.
  std::string default_protocol;
  /// The prefix of NAS-Bench-201's x-valid / x-test lists of this dataset's test set
  /// (embedded_split: "cifar100", "imagenet16-120"); empty: --protocol nb201 does not apply.
  std::string nb201_splits;

  /// Examples (images, or tokens).
  virtual std::int64_t size() const = 0;
  /// Examples a split of this dataset holds.
  virtual std::int64_t split_size(const Split& split) const;
  /// What an example is, for messages: "images", "tokens".
  virtual const char* unit() const = 0;
  /// Batch size for scoring a split when none is given (images 500; text: 10 for validation, 1
  /// for test, as DARTS' rnn/train.py).
  virtual std::int64_t default_eval_batch(bool test_split) const = 0;
  /// Training augmentation (`augment` false: normalisation only), and evaluation's.
  virtual Augment train_augment(bool augment, int cutout) const;
  virtual Augment eval_augment() const;
  /// Global batches in epoch `epoch` of `split`.
  virtual std::int64_t batches(const Split& split, const LoaderOptions& options,
                               std::int64_t epoch) const = 0;
  /// Epoch `epoch` of `split` as this rank (options.rank of options.world) reads it.
  virtual std::unique_ptr<Epoch> epoch(const Split& split, const LoaderOptions& options,
                                       std::int64_t epoch) const = 0;
  /// Lines for `wsnas-data info` after the name and folder ("image: 3x32x32\nclasses: 10").
  virtual std::string describe() const = 0;
};

/// Labelled images, read a split's indices at a time.
class ImageDataset : public Dataset {
 public:
  std::vector<std::int64_t> labels;  ///< size() labels in [0, classes)
  /// Normalisation the dataset's convention fixes (NAS-Bench-201's for CIFAR, ImageNet's for
  /// folders); empty: computed from the images (channel_stats).
  ChannelStats stats;
  /// Zero padding of the training random crop (CIFAR 4; ImageNet16-120 2, as NAS-Bench-201).
  int train_crop_padding = 4;

  std::int64_t size() const override { return static_cast<std::int64_t>(labels.size()); }
  const char* unit() const override { return "images"; }
  std::int64_t default_eval_batch(bool) const override { return 500; }
  Augment train_augment(bool augment, int cutout) const override;
  Augment eval_augment() const override;
  std::int64_t batches(const Split& split, const LoaderOptions& options,
                       std::int64_t epoch) const override;
  std::unique_ptr<Epoch> epoch(const Split& split, const LoaderOptions& options,
                               std::int64_t epoch) const override;
  std::string describe() const override;
  /// Normalisation statistics: `stats`, or computed.
  virtual ChannelStats channel_stats() const;
  /// Writes images `ids` as normalised, augmented floats (n x C x H x W) into `out`, one seed per
  /// image; `threads` decode in parallel where decoding is needed. An image that cannot be read
  /// is replaced by the next one of the dataset (one warning naming it): `used` (when given)
  /// receives the ids actually written, for the labels.
  virtual void fill_images(const std::vector<std::int64_t>& ids, const Augment& aug,
                           const std::vector<std::uint64_t>& seeds, int threads, float* out,
                           std::vector<std::int64_t>* used) const = 0;
};

/// Images in memory, channel-major per image (the CIFAR binary layout).
class ImageArray : public ImageDataset {
 public:
  std::vector<std::uint8_t> images;  ///< size() * channels * height * width bytes
  std::int64_t image_bytes() const { return static_cast<std::int64_t>(channels) * height * width; }
  const std::uint8_t* image(std::int64_t i) const { return images.data() + i * image_bytes(); }
  /// Appends all of `other` (same shape and classes).
  void append(const ImageArray& other);
  ChannelStats channel_stats() const override;
  void fill_images(const std::vector<std::int64_t>& ids, const Augment& aug,
                   const std::vector<std::uint64_t>& seeds, int threads, float* out,
                   std::vector<std::int64_t>* used) const override;
};

/// Image files, decoded when a batch needs them (image_folder.h); height x width is the size the
/// loader produces (ImageNet: 224). Training augments as the released ProxylessNAS code.
class ImageFiles : public ImageDataset {
 public:
  std::vector<std::string> files;  ///< one per label
  Augment train_augment(bool augment, int cutout) const override;
  ChannelStats channel_stats() const override;
  void fill_images(const std::vector<std::int64_t>& ids, const Augment& aug,
                   const std::vector<std::uint64_t>& seeds, int threads, float* out,
                   std::vector<std::int64_t>* used) const override;
};

/// A subset of a dataset by indices; of a token stream, its whole stream (no indices).
struct Split {
  const Dataset* data = nullptr;
  std::vector<std::int64_t> indices;
  std::string name;  ///< "train", "valid", "test"
  std::int64_t size() const { return data != nullptr ? data->split_size(*this) : 0; }
};

/// "N images" or "N tokens".
std::string describe_size(const Split& split);

/// The train/valid/test splits of a study, with the datasets they index (shared: a bundle moves
/// and copies freely, its splits keep pointing at the same datasets).
struct DataBundle {
  std::shared_ptr<const Dataset> train_set;  ///< the dataset's official training set
  std::shared_ptr<const Dataset> test_set;   ///< the dataset's official test set
  std::shared_ptr<const Dataset> valid_set;  ///< its own validation set (text corpora), or null
  Split train, valid, test;
  std::string protocol;
};

// ---- datasets by name -------------------------------------------------------------------------

/// How a bundle is cut (make_bundle).
struct BundleOptions {
  std::string protocol = "default";
  std::int64_t limit_train = 0, limit_eval = 0;  ///< 0 = all
};

/// A dataset known by name: where it lives by default and how its bundle is read from a folder.
struct DatasetEntry {
  std::string name;
  std::string default_dir;  ///< "data/<name>" when empty
  std::string summary;      ///< one line: its format and layout
  std::function<DataBundle(const std::string& dir, const BundleOptions& options)> load;
  /// Files (or folders, ending in '/') the folder must hold, relative to it; "a|b": either.
  std::vector<std::string> files;
  /// Where to get it: URL and how to unpack or convert it into a folder of this layout.
  std::string source;
};

/// Adds a dataset (plugins: next to space::register_space); a name taken is an error.
void register_dataset(DatasetEntry entry);
/// The datasets by name: cifar10, cifar100, fashion-mnist, mnist, imagenet, ptb, wikitext-2, then
/// those registered.
std::vector<std::string> dataset_names();
/// The entry of `name`; an InputError naming --dataset and the known names otherwise.
const DatasetEntry& dataset_entry(const std::string& name);
/// Default location of a dataset ("/usr/share/datasets/fashion-mnist" for fashion-mnist).
std::string default_dataset_dir(const std::string& name);
/// Checks, without reading them, that `dir` holds the files of dataset `name`: an InputError
/// naming `option` (where the folder came from), the folder, the first missing file, the layout
/// and where to get the dataset otherwise. A dataset that names no files passes.
void check_dataset_dir(const std::string& name, const std::string& dir,
                       const std::string& option = "--data-dir");
/// The bundle of a named dataset read from `dir`.
DataBundle load_bundle(const std::string& name, const std::string& dir,
                       const BundleOptions& options = {});

// ---- readers (errors name the file and what was expected) -----------------------------------

/// CIFAR-10 binary version: `data_batch_1..5.bin` (train) or `test_batch.bin` (test) in `dir`.
ImageArray read_cifar10(const std::string& dir, bool train);
/// CIFAR-100 binary version: `train.bin` or `test.bin` in `dir`; fine labels (100 classes) or
/// coarse labels (20 classes).
ImageArray read_cifar100(const std::string& dir, bool train, bool fine = true);
/// One CIFAR binary file (10000 records of 1 label + 3072 bytes for CIFAR-10, 2 labels + 3072
/// bytes for CIFAR-100).
ImageArray read_cifar_file(const std::string& path, bool cifar100, bool fine = true);
/// NAS-Bench-201's ImageNet16-120 as scripts/imagenet16-convert.py writes it from the official
/// downsampled-ImageNet files: records of 1 label byte (0..119) + 768 pixel bytes (16x16, R, G
/// and B planes), `train.bin` (151,700 images) and `val.bin` (6,000) in `dir`.
ImageArray read_imagenet16(const std::string& dir, bool train);
/// One such file.
ImageArray read_imagenet16_file(const std::string& path);
/// IDX (MNIST / Fashion-MNIST) image and label files, gzip-compressed or plain.
ImageArray read_idx(const std::string& images_path, const std::string& labels_path,
                    const std::string& name, int classes = 10);
/// MNIST-style directory: `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`.
ImageArray read_mnist_dir(const std::string& dir, bool train, const std::string& name);

/// Builds the splits of a protocol:
///  - "nb101":  train = first 40,000 training images, valid = last 10,000, test = test set
///              (NAS-Bench-101's split of CIFAR-10; paper Appendix A.1);
///  - "nb201":  train = all training images, valid = the test set's `xvalid` half, test = its
///              `xtest` half, by NAS-Bench-201's published index lists (CIFAR-100, ImageNet16-120;
///              paper Appendix A.1; data/nb201/): scores comparable with the benchmark's numbers;
///  - "nb201-cifar10-valid": NAS-Bench-201's "cifar10-valid": its 25,000 / 25,000 split of the
///              CIFAR-10 training set (train / valid), test = test set;
///  - "nb201-halves": valid = first half of the test set, test = second half (any size: small or
///              synthetic test sets);
///  - "train-all": train = all training images, valid = test = the test set (DARTS-CIFAR10 in the
///              paper's code: --cifar_split 50k; there is no held-out split);
///  - "holdout:K": valid = last K training images, train = the rest, test = test set.
///  - "default": the dataset's default_protocol (cifar10: nb101; cifar100 and imagenet16-120:
///              nb201, nb201-halves when the test set is not the official one; imagenet:
///              train-all); holdout:10000 when it has none.
/// `limit_train`/`limit_eval` (0 = all) keep only the first images of each split (small demos).
DataBundle make_bundle(std::shared_ptr<const Dataset> train_set,
                       std::shared_ptr<const Dataset> test_set, const std::string& protocol,
                       std::int64_t limit_train = 0, std::int64_t limit_eval = 0);
/// The same for two datasets of one class, by value.
template <class D, std::enable_if_t<std::is_base_of_v<Dataset, D>, int> = 0>
DataBundle make_bundle(D train_set, D test_set, const std::string& protocol,
                       std::int64_t limit_train = 0, std::int64_t limit_eval = 0) {
  return make_bundle(std::make_shared<const D>(std::move(train_set)),
                     std::make_shared<const D>(std::move(test_set)), protocol, limit_train,
                     limit_eval);
}

/// NAS-Bench-201's published index lists, compiled in (data/nb201/): "cifar100-xvalid",
/// "cifar100-xtest", "imagenet16-120-xvalid", "imagenet16-120-xtest", "cifar10-train",
/// "cifar10-valid". False for an unknown name.
bool embedded_split(const std::string& name, std::vector<std::int64_t>& out);

/// Normalisation statistics of an image dataset (its convention's, or computed).
inline ChannelStats channel_stats(const ImageDataset& d) { return d.channel_stats(); }

/// Image files skipped so far by this process (corrupt or truncated), for provenance.
std::int64_t skipped_image_files();

// ---- writers (real formats; used by tests and the synthetic generator) ----------------------

/// Writes records in CIFAR binary format (10 classes: 1 label byte; 100: coarse + fine bytes).
void write_cifar_file(const std::string& path, const ImageArray& d, bool cifar100,
                      const std::vector<std::int64_t>& coarse_labels = {});
/// Writes IDX image and label files (gzip when the path ends in .gz).
void write_idx(const std::string& images_path, const std::string& labels_path, const ImageArray& d);

/// Generates a learnable synthetic dataset of `n` 32x32x3 images (class-dependent patterns plus
/// noise), deterministic in `seed`.
ImageArray make_synthetic(std::int64_t n, int classes, std::uint64_t seed, int channels = 3,
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

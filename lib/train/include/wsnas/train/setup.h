#pragma once
/// What every pipeline app needs to agree on: the dataset and its splits, and the network shape.
/// Both are option groups and are recorded in every result file so a later stage can rebuild them.

#include <c10/core/Device.h>

#include <boost/program_options/options_description.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/loader.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/nn/network.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/options/parser.h"

namespace wsnas::train {

/// Dataset choice (real files in their standard formats) and the split protocol.
struct DataOptions {
  std::string dataset = "fashion-mnist";  ///< cifar10 | cifar100 | fashion-mnist | mnist
  std::string dir;                        ///< "" = the dataset's default location
  /// "NAME=DIR": the folder of dataset NAME, over `dir`, when NAME is the dataset used
  /// (wsnas-study --data-dir passes every run the same list).
  std::vector<std::string> dataset_dirs;
  std::string protocol = "default";  ///< see data::make_bundle
  std::int64_t limit_train = 0;      ///< keep the first N training images (0 = all)
  std::int64_t limit_eval = 0;       ///< keep the first N valid/test images (0 = all)
  std::string augment = "standard";  ///< standard (pad-4 crop + flip) | none
  std::int64_t bptt = 35;  ///< text: mean BPTT window (training draws it, evaluation fixes it)
};
boost::program_options::options_description data_option_group(DataOptions& d);
/// The dataset directory the options name: --dataset-dir's for the dataset, else --data-dir, else
/// the dataset's usual location.
std::string data_dir(const DataOptions& d);
/// How the options name that folder, for messages: "--dataset-dir NAME", "--data-dir" or "the
/// default --data-dir".
std::string data_dir_option(const DataOptions& d);
/// data::check_dataset_dir on data_dir(d), its messages naming data_dir_option(d).
void check_data_dir(const DataOptions& d);
/// The folder `dataset_dirs` ("NAME=DIR" each) gives `dataset`, "" when none; a UsageError naming
/// --dataset-dir for an entry that is not NAME=DIR with a known NAME.
std::string mapped_dataset_dir(const std::vector<std::string>& dataset_dirs,
                               const std::string& dataset);
/// --dataset-dir NAME=DIR, repeatable, into `dirs`.
void add_dataset_dir_option(boost::program_options::options_description& g,
                            std::vector<std::string>& dirs);
/// Reads the dataset and builds the splits; errors name the files. Records the files read in
/// `provenance` (data.train_source, data.test_source) when given.
data::DataBundle load_data(const DataOptions& d, Provenance* provenance = nullptr);
/// Training augmentation for the options (normalised by the dataset's channel statistics), with a
/// cutout square of side `cutout` (0: none).
data::Augment train_augment(const DataOptions& d, const data::Dataset& set, int cutout = 0);
/// Records in `provenance` how many image files this process skipped as unreadable
/// (`data.skipped_images`; file-backed datasets only).
void record_skipped_images(Provenance& provenance);
/// Training loader options: the global batch, the augmentation, and training's windows (text: the
/// variable BPTT windows of DARTS' training loop, learning rate scaled by each window's length).
/// Evaluation asks the dataset itself (Dataset::eval_augment, Dataset::default_eval_batch).
data::LoaderOptions train_loader_options(const DataOptions& d, const data::Dataset& set,
                                         std::int64_t batch_size, int cutout = 0);

/// How an app runs, whatever it computes: device, precision, progress interval.
struct RunOptions {
  std::string device = "auto";         ///< cpu | cuda | auto
  std::string precision = "fp32";      ///< fp32 | bf16
  std::string memory_format = "auto";  ///< auto | channels-last | contiguous
  double progress_s = 10;              ///< seconds between progress lines
};
/// Adds --device, --precision, --memory-format and --progress-seconds to `group`.
void add_run_options(boost::program_options::options_description& group, RunOptions& r);
/// The device of this rank (one GPU per node-local rank with CUDA) and LibTorch's threads shared
/// among the node's ranks (nn::configure_threads), recorded in `provenance` (run.threads,
/// run.cpus_allowed); a warning on stderr when the threads outnumber the CPUs the rank may use.
c10::Device setup_device(const mpi::Communicator& world, const std::string& spec,
                         Provenance* provenance = nullptr);

/// Network shape. The space fixes the topology; channels and cells scale it (0: the space's own).
struct ModelOptions {
  std::string space = space::default_space_name();
  int channels = 0;                ///< C (NB201: 16)
  int cells = 0;                   ///< N cells per stage (NB201: 5)
  bool supernet_bn_affine = true;  ///< affine BN in supernet operators (the paper's code)
  double width_mult = 0;           ///< width multiplier (0: the space's own; Proxyless 1.35)
  std::string rnn_dropout;         ///< recurrent networks' dropout rates ("": the space's own)
};
boost::program_options::options_description model_option_group(ModelOptions& m);
/// Adds the groups every training stage takes: `run` (with the run options), the
/// hyper-parameters (under `training_title`), the data and the network.
void add_training_groups(options::Parser& parser, boost::program_options::options_description& run,
                         RunOptions& r, options::HyperParameters& hp, DataOptions& d,
                         ModelOptions& m, const std::string& training_title);

/// Network options for a dataset (its channels, size and classes) and the model options; an
/// auxiliary head when `aux_weight` > 0.
nn::NetworkOptions network_options(const ModelOptions& m, const data::Dataset& set,
                                   double aux_weight = 0);

}  // namespace wsnas::train

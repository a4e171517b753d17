#pragma once
/// What every pipeline app needs to agree on: the dataset and its splits, and the network shape.
/// Both are option groups and are recorded in every result file so a later stage can rebuild them.

#include <cstdint>
#include <string>

#include <boost/program_options/options_description.hpp>

#include "wsnas/data/dataset.h"
#include "wsnas/data/loader.h"
#include "wsnas/nn/nb201_model.h"

namespace wsnas::train {

/// Dataset choice (real files in their standard formats) and the split protocol.
struct DataOptions {
  std::string dataset = "fashion-mnist";  ///< cifar10 | cifar100 | fashion-mnist | mnist
  std::string dir;                        ///< "" = the dataset's default location
  std::string protocol = "default";       ///< see data::make_bundle
  std::int64_t limit_train = 0;           ///< keep the first N training images (0 = all)
  std::int64_t limit_eval = 0;            ///< keep the first N valid/test images (0 = all)
  std::string augment = "standard";       ///< standard (pad-4 crop + flip) | none
};
boost::program_options::options_description data_option_group(DataOptions& d);
/// Reads the dataset and builds the splits; errors name the files.
data::DataBundle load_data(const DataOptions& d);
/// Training augmentation for the options (normalised by the dataset's channel statistics).
data::Augment train_augment(const DataOptions& d, const data::Dataset& set);
/// Evaluation transform (normalisation only).
data::Augment eval_augment(const data::Dataset& set);

/// Network shape. The space fixes the topology; channels and cells scale it.
struct ModelOptions {
  std::string space = "nb201";
  int channels = 16;  ///< C (NB201: 16)
  int cells = 5;      ///< N cells per stage (NB201: 5)
};
boost::program_options::options_description model_option_group(ModelOptions& m);
/// NB201 network options for a dataset (its channels and classes) and the model options.
nn::Nb201Options nb201_options(const ModelOptions& m, const data::Dataset& set, bool supernet);

}  // namespace wsnas::train

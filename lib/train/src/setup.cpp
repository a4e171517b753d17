#include "wsnas/train/setup.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/loader.h"
#include "wsnas/nn/device.h"
#include "wsnas/options/parser.h"

namespace wsnas::train {

namespace po = boost::program_options;

po::options_description data_option_group(DataOptions& d) {
  po::options_description g("Data");
  g.add_options()("dataset",
                  options::value(&d.dataset, options::kShapesScored)
                      ->default_value(d.dataset)
                      ->notifier(options::one_of("dataset", data::dataset_names())),
                  ("dataset: " + join(data::dataset_names(), " | ")).c_str())(
      "data-dir", po::value(&d.dir)->default_value(d.dir),
      "dataset directory (default: the dataset's usual location)")(
      "protocol", options::value(&d.protocol, options::kShapesScored)->default_value(d.protocol),
      "split protocol: default | nb101 | nb201 | nb201-cifar10-valid | nb201-halves | train-all | "
      "holdout:K "
      "(docs/protocol.md)")(
      "limit-train",
      options::value(&d.limit_train, options::kShapesScored)->default_value(d.limit_train),
      "use the first N training images (0 = all)")(
      "limit-eval",
      options::value(&d.limit_eval, options::Effect{options::kGroundTruth, true})
          ->default_value(d.limit_eval),
      "use the first N validation and test images (0 = all)")(
      "augment",
      options::value(&d.augment, options::kShapesScored)
          ->default_value(d.augment)
          ->notifier(options::one_of("augment", {"standard", "none"})),
      "training augmentation: standard (pad-4 random crop + flip) | none")(
      "bptt",
      options::value(&d.bptt, options::kShapesScored)
          ->default_value(d.bptt)
          ->notifier(options::at_least("bptt", 1)),
      "text datasets: mean BPTT window in tokens (training draws lengths around it as DARTS; "
      "evaluation uses it)");
  add_dataset_dir_option(g, d.dataset_dirs);
  return g;
}

void add_dataset_dir_option(po::options_description& g, std::vector<std::string>& dirs) {
  g.add_options()("dataset-dir", po::value(&dirs)->composing(),
                  "NAME=DIR: the folder of dataset NAME, when it is the one used (over "
                  "--data-dir; repeatable; wsnas-study --data-dir passes it to every run)");
}

std::string mapped_dataset_dir(const std::vector<std::string>& dataset_dirs,
                               const std::string& dataset) {
  std::string found;
  for (const auto& entry : dataset_dirs) {
    std::string name, dir;
    WSNAS_CHECK_USAGE(split_assignment(entry, name, dir), "--dataset-dir '", entry,
                      "': expected NAME=DIR");
    const auto known = data::dataset_names();
    WSNAS_CHECK_USAGE(std::find(known.begin(), known.end(), name) != known.end(), "--dataset-dir '",
                      entry, "': unknown dataset ", name,
                      " (expected NAME=DIR, NAME one of: ", join(known, ", "), ")");
    if (name == dataset) found = dir;
  }
  return found;
}

std::string data_dir(const DataOptions& d) {
  const std::string mapped = mapped_dataset_dir(d.dataset_dirs, d.dataset);
  if (!mapped.empty()) return mapped;
  return d.dir.empty() ? data::default_dataset_dir(d.dataset) : d.dir;
}

std::string data_dir_option(const DataOptions& d) {
  if (!mapped_dataset_dir(d.dataset_dirs, d.dataset).empty()) return "--dataset-dir " + d.dataset;
  return d.dir.empty() ? "the default --data-dir" : "--data-dir";
}

void check_data_dir(const DataOptions& d) {
  data::check_dataset_dir(d.dataset, data_dir(d), data_dir_option(d));
}

data::DataBundle load_data(const DataOptions& d, Provenance* provenance) {
  WSNAS_CHECK_USAGE(d.limit_train >= 0 && d.limit_eval >= 0,
                    "--limit-train/--limit-eval must be >= 0");
  auto bundle =
      data::load_bundle(d.dataset, data_dir(d), {d.protocol, d.limit_train, d.limit_eval});
  if (provenance) {
    provenance->set("data.train_source", bundle.train_set->source);
    provenance->set("data.test_source", bundle.test_set->source);
  }
  return bundle;
}

void add_run_options(po::options_description& g, RunOptions& r) {
  g.add_options()("device",
                  po::value(&r.device)->default_value(r.device)->notifier(
                      options::one_of("device", {"auto", "cpu", "cuda"})),
                  "cpu | cuda | auto (one GPU per node-local rank)")(
      "precision",
      options::value(&r.precision, options::Effect{options::kEveryStage})
          ->default_value(r.precision),
      "fp32 | bf16 (mixed precision: bfloat16 autocast)")(
      "memory-format",
      po::value(&r.memory_format)
          ->default_value(r.memory_format)
          ->notifier(options::one_of("memory-format", {"auto", "channels-last", "contiguous"})),
      "layout of images and convolution weights: auto (channels-last on CPU, contiguous on CUDA) | "
      "channels-last | "
      "contiguous (same results within float rounding)")(
      "progress-seconds", po::value(&r.progress_s)->default_value(r.progress_s),
      "seconds between progress lines");
}

c10::Device setup_device(const mpi::Communicator& world, const std::string& spec,
                         Provenance* provenance) {
  auto local = world.split_node_local();
  const auto device = nn::select_device(spec, local.rank());
  const int threads = nn::configure_threads(local.size());
  const int allowed = nn::allowed_cpus();
  if (provenance) {
    provenance->set("run.threads", std::to_string(threads));
    provenance->set("run.cpus_allowed", std::to_string(allowed));
  }
  // More threads than CPUs the rank may use: they take turns on them (mpirun binds a rank to one
  // core by default, whatever OMP_NUM_THREADS says).
  if (threads > allowed && local.rank() == 0 && device.is_cpu())
    std::cerr << "warning: " << threads << " threads per rank (OMP_NUM_THREADS) but " << allowed
              << (allowed == 1 ? " CPU" : " CPUs")
              << " allowed: the launcher bound the rank (mpirun: add --bind-to none, or --map-by "
                 "slot:PE="
              << threads << "; Slurm: --cpus-per-task=" << threads << ")\n";
  return device;
}

data::Augment train_augment(const DataOptions& d, const data::Dataset& set, int cutout) {
  return set.train_augment(d.augment != "none", cutout);
}

void record_skipped_images(Provenance& provenance) {
  if (const auto n = data::skipped_image_files(); n > 0)
    provenance.set("data.skipped_images", std::to_string(n));
}

data::LoaderOptions train_loader_options(const DataOptions& d, const data::Dataset& set,
                                         std::int64_t batch_size, int cutout) {
  data::LoaderOptions lo;
  lo.batch_size = batch_size;
  lo.augment = train_augment(d, set, cutout);
  lo.bptt = d.bptt;
  lo.variable_bptt = true;  // training windows (text datasets)
  return lo;
}

po::options_description model_option_group(ModelOptions& m) {
  po::options_description g("Network");
  g.add_options()(
      "space",
      options::value(&m.space, options::kShapesScored)
          ->default_value(m.space)
          ->notifier(options::one_of("space", nn::model_names())),
      ("search space with a network implementation: " + join(nn::model_names(), " | ")).c_str())(
      "channels",
      options::value(&m.channels, options::kShapesScored)
          ->default_value(m.channels)
          ->notifier(options::at_least("channels", 0)),
      "C, channels of the first stage (0: the space's own; NB201 16)")(
      "cells",
      options::value(&m.cells, options::kShapesScored)
          ->default_value(m.cells)
          ->notifier(options::at_least("cells", 0)),
      "N, cells per stage (0: the space's own; NB201 5)")(
      "supernet-bn-affine",
      options::value(&m.supernet_bn_affine, options::Effect{options::kSupernet, true})
          ->default_value(m.supernet_bn_affine),
      "learnable BN affine parameters in supernet operators (true: the paper's code; false: "
      "NAS-Bench-201's "
      "search models)")("width-mult",
                        options::value(&m.width_mult, options::kShapesScored)
                            ->default_value(m.width_mult)
                            ->notifier(options::in_range("width-mult", 0, 100)),
                        "width multiplier of spaces that have one (0: the space's own; proxyless "
                        "1.35)")(
      "rnn-dropout",
      options::value(&m.rnn_dropout, options::kShapesScored)->default_value(m.rnn_dropout),
      "dropout rates of recurrent networks: output,hidden,input,embedding,words (\"\": the "
      "space's own; darts-ptb 0.75,0.25,0.75,0.2,0.1)");
  return g;
}

void add_training_groups(options::Parser& parser, po::options_description& run, RunOptions& r,
                         options::HyperParameters& hp, DataOptions& d, ModelOptions& m,
                         const std::string& training_title) {
  add_run_options(run, r);
  parser.add(run);
  parser.add(options::hyper_parameter_options(hp, training_title));
  parser.add(data_option_group(d));
  parser.add(model_option_group(m));
}

nn::NetworkOptions network_options(const ModelOptions& m, const data::Dataset& set,
                                   double aux_weight) {
  nn::NetworkOptions o;
  o.channels = m.channels;
  o.cells = m.cells;
  o.in_channels = set.channels;
  o.input_size = set.height;
  o.classes = set.classes;
  o.supernet_bn_affine = m.supernet_bn_affine;
  o.width_mult = m.width_mult;
  o.auxiliary = aux_weight > 0;
  if (!m.rnn_dropout.empty()) {
    for (const auto& part : split(m.rnn_dropout, ',')) {
      double p = 0;
      WSNAS_CHECK_USAGE(
          parse_double(trim(part), p), "--rnn-dropout '", m.rnn_dropout,
          "': expected 5 comma-separated rates (output,hidden,input,embedding,words)");
      o.rnn_dropout.push_back(p);
    }
  }
  return o;
}

}  // namespace wsnas::train

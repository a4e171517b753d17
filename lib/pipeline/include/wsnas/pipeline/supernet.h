#pragma once
/// Supernet training as a library stage: weight sharing over data-parallel replicas, paths chosen
/// by an architecture sampler, HDF5 checkpoints, resume, signals, progress and provenance.
/// `wsnas-supernet` is option parsing plus train_supernet(); tests call it in-process too.

#include <cstdint>
#include <string>

#include "wsnas/app/app.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"

namespace wsnas::pipeline {

struct SupernetJob {
  options::HyperParameters hp;  ///< Table 2 (configs/<space>.ini); hp.gpus = replicas
  train::DataOptions data;
  train::ModelOptions model;
  train::RunOptions run;
  std::string out_dir;
  std::string pool_path;                ///< sample from these architectures only ("" = the space)
  std::string save_epochs = "pow2";     ///< snapshots of the one schedule: pow2 | none | 1,2,5
  std::string sampler = "uniform";      ///< uniform | fairnas | multipath | per-replica
  int paths = 2;                        ///< k of multipath
  std::string unused_params = "decay";  ///< decay (the paper's code) | skip
  std::uint64_t seed = 0;
  int replicas = 0;  ///< 0: hp.gpus
  double checkpoint_minutes = 10;
  /// Few-shot (docs/few-shot.md): split on these decisions ("D[,D]"; "" = one-shot) after the
  /// one-shot training (--epochs), each sub-supernet then trained --fine-tune-epochs.
  std::string split_on;
  int fine_tune_epochs = 0;
  /// Set by the few-shot stage for each sub-supernet's run, not options: its part of the space
  /// (space::Split::to_string) and the checkpoint whose weights it starts from.
  std::string split, init_from;
};

/// Adds the stage's option groups, bound to `job`, to `parser`.
void add_options(options::Parser& parser, SupernetJob& job);
/// --check-options' look at the inputs, without reading them: the dataset's folder holds its
/// files (data::check_dataset_dir).
void check_inputs(const SupernetJob& job);
/// The supernet-protocol group alone (--sampler, --paths, --unused-params, --split-on,
/// --fine-tune-epochs), so that other stages
/// can accept one config file for the whole study.
options::po::options_description protocol_option_group(SupernetJob& job);

/// Trains a supernet into job.out_dir, resuming what is there; with job.split_on, the one-shot
/// supernet into OUT/one-shot, each sub-supernet into OUT/sub-K, and OUT/supernet.h5 lists them
/// (kind `few-shot`, read by wsnas-evaluate). `config` is every option as text
/// (train::config_of), recorded in the results and compared on resume. Returns 0, or
/// kExitInterrupted after saving on a stop signal.
int train_supernet(app::Context& ctx, const SupernetJob& job, train::RunConfig config);

}  // namespace wsnas::pipeline

// The supernet stage's options (wsnas/pipeline/supernet.h).
#include "stage_options.h"
#include "wsnas/core/error.h"
#include "wsnas/data/dataset.h"
#include "wsnas/pipeline/supernet.h"
#include "wsnas/space/sampler.h"
#include "wsnas/space/split.h"

namespace wsnas::pipeline {

namespace po = options::po;

po::options_description protocol_option_group(SupernetJob& job) {
  po::options_description g("Supernet protocol (paper Table 3 variants; docs/protocol.md)");
  g.add_options()("sampler",
                  options::value(&job.sampler, options::Effect{options::kSupernet})
                      ->default_value(job.sampler)
                      ->notifier(options::one_of("sampler", space::sampler_names())),
                  "paths per step: uniform (single-path one-shot) | fairnas (strict fairness) | "
                  "multipath (--paths k) | "
                  "per-replica (each replica its own path)")(
      "paths",
      options::value(&job.paths, options::Effect{options::kSupernet})
          ->default_value(job.paths)
          ->notifier(options::at_least("paths", 1)),
      "k paths per step for --sampler multipath (gradients summed, one step)")(
      "unused-params",
      options::value(&job.unused_params, options::Effect{options::kSupernet})
          ->default_value(job.unused_params)
          ->notifier(options::one_of("unused-params", {"decay", "skip", "decay-all"})),
      "parameters of operators a step did not use: decay (weight decay and momentum still act once "
      "used: the "
      "paper's PyTorch 1.x code) | skip (left alone) | decay-all (from the first step: the DARTS "
      "code's "
      "parallel sampling)")(
      "split-on",
      options::value(&job.split_on, options::Effect{options::kSupernet})
          ->default_value(job.split_on),
      "few-shot (Zhao et al. 2021; docs/few-shot.md): after the one-shot training, split on these "
      "decisions (indices D[,D], in the order wsnas-space info lists them) into one sub-supernet "
      "per combination of their options, each starting from the one-shot weights")(
      "fine-tune-epochs",
      options::value(&job.fine_tune_epochs, options::Effect{options::kSupernet})
          ->default_value(job.fine_tune_epochs)
          ->notifier(options::at_least("fine-tune-epochs", 0)),
      "with --split-on: epochs of each sub-supernet's training after the split (its own "
      "learning-rate schedule)");
  return g;
}

void check_inputs(const SupernetJob& job) {
  train::check_data_dir(job.data);
  check_split_options(job);
}

void check_split_options(const SupernetJob& job) {
  if (!job.split_on.empty()) {
    space::parse_split_on(*space::make_space(job.model.space), job.split_on);
    WSNAS_CHECK_USAGE(job.fine_tune_epochs >= 1, "--split-on ", job.split_on,
                      " needs --fine-tune-epochs >= 1 (each sub-supernet's training after the "
                      "split)");
  }
  WSNAS_CHECK_USAGE(!job.split_on.empty() || job.fine_tune_epochs == 0,
                    "--fine-tune-epochs is the sub-supernets' training: it needs --split-on");
}

void add_options(options::Parser& parser, SupernetJob& job) {
  job.hp.epochs = 1000;
  po::options_description run("Run");
  run.add_options()("out", po::value(&job.out_dir)->required(),
                    "output directory: supernet.h5 (latest state) and epoch_NNNN.h5")(
      "pool", po::value(&job.pool_path)->default_value(job.pool_path),
      "sample architectures only from this file (strings or indices; valid ones only)")(
      "seed", options::value(&job.seed, options::kTrains)->default_value(job.seed),
      "seed of weights, data order, augmentation and sampling")(
      "replicas",
      options::value(&job.replicas, options::Effect{options::kSupernet})
          ->default_value(job.replicas),
      "data-parallel replicas splitting the global batch (0: --gpus, Table 2's GPU count); ranks "
      "<= replicas")(
      "save-epochs", po::value(&job.save_epochs)->default_value(job.save_epochs),
      "also keep snapshots of this one schedule after these epochs: pow2 | none | 1,2,5")(
      "checkpoint-minutes",
      po::value(&job.checkpoint_minutes)
          ->default_value(job.checkpoint_minutes)
          ->notifier(options::in_range("checkpoint-minutes", 1e-6, 1e9)),
      "save the resume state at least this often");
  parser.add(protocol_option_group(job));
  train::add_training_groups(parser, run, job.run, job.hp, job.data, job.model,
                             options::kSupernetTraining);
}

}  // namespace wsnas::pipeline

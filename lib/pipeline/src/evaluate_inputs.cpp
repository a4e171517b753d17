#include "evaluate_inputs.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "stage_options.h"
#include "supernet_checkpoint.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/pipeline/supernet.h"

namespace wsnas::pipeline {

namespace po = options::po;

std::vector<std::string> inherited_keys() {
  return options::inherited_keys(stage_options<SupernetJob>());
}

namespace {

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  WSNAS_CHECK_INPUT(realpath(path.c_str(), buf) != nullptr, "--checkpoint '", path,
                    "': no such file");
  return buf;
}

}  // namespace

void check_inputs(const EvaluateJob& job) { train::mapped_dataset_dir(job.dataset_dirs, ""); }

void add_options(options::Parser& parser, EvaluateJob& job) {
  po::options_description g("Evaluation");
  g.add_options()("checkpoint", po::value(&job.checkpoints)->multitoken()->required(),
                  "supernet checkpoint(s) written by wsnas-supernet")(
      "archs", po::value(&job.archs_path)->required(),
      "architectures to score (wsnas-space sample output, or one per line)")(
      "out", po::value(&job.out_path)->required(),
      "results file (HDF5, kind 'evaluation'); existing results are kept")(
      "split",
      options::value(&job.split, options::Effect{options::kEvaluate})
          ->default_value(job.split)
          ->notifier(options::one_of("split", {"valid", "test"})),
      "split to score on")("eval-batch", po::value(&job.eval_batch)->default_value(job.eval_batch),
                           "evaluation batch size (0: 500 images; text: DARTS' 10 columns for "
                           "valid, 1 for test; images: does not change results)")(
      "seed",
      options::value(&job.seed, options::Effect{options::kEvaluate})->default_value(job.seed),
      "seed of the calibration batches (the same for every architecture)")(
      "data-dir", po::value(&job.data_dir)->default_value(job.data_dir),
      "dataset directory (default: the one the supernet used)")(
      "dataset-dir", po::value(&job.dataset_dirs)->composing(),
      "NAME=DIR: the folder of dataset NAME, when it is the supernet's (over --data-dir; "
      "repeatable; wsnas-study --data-dir passes it to every run)")(
      "flush-seconds",
      po::value(&job.flush_s)
          ->default_value(job.flush_s)
          ->notifier(options::in_range("flush-seconds", 1e-3, 1e9)),
      "write finished results when this long has passed since the last write, between rank 0's "
      "architectures (> 0)")(
      "cache-stem", po::value(&job.cache_stem)->default_value(job.cache_stem),
      "compute the architecture-independent stem once per batch for all architectures (same "
      "results; memory: "
      "the stem's outputs for the calibration and evaluation batches)");
  train::add_run_options(g, job.run);
  parser.add(g);
  // Training options: accepted so one config file serves every stage, and left out of the
  // results' configuration unless they change evaluation's results (BN calibration's), by their
  // own declarations.
  const auto training = options::hyper_parameter_options(job.hp);
  SupernetJob protocol_values;
  const auto protocol = protocol_option_group(protocol_values);
  job.training_only.clear();
  for (const auto* group : {&training, &protocol}) {
    for (const auto& o : group->options()) {
      if ((options::effect_of(*o).results & options::kEvaluate) == 0)
        job.training_only.push_back(o->long_name());
    }
  }
  // --help shows the ones evaluation uses (BN calibration's); the rest are parsed, not shown.
  po::options_description used("BN calibration (of the supernet training options)"), unused("");
  for (const auto& o : training.options())
    ((options::effect_of(*o).results & options::kEvaluate) ? used : unused).add(o);
  parser.add(used);
  parser.add_hidden(unused);
  // The protocol group binds its values to a job; evaluation keeps them in its own fields.
  po::options_description accepted("Supernet protocol (accepted, not used by evaluation)");
  accepted.add_options()("sampler", po::value(&job.accepted_sampler), "see wsnas-supernet")(
      "paths", po::value(&job.accepted_paths), "see wsnas-supernet")(
      "unused-params", po::value(&job.accepted_unused), "see wsnas-supernet")(
      "split-on", po::value(&job.accepted_split_on), "see wsnas-supernet")(
      "fine-tune-epochs", po::value(&job.accepted_fine_tune_epochs), "see wsnas-supernet");
  for (const auto& o : protocol.options()) {
    WSNAS_ASSERT(accepted.find_nothrow(o->long_name(), false) != nullptr, "evaluation: option --",
                 o->long_name(), " of the supernet protocol is not accepted");
  }
  parser.add_hidden(accepted);
}

Checkpoints read_checkpoints(const EvaluateJob& job) {
  // The checkpoints fix the network and the data; they must agree with each other.
  Checkpoints out;
  auto& ckpt_abs = out.paths;
  auto& model_cfg = out.config;
  // A few-shot supernet's list (kind `few-shot`) stands for its sub-supernets' checkpoints.
  std::vector<std::string> given;
  for (const auto& c : job.checkpoints) {
    check_input_file(c, "--checkpoint");
    const std::string real = absolute(c);  // "--checkpoint 'PATH': no such file" before opening
    auto f = io::File::open(c);
    io::check_results(f);
    if (f.attr_string("/", "kind") != "few-shot") {
      given.push_back(c);
      continue;
    }
    const std::string dir = real.substr(0, real.rfind('/'));  // a link's target's folder
    for (const auto& sub : f.read_strings("/subs/checkpoint")) {
      const std::string path = dir + "/" + sub;
      WSNAS_CHECK_INPUT(io::path_exists(path), "--checkpoint '", c, "': its sub-supernet '", path,
                        "' is missing (expected the checkpoints of its few-shot run beside it)");
      given.push_back(path);
    }
  }
  for (const auto& c : given) {
    const std::string abs = absolute(c);
    if (std::find(ckpt_abs.begin(), ckpt_abs.end(), abs) !=
        ckpt_abs.end()) {  // the same file named again
      ++out.repeated;
      continue;
    }
    ckpt_abs.push_back(abs);
    auto f = io::File::open(c);
    io::check_results(f, "supernet");
    auto ccfg = train::read_config(f, "/config");
    if (model_cfg.empty()) model_cfg = ccfg;
    train::check_same_config(model_cfg, ccfg, inherited_keys(),
                             "checkpoint '" + job.checkpoints.front() + "'");
    SupernetState absent;
    absent.run_id = "?";
    absent.schedule_epochs = -1;
    const auto state = supernet_state_table().read_attributes(f, "/state", absent);
    WSNAS_CHECK_INPUT(state.schedule_epochs >= 1, f.where("/state"),
                      ": no attribute 'schedule_epochs' (expected a checkpoint of wsnas-supernet)");
    out.epochs.push_back(state.epoch);
    // What the checkpoint is, not where: a file trained further (or again) under the same path is
    // another checkpoint, and its earlier scores are stale.
    out.ids.push_back(state.id());
    out.schedule_epochs.push_back(state.schedule_epochs);
    out.splits.push_back(ccfg.count("split") ? ccfg.at("split") : "");
  }
  const std::string what = "checkpoint '" + job.checkpoints.front() + "'";
  // The network's shape, the data and the regularisers that shape the calibration passes, as the
  // supernet was trained: the checkpoint's values read by the options' own declarations (types
  // and range checks); an option absent from an older file takes its default.
  for (const char* key : {"space", "dataset"})
    WSNAS_CHECK_INPUT(!train::config_value(model_cfg, key, what).empty(), what,
                      ": /config has an "
                      "empty '",
                      key, "'");
  options::HyperParameters hp;
  options::Parser parser("wsnas-evaluate", "");
  parser.add(train::model_option_group(out.model));
  parser.add(train::data_option_group(out.data));
  parser.add(options::hyper_parameter_options(hp));
  std::vector<std::string> args = {"wsnas-evaluate"};
  for (const auto& key : inherited_keys()) {
    WSNAS_ASSERT(parser.options().find_nothrow(key, false) != nullptr,
                 "evaluation: inherited option --", key,
                 " is not in the groups read back from a checkpoint");
    const auto it = model_cfg.find(key);
    if (it != model_cfg.end() && !it->second.empty()) args.push_back("--" + key + "=" + it->second);
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  po::variables_map vm;
  try {
    parser.parse(static_cast<int>(argv.size()), argv.data(), vm);
  } catch (const UsageError& e) {
    std::string why = e.what();
    const std::string help = " (see --help)";
    if (ends_with(why, help)) why.resize(why.size() - help.size());
    throw InputError(what + ": its /config does not read back: " + why);
  }
  out.aux_weight = hp.aux_weight;
  out.drop_path = hp.drop_path;
  out.cutout = hp.cutout;
  out.data.dir =
      job.data_dir.empty() ? train::config_value(model_cfg, "data-dir", what) : job.data_dir;
  out.data.dataset_dirs = job.dataset_dirs;
  return out;
}

}  // namespace wsnas::pipeline

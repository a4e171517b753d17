// Evaluation on the supernet: for each (checkpoint, architecture), BN statistics recomputed on
// calibration batches (paper Table 2; the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:324-373), then the task's metrics
// on a split.
#include "wsnas/pipeline/evaluate.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/mpi/serialize.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/pipeline/supernet.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/state_io.h"

namespace wsnas::pipeline {

namespace po = options::po;

namespace {

/// Checkpoint options that must agree across the checkpoints of one evaluation.
const std::vector<std::string> kModelKeys = {
    "space",       "channels",    "cells",   "supernet-bn-affine", "dataset",   "protocol",
    "limit-train", "limit-eval",  "augment", "aux-weight",         "drop-path", "cutout",
    "width-mult",  "rnn-dropout", "bptt"};
/// Evaluation options that change the scores: a rerun on the same output must agree on them.
const std::vector<std::string> kEvalKeys = {"split", "bn-calib-batch", "bn-calib-steps", "seed",
                                            "precision"};

struct Record {
  std::string checkpoint, checkpoint_id, arch;  ///< checkpoint_id: "<run id>@<step>" of its content
  std::int64_t epoch = 0, schedule_epochs = 0, arch_index = -1;
  std::vector<double> metrics;  ///< the task's, in its order
  double seconds = 0;
};
/// Record's fields, for the messages that bring results to rank 0 (mpi/serialize.h).
template <class A>
void fields(A& a, Record& r) {
  a(r.checkpoint, r.checkpoint_id, r.arch, r.epoch, r.schedule_epochs, r.arch_index, r.metrics,
    r.seconds);
}

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  WSNAS_CHECK_INPUT(realpath(path.c_str(), buf) != nullptr, "--checkpoint '", path,
                    "': no such file");
  return buf;
}

void write_results(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
                   const train::Task& task, const std::vector<Record>& recs) {
  io::write_results_file(path, "evaluation", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    std::vector<std::string> ckpt, ckpt_id, arch;
    std::vector<std::int64_t> epoch, sched, index;
    std::vector<std::vector<double>> metrics(task.metrics().size());
    std::vector<double> secs;
    for (const auto& r : recs) {
      ckpt.push_back(r.checkpoint);
      ckpt_id.push_back(r.checkpoint_id);
      arch.push_back(r.arch);
      epoch.push_back(r.epoch);
      sched.push_back(r.schedule_epochs);
      index.push_back(r.arch_index);
      for (std::size_t m = 0; m < metrics.size(); ++m) metrics[m].push_back(r.metrics.at(m));
      secs.push_back(r.seconds);
    }
    f.create_group("/results");
    f.set_attr("/results", "rows", static_cast<std::int64_t>(recs.size()));
    f.set_attr("/results", "score", task.score().name);
    f.set_attr("/results", "higher_is_better",
               static_cast<std::int64_t>(task.score().higher_is_better));
    f.write_strings("/results/checkpoint", ckpt);
    f.write_strings("/results/checkpoint_id", ckpt_id);
    f.write_i64("/results/epoch", epoch);
    f.write_i64("/results/schedule_epochs", sched);
    f.write_strings("/results/arch", arch);
    f.write_i64("/results/arch_index", index);
    for (std::size_t m = 0; m < metrics.size(); ++m)
      f.write_f64("/results/" + task.metrics()[m].name, metrics[m]);
    f.write_f64("/results/seconds", secs);
  });
}

std::vector<Record> read_results(const std::string& path, const train::RunConfig& cfg,
                                 const train::Task& task) {
  auto f = io::File::open(path);
  io::check_results(f, "evaluation");
  train::check_same_config(train::read_config(f, "/config"), cfg, kEvalKeys, "'" + path + "'");
  auto ckpt = f.read_strings("/results/checkpoint");
  // Files written before checkpoint identities: every row counts as of an unknown checkpoint.
  auto ckpt_id = f.exists("/results/checkpoint_id") ? f.read_strings("/results/checkpoint_id")
                                                    : std::vector<std::string>(ckpt.size());
  auto arch = f.read_strings("/results/arch");
  auto epoch = f.read_i64("/results/epoch");
  auto sched = f.read_i64("/results/schedule_epochs");
  auto index = f.read_i64("/results/arch_index");
  auto secs = f.read_f64("/results/seconds");
  std::vector<std::vector<double>> metrics;
  for (const auto& m : task.metrics()) metrics.push_back(f.read_f64("/results/" + m.name));
  const std::size_t n = ckpt.size();
  bool same = ckpt_id.size() == n && arch.size() == n && epoch.size() == n && sched.size() == n &&
              index.size() == n && secs.size() == n;
  for (const auto& m : metrics) same = same && m.size() == n;
  WSNAS_CHECK_INPUT(same, f.where("/results"), ": columns of different lengths");
  std::vector<Record> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {ckpt[i], ckpt_id[i], arch[i], epoch[i], sched[i], index[i], {}, secs[i]};
    for (const auto& m : metrics) out[i].metrics.push_back(m[i]);
  }
  return out;
}

}  // namespace

void add_options(options::Parser& parser, EvaluateJob& job) {
  po::options_description g("Evaluation");
  g.add_options()("checkpoint", po::value(&job.checkpoints)->multitoken()->required(),
                  "supernet checkpoint(s) written by wsnas-supernet")(
      "archs", po::value(&job.archs_path)->required(),
      "architectures to score (wsnas-space sample output, or one per line)")(
      "out", po::value(&job.out_path)->required(),
      "results file (HDF5, kind 'evaluation'); existing results are kept")(
      "split",
      po::value(&job.split)
          ->default_value(job.split)
          ->notifier(options::one_of("split", {"valid", "test"})),
      "split to score on")("eval-batch", po::value(&job.eval_batch)->default_value(job.eval_batch),
                           "evaluation batch size (0: 500 images; text: DARTS' 10 columns for "
                           "valid, 1 for test; images: does not change results)")(
      "seed", po::value(&job.seed)->default_value(job.seed),
      "seed of the calibration batches (the same for every architecture)")(
      "data-dir", po::value(&job.data_dir)->default_value(job.data_dir),
      "dataset directory (default: the one the supernet used)")(
      "flush-seconds",
      po::value(&job.flush_s)
          ->default_value(job.flush_s)
          ->notifier(options::in_range("flush-seconds", 1e-3, 1e9)),
      "write finished results at least this often (> 0)")(
      "cache-stem", po::value(&job.cache_stem)->default_value(job.cache_stem),
      "compute the architecture-independent stem once per batch for all architectures (same "
      "results; memory: "
      "the stem's outputs for the calibration and evaluation batches)");
  train::add_run_options(g, job.run);
  parser.add(g);
  // Training options: accepted so one config file serves every stage, and left out of the
  // results' configuration (all but BN calibration's), by their groups' own declarations.
  const auto training = options::hyper_parameter_options(job.hp);
  SupernetJob protocol_values;
  const auto protocol = protocol_option_group(protocol_values);
  job.training_only.clear();
  for (const auto* group : {&training, &protocol}) {
    for (const auto& o : group->options()) {
      if (o->long_name() != "bn-calib-batch" && o->long_name() != "bn-calib-steps")
        job.training_only.push_back(o->long_name());
    }
  }
  parser.add(training);
  // The protocol group binds its values to a job; evaluation keeps them in its own fields.
  po::options_description accepted("Supernet protocol (accepted, not used by evaluation)");
  accepted.add_options()("sampler", po::value(&job.accepted_sampler), "see wsnas-supernet")(
      "paths", po::value(&job.accepted_paths), "see wsnas-supernet")(
      "unused-params", po::value(&job.accepted_unused), "see wsnas-supernet");
  for (const auto& o : protocol.options()) {
    WSNAS_ASSERT(accepted.find_nothrow(o->long_name(), false) != nullptr, "evaluation: option --",
                 o->long_name(), " of the supernet protocol is not accepted");
  }
  parser.add(accepted);
}

int evaluate(app::Context& ctx, const EvaluateJob& job, train::RunConfig cfg) {
  WSNAS_CHECK_USAGE(job.eval_batch >= 0, "--eval-batch must be >= 0");
  const int calib_batch = job.hp.bn_calib_batch;
  int calib_steps = job.hp.bn_calib_steps;
  const bool bf16 = train::use_bf16(job.run.precision);
  install_stop_handlers();
  const int world = ctx.world.size(), rank = ctx.world.rank();

  // The checkpoints fix the network and the data; they must agree with each other.
  std::vector<std::string> ckpt_abs;
  std::vector<std::int64_t> ckpt_epoch, ckpt_schedule;
  std::vector<std::string> ckpt_id;
  train::RunConfig model_cfg;
  std::size_t repeated_ckpts = 0;
  for (const auto& c : job.checkpoints) {
    check_input_file(c, "--checkpoint");
    const std::string abs = absolute(c);
    if (std::find(ckpt_abs.begin(), ckpt_abs.end(), abs) !=
        ckpt_abs.end()) {  // the same file named again
      ++repeated_ckpts;
      continue;
    }
    ckpt_abs.push_back(abs);
    auto f = io::File::open(c);
    io::check_results(f, "supernet");
    auto ccfg = train::read_config(f, "/config");
    if (model_cfg.empty()) model_cfg = ccfg;
    train::check_same_config(model_cfg, ccfg, kModelKeys,
                             "checkpoint '" + job.checkpoints.front() + "'");
    ckpt_epoch.push_back(f.attr_int("/state", "epoch"));
    // What the checkpoint is, not where: a file trained further (or again) under the same path is
    // another checkpoint, and its earlier scores are stale.
    ckpt_id.push_back(
        (f.has_attr("/state", "run_id") ? f.attr_string("/state", "run_id") : std::string("?")) +
        "@" + std::to_string(f.attr_int("/state", "step")));
    ckpt_schedule.push_back(f.attr_int("/state", "schedule_epochs"));
  }
  const std::string what = "checkpoint '" + job.checkpoints.front() + "'";
  auto int_value = [&](const std::string& key) {
    std::int64_t v = 0;
    WSNAS_CHECK_INPUT(parse_int(train::config_value(model_cfg, key, what), v), what, ": config '",
                      key, "' is not an integer");
    return v;
  };
  // Options added after the first result files: absent means their default.
  auto optional_value = [&](const std::string& key, const std::string& fallback) {
    const auto it = model_cfg.find(key);
    return it == model_cfg.end() || it->second.empty() ? fallback : it->second;
  };
  auto double_value = [&](const std::string& key) {
    double v = 0;
    WSNAS_CHECK_INPUT(parse_double(optional_value(key, "0"), v), what, ": config '", key,
                      "' is not a number");
    return v;
  };
  // The supernet's training regularisers that shape the network (the auxiliary head) and its
  // calibration passes (drop-path, cutout), as it was trained.
  const double aux_weight = double_value("aux-weight"), drop_path = double_value("drop-path");
  train::ModelOptions mo;
  mo.space = train::config_value(model_cfg, "space", what);
  mo.width_mult = double_value("width-mult");
  mo.channels = static_cast<int>(int_value("channels"));
  mo.cells = static_cast<int>(int_value("cells"));
  mo.supernet_bn_affine = train::config_value(model_cfg, "supernet-bn-affine", what) == "true";
  mo.rnn_dropout = optional_value("rnn-dropout", "");
  train::DataOptions dopts;
  dopts.dataset = train::config_value(model_cfg, "dataset", what);
  dopts.dir =
      job.data_dir.empty() ? train::config_value(model_cfg, "data-dir", what) : job.data_dir;
  dopts.protocol = train::config_value(model_cfg, "protocol", what);
  dopts.limit_train = int_value("limit-train");
  dopts.limit_eval = int_value("limit-eval");
  dopts.augment = train::config_value(model_cfg, "augment", what);
  WSNAS_CHECK_INPUT(parse_int(optional_value("bptt", "35"), dopts.bptt), what,
                    ": config 'bptt' is not an integer");
  std::int64_t cutout = 0;
  WSNAS_CHECK_INPUT(parse_int(optional_value("cutout", "0"), cutout), what,
                    ": config 'cutout' is not an integer");

  auto sp = space::make_space(mo.space);
  const auto task = task_for(mo.space, {});  // evaluation: the task's plain metrics
  std::vector<space::Arch> archs;
  std::size_t repeated_archs = 0;
  {
    std::set<std::string> seen;
    for (const auto& a : space::read_arch_list(*sp, job.archs_path)) {
      if (seen.insert(sp->to_string(a)).second) {
        archs.push_back(a);
      } else {
        ++repeated_archs;
      }
    }
  }
  if (rank == 0 && (repeated_ckpts > 0 || repeated_archs > 0)) {
    std::cout << ctx.name << ": note: " << repeated_ckpts << " repeated --checkpoint and "
              << repeated_archs << " repeated architectures in --archs '" << job.archs_path
              << "' left out (each pair is scored once)\n";
  }
  WSNAS_CHECK_INPUT(!archs.empty(), "--archs '", job.archs_path, "': no architectures");

  for (const auto& unused : job.training_only) cfg.erase(unused);
  for (const auto& k : kModelKeys) cfg["supernet." + k] = model_cfg[k];
  train::record_config(ctx.provenance, cfg);

  // A symbolic link as --out is written through: the lock and the file are its target's, so two
  // runs naming the same results file by different paths exclude each other.
  const std::string out_path = io::resolve_output(job.out_path);
  const auto lock = app::lock_output(ctx, out_path + ".lock", "'" + job.out_path + "'");
  if (rank == 0) {  // temporary files a killed run left beside the results
    const auto slash = out_path.rfind('/');
    io::remove_stale_temps(slash == std::string::npos ? "." : out_path.substr(0, slash),
                           slash == std::string::npos ? out_path : out_path.substr(slash + 1));
  }
  std::vector<Record> done;
  if (io::path_exists(out_path)) done = read_results(out_path, cfg, *task);
  std::map<std::pair<std::string, std::string>, std::size_t> have;
  for (std::size_t i = 0; i < done.size(); ++i) have[{done[i].checkpoint, done[i].arch}] = i;

  // All pairs in order; those without a result are the work.
  std::vector<Record> pairs, pending;
  std::size_t stale = 0;
  for (std::size_t c = 0; c < ckpt_abs.size(); ++c) {
    for (const auto& a : archs) {
      Record r;
      r.checkpoint = ckpt_abs[c];
      r.checkpoint_id = ckpt_id[c];
      r.epoch = ckpt_epoch[c];
      r.schedule_epochs = ckpt_schedule[c];
      r.arch = sp->to_string(a);
      r.arch_index = sp->index_of(a).value_or(-1);
      pairs.push_back(r);
      const auto it = have.find({r.checkpoint, r.arch});
      if (it == have.end()) {
        pending.push_back(r);
      } else if (done[it->second].checkpoint_id != r.checkpoint_id) {
        pending.push_back(r);
        ++stale;
      }
    }
  }
  if (rank == 0) {
    std::cout << ctx.name << ": " << pairs.size() << " (checkpoint, architecture) pairs, "
              << pairs.size() - pending.size() << " already in " << out_path << ", "
              << pending.size() << " to score on " << world << " ranks\n";
    if (stale > 0)
      std::cout << ctx.name << ": " << stale
                << " of them replace results of a checkpoint that has changed since it "
                << "was scored (trained further or again under the same path)\n";
  }
  if (pending.empty()) return 0;

  const auto device = train::setup_device(ctx.world, job.run.device);
  auto bundle = train::load_data(dopts, &ctx.provenance);
  const data::Split& split = job.split == "valid" ? bundle.valid : bundle.test;
  WSNAS_CHECK_INPUT(split.size() > 0, "the ", job.split, " split of ", dopts.dataset, " is empty");
  auto net = nn::make_supernet(mo.space, train::network_options(mo, bundle.train_set, aux_weight));
  net->to(device);
  const auto format = train::memory_format(job.run.memory_format, device);
  train::set_memory_format(*net, format);
  if (calib_steps > 0 && nn::count_bn_layers(*net) == 0) {
    calib_steps = 0;  // no BN (DARTS-PTB): nothing to calibrate (as the released code,
                      // anonymous-2102 trainers/ptb.py:153-154)
    if (rank == 0)
      std::cout << ctx.name << ": the " << mo.space
                << " network has no batch norm; no calibration\n";
  }
  train::TensorBatches calib;
  if (calib_steps > 0) {
    calib =
        train::make_batches(bundle.train, calib_batch,
                            train::train_augment(dopts, bundle.train_set, static_cast<int>(cutout)),
                            true, true, Rng::derive(job.seed, 3), calib_steps, device, format);
    WSNAS_CHECK_USAGE(static_cast<int>(calib.images.size()) == calib_steps, "--bn-calib-steps ",
                      calib_steps, " x --bn-calib-batch ", calib_batch, " needs more than the ",
                      bundle.train.size(), " training images");
  }
  const std::int64_t eval_batch =
      job.eval_batch > 0 ? job.eval_batch
                         : train::default_eval_batch(bundle.train_set, job.split == "test");
  const auto evalset = train::make_batches(split, eval_batch, train::eval_augment(bundle.train_set),
                                           false, false, 0, 0, device, format, dopts.bptt);

  // With --cache-stem, the stem's outputs are computed once per checkpoint: in training mode on
  // the calibration batches (its BN calibrated on them, as for every architecture), then in
  // evaluation mode on the split. Architectures then run only the body; calibration leaves BN
  // layers that did not run (the stem's) as they are (nn::calibrate_bn).
  // The cache holds the stem's outputs for every calibration and evaluation image: skipped (same
  // results, the stem then runs per architecture) when that exceeds kStemCacheBytes.
  constexpr double kStemCacheBytes = 4.0 * (1LL << 30);
  bool cache_stem = job.cache_stem && !evalset.images.empty();
  if (cache_stem) {
    at::NoGradGuard g;
    net->eval();
    const at::Tensor probe = net->stem(evalset.images.front().narrow(0, 0, 1));
    const double bytes = static_cast<double>(probe.numel() * probe.element_size()) *
                         static_cast<double>(evalset.count + calib.count);
    if (bytes > kStemCacheBytes) {
      cache_stem = false;
      if (rank == 0)
        std::cout << ctx.name << ": the stem's outputs would take " << bytes / (1 << 30)
                  << " GiB; computing the stem per architecture instead (--cache-stem)\n";
    }
  }
  std::string loaded;
  train::TensorBatches calib_h, eval_h;
  auto load = [&](const std::string& path) {
    if (loaded == path) return;
    auto f = io::File::open(path);
    // A supernet trained with averaged SGD is scored with its averaged weights (the PTB code).
    train::read_module(f, f.exists("/averaged") ? "/averaged" : "/model", *net);
    loaded = path;
    if (!cache_stem) return;
    train::Autocast autocast(device, bf16);
    calib_h = calib;
    eval_h = evalset;
    if (calib_steps > 0) {
      nn::calibrate_bn(*net, calib_steps, [&](int s) {
        calib_h.images[static_cast<std::size_t>(s)] =
            net->stem(calib.images[static_cast<std::size_t>(s)]);
      });
    }
    net->eval();
    at::NoGradGuard g;
    for (std::size_t i = 0; i < evalset.images.size(); ++i)
      eval_h.images[i] = net->stem(evalset.images[i]);
  };

  std::vector<Record> fresh;
  auto merged = [&] {
    std::vector<Record> out;
    std::map<std::pair<std::string, std::string>, const Record*> all;
    for (const auto& r : done) all[{r.checkpoint, r.arch}] = &r;
    for (const auto& r : fresh) all[{r.checkpoint, r.arch}] = &r;
    for (const auto& p : pairs) {
      auto it = all.find({p.checkpoint, p.arch});
      if (it != all.end()) {
        out.push_back(*it->second);
        all.erase(it);
      }
    }
    for (const auto& r :
         done) {  // results of earlier runs for architectures not asked for now: kept
      if (all.count({r.checkpoint, r.arch})) out.push_back(r);
    }
    return out;
  };

  Progress progress("evaluate", static_cast<std::int64_t>(pending.size()), rank == 0,
                    job.run.progress_s, "arch");
  auto last_flush = std::chrono::steady_clock::now();
  const std::size_t rounds = (pending.size() + world - 1) / world;
  for (std::size_t q = 0; q < rounds; ++q) {
    const std::size_t i = q * world + static_cast<std::size_t>(rank);
    std::vector<Record> mine;  // none or one
    if (i < pending.size()) {
      Record r = pending[i];
      const auto t0 = std::chrono::steady_clock::now();
      load(r.checkpoint);
      const space::Arch arch = sp->parse(r.arch);
      train::Autocast autocast(device, bf16);
      const auto& cb = cache_stem ? calib_h : calib;
      const auto& eb = cache_stem ? eval_h : evalset;
      auto run = [&](const at::Tensor& x) {
        return (cache_stem ? net->body(x, arch) : net->forward(x, arch)).output;
      };
      if (calib_steps > 0) {
        // Calibration runs in training mode, drop-path included at the rate of the checkpoint's
        // epoch, as the released code's (anonymous-2102 trainers/utils.py:351,
        // trainers/darts_cifar.py:30-36); its masks depend on the architecture and --seed only.
        net->set_drop_path(r.schedule_epochs > 0 ? drop_path * static_cast<double>(r.epoch) /
                                                       static_cast<double>(r.schedule_epochs)
                                                 : 0.0,
                           Rng::derive(Rng::derive(job.seed, 5), fnv1a(r.arch)));
        nn::calibrate_bn(*net, calib_steps,
                         [&](int s) { run(cb.images[static_cast<std::size_t>(s)]); });
      }
      net->eval();
      net->reset_state(eval_batch);
      r.metrics = train::evaluate(*task, run, eb).values;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      mine.push_back(r);
    }
    const auto all = mpi::gather(ctx.world, mine, 0);
    double stop = stop_signal() != 0 ? 1 : 0;
    ctx.world.allreduce_sum(&stop, 1, mpi::DType::kFloat64);
    if (rank == 0) {
      for (const auto& records : all) fresh.insert(fresh.end(), records.begin(), records.end());
      const auto now = std::chrono::steady_clock::now();
      const bool last = q + 1 == rounds;
      if (last || stop > 0 ||
          std::chrono::duration<double>(now - last_flush).count() >= job.flush_s) {
        train::record_skipped_images(ctx.provenance);
        write_results(out_path, ctx.provenance, cfg, *task, merged());
        last_flush = now;
      }
      progress.update(static_cast<std::int64_t>(fresh.size()),
                      "last " + fresh.back().arch + " " + task->score().name + " " +
                          std::to_string(fresh.back().metrics.front()));
    }
    if (stop > 0) {
      if (rank == 0)
        std::cerr << ctx.name << ": stop signal received; " << fresh.size()
                  << " new results saved to " << out_path << "; rerun the same command to resume\n";
      return kExitInterrupted;
    }
  }
  if (rank == 0) {
    progress.finish();
    std::cout << ctx.name << ": wrote " << out_path << " (" << done.size() + fresh.size()
              << " results)\n";
  }
  return 0;
}

}  // namespace wsnas::pipeline

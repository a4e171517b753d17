// Supernet training (single-path one-shot and the Table 3 variants): each step, an architecture
// sampler gives every data-parallel replica its path(s); the training loop (train::Trainer) does
// the step; this stage chooses the paths, the callbacks and the checkpoint (supernet_checkpoint.h).
#include "wsnas/pipeline/supernet.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "stage_options.h"
#include "supernet_checkpoint.h"
#include "supernet_validation.h"
#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/loader.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/mpi/tensor_collectives.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/sampler.h"
#include "wsnas/space/split.h"
#include "wsnas/train/callbacks/best_weights.h"
#include "wsnas/train/callbacks/learning_rate.h"
#include "wsnas/train/callbacks/nan_rollback.h"
#include "wsnas/train/callbacks/progress.h"
#include "wsnas/train/callbacks/stop_signal.h"
#include "wsnas/train/callbacks/validation.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/state_io.h"
#include "wsnas/train/task.h"
#include "wsnas/train/trainer.h"

namespace wsnas::pipeline {

namespace {
int train_few_shot(app::Context& ctx, const SupernetJob& job, const train::RunConfig& cfg);
}  // namespace

int train_supernet(app::Context& ctx, const SupernetJob& job, train::RunConfig cfg) {
  check_split_options(job);
  if (!job.split_on.empty()) return train_few_shot(ctx, job, cfg);
  const auto& hp = job.hp;
  install_stop_handlers();  // from the start: a signal during setup is kept for the first step
  const int world = ctx.world.size(), rank = ctx.world.rank();
  const int R = job.replicas > 0 ? job.replicas : hp.gpus;
  const char* origin = job.replicas > 0 ? "--replicas" : "--gpus";
  WSNAS_CHECK_USAGE(world <= R, world, " ranks for ", R, " replicas (", origin, " ", R,
                    "): run at most as many ranks as replicas, or raise --gpus/--replicas");
  WSNAS_CHECK_USAGE(R % world == 0, origin, " ", R, " is not a multiple of the ", world, " ranks");
  WSNAS_CHECK_USAGE(hp.batch_size % R == 0, "--batch-size ", hp.batch_size, " is not divisible by ",
                    R, " replicas (--gpus or --replicas)");
  const bool validating = hp.eval_every > 0;
  WSNAS_CHECK_USAGE(validating || (hp.asgd != options::AsgdRule::kPlateau &&
                                   hp.asgd != options::AsgdRule::kNonmono),
                    "--asgd ", hp.asgd, " switches on validations: it needs --eval-every > 0");
  WSNAS_CHECK_USAGE(validating || !hp.keep_best,
                    "--keep-best keeps the best validated weights: it needs --eval-every > 0");

  const auto whole = space::make_space(job.model.space);
  // A few-shot sub-supernet samples from its part of the space only (and of the pool).
  const space::Split part = space::parse_split(*whole, job.split, "sub-supernet");
  const auto restricted = space::restrict_space(*whole, part);
  const space::SearchSpace* sp = job.split.empty() ? whole.get() : restricted.get();
  std::vector<space::Arch> pool;
  std::vector<std::string> pool_strings;
  const std::string pool_what = "--pool '" + job.pool_path + "'";
  if (!job.pool_path.empty()) {
    for (auto& a : space::read_arch_list(*whole, job.pool_path))
      if (part.matches(a)) pool.push_back(std::move(a));
    WSNAS_CHECK_INPUT(!pool.empty(), pool_what, ": no architectures",
                      job.split.empty() ? "" : " of the sub-supernet " + job.split);
    for (const auto& a : pool) pool_strings.push_back(sp->to_string(a));
  }
  const auto sampler =
      space::make_sampler(job.sampler, *sp, pool, Rng::derive(job.seed, 2), job.paths, pool_what);
  const auto task = task_for(job.model.space, hp);

  // A one-shot run's configuration holds no few-shot keys (as before they existed: its resume
  // and its equality with the one-shot phase of a few-shot run).
  if (job.split.empty()) {
    cfg.erase("split-on");
    cfg.erase("fine-tune-epochs");
  }
  cfg["replicas"] = std::to_string(R);
  cfg["pool-archs"] = std::to_string(pool.size());
  if (!pool.empty()) cfg["pool-archs"] += ":" + std::to_string(fnv1a(join(pool_strings, ";")));
  if (job.sampler != "multipath") cfg.erase("paths");
  cfg["data-dir"] = train::data_dir(job.data);
  cfg["task"] = task->name();
  train::record_config(ctx.provenance, cfg);

  const std::string& out_dir = job.out_dir;
  const auto lock = app::lock_output(ctx, out_dir + "/wsnas.lock", "'" + out_dir + "'");
  if (rank == 0) io::remove_stale_temps(out_dir);  // left by a killed run; never under a final name
  const auto device = train::setup_device(ctx.world, job.run.device, &ctx.provenance);
  auto bundle = train::load_data(job.data, &ctx.provenance);
  nn::seed_torch(job.seed);
  auto net = nn::make_supernet(job.model.space,
                               train::network_options(job.model, *bundle.train_set, hp.aux_weight));
  if (!job.init_from.empty()) {  // a sub-supernet starts from the one-shot weights
    auto f = io::File::open(job.init_from);
    train::read_module(f, f.exists("/averaged") ? "/averaged" : "/model", *net);
  }
  net->to(device);
  const auto format = train::memory_format(job.run.memory_format, device);
  train::set_memory_format(*net, format);
  for (auto& p : net->parameters()) {
    at::NoGradGuard g;
    mpi::broadcast(ctx.world, p);
  }
  WSNAS_CHECK_USAGE(!validating || nn::count_bn_layers(*net) == 0,
                    "--eval-every validates without BN calibration, for networks without batch "
                    "norm (darts-ptb); score checkpoints of others with wsnas-evaluate");
  const auto opt =
      train::make_optimizer(net->parameters(), hp, train::parse_unused_params(job.unused_params));
  io::make_dirs(out_dir);

  data::LoaderOptions lo =
      train::train_loader_options(job.data, *bundle.train_set, hp.batch_size, hp.cutout);
  lo.seed = Rng::derive(job.seed, 1);
  lo.rank = rank;
  lo.world = world;
  data::BatchLoader loader(bundle.train, lo);
  const std::int64_t nb = loader.batches_per_epoch();
  WSNAS_CHECK_USAGE(nb >= 1, "training split has ", data::describe_size(bundle.train),
                    ", fewer than one --batch-size ", hp.batch_size);
  const std::int64_t total = loader.batches_until(hp.epochs);

  train::TrainerSetup ts;
  ts.net = net.get();
  ts.opt = opt.get();
  ts.task = task.get();
  ts.hp = &hp;
  ts.comm = &ctx.world;
  ts.replicas = R;
  ts.paths = [&](std::uint64_t t, int replica, int replicas) {
    return sampler->paths(t, replica, replicas);
  };
  ts.replicas_differ = sampler->replicas_differ();
  ts.paths_what = "--sampler " + sampler->name();
  ts.drop_seed = Rng::derive(job.seed, 4);
  ts.device = device;
  ts.format = format;
  ts.bf16 = train::use_bf16(job.run.precision);
  ts.name = ctx.name;
  train::Trainer trainer(ts, loader);
  namespace cb = train::callbacks;
  trainer.add<cb::LearningRate>(hp, nb, total);
  cb::BestWeights* best =
      validating || hp.nan_rollback ? &trainer.add<cb::BestWeights>(trainer) : nullptr;
  cb::Validation* validation = nullptr;
  if (validating) {
    MeanValidation mv;
    Rng vr(Rng::derive(job.seed, 6));
    for (int k = 0; k < hp.eval_archs; ++k)
      mv.archs.push_back(pool.empty() ? sp->sample(vr, true) : pool[vr.below(pool.size())]);
    mv.batch = bundle.train_set->default_eval_batch(false);
    mv.batches = train::make_batches(bundle.valid, mv.batch, bundle.train_set->eval_augment(),
                                     false, false, 0, 0, device, format, job.data.bptt);
    mv.bf16 = ts.bf16;
    const std::string score = task->score().name;
    cb::ValidationRule rule{hp.eval_every, task->score().higher_is_better,
                            hp.asgd,       hp.asgd_patience,
                            hp.keep_best,  score,
                            true};
    auto report = [&ctx, rank, score, n = mv.archs.size(), rule = hp.asgd](const cb::Validation& v,
                                                                           bool switched) {
      if (rank != 0) return;
      const std::size_t b = v.best();
      std::cout << ctx.name << ": validation after epoch " << v.epochs().back() << ": mean "
                << score << " " << v.scores().back() << " over " << n << " architectures (best "
                << v.scores()[b] << " after epoch " << v.epochs()[b] << ")"
                << (switched
                        ? "; switching to averaged SGD (--asgd " + options::to_string(rule) + ")"
                        : "")
                << "\n";
    };
    validation = &trainer.add<cb::Validation>(std::move(mv), rule, best, report);
  }
  if (hp.nan_rollback) trainer.add<cb::NanRollback>(*best, validation, rank == 0);
  trainer.add<cb::ProgressReport>("supernet", total, rank == 0, job.run.progress_s);
  trainer.add<cb::StopSignal>();
  CheckpointSetup cs;
  cs.provenance = &ctx.provenance;
  cs.config = &cfg;
  // Options that change the weights, as declared, and the pool's identity: a resume must agree.
  auto result_keys = options::result_keys(stage_options<SupernetJob>(), options::kSupernet);
  result_keys.push_back("pool-archs");
  if (!job.init_from.empty()) result_keys.push_back("init-from");  // the one-shot it started from
  cs.result_keys = &result_keys;
  cs.pool = pool_strings;
  cs.out_dir = out_dir;
  cs.save_epochs = parse_save_epochs(job.save_epochs, hp.epochs);
  cs.minutes = job.checkpoint_minutes;
  auto& checkpoint = trainer.add<SupernetCheckpoint>(trainer, cs);

  const auto& st = trainer.progress();
  if (checkpoint.resume()) {
    if (st.complete) {
      if (rank == 0)
        std::cout << ctx.name << ": " << checkpoint.path() << " is complete (" << st.epoch
                  << " epochs); nothing to do\n";
      return 0;
    }
    if (rank == 0)
      std::cout << ctx.name << ": resuming " << checkpoint.path() << " at epoch " << st.epoch
                << " step " << st.epoch_step << "\n";
  }
  if (rank == 0) {
    std::cout << ctx.name << ": " << sp->name() << " supernet, " << nn::count_parameters(*net)
              << " parameters; " << bundle.train_set->name << " "
              << data::describe_size(bundle.train) << " for training, batch " << hp.batch_size
              << " over " << R << " replicas on " << world << " ranks (" << device.str() << "), "
              << hp.epochs << " epochs x " << nb << " steps, sampler " << sampler->name()
              << (pool.empty() ? "" : ", pool of " + std::to_string(pool.size()) + " architectures")
              << "\n";
  }
  if (trainer.run() != 0) return kExitInterrupted;
  if (rank == 0) {
    std::cout << ctx.name << ": done, " << hp.epochs << " epochs; last epoch loss "
              << st.log_loss.back() << ", " << task->score().name << " of sampled paths "
              << st.log_score.back() << "; wrote " << checkpoint.path() << "\n";
  }
  return 0;
}

namespace {

/// Few-shot NAS (Zhao et al., ICML 2021; docs/few-shot.md): the one-shot supernet as any other
/// run in OUT/one-shot, then each sub-supernet in OUT/sub-K, one after the other, each a whole run
/// of its own (checkpoints, snapshots, resume) starting from the one-shot's final weights and
/// sampling only the architectures it owns; OUT/supernet.h5 (kind `few-shot`) lists them once all
/// are trained. A rerun resumes the first unfinished run and skips the finished ones.
int train_few_shot(app::Context& ctx, const SupernetJob& job, const train::RunConfig& cfg) {
  const int rank = ctx.world.rank();
  const auto sp = space::make_space(job.model.space);
  const auto splits = space::splits_of(*sp, space::parse_split_on(*sp, job.split_on));
  const std::string& out = job.out_dir;
  const auto lock = app::lock_output(ctx, out + "/wsnas.lock", "'" + out + "'");
  // What would fail in a sub-supernet fails now, before the one-shot trains.
  parse_save_epochs(job.save_epochs, job.fine_tune_epochs);
  if (!job.pool_path.empty()) {
    const auto pool = space::read_arch_list(*sp, job.pool_path);
    for (const auto& s : splits) {
      bool any = false;
      for (const auto& a : pool) any = any || s.matches(a);
      WSNAS_CHECK_INPUT(any, "--pool '", job.pool_path, "': no architecture of the sub-supernet ",
                        s.to_string(), " (--split-on ", job.split_on, ")");
    }
  }
  const std::string manifest = out + "/supernet.h5";
  app::on_rank0(ctx, [&] {
    if (!io::path_exists(manifest)) return;
    {
      auto f = io::File::open(manifest);
      io::check_results(f);
      const std::string kind = f.attr_string("/", "kind");
      WSNAS_CHECK_INPUT(kind == "few-shot", "--out '", out, "' holds a supernet of kind '", kind,
                        "'; a few-shot run (--split-on) writes OUT/one-shot, OUT/sub-K and a "
                        "list of them as OUT/supernet.h5: choose another --out");
    }
    // Rewritten when every sub-supernet is trained: until then no evaluation reads a list of
    // sub-supernets still training.
    std::remove(manifest.c_str());
  });

  // 1. The one-shot supernet: a plain run (its configuration as one without --split-on).
  SupernetJob one = job;
  one.split_on.clear();
  one.fine_tune_epochs = 0;
  one.out_dir = out + "/one-shot";
  const train::RunConfig& one_cfg = cfg;  // its few-shot keys dropped by train_supernet
  if (rank == 0)
    std::cout << ctx.name << ": few-shot: the one-shot supernet (" << job.hp.epochs
              << " epochs), then " << splits.size() << " sub-supernets split on decision(s) "
              << job.split_on << " (" << job.fine_tune_epochs << " epochs each)\n";
  if (const int rc = train_supernet(ctx, one, one_cfg)) return rc;

  // 2. The sub-supernets, each from the one-shot's final weights; each records which one-shot
  // run (its id and step) it started from, and a resume must agree.
  std::string one_shot_id;
  {
    auto f = io::File::open(one.out_dir + "/supernet.h5");
    SupernetState absent;
    const auto st = supernet_state_table().read_attributes(f, "/state", absent);
    one_shot_id = st.id();
  }
  std::vector<std::string> paths, parts;
  for (std::size_t k = 0; k < splits.size(); ++k) {
    SupernetJob sub = one;
    sub.out_dir = out + "/sub-" + std::to_string(k);
    sub.hp.epochs = job.fine_tune_epochs;
    sub.split = splits[k].to_string();
    sub.init_from = one.out_dir + "/supernet.h5";
    train::RunConfig sub_cfg = cfg;
    sub_cfg["epochs"] = std::to_string(job.fine_tune_epochs);
    sub_cfg["split"] = sub.split;
    sub_cfg["init-from"] = "one-shot/supernet.h5 " + one_shot_id;
    if (rank == 0) {
      std::string options;
      for (const auto& [d, o] : splits[k].fixed)
        options += (options.empty() ? "" : ", ") + sp->decisions()[d].name + " = " +
                   sp->decisions()[d].options[static_cast<std::size_t>(o)];
      std::cout << ctx.name << ": few-shot: sub-supernet " << k + 1 << " of " << splits.size()
                << " (" << options << ")\n";
    }
    if (const int rc = train_supernet(ctx, sub, sub_cfg)) return rc;
    paths.push_back("sub-" + std::to_string(k) + "/supernet.h5");
    parts.push_back(sub.split);
  }

  // 3. The list wsnas-evaluate routes by, with the few-shot run's own configuration.
  train::record_config(ctx.provenance, cfg);
  ctx.provenance.entries.erase("config.split");
  ctx.provenance.entries.erase("config.init-from");
  app::on_rank0(ctx, [&] {
    io::write_results_file(manifest, "few-shot", ctx.provenance, [&](io::File& f) {
      train::write_config(f, "/config", cfg);
      f.create_group("/subs");
      f.write_strings("/subs/checkpoint", paths);
      f.write_strings("/subs/split", parts);
      f.write_string("/one_shot", "one-shot/supernet.h5");
    });
  });
  if (rank == 0)
    std::cout << ctx.name << ": few-shot: wrote " << manifest << " (" << splits.size()
              << " sub-supernets)\n";
  return 0;
}

}  // namespace

}  // namespace wsnas::pipeline

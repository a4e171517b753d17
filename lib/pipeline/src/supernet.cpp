// Supernet training (single-path one-shot and the Table 3 variants): each step, an architecture
// sampler gives every data-parallel replica its path(s); a replica sums its paths' gradients on
// its slice of the global batch; gradients and BN running statistics are averaged over replicas,
// so the weights depend on (seed, global batch, replicas), not on how many MPI ranks hold them.
#include "wsnas/pipeline/supernet.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>
#include <set>

#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/loader.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/io/results.h"
#include "wsnas/mpi/reducer.h"
#include "wsnas/mpi/tensor_collectives.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/sampler.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/schedule.h"
#include "wsnas/train/state_io.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

namespace po = options::po;

namespace {

/// Options that change the weights: a resumed run must agree on all of them.
const std::vector<std::string> kResultKeys =
    train::keys_with({"supernet-bn-affine", "replicas", "pool-archs", "sampler", "paths",
                      "unused-params", "eval-every", "eval-archs", "nan-rollback"});

struct TrainState {
  std::string run_id;      ///< made when a run starts, kept by its resumes (evaluation keys on it)
  std::int64_t epoch = 0;  ///< epochs completed
  std::int64_t epoch_step = 0;  ///< batches done in the current epoch
  std::int64_t step = 0;        ///< optimisation steps done in all
  std::vector<double> totals;   ///< the task's running totals over the current epoch's paths
  double seconds = 0;           ///< training time over all runs
  bool complete = false;
  std::vector<std::int64_t> log_epoch;
  std::vector<double> log_loss, log_score, log_lr, log_seconds;
  /// A recurrent network's carried state after the last step, all replicas' rows in order
  /// (Network::state; written mid-epoch only: an epoch starts from zeros).
  std::vector<at::Tensor> carried;
  /// Validation during training (--eval-every): the epochs and the mean scores, and the best
  /// validated state (its weights as evaluated, its optimizer) to roll back to or end with; the
  /// initial state before any validation (the paper's trainers/ptb.py).
  std::vector<std::int64_t> val_epoch;
  std::vector<double> val_score;
  std::vector<at::Tensor> best_params;
  train::OptimizerState best_opt;
  std::int64_t rollbacks = 0;
  /// "last", or "best" once a complete run ended with its best validated weights (--keep-best).
  std::string weights = "last";
};

/// A run's identity: 16 hex digits from the host, process, time and the system's entropy.
std::string new_run_id() {
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string seed = std::string(host) + ":" + std::to_string(getpid()) + ":" +
                           std::to_string(now) + ":" + std::to_string(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(seed)));
  return buf;
}

std::set<std::int64_t> parse_save_epochs(const std::string& text, std::int64_t epochs) {
  std::set<std::int64_t> out;
  if (text == "none") return out;
  if (text == "pow2") {
    for (std::int64_t e = 1; e <= epochs; e *= 2) out.insert(e);
    return out;
  }
  for (const auto& part : split(text, ',')) {
    std::int64_t e = 0;
    WSNAS_CHECK_USAGE(parse_int(trim(part), e) && e >= 1 && e <= epochs, "--save-epochs '", text,
                      "': expected pow2, none, or a list of epochs in 1..", epochs);
    out.insert(e);
  }
  return out;
}

std::string epoch_file(const std::string& dir, std::int64_t epoch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/epoch_%04lld.h5", static_cast<long long>(epoch));
  return dir + buf;
}

/// Everything a checkpoint holds besides the state.
struct Saved {
  const Provenance& prov;
  const train::RunConfig& cfg;
  nn::Network& net;
  train::Optimizer& opt;
  const std::vector<std::string>& pool;
  const std::string& score_name;
  std::int64_t schedule_epochs;
};

void write_checkpoint(const std::string& path, const Saved& s, const TrainState& st) {
  io::write_results_file(path, "supernet", s.prov, [&](io::File& f) {
    train::write_config(f, "/config", s.cfg);
    f.create_group("/state");
    f.set_attr("/state", "epoch", st.epoch);
    f.set_attr("/state", "epoch_step", st.epoch_step);
    f.set_attr("/state", "step", st.step);
    f.set_attr("/state", "run_id", st.run_id);
    f.set_attr("/state", "seconds", st.seconds);
    f.set_attr("/state", "complete", static_cast<std::int64_t>(st.complete));
    f.set_attr("/state", "rollbacks", st.rollbacks);
    f.set_attr("/state", "weights", st.weights);
    // Budgets are separate runs: a checkpoint before the last epoch is a snapshot of a schedule
    // that had not annealed to 0 yet, not a supernet trained for `epoch` epochs (docs/protocol.md).
    f.set_attr("/state", "schedule_epochs", s.schedule_epochs);
    f.set_attr("/state", "snapshot", static_cast<std::int64_t>(st.epoch < s.schedule_epochs));
    f.write_f64("/state/totals", st.totals);
    if (st.epoch_step > 0) {
      for (std::size_t i = 0; i < st.carried.size(); ++i)
        io::write_tensor(f, "/state/carried/" + std::to_string(i), st.carried[i]);
    }
    train::write_module(f, "/model", s.net);
    train::write_optimizer(f, "/optimizer", s.opt);
    // ASGD: the averaged weights are what evaluation scores (wsnas-evaluate reads them).
    if (s.opt.averaging() && st.weights == "last") {
      train::AveragedWeights averaged(s.opt);
      train::write_module(f, "/averaged", s.net);
    }
    if (!st.best_params.empty()) {
      train::write_tensor_list(f, "/best/params", st.best_params);
      train::write_optimizer_state(f, "/best/optimizer", st.best_opt);
    }
    if (!st.val_epoch.empty()) {
      f.write_i64("/log/validation_epoch", st.val_epoch);
      f.write_f64("/log/validation_" + s.score_name, st.val_score);
    }
    f.write_i64("/log/epoch", st.log_epoch);
    f.write_f64("/log/loss", st.log_loss);
    f.write_f64("/log/" + s.score_name, st.log_score);
    f.write_f64("/log/lr", st.log_lr);
    f.write_f64("/log/seconds", st.log_seconds);
    if (!s.pool.empty()) f.write_strings("/pool/arch", s.pool);
  });
}

TrainState read_checkpoint(const std::string& path, const Saved& s) {
  auto f = io::File::open(path);
  io::check_results(f, "supernet");
  train::check_same_config(train::read_config(f, "/config"), s.cfg, kResultKeys, "'" + path + "'");
  TrainState st;
  st.epoch = f.attr_int("/state", "epoch");
  st.epoch_step = f.attr_int("/state", "epoch_step");
  st.step = f.attr_int("/state", "step");
  st.run_id = f.has_attr("/state", "run_id") ? f.attr_string("/state", "run_id") : new_run_id();
  st.seconds = f.attr_double("/state", "seconds");
  st.complete = f.attr_int("/state", "complete") != 0;
  st.totals = f.read_f64("/state/totals");
  for (int i = 0; f.exists("/state/carried/" + std::to_string(i)); ++i)
    st.carried.push_back(io::read_tensor(f, "/state/carried/" + std::to_string(i)));
  train::read_module(f, "/model", s.net);
  train::read_optimizer(f, "/optimizer", s.opt);
  if (f.has_attr("/state", "rollbacks")) st.rollbacks = f.attr_int("/state", "rollbacks");
  if (f.exists("/best/params")) {
    for (const auto& p : s.opt.params()) st.best_params.push_back(p.detach().clone());
    train::read_tensor_list(f, "/best/params", st.best_params);
    st.best_opt = train::read_optimizer_state(f, "/best/optimizer", s.opt);
  }
  if (f.exists("/log/validation_epoch")) {
    st.val_epoch = f.read_i64("/log/validation_epoch");
    st.val_score = f.read_f64("/log/validation_" + s.score_name);
  }
  st.log_epoch = f.read_i64("/log/epoch");
  st.log_loss = f.read_f64("/log/loss");
  st.log_score = f.read_f64("/log/" + s.score_name);
  st.log_lr = f.read_f64("/log/lr");
  st.log_seconds = f.read_f64("/log/seconds");
  return st;
}

}  // namespace

po::options_description protocol_option_group(SupernetJob& job) {
  po::options_description g("Supernet protocol (paper Table 3 variants; docs/protocol.md)");
  g.add_options()("sampler",
                  po::value(&job.sampler)
                      ->default_value(job.sampler)
                      ->notifier(options::one_of("sampler", space::sampler_names())),
                  "paths per step: uniform (single-path one-shot) | fairnas (strict fairness) | "
                  "multipath (--paths k) | "
                  "per-replica (each replica its own path)")(
      "paths",
      po::value(&job.paths)->default_value(job.paths)->notifier(options::at_least("paths", 1)),
      "k paths per step for --sampler multipath (gradients summed, one step)")(
      "unused-params",
      po::value(&job.unused_params)
          ->default_value(job.unused_params)
          ->notifier(options::one_of("unused-params", {"decay", "skip", "decay-all"})),
      "parameters of operators a step did not use: decay (weight decay and momentum still act once "
      "used: the "
      "paper's PyTorch 1.x code) | skip (left alone) | decay-all (from the first step: the DARTS "
      "code's "
      "parallel sampling)");
  return g;
}

void add_options(options::Parser& parser, SupernetJob& job) {
  job.hp.epochs = 1000;
  po::options_description run("Run");
  run.add_options()("out", po::value(&job.out_dir)->required(),
                    "output directory: supernet.h5 (latest state) and epoch_NNNN.h5")(
      "pool", po::value(&job.pool_path)->default_value(job.pool_path),
      "sample architectures only from this file (strings or indices; valid ones only)")(
      "seed", po::value(&job.seed)->default_value(job.seed),
      "seed of weights, data order, augmentation and sampling")(
      "replicas", po::value(&job.replicas)->default_value(job.replicas),
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
  train::add_training_groups(parser, run, job.run, job.hp, job.data, job.model);
}

int train_supernet(app::Context& ctx, const SupernetJob& job, train::RunConfig cfg) {
  const auto& hp = job.hp;
  const bool bf16 = train::use_bf16(job.run.precision);
  install_stop_handlers();

  const int world = ctx.world.size(), rank = ctx.world.rank();
  const int R = job.replicas > 0 ? job.replicas : hp.gpus;
  const char* origin = job.replicas > 0 ? "--replicas" : "--gpus";
  WSNAS_CHECK_USAGE(world <= R, world, " ranks for ", R, " replicas (", origin, " ", R,
                    "): run at most as many ranks as replicas, or raise --gpus/--replicas");
  WSNAS_CHECK_USAGE(R % world == 0, origin, " ", R, " is not a multiple of the ", world, " ranks");
  WSNAS_CHECK_USAGE(hp.batch_size % R == 0, "--batch-size ", hp.batch_size, " is not divisible by ",
                    R, " replicas (--gpus or --replicas)");
  const int local_r = R / world;
  const auto save_epochs = parse_save_epochs(job.save_epochs, hp.epochs);

  auto sp = space::make_space(job.model.space);
  std::vector<space::Arch> pool;
  std::vector<std::string> pool_strings;
  const std::string pool_what = "--pool '" + job.pool_path + "'";
  if (!job.pool_path.empty()) {
    pool = space::read_arch_list(*sp, job.pool_path);
    WSNAS_CHECK_INPUT(!pool.empty(), pool_what, ": no architectures");
    for (const auto& a : pool) pool_strings.push_back(sp->to_string(a));
  }
  const std::uint64_t arch_seed = Rng::derive(job.seed, 2);
  const std::uint64_t drop_seed = Rng::derive(job.seed, 4);
  const auto sampler = space::make_sampler(job.sampler, *sp, pool, arch_seed, job.paths, pool_what);
  const auto task = task_for(job.model.space, hp);
  const std::string score = task->score().name;

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
  const auto device = train::setup_device(ctx.world, job.run.device);
  auto bundle = train::load_data(job.data, &ctx.provenance);
  nn::seed_torch(job.seed);
  auto net = nn::make_supernet(job.model.space,
                               train::network_options(job.model, bundle.train_set, hp.aux_weight));
  net->to(device);
  const auto format = train::memory_format(job.run.memory_format, device);
  train::set_memory_format(*net, format);
  for (auto& p : net->parameters()) {
    at::NoGradGuard g;
    mpi::broadcast(ctx.world, p);
  }
  const auto optimizer =
      train::make_optimizer(net->parameters(), hp, train::parse_unused_params(job.unused_params));
  train::Optimizer& opt = *optimizer;

  io::make_dirs(out_dir);
  const std::string state_path = out_dir + "/supernet.h5";
  const Saved saved_parts{ctx.provenance, cfg, *net, opt, pool_strings, score, hp.epochs};
  TrainState st;
  st.run_id = new_run_id();
  if (io::path_exists(state_path)) {
    st = read_checkpoint(state_path, saved_parts);
    if (st.complete) {
      if (rank == 0)
        std::cout << ctx.name << ": " << state_path << " is complete (" << st.epoch
                  << " epochs); nothing to do\n";
      return 0;
    }
    if (rank == 0)
      std::cout << ctx.name << ": resuming " << state_path << " at epoch " << st.epoch << " step "
                << st.epoch_step << "\n";
  }

  data::LoaderOptions lo =
      train::train_loader_options(job.data, bundle.train_set, hp.batch_size, hp.cutout);
  lo.seed = Rng::derive(job.seed, 1);
  lo.rank = rank;
  lo.world = world;
  data::BatchLoader loader(bundle.train, lo);
  const std::int64_t nb = loader.batches_per_epoch();
  WSNAS_CHECK_USAGE(nb >= 1, "training split has ", split_size(bundle.train),
                    ", fewer than one --batch-size ", hp.batch_size);
  const std::int64_t total = loader.batches_until(hp.epochs);
  if (rank == 0) {
    std::cout << ctx.name << ": " << sp->name() << " supernet, " << nn::count_parameters(*net)
              << " parameters; " << bundle.train_set.name << " " << split_size(bundle.train)
              << " for training, batch " << hp.batch_size << " over " << R << " replicas on "
              << world << " ranks (" << device.str() << "), " << hp.epochs << " epochs x " << nb
              << " steps, sampler " << sampler->name()
              << (pool.empty() ? "" : ", pool of " + std::to_string(pool.size()) + " architectures")
              << "\n";
  }

  auto params = net->parameters();

  // Validation during training (--eval-every; the paper's trainers/ptb.py): --eval-archs
  // architectures drawn once from the seed (from the pool when given), scored on the validation
  // split with the weights evaluation uses (ASGD's averages), shared among the ranks; their mean
  // (values of a lower-is-better score at or above 1e6 left out, as the code) drives --asgd and
  // --keep-best.
  const bool validating = hp.eval_every > 0;
  WSNAS_CHECK_USAGE(validating || (hp.asgd != options::AsgdRule::kPlateau &&
                                   hp.asgd != options::AsgdRule::kNonmono),
                    "--asgd ", hp.asgd, " switches on validations: it needs --eval-every > 0");
  WSNAS_CHECK_USAGE(validating || !hp.keep_best,
                    "--keep-best keeps the best validated weights: it needs --eval-every > 0");
  WSNAS_CHECK_USAGE(!validating || nn::count_bn_layers(*net) == 0,
                    "--eval-every validates without BN calibration, for networks without batch "
                    "norm (darts-ptb); score checkpoints of others with wsnas-evaluate");
  std::vector<space::Arch> val_archs;
  train::TensorBatches valid;
  std::int64_t valid_batch = 0;
  auto snapshot_best = [&] {
    {
      train::AveragedWeights averaged(opt);
      st.best_params.clear();
      for (const auto& p : params) st.best_params.push_back(p.detach().clone());
    }
    st.best_opt = opt.save();
  };
  if (validating) {
    Rng vr(Rng::derive(job.seed, 6));
    for (int k = 0; k < hp.eval_archs; ++k)
      val_archs.push_back(pool.empty() ? sp->sample(vr, true) : pool[vr.below(pool.size())]);
    valid_batch = train::default_eval_batch(bundle.train_set, false);
    valid = train::make_batches(bundle.valid, valid_batch, train::eval_augment(bundle.train_set),
                                false, false, 0, 0, device, format, job.data.bptt);
  }
  if ((validating || hp.nan_rollback) && st.best_params.empty()) snapshot_best();
  auto validate = [&] {
    const bool higher = task->score().higher_is_better;
    std::vector<double> scores(val_archs.size(), 0.0);
    {
      train::AveragedWeights averaged(opt);
      net->eval();
      train::Autocast autocast(device, bf16);
      for (std::size_t k = static_cast<std::size_t>(rank); k < val_archs.size();
           k += static_cast<std::size_t>(world)) {
        net->reset_state(valid_batch);
        const auto& arch = val_archs[k];
        scores[k] =
            train::evaluate(
                *task, [&](const at::Tensor& x) { return net->forward(x, arch).output; }, valid)
                .values.front();
      }
      net->train();
    }
    ctx.world.allreduce_sum(scores.data(), scores.size(), mpi::DType::kFloat64);
    double sum = 0;
    int n = 0;
    for (const double v : scores) {
      if (std::isfinite(v) && (higher || v < 1e6)) {
        sum += v;
        ++n;
      }
    }
    return n > 0 ? sum / n : std::nan("");
  };

  std::vector<at::Tensor> buffers = net->buffers();
  std::vector<at::Tensor> float_bufs = train::float_buffers(*net);
  std::vector<at::Tensor> saved(buffers.size()), sum(float_bufs.size());
  // Replicas on different ranks may train different paths: a parameter keeps a gradient if some
  // replica used it (mpi::Reducer's used-mask).
  std::vector<std::string> param_names;
  for (const auto& p : net->named_parameters()) param_names.push_back(p.key());
  mpi::Reducer reducer(ctx.world, params, param_names);
  // BN step counters (num_batches_tracked): with replicas on different paths, a layer's counter
  // advances when any replica ran it, whichever ranks hold the replicas.
  const bool merge_counters = sampler->replicas_differ() && R > 1;
  std::vector<at::Tensor> counters, counter_start, counter_ran;
  for (const auto& b : buffers) {
    if (!b.is_floating_point()) counters.push_back(b);
  }
  Progress progress("supernet", total, rank == 0, job.run.progress_s, "step");
  auto clock = std::chrono::steady_clock::now();
  auto last_ckpt = clock;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count();
  };
  const double seconds_base = st.seconds;
  // A recurrent network's state, gathered from every rank (rows of replica order) for the
  // checkpoint; each rank takes its rows back on resume.
  auto gather_state = [&] {
    st.carried.clear();
    for (const at::Tensor& s : net->state()) {
      at::Tensor all = mpi::gather_rows(ctx.world, s, 0);
      if (rank == 0) st.carried.push_back(all);
    }
  };
  auto save_state = [&](const std::string& path) {
    train::record_skipped_images(ctx.provenance);
    if (st.epoch_step > 0) gather_state();
    st.seconds = seconds_base + elapsed();
    if (rank == 0) write_checkpoint(path, saved_parts, st);
  };

  while (st.epoch < hp.epochs) {
    loader.start_epoch(st.epoch, st.epoch_step);
    net->reset_state(hp.batch_size / R);
    // A recurrent state is one replica's rows: one replica per rank (each rank its own rows).
    WSNAS_CHECK_USAGE(local_r == 1 || net->state().empty(),
                      "a recurrent network carries one "
                      "hidden state per replica: run as many ranks as replicas (",
                      R, " replicas on ", world, " ranks)");
    if (st.epoch_step > 0 && !st.carried.empty()) {
      std::vector<at::Tensor> mine;
      const std::int64_t per = hp.batch_size / R;
      for (const auto& c : st.carried) {
        WSNAS_CHECK_INPUT(c.dim() == 2 && c.size(0) == per * world, "'", state_path,
                          "': a carried state of ", c.size(0), " rows, expected ", per * world);
        mine.push_back(c.narrow(0, rank * per, per).to(device));
      }
      net->set_state(mine);
    }
    st.carried.clear();
    const double drop_prob = options::drop_path_at(hp, st.epoch);
    data::Batch batch;
    double lr = 0;
    while (loader.next(batch)) {
      const std::int64_t t = st.step;  // = epoch x nb + batch index when epochs have equal lengths
      lr = train::learning_rate(hp, t, total, nb) * batch.lr_scale;
      net->train();
      opt.zero_grad();
      auto xs = train::to_device(batch.images, device, format).chunk(local_r);
      auto ys = batch.labels.to(device).chunk(local_r);
      if (local_r > 1) {
        for (std::size_t i = 0; i < buffers.size(); ++i) saved[i] = buffers[i].clone();
        for (std::size_t i = 0; i < float_bufs.size(); ++i) sum[i] = at::zeros_like(float_bufs[i]);
      }
      if (merge_counters) {
        counter_start.clear();
        counter_ran.clear();
        for (const auto& c : counters) {
          counter_start.push_back(c.clone());
          counter_ran.push_back(at::zeros(c.sizes(), c.options().dtype(at::kFloat)));
        }
      }
      at::Tensor totals;
      for (int r = 0; r < local_r; ++r) {
        if (local_r > 1) {
          at::NoGradGuard g;
          for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved[i]);
        }
        const int replica = rank * local_r + r;
        const auto paths = sampler->paths(static_cast<std::uint64_t>(t), replica, R);
        WSNAS_CHECK_USAGE(paths.size() == 1 || net->state().empty(), "--sampler ", sampler->name(),
                          ": ", paths.size(),
                          " paths per step, but a recurrent network carries one hidden state "
                          "(one path per step: --sampler uniform or per-replica)");
        for (std::size_t j = 0; j < paths.size(); ++j) {
          const auto& arch = paths[j];
          // Drop-path masks: one stream per (step, replica, path), whatever the ranks.
          net->set_drop_path(drop_prob,
                             Rng::derive(Rng::derive(drop_seed, static_cast<std::uint64_t>(t)),
                                         static_cast<std::uint64_t>(replica) * 1024 + j));
          at::Tensor out, loss;
          {
            train::Autocast autocast(device, bf16);
            const nn::Forward f = net->forward(xs[r], arch);
            out = f.output;
            loss = objective(f, *task, ys[r], hp);
          }
          // Paths of a replica: gradients summed; replicas: averaged (here and over ranks).
          loss.div(local_r).backward();
          const at::Tensor tt = task->totals(out, ys[r], loss);
          totals = totals.defined() ? totals + tt : tt;
        }
        if (local_r > 1) {
          for (std::size_t i = 0; i < float_bufs.size(); ++i) sum[i].add_(float_bufs[i]);
        }
        if (merge_counters) {
          for (std::size_t i = 0; i < counters.size(); ++i)
            counter_ran[i].add_(counters[i].gt(counter_start[i]));
        }
      }
      net->detach_state();
      {
        at::NoGradGuard g;
        if (local_r > 1) {
          for (std::size_t i = 0; i < float_bufs.size(); ++i)
            float_bufs[i].copy_(sum[i].div_(local_r));
        }
        // Gradients (those some rank has), BN running statistics and counters, averaged over
        // ranks.
        std::vector<at::Tensor> averaged = float_bufs;
        if (merge_counters) averaged.insert(averaged.end(), counter_ran.begin(), counter_ran.end());
        reducer.average(averaged);
        for (std::size_t i = 0; merge_counters && i < counters.size(); ++i) {
          counters[i].copy_(counter_start[i] + counter_ran[i].gt(0).to(counters[i].scalar_type()));
        }
      }
      train::clip_grad_norm(params, hp.grad_clip);
      opt.step(lr);

      // The step's totals, checkpoint time and stop request, agreed on by all ranks at once.
      const at::Tensor host = totals.to(at::kCPU).contiguous();
      std::vector<double> stats(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
      const std::size_t nt = stats.size();
      const auto now = std::chrono::steady_clock::now();
      stats.push_back(rank == 0 && std::chrono::duration<double>(now - last_ckpt).count() >=
                                       job.checkpoint_minutes * 60);
      stats.push_back(stop_signal() != 0);
      ctx.world.allreduce_sum(stats.data(), stats.size(), mpi::DType::kFloat64);
      bool finite = true;
      for (std::size_t i = 0; i < nt; ++i) finite = finite && std::isfinite(stats[i]);
      if (!finite && hp.nan_rollback) {
        // The paper's trainers/ptb.py: back to the best validated state, the rest of the epoch
        // skipped (every rank alike: the totals are global).
        {
          at::NoGradGuard g;
          for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(st.best_params[i]);
        }
        opt.restore(st.best_opt);
        ++st.rollbacks;
        st.epoch_step = batch.index + 1;
        st.step = t + 1;
        if (rank == 0)
          std::cerr << ctx.name << ": non-finite loss at step " << st.step << " (epoch "
                    << st.epoch + 1 << "); back to the "
                    << (st.val_epoch.empty() ? std::string("initial state")
                                             : "best validated state")
                    << ", the rest of the epoch skipped (--nan-rollback)\n";
        break;
      }
      if (st.totals.size() != nt) st.totals.assign(nt, 0.0);
      for (std::size_t i = 0; i < nt; ++i) st.totals[i] += stats[i];
      st.epoch_step = batch.index + 1;
      st.step = t + 1;
      const auto metrics = task->finish(st.totals);
      char extra[128];
      std::snprintf(extra, sizeof extra, "epoch %lld loss %.4f %s %.4g lr %.4g",
                    static_cast<long long>(st.epoch + 1), metrics.back(), score.c_str(),
                    metrics.front(), lr);
      progress.update(st.step, extra);
      if (stats[nt + 1] > 0) {
        save_state(state_path);
        if (rank == 0)
          std::cerr << ctx.name << ": stop signal received; state saved to " << state_path
                    << " at step " << st.step << "; rerun the same command to resume\n";
        return kExitInterrupted;
      }
      if (stats[nt] > 0) {
        save_state(state_path);
        last_ckpt = now;
      }
    }
    // A resume at the very end of an epoch runs no batch of it: log the epoch's last rate.
    if (st.epoch_step == loader.batches_per_epoch() && lr == 0)
      lr = train::learning_rate(hp, (st.epoch + 1) * nb - 1, total, nb);
    const auto metrics = task->finish(st.totals);
    st.log_epoch.push_back(st.epoch + 1);
    st.log_loss.push_back(metrics.back());
    st.log_score.push_back(metrics.front());
    st.log_lr.push_back(lr);
    st.log_seconds.push_back(seconds_base + elapsed());
    const std::int64_t done = st.epoch + 1;
    st.epoch = done;
    st.epoch_step = 0;
    st.totals.assign(st.totals.size(), 0.0);
    st.complete = done == hp.epochs;
    if (validating && (done % hp.eval_every == 0 || st.complete)) {
      const double v = validate();
      const bool higher = task->score().higher_is_better;
      st.val_epoch.push_back(done);
      st.val_score.push_back(v);
      const std::size_t best = train::best_index(st.val_score, higher);
      if (std::isfinite(v) && best + 1 == st.val_score.size()) snapshot_best();
      const bool switched =
          !opt.averaging() && train::asgd_switch(hp.asgd, hp.asgd_patience, st.val_score, higher);
      if (switched) opt.start_averaging();
      if (rank == 0)
        std::cout << ctx.name << ": validation after epoch " << done << ": mean " << score << " "
                  << v << " over " << val_archs.size() << " architectures (best "
                  << st.val_score[best] << " after epoch " << st.val_epoch[best] << ")"
                  << (switched ? "; switching to averaged SGD (--asgd " +
                                     options::to_string(hp.asgd) + ")"
                               : "")
                  << "\n";
    }
    if (st.complete && hp.keep_best) {
      at::NoGradGuard g;
      for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(st.best_params[i]);
      st.weights = "best";
      if (rank == 0)
        std::cout << ctx.name << ": ending with the best validated weights (--keep-best)\n";
    }
    if (save_epochs.count(done)) save_state(epoch_file(out_dir, done));
    save_state(state_path);
    last_ckpt = std::chrono::steady_clock::now();
  }
  progress.finish();
  if (rank == 0) {
    std::cout << ctx.name << ": done, " << hp.epochs << " epochs; last epoch loss "
              << st.log_loss.back() << ", " << score << " of sampled paths " << st.log_score.back()
              << "; wrote " << state_path << "\n";
  }
  return 0;
}

}  // namespace wsnas::pipeline

// wsnas-supernet: trains a weight-sharing supernet with single-path one-shot (SPOS, Guo et al.
// 2019): each step samples one cell uniformly (from the whole space or a pool), the same cell on
// every replica. Replicas split the global batch; gradients and BN running statistics are averaged
// over replicas, so the weights depend on (seed, global batch, replicas), not on how many MPI
// ranks hold the replicas. State is checkpointed to HDF5 for resume and at chosen epochs.
#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/loader.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/mpi/tensor_collectives.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/nb201_model.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"
#include "wsnas/train/sgd.h"
#include "wsnas/train/state_io.h"

namespace {

using namespace wsnas;
namespace po = options::po;

/// Options that change the weights: a resumed run must agree on all of them.
const std::vector<std::string> kResultKeys = {
    "space", "channels", "cells", "dataset", "protocol", "limit-train", "augment", "seed", "replicas",
    "batch-size", "lr", "lr-schedule", "momentum", "nesterov", "weight-decay", "grad-clip", "epochs", "pool-archs", "precision"};

struct TrainState {
  std::int64_t epoch = 0;       ///< current epoch (epochs completed)
  std::int64_t epoch_step = 0;  ///< batches done in the current epoch
  std::int64_t step = 0;        ///< optimisation steps done in all
  double loss_sum = 0, correct = 0, count = 0;  ///< current epoch's running totals
  double seconds = 0;           ///< training time over all runs
  bool complete = false;
  std::vector<std::int64_t> log_epoch;
  std::vector<double> log_loss, log_accuracy, log_lr, log_seconds;
};

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

void write_checkpoint(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
                      nn::Nb201NetworkImpl& net, train::Sgd& sgd, const TrainState& st,
                      const std::vector<std::string>& pool) {
  io::write_results_file(path, "supernet", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    f.create_group("/state");
    f.set_attr("/state", "epoch", st.epoch);
    f.set_attr("/state", "epoch_step", st.epoch_step);
    f.set_attr("/state", "step", st.step);
    f.set_attr("/state", "loss_sum", st.loss_sum);
    f.set_attr("/state", "correct", st.correct);
    f.set_attr("/state", "count", st.count);
    f.set_attr("/state", "seconds", st.seconds);
    f.set_attr("/state", "complete", static_cast<std::int64_t>(st.complete));
    train::write_module(f, "/model", net);
    train::write_tensor_list(f, "/optimizer/momentum", sgd.buffers());
    f.write_i64("/log/epoch", st.log_epoch);
    f.write_f64("/log/loss", st.log_loss);
    f.write_f64("/log/accuracy", st.log_accuracy);
    f.write_f64("/log/lr", st.log_lr);
    f.write_f64("/log/seconds", st.log_seconds);
    if (!pool.empty()) f.write_strings("/pool/arch", pool);
  });
}

TrainState read_checkpoint(const std::string& path, const train::RunConfig& cfg, nn::Nb201NetworkImpl& net,
                           train::Sgd& sgd) {
  auto f = io::File::open(path);
  io::check_results(f, "supernet");
  train::check_same_config(train::read_config(f, "/config"), cfg, kResultKeys, "'" + path + "'");
  TrainState st;
  st.epoch = f.attr_int("/state", "epoch");
  st.epoch_step = f.attr_int("/state", "epoch_step");
  st.step = f.attr_int("/state", "step");
  st.loss_sum = f.attr_double("/state", "loss_sum");
  st.correct = f.attr_double("/state", "correct");
  st.count = f.attr_double("/state", "count");
  st.seconds = f.attr_double("/state", "seconds");
  st.complete = f.attr_int("/state", "complete") != 0;
  train::read_module(f, "/model", net);
  train::read_tensor_list(f, "/optimizer/momentum", sgd.buffers());
  st.log_epoch = f.read_i64("/log/epoch");
  st.log_loss = f.read_f64("/log/loss");
  st.log_accuracy = f.read_f64("/log/accuracy");
  st.log_lr = f.read_f64("/log/lr");
  st.log_seconds = f.read_f64("/log/seconds");
  return st;
}

int body(app::Context& ctx) {
  options::HyperParameters hp;
  hp.epochs = 1000;
  train::DataOptions data_opts;
  train::ModelOptions model_opts;
  std::string out_dir, pool_path, save_epochs_text;
  train::RunOptions ro;
  std::uint64_t seed = 0;
  int replicas = 0;
  double checkpoint_minutes = 10;
  options::Parser parser(ctx.name, ctx.name + " --out DIR [--config configs/nb201.ini] [options]\n"
                                   "Trains a supernet with single-path one-shot; resumes from DIR/supernet.h5.");
  po::options_description run("Run");
  run.add_options()
      ("out", po::value(&out_dir)->required(), "output directory: supernet.h5 (latest state) and epoch_NNNN.h5")
      ("pool", po::value(&pool_path)->default_value(""), "sample cells only from this file of architectures (strings or indices)")
      ("seed", po::value(&seed)->default_value(0), "seed of weights, data order, augmentation and cell sampling")
      ("replicas", po::value(&replicas)->default_value(0),
       "data-parallel replicas splitting the global batch (0 = one per rank); fixes the result whatever the rank count")
      ("save-epochs", po::value(&save_epochs_text)->default_value("pow2"), "also keep checkpoints after these epochs: pow2 | none | 1,2,5")
      ("checkpoint-minutes", po::value(&checkpoint_minutes)->default_value(10), "save the resume state at least this often");
  train::add_run_options(run, ro);
  parser.add(run);
  parser.add(options::hyper_parameter_options(hp));
  parser.add(train::data_option_group(data_opts));
  parser.add(train::model_option_group(model_opts));
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  const bool bf16 = train::use_bf16(ro.precision);
  install_stop_handlers();

  const int world = ctx.world.size(), rank = ctx.world.rank();
  const int R = replicas == 0 ? world : replicas;
  WSNAS_CHECK_USAGE(R >= 1 && R % world == 0, "--replicas ", R, " is not a multiple of the ", world, " ranks");
  WSNAS_CHECK_USAGE(hp.batch_size % R == 0, "--batch-size ", hp.batch_size, " is not divisible by ", R,
                    " replicas (ranks, or --replicas)");
  const int local_r = R / world;
  const auto save_epochs = parse_save_epochs(save_epochs_text, hp.epochs);

  auto sp = space::make_space(model_opts.space);
  std::vector<space::Arch> pool;
  std::vector<std::string> pool_strings;
  if (!pool_path.empty()) {
    pool = space::read_arch_list(*sp, pool_path);
    WSNAS_CHECK_INPUT(!pool.empty(), "--pool '", pool_path, "': no architectures");
    for (const auto& a : pool) pool_strings.push_back(sp->to_string(a));
  }
  auto cfg = train::config_of(vm);
  cfg["replicas"] = std::to_string(R);
  cfg["pool-archs"] = std::to_string(pool.size());
  if (!pool.empty()) cfg["pool-archs"] += ":" + std::to_string(std::hash<std::string>{}(join(pool_strings, ";")));
  cfg["data-dir"] = train::data_dir(data_opts);
  train::record_config(ctx.provenance, cfg);

  const auto lock = app::lock_output(ctx, out_dir + "/wsnas.lock", "'" + out_dir + "'");
  if (rank == 0) io::remove_stale_temps(out_dir);  // left by a killed run; never under a final name
  const auto device = train::setup_device(ctx.world, ro.device);
  auto bundle = train::load_data(data_opts, &ctx.provenance);
  nn::seed_torch(seed);
  auto net = nn::make_nb201_supernet(train::nb201_options(model_opts, bundle.train_set, true));
  net->to(device);
  for (auto& p : net->parameters()) {
    at::NoGradGuard g;
    mpi::broadcast(ctx.world, p);
  }
  train::Sgd sgd(net->parameters(), hp.momentum, hp.nesterov, hp.weight_decay);

  io::make_dirs(out_dir);
  const std::string state_path = out_dir + "/supernet.h5";
  TrainState st;
  if (io::path_exists(state_path)) {
    st = read_checkpoint(state_path, cfg, *net, sgd);
    if (st.complete) {
      if (rank == 0) std::cout << ctx.name << ": " << state_path << " is complete (" << st.epoch << " epochs); nothing to do\n";
      return 0;
    }
    if (rank == 0)
      std::cout << ctx.name << ": resuming " << state_path << " at epoch " << st.epoch << " step " << st.epoch_step << "\n";
  }

  data::LoaderOptions lo;
  lo.batch_size = hp.batch_size;
  lo.seed = Rng::derive(seed, 1);
  lo.rank = rank;
  lo.world = world;
  lo.augment = train::train_augment(data_opts, bundle.train_set);
  data::BatchLoader loader(bundle.train, lo);
  const std::int64_t nb = loader.batches_per_epoch();
  WSNAS_CHECK_USAGE(nb >= 1, "training split has ", bundle.train.size(), " images, fewer than one --batch-size ",
                    hp.batch_size);
  const std::int64_t total = hp.epochs * nb;
  const std::uint64_t arch_seed = Rng::derive(seed, 2);
  if (rank == 0) {
    std::cout << ctx.name << ": " << sp->name() << " supernet C=" << model_opts.channels << " N=" << model_opts.cells
              << ", " << nn::count_parameters(*net) << " parameters; " << bundle.train_set.name << " "
              << bundle.train.size() << " training images, batch " << hp.batch_size << " over " << R
              << " replicas on " << world << " ranks (" << device.str() << "), " << hp.epochs << " epochs x " << nb
              << " steps" << (pool.empty() ? "" : ", pool of " + std::to_string(pool.size()) + " cells") << "\n";
  }

  auto params = net->parameters();
  std::vector<at::Tensor> buffers = net->buffers();
  std::vector<at::Tensor> float_bufs = train::float_buffers(*net);
  std::vector<at::Tensor> saved(buffers.size()), sum(float_bufs.size());
  Progress progress("supernet", total, rank == 0, ro.progress_s, "step");
  auto clock = std::chrono::steady_clock::now();
  auto last_ckpt = clock;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count(); };
  double seconds_base = st.seconds;
  auto save_state = [&](const std::string& path) {
    st.seconds = seconds_base + elapsed();
    if (rank == 0) write_checkpoint(path, ctx.provenance, cfg, *net, sgd, st, pool_strings);
  };

  while (st.epoch < hp.epochs) {
    loader.start_epoch(st.epoch, st.epoch_step);
    data::Batch batch;
    double lr = 0;
    while (loader.next(batch)) {
      const std::int64_t t = st.epoch * nb + batch.index;
      Rng arch_rng(Rng::derive(arch_seed, static_cast<std::uint64_t>(t)));
      const space::Arch arch = pool.empty() ? sp->sample(arch_rng, false) : pool[arch_rng.below(pool.size())];
      lr = train::learning_rate(hp, t, total);
      net->train();
      sgd.zero_grad();
      auto xs = batch.images.to(device).chunk(local_r);
      auto ys = batch.labels.to(device).chunk(local_r);
      double stats[5] = {0, 0, 0, 0, 0};
      if (local_r > 1) {
        for (std::size_t i = 0; i < buffers.size(); ++i) saved[i] = buffers[i].clone();
        for (std::size_t i = 0; i < float_bufs.size(); ++i) sum[i] = at::zeros_like(float_bufs[i]);
      }
      for (int r = 0; r < local_r; ++r) {
        if (local_r > 1) {
          at::NoGradGuard g;
          for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved[i]);
        }
        at::Tensor logits, loss;
        {
          train::Autocast autocast(device, bf16);
          logits = net->forward(xs[r], arch);
          loss = torch::nn::functional::cross_entropy(logits, ys[r]);
        }
        loss.div(local_r).backward();
        const auto n = static_cast<double>(ys[r].size(0));
        stats[0] += loss.item<double>() * n;
        stats[1] += static_cast<double>(logits.argmax(1).eq(ys[r]).sum().item<std::int64_t>());
        stats[2] += n;
        if (local_r > 1) {
          for (std::size_t i = 0; i < float_bufs.size(); ++i) sum[i].add_(float_bufs[i]);
        }
      }
      {
        at::NoGradGuard g;
        if (local_r > 1) {
          for (std::size_t i = 0; i < float_bufs.size(); ++i) float_bufs[i].copy_(sum[i].div_(local_r));
        }
        // BN running statistics and gradients, averaged over ranks in one allreduce.
        std::vector<at::Tensor> averaged = float_bufs;
        for (auto& p : params) averaged.push_back(p.grad());
        mpi::allreduce_mean_flat(ctx.world, averaged);
      }
      train::clip_grad_norm(params, hp.grad_clip);
      sgd.step(lr);
      const auto now = std::chrono::steady_clock::now();
      if (rank == 0 && std::chrono::duration<double>(now - last_ckpt).count() >= checkpoint_minutes * 60) stats[3] = 1;
      if (stop_signal() != 0) stats[4] = 1;
      ctx.world.allreduce_sum(stats, 5, mpi::DType::kFloat64);
      st.loss_sum += stats[0];
      st.correct += stats[1];
      st.count += stats[2];
      st.epoch_step = batch.index + 1;
      st.step = t + 1;
      char extra[96];
      std::snprintf(extra, sizeof extra, "epoch %lld loss %.4f acc %.2f%% lr %.4g", static_cast<long long>(st.epoch + 1),
                    st.loss_sum / st.count, 100 * st.correct / st.count, lr);
      progress.update(st.step, extra);
      if (stats[4] > 0) {
        save_state(state_path);
        if (rank == 0)
          std::cerr << ctx.name << ": stop signal received; state saved to " << state_path << " at step " << st.step
                    << "; rerun the same command to resume\n";
        return kExitInterrupted;
      }
      if (stats[3] > 0) {
        save_state(state_path);
        last_ckpt = now;
      }
    }
    st.log_epoch.push_back(st.epoch + 1);
    st.log_loss.push_back(st.count > 0 ? st.loss_sum / st.count : 0);
    st.log_accuracy.push_back(st.count > 0 ? 100 * st.correct / st.count : 0);
    st.log_lr.push_back(lr);
    st.log_seconds.push_back(seconds_base + elapsed());
    const std::int64_t done = st.epoch + 1;
    st.epoch = done;
    st.epoch_step = 0;
    st.loss_sum = st.correct = st.count = 0;
    st.complete = done == hp.epochs;
    if (save_epochs.count(done)) save_state(epoch_file(out_dir, done));
    save_state(state_path);
    last_ckpt = std::chrono::steady_clock::now();
  }
  progress.finish();
  if (rank == 0) {
    std::cout << ctx.name << ": done, " << hp.epochs << " epochs; last epoch loss " << st.log_loss.back()
              << ", accuracy of sampled cells " << st.log_accuracy.back() << "%; wrote " << state_path << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-supernet", body); }

// wsnas-evaluate: scores cells on supernet checkpoints. For each (checkpoint, cell): reset the BN
// running statistics and recompute them on calibration batches (paper Table 2: batch 400 x 25
// steps for NB201), then top-1 accuracy and loss on the whole validation split. Pairs are sharded
// over ranks; rank 0 alone writes the results file (atomically), and a rerun skips finished pairs.
#include <ATen/ATen.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/nb201_model.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"
#include "wsnas/train/state_io.h"

namespace {

using namespace wsnas;
namespace po = options::po;

/// Checkpoint options that must agree across the checkpoints of one evaluation.
const std::vector<std::string> kModelKeys = {"space", "channels", "cells", "dataset", "protocol", "limit-train",
                                             "limit-eval", "augment"};
/// Evaluation options that change the scores: a rerun on the same output must agree on them.
const std::vector<std::string> kEvalKeys = {"split", "bn-calib-batch", "bn-calib-steps", "seed", "precision"};

struct Record {
  std::string checkpoint, arch;
  std::int64_t epoch = 0, arch_index = -1;
  double accuracy = 0, loss = 0, seconds = 0;
};

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  WSNAS_CHECK_INPUT(realpath(path.c_str(), buf) != nullptr, "--checkpoint '", path, "': no such file");
  return buf;
}

std::vector<std::uint8_t> pack(const Record& r) {
  std::string s = r.checkpoint + '\n' + r.arch + '\n' + std::to_string(r.epoch) + '\n' + std::to_string(r.arch_index);
  std::vector<std::uint8_t> out(s.begin(), s.end());
  out.push_back('\n');
  for (double v : {r.accuracy, r.loss, r.seconds}) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof v);
  }
  return out;
}

Record unpack(const std::vector<std::uint8_t>& b) {
  Record r;
  std::size_t pos = 0;
  auto line = [&] {
    std::size_t end = pos;
    while (b.at(end) != '\n') ++end;
    std::string s(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(end));
    pos = end + 1;
    return s;
  };
  r.checkpoint = line();
  r.arch = line();
  r.epoch = std::stoll(line());
  r.arch_index = std::stoll(line());
  double v[3];
  std::memcpy(v, b.data() + pos, sizeof v);
  r.accuracy = v[0];
  r.loss = v[1];
  r.seconds = v[2];
  return r;
}

void write_results(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
                   const std::vector<Record>& recs) {
  io::write_results_file(path, "evaluation", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    std::vector<std::string> ckpt, arch;
    std::vector<std::int64_t> epoch, index;
    std::vector<double> acc, loss, secs;
    for (const auto& r : recs) {
      ckpt.push_back(r.checkpoint);
      arch.push_back(r.arch);
      epoch.push_back(r.epoch);
      index.push_back(r.arch_index);
      acc.push_back(r.accuracy);
      loss.push_back(r.loss);
      secs.push_back(r.seconds);
    }
    f.create_group("/results");
    f.set_attr("/results", "rows", static_cast<std::int64_t>(recs.size()));
    f.write_strings("/results/checkpoint", ckpt);
    f.write_i64("/results/epoch", epoch);
    f.write_strings("/results/arch", arch);
    f.write_i64("/results/arch_index", index);
    f.write_f64("/results/accuracy", acc);
    f.write_f64("/results/loss", loss);
    f.write_f64("/results/seconds", secs);
  });
}

std::vector<Record> read_results(const std::string& path, const train::RunConfig& cfg) {
  auto f = io::File::open(path);
  io::check_results(f, "evaluation");
  train::check_same_config(train::read_config(f, "/config"), cfg, kEvalKeys, "'" + path + "'");
  auto ckpt = f.read_strings("/results/checkpoint");
  auto arch = f.read_strings("/results/arch");
  auto epoch = f.read_i64("/results/epoch");
  auto index = f.read_i64("/results/arch_index");
  auto acc = f.read_f64("/results/accuracy");
  auto loss = f.read_f64("/results/loss");
  auto secs = f.read_f64("/results/seconds");
  const std::size_t n = ckpt.size();
  WSNAS_CHECK_INPUT(arch.size() == n && epoch.size() == n && index.size() == n && acc.size() == n &&
                        loss.size() == n && secs.size() == n,
                    f.where("/results"), ": columns of different lengths");
  std::vector<Record> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = {ckpt[i], arch[i], epoch[i], index[i], acc[i], loss[i], secs[i]};
  return out;
}

int body(app::Context& ctx) {
  std::vector<std::string> checkpoints;
  std::string cells_path, out_path, split_name, data_dir;
  train::RunOptions ro;
  options::HyperParameters hp;  // only bn-calib-*; the group is taken whole so Table 2 configs apply as they are
  std::int64_t eval_batch = 500;
  std::uint64_t seed = 0;
  double flush_s = 30;
  options::Parser parser(ctx.name, ctx.name + " --checkpoint FILE... --archs FILE --out FILE [options]\n"
                                   "Scores cells on supernet checkpoints with BN calibration; resumes FILE.");
  po::options_description g("Evaluation");
  g.add_options()
      ("checkpoint", po::value(&checkpoints)->multitoken()->required(), "supernet checkpoint(s) written by wsnas-supernet")
      ("archs", po::value(&cells_path)->required(), "architectures to score (wsnas-space sample output, or one per line)")
      ("out", po::value(&out_path)->required(), "results file (HDF5, kind 'evaluation'); existing results are kept")
      ("split", po::value(&split_name)->default_value("valid")->notifier(options::one_of("split", {"valid", "test"})),
       "split to score on")
      ("eval-batch", po::value(&eval_batch)->default_value(eval_batch), "evaluation batch size (does not change results)")
      ("seed", po::value(&seed)->default_value(0), "seed of the calibration batches (the same for every cell)")
      ("data-dir", po::value(&data_dir)->default_value(""), "dataset directory (default: the one the supernet used)")
      ("flush-seconds", po::value(&flush_s)->default_value(flush_s), "write finished results at least this often");
  train::add_run_options(g, ro);
  parser.add(g);
  parser.add(options::hyper_parameter_options(hp));
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  WSNAS_CHECK_USAGE(eval_batch >= 1, "--eval-batch must be >= 1");
  const int calib_batch = hp.bn_calib_batch, calib_steps = hp.bn_calib_steps;
  const bool bf16 = train::use_bf16(ro.precision);
  install_stop_handlers();
  const int world = ctx.world.size(), rank = ctx.world.rank();

  // The checkpoints fix the network and the data; they must agree with each other.
  std::vector<std::string> ckpt_abs;
  std::vector<std::int64_t> ckpt_epoch;
  train::RunConfig model_cfg;
  for (const auto& c : checkpoints) {
    ckpt_abs.push_back(absolute(c));
    auto f = io::File::open(c);
    io::check_results(f, "supernet");
    auto cfg = train::read_config(f, "/config");
    if (model_cfg.empty()) model_cfg = cfg;
    train::check_same_config(model_cfg, cfg, kModelKeys, "checkpoint '" + checkpoints.front() + "'");
    ckpt_epoch.push_back(f.attr_int("/state", "epoch"));
  }
  const std::string what = "checkpoint '" + checkpoints.front() + "'";
  train::ModelOptions mo;
  mo.space = train::config_value(model_cfg, "space", what);
  mo.channels = std::stoi(train::config_value(model_cfg, "channels", what));
  mo.cells = std::stoi(train::config_value(model_cfg, "cells", what));
  train::DataOptions dopts;
  dopts.dataset = train::config_value(model_cfg, "dataset", what);
  dopts.dir = data_dir.empty() ? train::config_value(model_cfg, "data-dir", what) : data_dir;
  dopts.protocol = train::config_value(model_cfg, "protocol", what);
  dopts.limit_train = std::stoll(train::config_value(model_cfg, "limit-train", what));
  dopts.limit_eval = std::stoll(train::config_value(model_cfg, "limit-eval", what));
  dopts.augment = train::config_value(model_cfg, "augment", what);

  auto sp = space::make_space(mo.space);
  const auto cells = space::read_arch_list(*sp, cells_path);
  WSNAS_CHECK_INPUT(!cells.empty(), "--archs '", cells_path, "': no architectures");

  auto cfg = train::config_of(vm);
  for (const char* unused : {"batch-size", "lr", "lr-schedule", "momentum", "nesterov", "weight-decay", "grad-clip", "gpus", "epochs"})
    cfg.erase(unused);  // training options: accepted so one config file serves every stage
  for (const auto& k : kModelKeys) cfg["supernet." + k] = model_cfg[k];
  train::record_config(ctx.provenance, cfg);

  const auto lock = app::lock_output(ctx, out_path + ".lock", "'" + out_path + "'");
  if (rank == 0) {  // temporary files a killed run left beside the results
    const auto slash = out_path.rfind('/');
    io::remove_stale_temps(slash == std::string::npos ? "." : out_path.substr(0, slash),
                           slash == std::string::npos ? out_path : out_path.substr(slash + 1));
  }
  std::vector<Record> done;
  if (io::path_exists(out_path)) done = read_results(out_path, cfg);
  std::map<std::pair<std::string, std::string>, std::size_t> have;
  for (std::size_t i = 0; i < done.size(); ++i) have[{done[i].checkpoint, done[i].arch}] = i;

  // All pairs in order; those without a result are the work.
  std::vector<Record> pairs, pending;
  for (std::size_t c = 0; c < ckpt_abs.size(); ++c) {
    for (const auto& a : cells) {
      Record r;
      r.checkpoint = ckpt_abs[c];
      r.epoch = ckpt_epoch[c];
      r.arch = sp->to_string(a);
      r.arch_index = sp->index_of(a).value_or(-1);
      pairs.push_back(r);
      if (!have.count({r.checkpoint, r.arch})) pending.push_back(r);
    }
  }
  if (rank == 0) {
    std::cout << ctx.name << ": " << pairs.size() << " (checkpoint, cell) pairs, " << pairs.size() - pending.size()
              << " already in " << out_path << ", " << pending.size() << " to score on " << world << " ranks\n";
  }
  if (pending.empty()) return 0;

  const auto device = train::setup_device(ctx.world, ro.device);
  auto bundle = train::load_data(dopts, &ctx.provenance);
  const data::Split& split = split_name == "valid" ? bundle.valid : bundle.test;
  WSNAS_CHECK_INPUT(split.size() > 0, "the ", split_name, " split of ", dopts.dataset, " is empty");
  auto net = nn::make_nb201_supernet(train::nb201_options(mo, bundle.train_set, true));
  net->to(device);
  train::TensorBatches calib;
  if (calib_steps > 0) {
    calib = train::make_batches(bundle.train, calib_batch, train::train_augment(dopts, bundle.train_set), true, true,
                                Rng::derive(seed, 3), calib_steps, device);
    WSNAS_CHECK_USAGE(static_cast<int>(calib.images.size()) == calib_steps, "--bn-calib-steps ", calib_steps,
                      " x --bn-calib-batch ", calib_batch, " needs more than the ", bundle.train.size(),
                      " training images");
  }
  auto evalset = train::make_batches(split, eval_batch, train::eval_augment(bundle.train_set), false, false, 0, 0, device);

  std::string loaded;
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
    for (const auto& r : done) {  // results of earlier runs for cells not asked for now: kept
      if (all.count({r.checkpoint, r.arch})) out.push_back(r);
    }
    return out;
  };

  Progress progress("evaluate", static_cast<std::int64_t>(pending.size()), rank == 0, ro.progress_s, "cell");
  auto last_flush = std::chrono::steady_clock::now();
  const std::size_t rounds = (pending.size() + world - 1) / world;
  for (std::size_t q = 0; q < rounds; ++q) {
    const std::size_t i = q * world + static_cast<std::size_t>(rank);
    std::vector<std::uint8_t> mine;
    if (i < pending.size()) {
      Record r = pending[i];
      const auto t0 = std::chrono::steady_clock::now();
      if (loaded != r.checkpoint) {
        auto f = io::File::open(r.checkpoint);
        train::read_module(f, "/model", *net);
        loaded = r.checkpoint;
      }
      const space::Arch arch = sp->parse(r.arch);
      train::Autocast autocast(device, bf16);
      if (calib_steps > 0) {
        nn::calibrate_bn(*net, calib_steps, [&](int s) { net->forward(calib.images[s], arch); });
      }
      net->eval();
      auto res = train::evaluate([&](const at::Tensor& x) { return net->forward(x, arch); }, evalset);
      r.accuracy = res.accuracy;
      r.loss = res.loss;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      mine = pack(r);
    }
    auto all = ctx.world.gather_bytes(mine, 0);
    double stop = stop_signal() != 0 ? 1 : 0;
    ctx.world.allreduce_sum(&stop, 1, mpi::DType::kFloat64);
    if (rank == 0) {
      for (const auto& b : all) {
        if (!b.empty()) fresh.push_back(unpack(b));
      }
      const auto now = std::chrono::steady_clock::now();
      const bool last = q + 1 == rounds;
      if (last || stop > 0 || std::chrono::duration<double>(now - last_flush).count() >= flush_s) {
        write_results(out_path, ctx.provenance, cfg, merged());
        last_flush = now;
      }
      progress.update(static_cast<std::int64_t>(fresh.size()),
                      "last " + fresh.back().arch + " acc " + std::to_string(fresh.back().accuracy));
    }
    if (stop > 0) {
      if (rank == 0)
        std::cerr << ctx.name << ": stop signal received; " << fresh.size() << " new results saved to " << out_path
                  << "; rerun the same command to resume\n";
      return kExitInterrupted;
    }
  }
  if (rank == 0) {
    progress.finish();
    std::cout << ctx.name << ": wrote " << out_path << " (" << done.size() + fresh.size() << " results)\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-evaluate", body); }

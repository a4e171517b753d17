// wsnas-groundtruth: trains each listed cell stand-alone from scratch (the ground truth the
// supernet is judged against). Ranks claim cells as they free up (an exclusive claim file per
// cell, so no rank waits on another); each cell checkpoints every epoch and its result is a file
// of its own; rank 0 merges the results into DIR/groundtruth.h5. Reruns skip finished cells and
// resume unfinished ones from their last epoch.
#include <ATen/ATen.h>
#include <fcntl.h>
#include <torch/nn/functional/loss.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <iostream>
#include <set>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/nb201_model.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"
#include "wsnas/train/sgd.h"
#include "wsnas/train/state_io.h"

namespace {

using namespace wsnas;
namespace po = options::po;

/// Options that change a cell's result: a rerun into the same directory must agree on them.
const std::vector<std::string> kResultKeys = {"space", "channels", "cells", "dataset", "protocol", "limit-train",
                                              "limit-eval", "augment", "seed", "batch-size", "lr", "lr-schedule",
                                              "momentum", "nesterov", "weight-decay", "grad-clip", "epochs",
                                              "precision"};

/// One cell's learning curve and outcome.
struct CellRun {
  std::string arch;
  std::int64_t arch_index = -1, params = 0, epoch = 0;
  double flops = 0, seconds = 0;
  std::vector<double> train_loss, train_accuracy, valid_loss, valid_accuracy, test_accuracy;
};

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string cell_key(const std::string& arch, std::int64_t index) {
  char buf[40];
  if (index >= 0) {
    std::snprintf(buf, sizeof buf, "cell_%06lld", static_cast<long long>(index));
  } else {
    std::snprintf(buf, sizeof buf, "cell_%016llx", static_cast<unsigned long long>(fnv1a(arch)));
  }
  return buf;
}

void write_cell(const std::string& path, const std::string& kind, const Provenance& prov, const train::RunConfig& cfg,
                const CellRun& c, nn::Nb201NetworkImpl* net, train::Sgd* sgd) {
  io::write_results_file(path, kind, prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    f.create_group("/cell");
    f.set_attr("/cell", "arch", c.arch);
    f.set_attr("/cell", "arch_index", c.arch_index);
    f.set_attr("/cell", "params", c.params);
    f.set_attr("/cell", "flops", c.flops);
    f.set_attr("/cell", "epoch", c.epoch);
    f.set_attr("/cell", "seconds", c.seconds);
    f.write_f64("/curves/train_loss", c.train_loss);
    f.write_f64("/curves/train_accuracy", c.train_accuracy);
    f.write_f64("/curves/valid_loss", c.valid_loss);
    f.write_f64("/curves/valid_accuracy", c.valid_accuracy);
    f.write_f64("/curves/test_accuracy", c.test_accuracy);
    if (net) train::write_module(f, "/model", *net);
    if (sgd) train::write_tensor_list(f, "/optimizer/momentum", sgd->buffers());
  });
}

CellRun read_cell(const io::File& f) {
  CellRun c;
  c.arch = f.attr_string("/cell", "arch");
  c.arch_index = f.attr_int("/cell", "arch_index");
  c.params = f.attr_int("/cell", "params");
  c.flops = f.attr_double("/cell", "flops");
  c.epoch = f.attr_int("/cell", "epoch");
  c.seconds = f.attr_double("/cell", "seconds");
  c.train_loss = f.read_f64("/curves/train_loss");
  c.train_accuracy = f.read_f64("/curves/train_accuracy");
  c.valid_loss = f.read_f64("/curves/valid_loss");
  c.valid_accuracy = f.read_f64("/curves/valid_accuracy");
  c.test_accuracy = f.read_f64("/curves/test_accuracy");
  return c;
}

/// Creates `path` exclusively; false when another rank holds it.
bool claim(const std::string& path, int rank) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) {
    WSNAS_CHECK(errno == EEXIST, "cannot create claim file '", path, "': ", std::strerror(errno));
    return false;
  }
  const std::string who = "rank " + std::to_string(rank) + " pid " + std::to_string(::getpid()) + "\n";
  const ssize_t n = ::write(fd, who.data(), who.size());
  ::close(fd);
  return n >= 0;
}

int body(app::Context& ctx) {
  options::HyperParameters hp;  // NAS-Bench-201's stand-alone recipe (Dong & Yang 2020, Table 5)
  hp.lr = 0.1;
  hp.epochs = 200;
  hp.grad_clip = 0;
  train::DataOptions data_opts;
  train::ModelOptions model_opts;
  std::string cells_path, out_dir;
  train::RunOptions ro;
  std::uint64_t seed = 0;
  options::Parser parser(ctx.name, ctx.name + " --archs FILE --out DIR [options]\n"
                                   "Trains each cell stand-alone (ground truth); resumes DIR.");
  po::options_description run("Run");
  run.add_options()
      ("archs", po::value(&cells_path)->required(), "architectures to train (wsnas-space sample output, or one per line)")
      ("out", po::value(&out_dir)->required(), "output directory: cells/*.h5 per cell, groundtruth.h5 merged")
      ("seed", po::value(&seed)->default_value(0), "base seed; each cell's seed is derived from it and the cell");
  train::add_run_options(run, ro);
  parser.add(run);
  parser.add(options::hyper_parameter_options(hp));
  parser.add(train::data_option_group(data_opts));
  parser.add(train::model_option_group(model_opts));
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  const bool bf16 = train::use_bf16(ro.precision);
  install_stop_handlers();
  const int rank = ctx.world.rank(), world = ctx.world.size();

  auto sp = space::make_space(model_opts.space);
  std::vector<space::Arch> cells;
  {
    std::set<std::string> seen;
    for (const auto& a : space::read_arch_list(*sp, cells_path)) {
      if (seen.insert(sp->to_string(a)).second) cells.push_back(a);
    }
  }
  WSNAS_CHECK_INPUT(!cells.empty(), "--archs '", cells_path, "': no architectures");
  auto cfg = train::config_of(vm);
  cfg["data-dir"] = train::data_dir(data_opts);
  train::record_config(ctx.provenance, cfg);

  const auto lock = app::lock_output(ctx, out_dir + "/wsnas.lock", "'" + out_dir + "'");
  const std::string cell_dir = out_dir + "/cells";
  const std::string merged_path = out_dir + "/groundtruth.h5";
  // A cell's files: BASE.h5 (result), BASE.state.h5 (last epoch), BASE.claim (a rank trains it).
  auto base_of = [&](const space::Arch& a) { return cell_dir + "/" + cell_key(sp->to_string(a), sp->index_of(a).value_or(-1)); };
  auto count_finished = [&] {
    return std::count_if(cells.begin(), cells.end(), [&](const space::Arch& a) { return io::path_exists(base_of(a) + ".h5"); });
  };
  if (rank == 0) {
    io::make_dirs(cell_dir);
    // This run holds the directory's lock, so claims left by a killed run are stale.
    for (const auto& name : io::list_dir(cell_dir)) {
      if (ends_with(name, ".claim")) std::remove((cell_dir + "/" + name).c_str());
    }
    io::remove_stale_temps(cell_dir);
    io::remove_stale_temps(out_dir);
  }
  ctx.world.barrier();

  const auto device = train::setup_device(ctx.world, ro.device);
  auto bundle = train::load_data(data_opts, &ctx.provenance);
  const auto valid = train::make_batches(bundle.valid, 500, train::eval_augment(bundle.train_set), false, false, 0, 0, device);
  const auto test = train::make_batches(bundle.test, 500, train::eval_augment(bundle.train_set), false, false, 0, 0, device);
  space::CostOptions cost_opts;
  cost_opts.classes = bundle.train_set.classes;
  cost_opts.in_channels = bundle.train_set.channels;
  cost_opts.input_size = bundle.train_set.height;
  cost_opts.channels = model_opts.channels;
  cost_opts.cells = model_opts.cells;

  const auto already = count_finished();
  if (rank == 0) {
    std::cout << ctx.name << ": " << cells.size() << " cells, " << already << " already trained, " << hp.epochs
              << " epochs each (batch " << hp.batch_size << ", lr " << hp.lr << " " << hp.lr_schedule << "), "
              << world << " ranks claiming cells on " << device.str() << "\n";
  }

  data::LoaderOptions lo;
  lo.batch_size = hp.batch_size;
  lo.augment = train::train_augment(data_opts, bundle.train_set);
  bool stopped = false;
  std::int64_t trained = 0;
  for (const auto& arch : cells) {
    if (stopped) break;
    CellRun c;
    c.arch = sp->to_string(arch);
    c.arch_index = sp->index_of(arch).value_or(-1);
    const std::string base = base_of(arch);
    if (io::path_exists(base + ".h5") || !claim(base + ".claim", rank)) continue;

    const std::uint64_t cell_seed = Rng::derive(seed, fnv1a(c.arch));
    nn::seed_torch(cell_seed);
    auto net = nn::make_nb201_network(arch, train::nb201_options(model_opts, bundle.train_set, false));
    net->to(device);
    train::Sgd sgd(net->parameters(), hp.momentum, hp.nesterov, hp.weight_decay);
    c.params = nn::count_parameters(*net);
    if (auto cost = sp->cost(arch, cost_opts)) c.flops = cost->flops;
    if (io::path_exists(base + ".state.h5")) {
      auto f = io::File::open(base + ".state.h5");
      io::check_results(f, "groundtruth-state");
      train::check_same_config(train::read_config(f, "/config"), cfg, kResultKeys, "'" + base + ".state.h5'");
      c = read_cell(f);
      train::read_module(f, "/model", *net);
      train::read_tensor_list(f, "/optimizer/momentum", sgd.buffers());
    }
    lo.seed = Rng::derive(cell_seed, 1);
    data::BatchLoader loader(bundle.train, lo);
    const std::int64_t nb = loader.batches_per_epoch();
    WSNAS_CHECK_USAGE(nb >= 1, "training split has ", bundle.train.size(), " images, fewer than one --batch-size ",
                      hp.batch_size);
    const double seconds_base = c.seconds;
    const auto t0 = std::chrono::steady_clock::now();
    Progress progress("cell " + std::to_string(c.arch_index >= 0 ? c.arch_index : 0) + " (rank " +
                          std::to_string(rank) + ")",
                      hp.epochs * nb, rank == 0, ro.progress_s, "step");
    while (c.epoch < hp.epochs) {
      loader.start_epoch(c.epoch);
      net->train();
      data::Batch batch;
      double loss_sum = 0, correct = 0, count = 0;
      while (loader.next(batch)) {
        if (stop_signal() != 0) {
          stopped = true;
          break;
        }
        const std::int64_t t = c.epoch * nb + batch.index;
        sgd.zero_grad();
        auto x = batch.images.to(device), y = batch.labels.to(device);
        at::Tensor logits, loss;
        {
          train::Autocast autocast(device, bf16);
          logits = net->forward(x);
          loss = torch::nn::functional::cross_entropy(logits, y);
        }
        loss.backward();
        train::clip_grad_norm(sgd.params(), hp.grad_clip);
        sgd.step(train::learning_rate(hp, t, hp.epochs * nb));
        loss_sum += loss.item<double>() * static_cast<double>(y.size(0));
        correct += static_cast<double>(logits.argmax(1).eq(y).sum().item<std::int64_t>());
        count += static_cast<double>(y.size(0));
        progress.update(t + 1, "epoch " + std::to_string(c.epoch + 1));
      }
      if (stopped) break;  // the epoch in progress is abandoned; the state file holds the last whole one
      net->eval();
      train::Autocast autocast(device, bf16);
      auto fwd = [&](const at::Tensor& xx) { return net->forward(xx); };
      const auto v = train::evaluate(fwd, valid);
      const auto te = train::evaluate(fwd, test);
      c.train_loss.push_back(loss_sum / count);
      c.train_accuracy.push_back(100 * correct / count);
      c.valid_loss.push_back(v.loss);
      c.valid_accuracy.push_back(v.accuracy);
      c.test_accuracy.push_back(te.accuracy);
      c.epoch += 1;
      c.seconds = seconds_base + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (c.epoch < hp.epochs) write_cell(base + ".state.h5", "groundtruth-state", ctx.provenance, cfg, c, net.get(), &sgd);
    }
    if (!stopped) {
      write_cell(base + ".h5", "groundtruth-cell", ctx.provenance, cfg, c, nullptr, nullptr);
      std::remove((base + ".state.h5").c_str());
      ++trained;
      std::cout << ctx.name << ": rank " << rank << " trained " << c.arch << ": valid " << c.valid_accuracy.back()
                << "%, test " << c.test_accuracy.back() << "% in " << Progress::format_duration(c.seconds) << "\n";
    }
    std::remove((base + ".claim").c_str());
    if (rank == 0 && !stopped) {
      std::cout << ctx.name << ": " << count_finished() << "/" << cells.size() << " cells finished (all ranks)\n";
    }
  }

  double any_stop = stopped ? 1 : 0;
  ctx.world.allreduce_sum(&any_stop, 1, mpi::DType::kFloat64);
  if (any_stop > 0) {
    if (rank == 0)
      std::cerr << ctx.name << ": stop signal received; finished cells and the last epoch of unfinished ones are saved in "
                << cell_dir << "; rerun the same command to resume\n";
    return kExitInterrupted;
  }
  if (rank != 0) return 0;

  // Merge, in the order of --archs, every cell's result into one file.
  std::vector<CellRun> runs;
  for (const auto& arch : cells) {
    const std::string path = base_of(arch) + ".h5";
    auto f = io::File::open(path);
    io::check_results(f, "groundtruth-cell");
    train::check_same_config(train::read_config(f, "/config"), cfg, kResultKeys, "'" + path + "'");
    runs.push_back(read_cell(f));
  }
  const std::size_t n = runs.size(), E = static_cast<std::size_t>(hp.epochs);
  std::vector<std::string> arch;
  std::vector<std::int64_t> index, params, best_epoch;
  std::vector<double> flops, fva, bva, fta, tab, secs, flat[5];
  for (const auto& r : runs) {
    arch.push_back(r.arch);
    index.push_back(r.arch_index);
    params.push_back(r.params);
    flops.push_back(r.flops);
    std::size_t best = 0;
    for (std::size_t e = 1; e < r.valid_accuracy.size(); ++e) {
      if (r.valid_accuracy[e] > r.valid_accuracy[best]) best = e;
    }
    best_epoch.push_back(static_cast<std::int64_t>(best) + 1);
    fva.push_back(r.valid_accuracy.back());
    bva.push_back(r.valid_accuracy[best]);
    fta.push_back(r.test_accuracy.back());
    tab.push_back(r.test_accuracy[best]);
    secs.push_back(r.seconds);
    const std::vector<double>* curves[5] = {&r.train_loss, &r.train_accuracy, &r.valid_loss, &r.valid_accuracy,
                                            &r.test_accuracy};
    for (int k = 0; k < 5; ++k) flat[k].insert(flat[k].end(), curves[k]->begin(), curves[k]->end());
  }
  io::write_results_file(merged_path, "groundtruth", ctx.provenance, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    f.create_group("/results");
    f.set_attr("/results", "rows", static_cast<std::int64_t>(n));
    f.write_strings("/results/arch", arch);
    f.write_i64("/results/arch_index", index);
    f.write_i64("/results/params", params);
    f.write_f64("/results/flops", flops);
    f.write_f64("/results/final_valid_accuracy", fva);
    f.write_f64("/results/best_valid_accuracy", bva);
    f.write_i64("/results/best_epoch", best_epoch);
    f.write_f64("/results/final_test_accuracy", fta);
    f.write_f64("/results/test_at_best_valid", tab);
    f.write_f64("/results/seconds", secs);
    const char* names[5] = {"train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "test_accuracy"};
    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(n), static_cast<std::int64_t>(E)};
    for (int k = 0; k < 5; ++k) f.write_f64(std::string("/curves/") + names[k], flat[k], shape);
  });
  std::cout << ctx.name << ": trained " << trained << " cells here; wrote " << merged_path << " (" << n << " cells)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-groundtruth", body); }

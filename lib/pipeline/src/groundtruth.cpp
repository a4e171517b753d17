// The ground truth: each listed architecture trained stand-alone from scratch.
#include "wsnas/pipeline/groundtruth.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <set>
#include <utility>

#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/schedule.h"
#include "wsnas/train/state_io.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

namespace po = options::po;

namespace {

/// Options that change a result: a rerun into the same directory must agree on them.
const std::vector<std::string> kResultKeys = train::keys_with({"limit-eval", "drop-last"});

/// One architecture's learning curves (the task's loss and score per epoch) and outcome.
struct Run {
  std::string arch;
  std::int64_t arch_index = -1, params = 0, epoch = 0;
  double flops = 0, seconds = 0;
  std::vector<double> train_loss, train_score, valid_loss, valid_score, test_score;
};

std::string cell_key(const std::string& arch, std::int64_t index) {
  char buf[40];
  if (index >= 0) {
    std::snprintf(buf, sizeof buf, "cell_%06lld", static_cast<long long>(index));
  } else {
    std::snprintf(buf, sizeof buf, "cell_%016llx", static_cast<unsigned long long>(fnv1a(arch)));
  }
  return buf;
}

void write_run(const std::string& path, const std::string& kind, const Provenance& prov,
               const train::RunConfig& cfg, const std::string& score, const Run& c,
               nn::Network* net, train::Optimizer* opt) {
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
    f.write_f64("/curves/train_" + score, c.train_score);
    f.write_f64("/curves/valid_loss", c.valid_loss);
    f.write_f64("/curves/valid_" + score, c.valid_score);
    f.write_f64("/curves/test_" + score, c.test_score);
    if (net) train::write_module(f, "/model", *net);
    if (opt) train::write_optimizer(f, "/optimizer", *opt);
  });
}

Run read_run(const io::File& f, const std::string& score) {
  Run c;
  c.arch = f.attr_string("/cell", "arch");
  c.arch_index = f.attr_int("/cell", "arch_index");
  c.params = f.attr_int("/cell", "params");
  c.flops = f.attr_double("/cell", "flops");
  c.epoch = f.attr_int("/cell", "epoch");
  c.seconds = f.attr_double("/cell", "seconds");
  c.train_loss = f.read_f64("/curves/train_loss");
  c.train_score = f.read_f64("/curves/train_" + score);
  c.valid_loss = f.read_f64("/curves/valid_loss");
  c.valid_score = f.read_f64("/curves/valid_" + score);
  c.test_score = f.read_f64("/curves/test_" + score);
  return c;
}

/// Creates `path` exclusively; false when another rank holds it.
bool claim(const std::string& path, int rank) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) {
    WSNAS_CHECK(errno == EEXIST, "cannot create claim file '", path, "': ", std::strerror(errno));
    return false;
  }
  const std::string who =
      "rank " + std::to_string(rank) + " pid " + std::to_string(::getpid()) + "\n";
  const ssize_t n = ::write(fd, who.data(), who.size());
  ::close(fd);
  return n >= 0;
}

/// Merges every architecture's result, in the order of --archs, into one file.
/// The merged table. final_* are the last epoch's scores, or with `keep_best` those of the epoch
/// of the best validation score (DARTS' and the PTB code's final model); best_valid_* and
/// test_at_best_valid are always there.
void merge(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
           const train::Metric& score, const std::vector<Run>& runs, std::int64_t epochs,
           bool keep_best) {
  const std::size_t n = runs.size(), E = static_cast<std::size_t>(epochs);
  const std::string s = score.name;
  std::vector<std::string> arch;
  std::vector<std::int64_t> index, params, best_epoch;
  std::vector<double> flops, fva, bva, fta, tab, secs, flat[5];
  for (const auto& r : runs) {
    arch.push_back(r.arch);
    index.push_back(r.arch_index);
    params.push_back(r.params);
    flops.push_back(r.flops);
    const std::size_t best = train::best_index(r.valid_score, score.higher_is_better);
    best_epoch.push_back(static_cast<std::int64_t>(best) + 1);
    fva.push_back(keep_best ? r.valid_score[best] : r.valid_score.back());
    bva.push_back(r.valid_score[best]);
    fta.push_back(keep_best ? r.test_score[best] : r.test_score.back());
    tab.push_back(r.test_score[best]);
    secs.push_back(r.seconds);
    const std::vector<double>* curves[5] = {&r.train_loss, &r.train_score, &r.valid_loss,
                                            &r.valid_score, &r.test_score};
    for (int k = 0; k < 5; ++k) flat[k].insert(flat[k].end(), curves[k]->begin(), curves[k]->end());
  }
  io::write_results_file(path, "groundtruth", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    f.create_group("/results");
    f.set_attr("/results", "rows", static_cast<std::int64_t>(n));
    f.set_attr("/results", "score", s);
    f.set_attr("/results", "higher_is_better", static_cast<std::int64_t>(score.higher_is_better));
    f.write_strings("/results/arch", arch);
    f.write_i64("/results/arch_index", index);
    f.write_i64("/results/params", params);
    f.write_f64("/results/flops", flops);
    f.write_f64("/results/final_valid_" + s, fva);
    f.write_f64("/results/best_valid_" + s, bva);
    f.write_i64("/results/best_epoch", best_epoch);
    f.write_f64("/results/final_test_" + s, fta);
    f.write_f64("/results/test_at_best_valid", tab);
    f.write_f64("/results/seconds", secs);
    const std::string names[5] = {"train_loss", "train_" + s, "valid_loss", "valid_" + s,
                                  "test_" + s};
    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(n),
                                             static_cast<std::int64_t>(E)};
    for (int k = 0; k < 5; ++k) f.write_f64("/curves/" + names[k], flat[k], shape);
  });
}

}  // namespace

GroundTruthJob::GroundTruthJob() {
  // NAS-Bench-201's stand-alone recipe (Dong & Yang 2020, Table 5): lr 0.1 annealed per epoch by
  // cosine, Nesterov, weight decay 5e-4, batch 256, 200 epochs, the last partial batch kept.
  hp.lr = 0.1;
  hp.lr_schedule = options::LrSchedule::kCosineEpoch;
  hp.epochs = 200;
  hp.grad_clip = 0;
}

void add_options(options::Parser& parser, GroundTruthJob& job) {
  po::options_description run("Run");
  run.add_options()("archs", po::value(&job.archs_path)->required(),
                    "architectures to train (wsnas-space sample output, or one per line)")(
      "out", po::value(&job.out_dir)->required(),
      "output directory: cells/*.h5 per architecture, groundtruth.h5 merged")(
      "seed", po::value(&job.seed)->default_value(job.seed),
      "base seed; each architecture's seed is derived from it")(
      "drop-last", po::value(&job.drop_last)->default_value(job.drop_last),
      "drop the last partial training batch of each epoch (NAS-Bench-201 keeps it)");
  train::add_training_groups(parser, run, job.run, job.hp, job.data, job.model);
}

int train_ground_truth(app::Context& ctx, const GroundTruthJob& job, train::RunConfig cfg) {
  const auto& hp = job.hp;
  const bool bf16 = train::use_bf16(job.run.precision);
  install_stop_handlers();
  const int rank = ctx.world.rank(), world = ctx.world.size();

  auto sp = space::make_space(job.model.space);
  const auto task = task_for(job.model.space, hp);
  const train::Metric score = task->score();
  std::vector<space::Arch> archs;
  {
    std::set<std::string> seen;
    for (const auto& a : space::read_arch_list(*sp, job.archs_path)) {
      if (seen.insert(sp->to_string(a)).second) archs.push_back(a);
    }
  }
  WSNAS_CHECK_INPUT(!archs.empty(), "--archs '", job.archs_path, "': no architectures");
  cfg["data-dir"] = train::data_dir(job.data);
  cfg["task"] = task->name();
  for (const char* unused : {"supernet-bn-affine", "gpus", "bn-calib-batch", "bn-calib-steps"})
    cfg.erase(unused);
  train::record_config(ctx.provenance, cfg);

  const std::string& out_dir = job.out_dir;
  const auto lock = app::lock_output(ctx, out_dir + "/wsnas.lock", "'" + out_dir + "'");
  const std::string cell_dir = out_dir + "/cells";
  const std::string merged_path = out_dir + "/groundtruth.h5";
  // An architecture's files: BASE.h5 (result), BASE.state.h5 (last epoch), BASE.claim (a rank
  // trains it).
  auto base_of = [&](const space::Arch& a) {
    return cell_dir + "/" + cell_key(sp->to_string(a), sp->index_of(a).value_or(-1));
  };
  auto count_finished = [&] {
    return std::count_if(archs.begin(), archs.end(),
                         [&](const space::Arch& a) { return io::path_exists(base_of(a) + ".h5"); });
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
  // Every rank checks every file a previous run left against this run's options before any rank
  // trains, so a mismatch is one error on all ranks (not found later by whichever rank claims the
  // cell, while the others wait in a collective).
  for (const auto& arch : archs) {
    for (const auto& [suffix, kind] :
         {std::pair<const char*, const char*>{".h5", "groundtruth-cell"},
          {".state.h5", "groundtruth-state"}}) {
      const std::string path = base_of(arch) + suffix;
      if (!io::path_exists(path)) continue;
      auto f = io::File::open(path);
      io::check_results(f, kind);
      train::check_same_config(train::read_config(f, "/config"), cfg, kResultKeys,
                               "'" + path + "'");
    }
  }

  const auto device = train::setup_device(ctx.world, job.run.device);
  auto bundle = train::load_data(job.data, &ctx.provenance);
  const auto eval_aug = train::eval_augment(bundle.train_set);
  const auto format = train::memory_format(job.run.memory_format, device);
  // Evaluation batches: 500 images; text, DARTS' 10 columns for valid and 1 for test, BPTT fixed.
  const std::int64_t valid_batch = train::default_eval_batch(bundle.train_set, false);
  const std::int64_t test_batch = train::default_eval_batch(bundle.train_set, true);
  const auto valid = train::make_batches(bundle.valid, valid_batch, eval_aug, false, false, 0, 0,
                                         device, format, job.data.bptt);
  const bool same_splits =
      bundle.valid.data == bundle.test.data && bundle.valid.indices == bundle.test.indices;
  const auto test = same_splits ? train::TensorBatches{}
                                : train::make_batches(bundle.test, test_batch, eval_aug, false,
                                                      false, 0, 0, device, format, job.data.bptt);
  const auto net_opts = train::network_options(job.model, bundle.train_set, hp.aux_weight);
  space::CostOptions cost_opts;
  cost_opts.classes = bundle.train_set.classes;
  cost_opts.in_channels = bundle.train_set.channels;
  cost_opts.input_size = bundle.train_set.height;
  cost_opts.channels = job.model.channels;
  cost_opts.cells = job.model.cells;
  cost_opts.width_mult = job.model.width_mult;

  const auto already = count_finished();
  if (rank == 0) {
    std::cout << ctx.name << ": " << archs.size() << " architectures, " << already
              << " already trained, " << hp.epochs << " epochs each (batch " << hp.batch_size
              << ", lr " << hp.lr << " " << hp.lr_schedule << "), " << world
              << " ranks claiming architectures on " << device.str() << "\n";
  }

  data::LoaderOptions lo =
      train::train_loader_options(job.data, bundle.train_set, hp.batch_size, hp.cutout);
  lo.drop_last = job.drop_last;
  bool stopped = false;
  std::int64_t trained = 0;
  for (const auto& arch : archs) {
    if (stopped) break;
    Run c;
    c.arch = sp->to_string(arch);
    c.arch_index = sp->index_of(arch).value_or(-1);
    const std::string base = base_of(arch);
    if (io::path_exists(base + ".h5") || !claim(base + ".claim", rank)) continue;

    const std::uint64_t cell_seed = Rng::derive(job.seed, fnv1a(c.arch));
    nn::seed_torch(cell_seed);
    auto net = nn::make_network(job.model.space, arch, net_opts);
    net->to(device);
    train::set_memory_format(*net, format);
    const auto optimizer = train::make_optimizer(net->parameters(), hp);
    train::Optimizer& opt = *optimizer;
    c.params = nn::count_inference_parameters(*net);  // an auxiliary head is training-only
    if (auto cost = sp->cost(arch, cost_opts)) c.flops = static_cast<double>(cost->flops);
    if (io::path_exists(base + ".state.h5")) {
      auto f = io::File::open(base + ".state.h5");  // checked against the options above
      c = read_run(f, score.name);
      train::read_module(f, "/model", *net);
      train::read_optimizer(f, "/optimizer", opt);
    }
    lo.seed = Rng::derive(cell_seed, 1);
    const std::uint64_t drop_seed = Rng::derive(cell_seed, 2);
    data::BatchLoader loader(bundle.train, lo);
    const std::int64_t nb = loader.batches_per_epoch();
    WSNAS_CHECK_USAGE(nb >= 1, "training split has ", split_size(bundle.train),
                      ", fewer than one --batch-size ", hp.batch_size);
    const double seconds_base = c.seconds;
    const auto t0 = std::chrono::steady_clock::now();
    Progress progress("arch " + std::to_string(c.arch_index >= 0 ? c.arch_index : 0) + " (rank " +
                          std::to_string(rank) + ")",
                      loader.batches_until(hp.epochs), rank == 0, job.run.progress_s, "step");
    auto fwd = [&](const at::Tensor& xx) { return net->forward(xx, arch).output; };
    std::int64_t steps = loader.batches_until(c.epoch);  // done before this run
    while (c.epoch < hp.epochs) {
      loader.start_epoch(c.epoch);
      net->train();
      net->reset_state(hp.batch_size);
      const double drop_prob = options::drop_path_at(hp, c.epoch);
      data::Batch batch;
      at::Tensor totals;
      while (loader.next(batch)) {
        if (stop_signal() != 0) {
          stopped = true;
          break;
        }
        // Text epochs differ in length (variable BPTT): the seed of a step's masks is by (epoch,
        // batch); the schedule's position uses the nominal epoch length.
        const std::int64_t t = c.epoch * nb + batch.index;
        const std::uint64_t mask_seed =
            Rng::derive(Rng::derive(drop_seed, static_cast<std::uint64_t>(c.epoch)),
                        static_cast<std::uint64_t>(batch.index));
        opt.zero_grad();
        auto x = train::to_device(batch.images, device, format), y = batch.labels.to(device);
        // Drop-path masks: one stream per step, so a resumed run draws the same ones.
        net->set_drop_path(drop_prob, mask_seed);
        at::Tensor out, loss;
        {
          train::Autocast autocast(device, bf16);
          const nn::Forward f = net->forward(x, arch);
          out = f.output;
          loss = objective(f, *task, y, hp);
        }
        loss.backward();
        net->detach_state();
        train::clip_grad_norm(opt.params(), hp.grad_clip);
        opt.step(train::learning_rate(hp, t, hp.epochs * nb, nb) * batch.lr_scale);
        const at::Tensor tt = task->totals(out, y, loss);
        totals = totals.defined() ? totals + tt : tt;
        progress.update(++steps, "epoch " + std::to_string(c.epoch + 1));
      }
      if (stopped)
        break;  // the epoch in progress is abandoned; the state file holds the last whole one
      const at::Tensor host = totals.to(at::kCPU).contiguous();
      const auto train_metrics = task->finish(
          std::vector<double>(host.data_ptr<double>(), host.data_ptr<double>() + host.numel()));
      net->eval();
      train::Scores v, te;
      {
        train::AveragedWeights averaged(opt);  // ASGD: scored with its averaged weights
        train::Autocast autocast(device, bf16);
        net->reset_state(valid_batch);
        v = train::evaluate(*task, fwd, valid);
        net->reset_state(test_batch);
        // --protocol train-all scores the test set as both splits: evaluated once.
        te = same_splits ? v : train::evaluate(*task, fwd, test);
      }
      c.train_loss.push_back(train_metrics.back());
      c.train_score.push_back(train_metrics.front());
      c.valid_loss.push_back(v.values.back());
      c.valid_score.push_back(v.values.front());
      c.test_score.push_back(te.values.front());
      c.epoch += 1;
      // --asgd: the switch follows the validation scores so far (a resumed run rederives it).
      if (!opt.averaging() &&
          train::asgd_switch(hp.asgd, hp.asgd_patience, c.valid_score, score.higher_is_better)) {
        opt.start_averaging();
        std::cout << ctx.name << ": rank " << rank << " " << c.arch << ": averaged SGD from epoch "
                  << c.epoch + 1 << " (--asgd " << hp.asgd << ")\n";
      }
      c.seconds = seconds_base +
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (c.epoch < hp.epochs) {
        train::record_skipped_images(ctx.provenance);
        write_run(base + ".state.h5", "groundtruth-state", ctx.provenance, cfg, score.name, c,
                  net.get(), &opt);
      }
    }
    if (!stopped) {
      train::record_skipped_images(ctx.provenance);
      write_run(base + ".h5", "groundtruth-cell", ctx.provenance, cfg, score.name, c, nullptr,
                nullptr);
      std::remove((base + ".state.h5").c_str());
      ++trained;
      std::cout << ctx.name << ": rank " << rank << " trained " << c.arch << ": valid "
                << score.name << " " << c.valid_score.back() << ", test " << c.test_score.back()
                << " in " << Progress::format_duration(c.seconds) << "\n";
    }
    std::remove((base + ".claim").c_str());
    if (rank == 0 && !stopped) {
      std::cout << ctx.name << ": " << count_finished() << "/" << archs.size()
                << " architectures finished (all ranks)\n";
    }
  }

  double any_stop = stopped ? 1 : 0;
  ctx.world.allreduce_sum(&any_stop, 1, mpi::DType::kFloat64);
  if (any_stop > 0) {
    if (rank == 0)
      std::cerr
          << ctx.name
          << ": stop signal received; finished architectures and the last epoch of unfinished ones "
          << "are saved in " << cell_dir << "; rerun the same command to resume\n";
    return kExitInterrupted;
  }
  if (rank != 0) return 0;

  std::vector<Run> runs;
  for (const auto& arch : archs) {
    const std::string path = base_of(arch) + ".h5";
    auto f = io::File::open(path);
    io::check_results(f, "groundtruth-cell");
    train::check_same_config(train::read_config(f, "/config"), cfg, kResultKeys, "'" + path + "'");
    runs.push_back(read_run(f, score.name));
  }
  merge(merged_path, ctx.provenance, cfg, score, runs, hp.epochs, hp.keep_best);
  std::cout << ctx.name << ": trained " << trained << " architectures here; wrote " << merged_path
            << " (" << runs.size() << " architectures)\n";
  return 0;
}

}  // namespace wsnas::pipeline

// The ground truth: each listed architecture trained stand-alone from scratch.
#include "wsnas/pipeline/groundtruth.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <utility>

#include "groundtruth_cells.h"
#include "stage_options.h"
#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/dataset.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/claims.h"
#include "wsnas/io/results.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/train/callbacks/learning_rate.h"
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

namespace po = options::po;

GroundTruthJob::GroundTruthJob() {
  // NAS-Bench-201's stand-alone recipe (Dong & Yang 2020, Table 5): lr 0.1 annealed per epoch by
  // cosine, Nesterov, weight decay 5e-4, batch 256, 200 epochs, the last partial batch kept.
  hp.lr = 0.1;
  hp.lr_schedule = options::LrSchedule::kCosineEpoch;
  hp.epochs = 200;
  hp.grad_clip = 0;
}

void check_inputs(const GroundTruthJob& job) { train::check_data_dir(job.data); }

void add_options(options::Parser& parser, GroundTruthJob& job) {
  po::options_description run("Run");
  run.add_options()("archs", po::value(&job.archs_path)->required(),
                    "architectures to train (wsnas-space sample output, or one per line)")(
      "out", po::value(&job.out_dir)->required(),
      "output directory: cells/*.h5 per architecture, groundtruth.h5 merged")(
      "seed", options::value(&job.seed, options::kTrains)->default_value(job.seed),
      "base seed; each architecture's seed is derived from it")(
      "drop-last",
      options::value(&job.drop_last, options::Effect{options::kGroundTruth})
          ->default_value(job.drop_last),
      "drop the last partial training batch of each epoch (NAS-Bench-201 keeps it)");
  train::add_training_groups(parser, run, job.run, job.hp, job.data, job.model,
                             "Stand-alone training (the ground truth's recipe; presets in "
                             "configs/*-standalone.ini)");
}

int train_ground_truth(app::Context& ctx, const GroundTruthJob& job, train::RunConfig cfg) {
  const auto& hp = job.hp;
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
  // Options that change a result, as declared: a rerun into the same directory must agree on them;
  // those that change only other stages' results are not this stage's configuration.
  const auto declared = stage_options<GroundTruthJob>();
  const auto kResultKeys = options::result_keys(declared, options::kGroundTruth);
  for (const auto& o : declared.options()) {
    const unsigned results = options::effect_of(*o).results;
    if (results != 0 && (results & options::kGroundTruth) == 0) cfg.erase(o->long_name());
  }
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
  // A rank claims an architecture by creating cells/KEY.claim exclusively (io::Claims).
  const io::Claims claims(cell_dir);
  app::on_rank0(ctx, [&] {  // a failure here (an unwritable folder) ends every rank alike
    io::make_dirs(cell_dir);
    claims.clear();  // this run holds the directory's lock: claims of a killed run are stale
    io::remove_stale_temps(cell_dir);
    io::remove_stale_temps(out_dir);
  });
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

  const CellTrainer cells(ctx, job, cfg, *task);
  const auto already = count_finished();
  if (rank == 0) {
    std::cout << ctx.name << ": " << archs.size() << " architectures, " << already
              << " already trained, " << hp.epochs << " epochs each (batch " << hp.batch_size
              << ", lr " << hp.lr << " " << hp.lr_schedule << "), " << world
              << " ranks claiming architectures on " << cells.device().str() << "\n";
  }

  bool stopped = false;
  std::int64_t trained = 0;
  const auto farm_start = std::chrono::steady_clock::now();
  // Claimed largest network first, so that the last claims are short and ranks finish together.
  for (const std::size_t i : space::longest_first(*sp, archs)) {
    const space::Arch& arch = archs[i];
    if (stopped) break;
    Run c;
    c.arch = sp->to_string(arch);
    c.arch_index = sp->index_of(arch).value_or(-1);
    const std::string base = base_of(arch);
    const std::string key = base.substr(cell_dir.size() + 1);
    if (io::path_exists(base + ".h5") || !claims.claim(key, rank)) continue;

    stopped = !cells.train(arch, c, base);
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
    claims.release(key);
    if (rank == 0 && !stopped) {
      // The farm's rate since this run started (every rank's cells count), for what is left.
      const auto finished = count_finished();
      const auto total = static_cast<std::int64_t>(archs.size());
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - farm_start).count();
      std::cout << ctx.name << ": " << finished << "/" << total
                << " architectures finished (all ranks)";
      if (finished > already && finished < total)
        std::cout << ", ETA "
                  << Progress::format_duration(elapsed / static_cast<double>(finished - already) *
                                               static_cast<double>(total - finished))
                  << " at this run's rate (" << finished - already << " in "
                  << Progress::format_duration(elapsed) << ")";
      std::cout << "\n";
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

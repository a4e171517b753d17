// Evaluation on the supernet: every (checkpoint, architecture) pair scored by ArchScorer
// (arch_scorer.h). Ranks claim pairs as they free up (claimed_work.h), so the slowest architecture
// does not set everyone's pace; each result goes to rank 0 in a message, and rank 0 writes the
// results file (evaluate_results.h) at least every --flush-seconds, between its own architectures.
#include "wsnas/pipeline/evaluate.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "arch_scorer.h"
#include "claimed_work.h"
#include "evaluate_inputs.h"
#include "evaluate_results.h"
#include "stage_options.h"
#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/mpi/serialize.h"
#include "wsnas/pipeline/supernet.h"
#include "wsnas/space/search_space.h"
#include "wsnas/space/split.h"
#include "wsnas/train/state_io.h"

namespace wsnas::pipeline {

int evaluate(app::Context& ctx, const EvaluateJob& job, train::RunConfig cfg) {
  WSNAS_CHECK_USAGE(job.eval_batch >= 0, "--eval-batch must be >= 0");
  install_stop_handlers();
  const int world = ctx.world.size(), rank = ctx.world.rank();

  // The checkpoints fix the network and the data; they must agree with each other.
  const Checkpoints ck = read_checkpoints(job);
  auto sp = space::make_space(ck.model.space);
  const auto task = task_for(ck.model.space, {});  // evaluation: the task's plain metrics
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
  if (rank == 0 && (ck.repeated > 0 || repeated_archs > 0)) {
    std::cout << ctx.name << ": note: " << ck.repeated << " repeated --checkpoint and "
              << repeated_archs << " repeated architectures in --archs '"
              << printable(job.archs_path) << "' left out (each pair is scored once)\n";
  }
  WSNAS_CHECK_INPUT(!archs.empty(), "--archs '", job.archs_path, "': no architectures");

  for (const auto& unused : job.training_only) cfg.erase(unused);
  for (const auto& k : inherited_keys())
    cfg["supernet." + k] = ck.config.count(k) ? ck.config.at(k) : "";
  // Evaluation options that change the scores, as declared: a rerun on the same output must agree.
  const auto eval_keys = options::result_keys(stage_options<EvaluateJob>(), options::kEvaluate);
  train::record_config(ctx.provenance, cfg);

  // A symbolic link as --out is written through: the lock and the file are its target's, so two
  // runs naming the same results file by different paths exclude each other.
  const std::string out_path = io::resolve_output(job.out_path);
  ClaimedWork work(ctx, out_path, "'" + job.out_path + "'");
  std::vector<Record> done;
  if (io::path_exists(out_path)) done = read_results(out_path, cfg, eval_keys, *task);
  std::map<std::pair<std::string, std::string>, std::size_t> have;
  for (std::size_t i = 0; i < done.size(); ++i) have[{done[i].checkpoint, done[i].arch}] = i;

  // All pairs in order; those without a result are the work.
  std::vector<Record> pairs, pending;
  std::size_t stale = 0;
  std::size_t not_owned = 0;
  for (std::size_t c = 0; c < ck.paths.size(); ++c) {
    const space::Split part =
        space::parse_split(*sp, ck.splits[c], "checkpoint '" + ck.paths[c] + "'");
    for (const auto& a : archs) {
      if (!part.matches(a)) {  // a few-shot sub-supernet scores the architectures it owns
        ++not_owned;
        continue;
      }
      Record r;
      r.checkpoint = ck.paths[c];
      r.checkpoint_id = ck.ids[c];
      r.epoch = ck.epochs[c];
      r.schedule_epochs = ck.schedule_epochs[c];
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
  if (rank == 0 && not_owned > 0)
    std::cout << ctx.name << ": few-shot: each architecture scored by the sub-supernet that owns "
              << "it (" << not_owned << " pairs of other sub-supernets left out)\n";
  if (rank == 0) {
    std::cout << ctx.name << ": " << pairs.size() << " (checkpoint, architecture) pairs, "
              << pairs.size() - pending.size() << " already in " << out_path << ", "
              << pending.size() << " to score on " << world << " ranks\n";
    if (stale > 0)
      std::cout << ctx.name << ": " << stale
                << " of them replace results of a checkpoint that has changed since it "
                << "was scored (trained further or again under the same path)\n";
  }
  if (pending.empty()) {
    if (rank == 0) work.finish();
    return 0;
  }
  ArchScorer scorer(ctx, job, ck, *task);

  std::vector<Record> fresh;
  Progress progress("evaluate", static_cast<std::int64_t>(pending.size()), rank == 0,
                    job.run.progress_s, "arch");
  auto last_flush = std::chrono::steady_clock::now();
  auto flush = [&](bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && std::chrono::duration<double>(now - last_flush).count() < job.flush_s) return;
    train::record_skipped_images(ctx.provenance);
    write_results(out_path, ctx.provenance, cfg, *task, merge_records(pairs, done, fresh));
    last_flush = now;
  };
  auto take = [&](const std::vector<std::uint8_t>& bytes) {  // rank 0: a result from a rank
    fresh.push_back(mpi::from_bytes<Record>(bytes));
    progress.update(static_cast<std::int64_t>(fresh.size()),
                    "last " + fresh.back().arch + " " + task->score().name + " " +
                        std::to_string(fresh.back().metrics.front()));
  };
  const bool complete = work.run(
      pending.size(),
      [&](std::size_t i) {
        Record r = pending[i];
        scorer.score(r);
        return mpi::to_bytes(r);
      },
      take, [&] { flush(false); });
  if (const auto rc = work.conclude(complete, fresh.size(), out_path, [&] { flush(true); }))
    return *rc;
  progress.finish();
  std::cout << ctx.name << ": wrote " << out_path << " ("
            << merge_records(pairs, done, fresh).size() << " results)\n";
  return 0;
}

}  // namespace wsnas::pipeline

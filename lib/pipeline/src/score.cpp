// Zero-cost scores (score.h): architectures claimed by ranks as they free up (claimed_work.h); per
// architecture and scorer a fresh stand-alone network from the architecture's seed; rank 0 writes
// the results file at least every --flush-seconds.
#include "wsnas/pipeline/score.h"

#include <ATen/ATen.h>

#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "claimed_work.h"
#include "score_results.h"
#include "stage_options.h"
#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/io/table.h"
#include "wsnas/mpi/serialize.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/score/scorer.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/evaluation.h"

namespace wsnas::pipeline {

namespace po = options::po;

namespace {

std::vector<const score::ScorerEntry*> scorers_of(const std::string& list) {
  std::vector<const score::ScorerEntry*> out;
  if (trim(list) == "all") {
    for (const auto& e : score::scorers()) out.push_back(&e);
    return out;
  }
  std::set<std::string> seen;
  for (const auto& name : split(list, ',')) {
    const std::string n(trim(name));
    WSNAS_CHECK_USAGE(!n.empty(), "--scorer '", list, "': an empty name (expected NAME[,NAME...])");
    WSNAS_CHECK_USAGE(seen.insert(n).second, "--scorer '", list, "': ", n, " is named twice");
    out.push_back(&score::scorer_entry(n));
  }
  return out;
}

}  // namespace

io::Table<ScoreRecord> scores_table(const std::vector<const score::ScorerEntry*>& scorers) {
  io::Table<ScoreRecord> t;
  t.text("arch", &ScoreRecord::arch, "architecture string")
      .integer("arch_index", &ScoreRecord::arch_index,
               "index in the space's benchmark order (-1 if none)");
  for (std::size_t i = 0; i < scorers.size(); ++i)
    t.real_at(scorers[i]->name, &ScoreRecord::values, i,
              "zero-cost score `" + scorers[i]->name + "`: " + scorers[i]->summary);
  t.real("seconds", &ScoreRecord::seconds, "time to build the networks and score the architecture");
  return t;
}

void add_options(options::Parser& parser, ScoreJob& job) {
  po::options_description g("Zero-cost scores");
  g.add_options()("archs", po::value(&job.archs_path)->required(),
                  "architectures to score (wsnas-space sample output, or one per line)")(
      "out", po::value(&job.out_path)->required(),
      "results file (HDF5, kind 'scores'); existing results are kept")(
      "scorer",
      options::value(&job.scorers, options::Effect{options::kScore})->default_value(job.scorers),
      "zero-cost scorers, comma-separated, or all: grad_norm, snip, grasp, synflow, jacob_cov, "
      "naswot (docs/zero-cost.md)")(
      "score-batch",
      options::value(&job.batch, options::Effect{options::kScore})->default_value(job.batch),
      "images in the scored batch of the training split (>= 2)")(
      "seed", options::value(&job.seed, options::Effect{options::kScore})->default_value(job.seed),
      "seed of the batch and of each architecture's initial weights (the ground truth's initial "
      "network with the same --seed)")(
      "flush-seconds",
      po::value(&job.flush_s)
          ->default_value(job.flush_s)
          ->notifier(options::in_range("flush-seconds", 1e-3, 1e9)),
      "write finished results when this long has passed since the last write (> 0)");
  train::add_run_options(g, job.run);
  parser.add(g);
  parser.add(train::data_option_group(job.data));
  parser.add(train::model_option_group(job.model));
  // The supernet's and the ground truth's other options: parsed, not shown, not used.
  std::set<std::string> taken;
  for (const auto& o : parser.options().options()) taken.insert(o->long_name());
  po::options_description hidden("");
  job.accepted.clear();
  auto accept = [&](const po::options_description& stage) {
    for (const auto& o : stage.options()) {
      if (!taken.insert(o->long_name()).second) continue;
      hidden.add(o);
      job.accepted.push_back(o->long_name());
    }
  };
  options::Parser supernet("", ""), groundtruth("", "");
  add_options(supernet, job.accepted_supernet);
  add_options(groundtruth, job.accepted_groundtruth);
  accept(supernet.options());
  accept(groundtruth.options());
  parser.add_hidden(hidden);
}

void check_inputs(const ScoreJob& job) {
  scorers_of(job.scorers);
  train::check_data_dir(job.data);
}

int score(app::Context& ctx, const ScoreJob& job, train::RunConfig cfg) {
  install_stop_handlers();
  const int world = ctx.world.size(), rank = ctx.world.rank();
  const auto scorers = scorers_of(job.scorers);
  WSNAS_CHECK_USAGE(job.batch >= 2, "--score-batch ", job.batch,
                    ": expected at least 2 images (jacob_cov and naswot compare images)");
  WSNAS_CHECK_USAGE(job.run.precision == "fp32", "--precision ", job.run.precision,
                    ": the zero-cost scorers run in fp32 (expected --precision fp32)");
  WSNAS_CHECK_USAGE(job.run.memory_format != "channels-last",
                    "--memory-format channels-last: the scorers run contiguous (grasp "
                    "differentiates twice; expected auto or contiguous)");
  auto sp = space::make_space(job.model.space);
  const auto task = task_for(job.model.space, {});
  WSNAS_CHECK_USAGE(task->name() == "classification", "--space ", job.model.space,
                    ": the zero-cost scorers are defined for image classification, its task is ",
                    task->name());
  std::vector<space::Arch> archs;
  {
    std::set<std::string> seen;
    for (const auto& a : space::read_arch_list(*sp, job.archs_path))
      if (seen.insert(sp->to_string(a)).second) archs.push_back(a);
  }
  WSNAS_CHECK_INPUT(!archs.empty(), "--archs '", job.archs_path, "': no architectures");
  for (const auto& name : job.accepted) cfg.erase(name);
  train::record_config(ctx.provenance, cfg);
  const auto keys = options::result_keys(stage_options<ScoreJob>(), options::kScore);
  const auto table = scores_table(scorers);

  const std::string out_path = io::resolve_output(job.out_path);
  ClaimedWork work(ctx, out_path, "'" + job.out_path + "'");
  std::vector<ScoreRecord> done;
  if (io::path_exists(out_path)) {
    auto f = io::File::open(out_path);
    io::check_results(f, "scores");
    train::check_same_config(train::read_config(f, "/config"), cfg, keys, "'" + job.out_path + "'");
    done = table.read(f, "/results");
  }
  std::set<std::string> have;
  for (const auto& r : done) have.insert(r.arch);
  std::vector<ScoreRecord> pending;
  for (const auto& a : archs) {
    ScoreRecord r;
    r.arch = sp->to_string(a);
    r.arch_index = sp->index_of(a).value_or(-1);
    if (!have.count(r.arch)) pending.push_back(r);
  }
  if (rank == 0)
    std::cout << ctx.name << ": " << archs.size() << " architectures, "
              << archs.size() - pending.size() << " already in " << out_path << ", "
              << pending.size() << " to score with " << scorers.size() << " scorers on " << world
              << " ranks\n";
  if (pending.empty()) {
    if (rank == 0) work.finish();
    return 0;
  }

  // The batch: the training split with training's augmentation, shuffled by the seed (zero-cost-
  // nas scores one batch of its training loader, predictive.py:90-93).
  const auto device = train::setup_device(ctx.world, job.run.device, &ctx.provenance);
  auto bundle = train::load_data(job.data, &ctx.provenance);
  const auto batch = train::make_batches(bundle.train, job.batch,
                                         train::train_augment(job.data, *bundle.train_set), true,
                                         true, Rng::derive(job.seed, 11), 1, device);
  WSNAS_CHECK_USAGE(!batch.images.empty(), "--score-batch ", job.batch, " needs more than the ",
                    bundle.train.size(), " training images");
  const auto net_opts = train::network_options(job.model, *bundle.train_set);

  std::vector<ScoreRecord> fresh;
  Progress progress("score", static_cast<std::int64_t>(pending.size()), rank == 0,
                    job.run.progress_s, "arch");
  auto all = [&] {
    std::map<std::string, const ScoreRecord*> by_arch;
    for (const auto& r : done) by_arch[r.arch] = &r;
    for (const auto& r : fresh) by_arch[r.arch] = &r;
    std::vector<ScoreRecord> out;
    for (const auto& a : archs) {  // the order of --archs, then earlier runs' others
      const auto it = by_arch.find(sp->to_string(a));
      if (it == by_arch.end()) continue;
      out.push_back(*it->second);
      by_arch.erase(it);
    }
    for (const auto& r : done)
      if (by_arch.count(r.arch)) out.push_back(r);
    return out;
  };
  auto last_flush = std::chrono::steady_clock::now();
  auto flush = [&](bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && std::chrono::duration<double>(now - last_flush).count() < job.flush_s) return;
    io::write_results_file(out_path, "scores", ctx.provenance, [&](io::File& f) {
      train::write_config(f, "/config", cfg);
      table.write(f, "/results", all());
      f.set_attr("/results", "score", scorers.front()->name);
      f.set_attr("/results", "higher_is_better",
                 static_cast<std::int64_t>(scorers.front()->higher_is_better));
    });
    last_flush = now;
  };
  auto take = [&](const std::vector<std::uint8_t>& bytes) {
    fresh.push_back(mpi::from_bytes<ScoreRecord>(bytes));
    progress.update(static_cast<std::int64_t>(fresh.size()),
                    "last " + fresh.back().arch + " " + scorers.front()->name + " " +
                        std::to_string(fresh.back().values.front()));
  };
  const bool complete = work.run(
      pending.size(),
      [&](std::size_t i) {
        ScoreRecord r = pending[i];
        const auto t0 = std::chrono::steady_clock::now();
        const space::Arch arch = sp->parse(r.arch);
        for (const auto* s : scorers) {
          // Every scorer starts from the same initial network (zero-cost-nas scores a copy per
          // measure): built from the architecture's seed, as the ground truth builds it.
          nn::seed_torch(Rng::derive(job.seed, fnv1a(r.arch)));
          auto net = nn::make_network(job.model.space, arch, net_opts);
          net->to(device);
          net->train();
          r.values.push_back(
              s->score({*net, arch, batch.images.front(), batch.labels.front(), *task}));
        }
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return mpi::to_bytes(r);
      },
      take, [&] { flush(false); });
  if (const auto rc = work.conclude(complete, fresh.size(), out_path, [&] { flush(true); }))
    return *rc;
  progress.finish();
  std::cout << ctx.name << ": wrote " << out_path << " (" << all().size() << " results)\n";
  return 0;
}

}  // namespace wsnas::pipeline

// One architecture trained stand-alone from scratch by the training loop (train::Trainer): the
// ground truth's recipe is the options; its concerns are callbacks, as the supernet's.
#include <ATen/ATen.h>

#include <iostream>

#include "groundtruth_cells.h"
#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/loader.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/results.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/callbacks/learning_rate.h"
#include "wsnas/train/callbacks/progress.h"
#include "wsnas/train/callbacks/stop_signal.h"
#include "wsnas/train/callbacks/validation.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/state_io.h"

namespace wsnas::pipeline {

struct CellTrainer::Shared {
  std::unique_ptr<space::SearchSpace> space;
  data::DataBundle bundle;
  c10::MemoryFormat format;
  bool bf16;
  std::int64_t valid_batch, test_batch;
  train::TensorBatches valid, test;
  bool same_splits;
  nn::NetworkOptions net_opts;
  space::CostOptions cost_opts;
  data::LoaderOptions loader;
  mpi::Communicator alone;
};

CellTrainer::CellTrainer(app::Context& ctx, const GroundTruthJob& job, const train::RunConfig& cfg,
                         const train::Task& task)
    : ctx_(ctx),
      job_(job),
      cfg_(cfg),
      task_(task),
      device_(train::setup_device(ctx.world, job.run.device, &ctx.provenance)) {
  const auto& hp = job.hp;
  const auto device = device_;
  auto bundle = train::load_data(job.data, &ctx.provenance);
  const auto eval_aug = bundle.train_set->eval_augment();
  const auto format = train::memory_format(job.run.memory_format, device);
  // Evaluation batches: 500 images; text, DARTS' 10 columns for valid and 1 for test, BPTT fixed.
  const std::int64_t valid_batch = bundle.train_set->default_eval_batch(false);
  const std::int64_t test_batch = bundle.train_set->default_eval_batch(true);
  const auto valid = train::make_batches(bundle.valid, valid_batch, eval_aug, false, false, 0, 0,
                                         device, format, job.data.bptt);
  const bool same_splits =
      bundle.valid.data == bundle.test.data && bundle.valid.indices == bundle.test.indices;
  const auto test = same_splits ? train::TensorBatches{}
                                : train::make_batches(bundle.test, test_batch, eval_aug, false,
                                                      false, 0, 0, device, format, job.data.bptt);
  const auto net_opts = train::network_options(job.model, *bundle.train_set, hp.aux_weight);
  space::CostOptions cost_opts;
  cost_opts.classes = bundle.train_set->classes;
  cost_opts.in_channels = bundle.train_set->channels;
  cost_opts.input_size = bundle.train_set->height;
  cost_opts.channels = job.model.channels;
  cost_opts.cells = job.model.cells;
  cost_opts.width_mult = job.model.width_mult;

  data::LoaderOptions lo =
      train::train_loader_options(job.data, *bundle.train_set, hp.batch_size, hp.cutout);
  lo.drop_last = job.drop_last;
  // Each rank trains its architectures alone: the training loop's collectives are its own.
  shared_.reset(new Shared{space::make_space(job.model.space), std::move(bundle), format,
                           train::use_bf16(job.run.precision), valid_batch, test_batch,
                           std::move(valid), std::move(test), same_splits, net_opts, cost_opts, lo,
                           ctx.world.split(ctx.world.rank(), 0)});
}

CellTrainer::~CellTrainer() = default;

bool CellTrainer::train(const space::Arch& arch, Run& c, const std::string& base) const {
  const auto& hp = job_.hp;
  const auto& sh = *shared_;
  const int rank = ctx_.world.rank();
  const train::Metric score = task_.score();
  const std::uint64_t cell_seed = Rng::derive(job_.seed, fnv1a(c.arch));
  nn::seed_torch(cell_seed);
  auto net = nn::make_network(job_.model.space, arch, sh.net_opts);
  net->to(device_);
  train::set_memory_format(*net, sh.format);
  const auto opt = train::make_optimizer(net->parameters(), hp);
  c.params = nn::count_inference_parameters(*net);  // an auxiliary head is training-only
  if (auto cost = sh.space->cost(arch, sh.cost_opts)) c.flops = static_cast<double>(cost->flops);
  if (io::path_exists(base + ".state.h5")) {
    auto f = io::File::open(base + ".state.h5");  // checked against the options above
    c = read_run(f, score.name);
    train::read_module(f, "/model", *net);
    train::read_optimizer(f, "/optimizer", *opt);
  }
  data::LoaderOptions lo = sh.loader;
  lo.seed = Rng::derive(cell_seed, 1);
  data::BatchLoader loader(sh.bundle.train, lo);
  const std::int64_t nb = loader.batches_per_epoch();
  WSNAS_CHECK_USAGE(nb >= 1, "training split has ", data::describe_size(sh.bundle.train),
                    ", fewer than one --batch-size ", hp.batch_size);

  train::TrainerSetup ts;
  ts.net = net.get();
  ts.opt = opt.get();
  ts.task = &task_;
  ts.hp = &hp;
  ts.comm = &sh.alone;
  ts.paths = [&](std::uint64_t, int, int) { return std::vector<space::Arch>{arch}; };
  ts.drop_seed = Rng::derive(cell_seed, 2);
  ts.device = device_;
  ts.format = sh.format;
  ts.bf16 = sh.bf16;
  ts.name = ctx_.name;
  train::Trainer trainer(ts, loader);
  auto& p = trainer.progress();
  p.epoch = c.epoch;
  p.step = loader.batches_until(c.epoch);
  p.log_loss = c.train_loss;
  p.log_score = c.train_score;
  p.seconds = c.seconds;
  namespace cb = train::callbacks;
  const std::int64_t total = loader.batches_until(hp.epochs);
  trainer.add<cb::LearningRate>(hp, nb, total);
  // Validation after every epoch on the sh.valid and the sh.test split (--protocol train-all scores
  // the sh.test set as both: evaluated once), with ASGD's averaged weights; --asgd follows it.
  auto score_epoch = [&](train::Trainer& tr) {
    auto fwd = [&](const at::Tensor& xx) { return tr.net().forward(xx, arch).output; };
    train::Scores v, te;
    train::AveragedWeights averaged(tr.opt());
    tr.net().eval();
    train::Autocast autocast(device_, sh.bf16);
    tr.net().reset_state(sh.valid_batch);
    v = train::evaluate(task_, fwd, sh.valid);
    tr.net().reset_state(sh.test_batch);
    te = sh.same_splits ? v : train::evaluate(task_, fwd, sh.test);
    c.valid_loss.push_back(v.values.back());
    c.valid_score.push_back(v.values.front());
    c.test_score.push_back(te.values.front());
    return v.values.front();
  };
  cb::ValidationRule rule{
      1, score.higher_is_better, hp.asgd, hp.asgd_patience, false, score.name, false};
  auto report = [&](const cb::Validation& v, bool switched) {
    if (switched)
      std::cout << ctx_.name << ": rank " << rank << " " << c.arch << ": averaged SGD from epoch "
                << v.epochs().back() + 1 << " (--asgd " << hp.asgd << ")\n";
  };
  auto& validation = trainer.add<cb::Validation>(score_epoch, rule, nullptr, report);
  std::vector<std::int64_t> done(c.valid_score.size());
  for (std::size_t e = 0; e < done.size(); ++e) done[e] = static_cast<std::int64_t>(e) + 1;
  validation.set_history(done, c.valid_score);
  trainer.add<cb::ProgressReport>("arch " + std::to_string(c.arch_index >= 0 ? c.arch_index : 0) +
                                      " (rank " + std::to_string(rank) + ")",
                                  total, rank == 0, job_.run.progress_s);
  trainer.add<cb::StopSignal>();
  trainer.add<CellCheckpoint>(c, base + ".state.h5", ctx_.provenance, cfg_);
  return trainer.run() == 0;
}

}  // namespace wsnas::pipeline

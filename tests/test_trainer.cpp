// The training loop's extension point (wsnas/train/trainer.h) on 2 ranks: callbacks run in
// registration order at the documented points, their votes are summed over the ranks, a stop
// voted by one rank ends the run on every rank after on_stop, and a step a callback rejects does
// not count in the epoch's totals. The numerics of the step itself are pinned by the supernet
// references (test_supernet_reference) and the fingerprints (scripts/fingerprint.sh).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/loader.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/callbacks/learning_rate.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/task.h"
#include "wsnas/train/trainer.h"

using namespace wsnas;

namespace {

/// Records the hooks it sees; votes 1 on rank `stopper` at step `stop_at`; rejects step
/// `reject_at` (kEndEpoch).
class Recorder : public train::Callback {
 public:
  std::vector<std::string> calls;
  std::vector<double> summed;           ///< votes as on_step received them
  std::vector<double> rejected_totals;  ///< the step totals of the rejected step
  std::vector<double> first_totals;     ///< the first step's totals
  int stopper = -1;
  std::int64_t stop_at = -1, reject_at = -1;

  std::size_t votes() const override { return 1; }
  void cast_votes(const train::Trainer& t, double* out) override {
    out[0] = t.comm().rank() == stopper && t.progress().step == stop_at ? 1 : 0;
  }
  void on_begin(train::Trainer&) override { calls.push_back("begin"); }
  void on_epoch_begin(train::Trainer&) override { calls.push_back("epoch_begin"); }
  void on_batch(train::Trainer&, const data::Batch&) override { calls.push_back("batch"); }
  Action on_step_reduced(train::Trainer& t) override {
    calls.push_back("reduced");
    if (t.progress().step == 1) first_totals = t.step_totals();
    if (t.progress().step != reject_at) return Action::kContinue;
    rejected_totals = t.step_totals();
    return Action::kEndEpoch;
  }
  Action on_step(train::Trainer&, const double* v) override {
    calls.push_back("step");
    summed.push_back(v[0]);
    return v[0] > 0 ? Action::kStop : Action::kContinue;
  }
  void on_epoch_end(train::Trainer&) override { calls.push_back("epoch_end"); }
  void on_stop(train::Trainer&) override { calls.push_back("stop"); }
  void on_end(train::Trainer&) override { calls.push_back("end"); }
};

/// A small NB-201 supernet on synthetic 8x8 images, 2 replicas over the ranks.
struct Fixture {
  mpi::Communicator world = mpi::Communicator::world();
  data::ImageArray set = data::make_synthetic(64, 10, 7, 3, 8, 8);
  data::Split split{&set, {}, "train"};
  options::HyperParameters hp;
  std::unique_ptr<space::SearchSpace> sp = space::make_space("nb201");
  std::shared_ptr<nn::Network> net;
  std::unique_ptr<train::Optimizer> opt;
  std::unique_ptr<train::Task> task = train::make_task("classification");
  std::unique_ptr<data::BatchLoader> loader;

  Fixture() {
    for (std::int64_t i = 0; i < set.size(); ++i) split.indices.push_back(i);
    hp.epochs = 2;
    hp.batch_size = 16;
    nn::NetworkOptions o;
    o.channels = 4;
    o.cells = 1;
    o.input_size = 8;
    nn::seed_torch(3);
    net = nn::make_supernet("nb201", o);
    opt = train::make_optimizer(net->parameters(), hp);
    data::LoaderOptions lo;
    lo.batch_size = hp.batch_size;
    lo.rank = world.rank();
    lo.world = world.size();
    loader = std::make_unique<data::BatchLoader>(split, lo);
  }
  train::TrainerSetup setup() {
    train::TrainerSetup s;
    s.net = net.get();
    s.opt = opt.get();
    s.task = task.get();
    s.hp = &hp;
    s.comm = &world;
    s.replicas = 2;
    s.paths = [this](std::uint64_t t, int replica, int) {
      Rng r(t * 2 + static_cast<std::uint64_t>(replica));
      return std::vector<space::Arch>{sp->sample(r, true)};
    };
    s.replicas_differ = true;
    s.name = "test";
    return s;
  }
};

}  // namespace

TEST(Trainer, HooksInOrderAndAStopVotedByOneRankEndsEveryRank) {
  Fixture fx;
  train::Trainer trainer(fx.setup(), *fx.loader);
  trainer.add<train::callbacks::LearningRate>(fx.hp, 4, 8);
  double before = 0;
  for (const auto& p : trainer.params()) before += p.sum().item<double>();
  auto& rec = trainer.add<Recorder>();
  rec.stopper = 1;
  rec.stop_at = 2;          // cast in step 3, whose update progress().step does not count yet
  trainer.add<Recorder>();  // a second callback: hooks reach every registered one
  ASSERT_EQ(trainer.run(), kExitInterrupted);
  EXPECT_EQ(trainer.progress().step, 3);
  EXPECT_EQ(trainer.progress().epoch, 0);
  // 64 images / 16 a step: 4 steps an epoch, so the stop came mid-epoch on both ranks.
  const std::vector<std::string> want = {"begin", "epoch_begin", "batch",   "reduced",
                                         "step",  "batch",       "reduced", "step",
                                         "batch", "reduced",     "step",    "stop"};
  EXPECT_EQ(rec.calls, want);
  // Rank 1 alone voted; every rank saw the sum.
  EXPECT_EQ(rec.summed, (std::vector<double>{0, 0, 1}));
  // The weights moved, and the same on both ranks (averaged gradients, one update each step).
  double sum = 0;
  for (const auto& p : trainer.params()) sum += p.sum().item<double>();
  EXPECT_NE(sum, before);
  double both[2] = {fx.world.rank() == 0 ? sum : 0, fx.world.rank() == 1 ? sum : 0};
  fx.world.allreduce_sum(both, 2, mpi::DType::kFloat64);
  EXPECT_EQ(both[0], both[1]);
}

TEST(Trainer, ARejectedStepEndsTheEpochWithoutCounting) {
  Fixture fx;
  train::Trainer trainer(fx.setup(), *fx.loader);
  auto& rec = trainer.add<Recorder>();
  rec.reject_at = 2;
  ASSERT_EQ(trainer.run(), 0);
  const auto& p = trainer.progress();
  ASSERT_EQ(p.log_epoch, (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(p.complete);
  // Epoch 1: step 1 counted, step 2 rejected and the epoch ended; epoch 2 ran its 4 steps.
  EXPECT_EQ(p.step, 2 + 4);
  const auto first = fx.task->finish(rec.first_totals);
  EXPECT_DOUBLE_EQ(p.log_loss[0], first.back());
  EXPECT_DOUBLE_EQ(p.log_score[0], first.front());
  ASSERT_FALSE(rec.rejected_totals.empty());
  EXPECT_NE(fx.task->finish(rec.rejected_totals).back(), p.log_loss[0]);
  EXPECT_EQ(std::count(rec.calls.begin(), rec.calls.end(), "epoch_end"), 2);
  EXPECT_EQ(rec.calls.back(), "end");
}

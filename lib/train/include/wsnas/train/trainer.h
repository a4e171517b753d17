#pragma once
/// One training loop for every stage (the supernet and each ground-truth architecture). A step:
/// the sampler's paths for each local replica -> forward -> objective -> backward -> gradients and
/// BN statistics averaged over the ranks (mpi::Reducer) -> clip -> optimizer. Everything else a
/// run does is a Callback in its own file, registered by the stage: the learning-rate position
/// (callbacks/learning_rate.h), progress, stop signals, validation with the ASGD switch and
/// keep-best, NaN rollback, and the stage's checkpoint. docs/engine.md.

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/MemoryFormat.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::data {
class BatchLoader;
struct Batch;
}  // namespace wsnas::data
namespace wsnas::io {
class File;
}
namespace wsnas::mpi {
class Communicator;
class Reducer;
}  // namespace wsnas::mpi
namespace wsnas::nn {
class Network;
}
namespace wsnas::options {
struct HyperParameters;
}

namespace wsnas::train {

class Optimizer;
class Task;
class Trainer;

/// Where a run stands besides its weights and optimizer: what every checkpoint keeps.
struct TrainProgress {
  std::int64_t epoch = 0;       ///< epochs completed
  std::int64_t epoch_step = 0;  ///< batches done in the current epoch
  std::int64_t step = 0;        ///< optimisation steps done in all (the schedule's position)
  std::vector<double> totals;   ///< the task's running totals over the current epoch, all ranks
  double seconds = 0;           ///< training time over all runs (Trainer::seconds when saved)
  bool complete = false;
  std::int64_t rollbacks = 0;    ///< steps undone by callbacks::NanRollback
  std::string weights = "last";  ///< "best" once the run ended with its best validated weights
  /// Per epoch: the task's loss and score over the trained paths, the last learning rate, time.
  std::vector<std::int64_t> log_epoch;
  std::vector<double> log_loss, log_score, log_lr, log_seconds;
};

/// A concern of training with its own state, called at fixed points of the loop (LBANN's
/// callbacks). Every rank calls every hook at the same point, so a hook may run collectives.
class Callback {
 public:
  enum class Action { kContinue, kEndEpoch, kStop };
  virtual ~Callback() = default;

  /// How many values this callback adds to each step's allreduce (e.g. a stop request), written
  /// by cast_votes and handed back summed over the ranks to on_step.
  virtual std::size_t votes() const { return 0; }
  virtual void cast_votes(const Trainer& /*trainer*/, double* /*out*/) {}

  virtual void on_begin(Trainer& /*trainer*/) {}
  /// After the loader started the epoch and the network's carried state was reset.
  virtual void on_epoch_begin(Trainer& /*trainer*/) {}
  /// Before the step on `batch` (e.g. its learning rate).
  virtual void on_batch(Trainer& /*trainer*/, const data::Batch& /*batch*/) {}
  /// After the update, before the step's totals count: kEndEpoch drops them and ends the epoch.
  virtual Action on_step_reduced(Trainer& /*trainer*/) { return Action::kContinue; }
  /// After the totals count, with this callback's votes summed: kStop ends the run (on_stop).
  virtual Action on_step(Trainer& /*trainer*/, const double* /*votes*/) {
    return Action::kContinue;
  }
  /// After the epoch's log entry (progress().epoch already counts it).
  virtual void on_epoch_end(Trainer& /*trainer*/) {}
  /// The run stops early (a stop signal); the loop returns kExitInterrupted after these.
  virtual void on_stop(Trainer& /*trainer*/) {}
  virtual void on_end(Trainer& /*trainer*/) {}

  /// A callback with state writes it into the stage's checkpoint and reads it back on resume.
  virtual void save(io::File& /*f*/) const {}
  virtual void load(const io::File& /*f*/) {}
};

/// What the loop trains and how.
struct TrainerSetup {
  nn::Network* net = nullptr;
  Optimizer* opt = nullptr;
  const Task* task = nullptr;
  const options::HyperParameters* hp = nullptr;
  /// The ranks training these weights together (one rank alone: a communicator of one).
  const mpi::Communicator* comm = nullptr;
  /// Data-parallel replicas splitting hp->batch_size, a multiple of comm's size.
  int replicas = 1;
  /// The paths replica `replica` of `replicas` trains at step `step` (gradients summed).
  std::function<std::vector<space::Arch>(std::uint64_t step, int replica, int replicas)> paths;
  /// What chooses the paths, in messages ("--sampler uniform").
  std::string paths_what = "the paths";
  /// Replicas may train different paths: BN step counters advance where any replica ran.
  bool replicas_differ = false;
  /// Drop-path masks: one stream per (step, replica, path), whatever the ranks.
  std::uint64_t drop_seed = 0;
  c10::Device device = c10::Device(c10::kCPU);
  c10::MemoryFormat format = c10::MemoryFormat::Contiguous;
  bool bf16 = false;
  std::string name;  ///< the app, in messages
};

class Trainer {
 public:
  Trainer(TrainerSetup setup, data::BatchLoader& loader);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Registers a callback; hooks run in registration order.
  template <class C, class... Args>
  C& add(Args&&... args) {
    auto owned = std::make_unique<C>(std::forward<Args>(args)...);
    C& c = *owned;
    callbacks_.push_back(std::move(owned));
    return c;
  }

  /// Trains from progress() to hp->epochs: 0, or kExitInterrupted when a callback stopped it.
  int run();

  TrainProgress& progress() { return progress_; }
  const TrainProgress& progress() const { return progress_; }
  const TrainerSetup& setup() const { return setup_; }
  nn::Network& net() const { return *setup_.net; }
  Optimizer& opt() const { return *setup_.opt; }
  const Task& task() const { return *setup_.task; }
  const options::HyperParameters& hp() const { return *setup_.hp; }
  const mpi::Communicator& comm() const { return *setup_.comm; }
  data::BatchLoader& loader() const { return loader_; }
  const std::vector<at::Tensor>& params() const { return params_; }

  /// The learning rate of the step about to run (callbacks::LearningRate sets it).
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  /// The last step's task totals summed over the ranks (before they count).
  const std::vector<double>& step_totals() const { return step_totals_; }
  bool step_finite() const;
  /// Training seconds of all runs: progress().seconds at run() plus this run's.
  double seconds() const;
  /// Every callback's save / load, in registration order.
  void save_callbacks(io::File& f) const;
  void load_callbacks(const io::File& f);

 private:
  void step(const data::Batch& batch, double drop_prob);

  TrainerSetup setup_;
  data::BatchLoader& loader_;
  std::vector<std::unique_ptr<Callback>> callbacks_;
  TrainProgress progress_;
  std::vector<at::Tensor> params_, buffers_, float_buffers_;
  std::unique_ptr<mpi::Reducer> reducer_;
  double lr_ = 0;
  std::vector<double> step_totals_, votes_;
  double seconds_base_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace wsnas::train

// The training loop (wsnas/train/trainer.h). The step is the supernet's since the engine began:
// a replica sums its paths' gradients on its slice of the global batch; gradients and BN running
// statistics are averaged over replicas, so the weights depend on (seed, global batch, replicas),
// not on how many MPI ranks hold them.
#include "wsnas/train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/signals.h"
#include "wsnas/data/loader.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/mpi/reducer.h"
#include "wsnas/nn/network.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/schedule.h"
#include "wsnas/train/state_io.h"
#include "wsnas/train/task.h"

namespace wsnas::train {

namespace {

/// The training objective of one forward pass: the task's loss, plus --aux-weight times the loss
/// of the auxiliary head's output when the network computed one (DARTS: 0.4; the paper's released
/// code, github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:232-245), plus --tar times
/// the network's penalty when it computed one (DARTS-PTB's temporal activation regularisation,
/// 1e-3: anonymous-2102 configs/ptb.py:30, trainers/ptb.py:51-52).
at::Tensor objective(const nn::Forward& f, const Task& task, const at::Tensor& target,
                     const options::HyperParameters& hp) {
  auto loss = task.loss(f.output, target);
  if (f.auxiliary.defined() && hp.aux_weight > 0)
    loss = loss + task.loss(f.auxiliary, target) * hp.aux_weight;
  if (f.penalty.defined() && hp.tar > 0) loss = loss + f.penalty * hp.tar;
  return loss;
}

}  // namespace

Trainer::Trainer(TrainerSetup setup, data::BatchLoader& loader)
    : setup_(std::move(setup)), loader_(loader) {
  WSNAS_CHECK(setup_.net && setup_.opt && setup_.task && setup_.hp && setup_.comm && setup_.paths,
              "Trainer: incomplete setup");
  const int world = setup_.comm->size();
  WSNAS_CHECK(setup_.replicas >= world && setup_.replicas % world == 0,
              "Trainer: ", setup_.replicas, " replicas on ", world, " ranks");
  params_ = setup_.net->parameters();
  // Loading a state copies into these tensors (read_module), so the lists stay valid.
  buffers_ = setup_.net->buffers();
  float_buffers_ = float_buffers(*setup_.net);
  // Replicas on different ranks may train different paths: a parameter keeps a gradient if some
  // replica used it (mpi::Reducer's used-mask). One rank alone has nothing to average.
  if (world > 1) {
    std::vector<std::string> names;
    for (const auto& p : setup_.net->named_parameters()) names.push_back(p.key());
    reducer_ = std::make_unique<mpi::Reducer>(*setup_.comm, params_, names);
  }
}

Trainer::~Trainer() = default;

bool Trainer::step_finite() const {
  return std::all_of(step_totals_.begin(), step_totals_.end(),
                     [](double v) { return std::isfinite(v); });
}

double Trainer::seconds() const {
  return seconds_base_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Trainer::save_callbacks(io::File& f) const {
  for (const auto& c : callbacks_) c->save(f);
}

void Trainer::load_callbacks(const io::File& f) {
  for (const auto& c : callbacks_) c->load(f);
}

void Trainer::step(const data::Batch& batch, double drop_prob) {
  nn::Network& net = *setup_.net;
  const auto& hp = *setup_.hp;
  const int world = setup_.comm->size(), rank = setup_.comm->rank();
  const int R = setup_.replicas, local_r = R / world;
  const std::int64_t t = progress_.step;
  net.train();
  setup_.opt->zero_grad();
  auto xs = to_device(batch.images, setup_.device, setup_.format).chunk(local_r);
  auto ys = batch.labels.to(setup_.device).chunk(local_r);
  // Replicas of one rank: each starts from the step's BN statistics; theirs are averaged after.
  const std::vector<at::Tensor>& buffers = buffers_;
  const std::vector<at::Tensor>& float_bufs = float_buffers_;
  std::vector<at::Tensor> saved, sum;
  if (local_r > 1) {
    for (const auto& b : buffers) saved.push_back(b.clone());
    for (const auto& b : float_bufs) sum.push_back(at::zeros_like(b));
  }
  // BN step counters (num_batches_tracked): with replicas on different paths, a layer's counter
  // advances when any replica ran it, whichever ranks hold the replicas.
  const bool merge_counters = setup_.replicas_differ && R > 1;
  std::vector<at::Tensor> counters, counter_start, counter_ran;
  if (merge_counters) {
    for (const auto& b : buffers) {
      if (b.is_floating_point()) continue;
      counters.push_back(b);
      counter_start.push_back(b.clone());
      counter_ran.push_back(at::zeros(b.sizes(), b.options().dtype(at::kFloat)));
    }
  }
  at::Tensor totals;
  for (int r = 0; r < local_r; ++r) {
    if (local_r > 1) {
      at::NoGradGuard g;
      for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved[i]);
    }
    const int replica = rank * local_r + r;
    const auto paths = setup_.paths(static_cast<std::uint64_t>(t), replica, R);
    WSNAS_CHECK_USAGE(paths.size() == 1 || net.state().empty(), setup_.paths_what, ": ",
                      paths.size(),
                      " paths per step, but a recurrent network carries one hidden state (one "
                      "path per step: --sampler uniform or per-replica)");
    for (std::size_t j = 0; j < paths.size(); ++j) {
      net.set_drop_path(drop_prob,
                        Rng::derive(Rng::derive(setup_.drop_seed, static_cast<std::uint64_t>(t)),
                                    static_cast<std::uint64_t>(replica) * 1024 + j));
      at::Tensor out, loss;
      {
        Autocast autocast(setup_.device, setup_.bf16);
        const nn::Forward f = net.forward(xs[r], paths[j]);
        out = f.output;
        loss = objective(f, *setup_.task, ys[r], hp);
      }
      // Paths of a replica: gradients summed; replicas: averaged (here and over ranks).
      loss.div(local_r).backward();
      const at::Tensor tt = setup_.task->totals(out, ys[r], loss);
      totals = totals.defined() ? totals + tt : tt;
    }
    if (local_r > 1) {
      for (std::size_t i = 0; i < float_bufs.size(); ++i) sum[i].add_(float_bufs[i]);
    }
    for (std::size_t i = 0; i < counters.size(); ++i)
      counter_ran[i].add_(counters[i].gt(counter_start[i]));
  }
  net.detach_state();
  {
    at::NoGradGuard g;
    if (local_r > 1) {
      for (std::size_t i = 0; i < float_bufs.size(); ++i) float_bufs[i].copy_(sum[i].div_(local_r));
    }
    // Gradients (those some rank has), BN running statistics and counters, averaged over ranks.
    if (reducer_) {
      std::vector<at::Tensor> averaged = float_bufs;
      averaged.insert(averaged.end(), counter_ran.begin(), counter_ran.end());
      reducer_->average(averaged);
    }
    for (std::size_t i = 0; i < counters.size(); ++i)
      counters[i].copy_(counter_start[i] + counter_ran[i].gt(0).to(counters[i].scalar_type()));
  }
  clip_grad_norm(params_, hp.grad_clip);
  setup_.opt->step(lr_);

  // The step's totals and the callbacks' votes, agreed on by all ranks at once.
  const at::Tensor host = totals.to(at::kCPU).contiguous();
  step_totals_.assign(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
  votes_.clear();
  for (const auto& c : callbacks_) {
    const std::size_t at = votes_.size();
    votes_.resize(at + c->votes(), 0.0);
    if (c->votes() > 0) c->cast_votes(*this, votes_.data() + at);
  }
  std::vector<double> stats = step_totals_;
  stats.insert(stats.end(), votes_.begin(), votes_.end());
  setup_.comm->allreduce_sum(stats.data(), stats.size(), mpi::DType::kFloat64);
  std::copy(stats.begin(), stats.begin() + static_cast<std::ptrdiff_t>(step_totals_.size()),
            step_totals_.begin());
  std::copy(stats.begin() + static_cast<std::ptrdiff_t>(step_totals_.size()), stats.end(),
            votes_.begin());
}

int Trainer::run() {
  nn::Network& net = *setup_.net;
  const auto& hp = *setup_.hp;
  const int local_r = setup_.replicas / setup_.comm->size();
  seconds_base_ = progress_.seconds;
  start_ = std::chrono::steady_clock::now();
  for (const auto& c : callbacks_) c->on_begin(*this);
  auto& p = progress_;
  while (p.epoch < hp.epochs) {
    loader_.start_epoch(p.epoch, p.epoch_step);
    net.reset_state(hp.batch_size / setup_.replicas);
    // A recurrent state is one replica's rows: one replica per rank (each rank its own rows).
    WSNAS_CHECK_USAGE(local_r == 1 || net.state().empty(),
                      "a recurrent network carries one hidden state per replica: run as many "
                      "ranks as replicas (",
                      setup_.replicas, " replicas on ", setup_.comm->size(), " ranks)");
    lr_ = 0;
    for (const auto& c : callbacks_) c->on_epoch_begin(*this);
    const double drop_prob = options::drop_path_at(hp, p.epoch);
    data::Batch batch;
    while (loader_.next(batch)) {
      for (const auto& c : callbacks_) c->on_batch(*this, batch);
      step(batch, drop_prob);
      p.epoch_step = batch.index + 1;
      p.step += 1;
      bool end_epoch = false;
      for (const auto& c : callbacks_)
        end_epoch = c->on_step_reduced(*this) == Callback::Action::kEndEpoch || end_epoch;
      if (end_epoch) break;
      if (p.totals.size() != step_totals_.size()) p.totals.assign(step_totals_.size(), 0.0);
      for (std::size_t i = 0; i < step_totals_.size(); ++i) p.totals[i] += step_totals_[i];
      bool stop = false;
      std::size_t at = 0;
      for (const auto& c : callbacks_) {
        stop = c->on_step(*this, votes_.data() + at) == Callback::Action::kStop || stop;
        at += c->votes();
      }
      if (stop) {
        for (const auto& c : callbacks_) c->on_stop(*this);
        return kExitInterrupted;
      }
    }
    const auto metrics = setup_.task->finish(p.totals);
    p.log_epoch.push_back(p.epoch + 1);
    p.log_loss.push_back(metrics.back());
    p.log_score.push_back(metrics.front());
    p.log_lr.push_back(lr_);
    p.log_seconds.push_back(seconds());
    p.epoch += 1;
    p.epoch_step = 0;
    p.totals.assign(p.totals.size(), 0.0);
    p.complete = p.epoch == hp.epochs;
    for (const auto& c : callbacks_) c->on_epoch_end(*this);
  }
  for (const auto& c : callbacks_) c->on_end(*this);
  return 0;
}

}  // namespace wsnas::train

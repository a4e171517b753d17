#include "supernet_checkpoint.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <random>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/io/results.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/mpi/tensor_collectives.h"
#include "wsnas/nn/network.h"
#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/setup.h"
#include "wsnas/train/state_io.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

namespace {

/// A run's identity: 16 hex digits from the host, process, time and the system's entropy.
std::string new_run_id() {
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string seed = std::string(host) + ":" + std::to_string(getpid()) + ":" +
                           std::to_string(now) + ":" + std::to_string(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(seed)));
  return buf;
}

std::string epoch_file(const std::string& dir, std::int64_t epoch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/epoch_%04lld.h5", static_cast<long long>(epoch));
  return dir + buf;
}

}  // namespace

io::Table<SupernetState> supernet_state_table() {
  using S = SupernetState;
  io::Table<S> t;
  t.integer("epoch", &S::epoch, "epochs completed")
      .integer("epoch_step", &S::epoch_step, "batches done in the current epoch")
      .integer("step", &S::step, "optimiser steps (the schedule's position)")
      .text("run_id", &S::run_id,
            "16 hex digits made when the run starts, kept by its resumes (evaluation keys on it)")
      .optional()
      .real("seconds", &S::seconds, "training time over all runs")
      .integer("complete", &S::complete, "1 when all epochs are done")
      .integer("rollbacks", &S::rollbacks, "steps undone by `--nan-rollback`")
      .optional()
      .text("weights", &S::weights,
            "`last`, or `best` once the run ended with its best validated weights (`--keep-best`)")
      .optional()
      .integer("schedule_epochs", &S::schedule_epochs, "the run's `--epochs`")
      .optional()
      .integer("snapshot", &S::snapshot,
               "1 when `epoch < schedule_epochs`: a snapshot of a schedule that had not annealed "
               "yet, not a supernet trained for `epoch` epochs (docs/protocol.md)")
      .optional();
  return t;
}

io::Table<SupernetLogRow> supernet_log_table(const std::string& score) {
  using L = SupernetLogRow;
  io::Table<L> t;
  t.integer("epoch", &L::epoch, "the epoch (1-based)")
      .real("loss", &L::loss, "mean training loss of the sampled paths on their batches")
      .real(score, &L::score,
            "mean training score of the sampled paths (the task's score; classification: "
            "`accuracy`, %)")
      .real("lr", &L::lr, "the epoch's last learning rate")
      .real("seconds", &L::seconds, "cumulative training seconds");
  return t;
}

std::set<std::int64_t> parse_save_epochs(const std::string& text, std::int64_t epochs) {
  std::set<std::int64_t> out;
  if (text == "none") return out;
  if (text == "pow2") {
    for (std::int64_t e = 1; e <= epochs; e *= 2) out.insert(e);
    return out;
  }
  for (const auto& part : split(text, ',')) {
    std::int64_t e = 0;
    WSNAS_CHECK_USAGE(parse_int(trim(part), e) && e >= 1 && e <= epochs, "--save-epochs '", text,
                      "': expected pow2, none, or a list of epochs in 1..", epochs);
    out.insert(e);
  }
  return out;
}

SupernetCheckpoint::SupernetCheckpoint(train::Trainer& trainer, CheckpointSetup setup)
    : trainer_(trainer),
      setup_(std::move(setup)),
      path_(setup_.out_dir + "/supernet.h5"),
      run_id_(new_run_id()),
      last_(std::chrono::steady_clock::now()) {}

void SupernetCheckpoint::write(const std::string& path) {
  auto& p = trainer_.progress();
  train::record_skipped_images(*setup_.provenance);
  // A recurrent network's state, gathered from every rank (rows of replica order); each rank
  // takes its rows back on resume.
  carried_.clear();
  if (p.epoch_step > 0) {
    for (const at::Tensor& s : trainer_.net().state()) {
      at::Tensor all = mpi::gather_rows(trainer_.comm(), s, 0);
      if (trainer_.comm().rank() == 0) carried_.push_back(all);
    }
  }
  p.seconds = trainer_.seconds();
  if (trainer_.comm().rank() != 0) return;
  const auto& hp = trainer_.hp();
  const std::string score = trainer_.task().score().name;
  io::write_results_file(path, "supernet", *setup_.provenance, [&](io::File& f) {
    train::write_config(f, "/config", *setup_.config);
    // Budgets are separate runs: a checkpoint before the last epoch is a snapshot of a schedule
    // that had not annealed to 0 yet, not a supernet trained for `epoch` epochs (docs/protocol.md).
    const SupernetState state{p.epoch,     p.epoch_step,
                              p.step,      run_id_,
                              p.seconds,   static_cast<std::int64_t>(p.complete),
                              p.rollbacks, p.weights,
                              hp.epochs,   static_cast<std::int64_t>(p.epoch < hp.epochs)};
    supernet_state_table().write_attributes(f, "/state", state);
    f.write_f64("/state/totals", p.totals);
    for (std::size_t i = 0; i < carried_.size(); ++i)
      io::write_tensor(f, "/state/carried/" + std::to_string(i), carried_[i]);
    train::write_module(f, "/model", trainer_.net());
    train::write_optimizer(f, "/optimizer", trainer_.opt());
    // ASGD: the averaged weights are what evaluation scores (wsnas-evaluate reads them).
    if (trainer_.opt().averaging() && p.weights == "last") {
      train::AveragedWeights averaged(trainer_.opt());
      train::write_module(f, "/averaged", trainer_.net());
    }
    trainer_.save_callbacks(f);
    std::vector<SupernetLogRow> log;
    for (std::size_t e = 0; e < p.log_epoch.size(); ++e)
      log.push_back({p.log_epoch[e], p.log_loss[e], p.log_score[e], p.log_lr[e], p.log_seconds[e]});
    supernet_log_table(score).write(f, "/log", log);
    if (!setup_.pool.empty()) f.write_strings("/pool/arch", setup_.pool);
  });
}

bool SupernetCheckpoint::resume() {
  if (!io::path_exists(path_)) return false;
  auto f = io::File::open(path_);
  io::check_results(f, "supernet");
  train::check_same_config(train::read_config(f, "/config"), *setup_.config, *setup_.result_keys,
                           "'" + path_ + "'");
  auto& p = trainer_.progress();
  const std::string score = trainer_.task().score().name;
  SupernetState absent;
  absent.rollbacks = p.rollbacks;  // files before --nan-rollback: unchanged
  const auto state = supernet_state_table().read_attributes(f, "/state", absent);
  p.epoch = state.epoch;
  p.epoch_step = state.epoch_step;
  p.step = state.step;
  if (!state.run_id.empty()) run_id_ = state.run_id;
  p.seconds = state.seconds;
  p.complete = state.complete != 0;
  p.rollbacks = state.rollbacks;
  p.totals = f.read_f64("/state/totals");
  carried_.clear();
  for (int i = 0; f.exists("/state/carried/" + std::to_string(i)); ++i)
    carried_.push_back(io::read_tensor(f, "/state/carried/" + std::to_string(i)));
  train::read_module(f, "/model", trainer_.net());
  train::read_optimizer(f, "/optimizer", trainer_.opt());
  trainer_.load_callbacks(f);
  p.log_epoch.clear();
  p.log_loss.clear();
  p.log_score.clear();
  p.log_lr.clear();
  p.log_seconds.clear();
  for (const auto& r : supernet_log_table(score).read(f, "/log")) {
    p.log_epoch.push_back(r.epoch);
    p.log_loss.push_back(r.loss);
    p.log_score.push_back(r.score);
    p.log_lr.push_back(r.lr);
    p.log_seconds.push_back(r.seconds);
  }
  return true;
}

void SupernetCheckpoint::cast_votes(const train::Trainer& trainer, double* out) {
  const double since =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count();
  out[0] = trainer.comm().rank() == 0 && since >= setup_.minutes * 60 ? 1 : 0;
}

train::Callback::Action SupernetCheckpoint::on_step(train::Trainer& /*trainer*/,
                                                    const double* votes) {
  if (votes[0] > 0) {
    write(path_);
    last_ = std::chrono::steady_clock::now();
  }
  return Action::kContinue;
}

void SupernetCheckpoint::on_epoch_begin(train::Trainer& trainer) {
  const auto& p = trainer.progress();
  if (p.epoch_step > 0 && !carried_.empty()) {
    const auto& comm = trainer.comm();
    const std::int64_t per = trainer.hp().batch_size / trainer.setup().replicas;
    std::vector<at::Tensor> mine;
    for (const auto& c : carried_) {
      WSNAS_CHECK_INPUT(c.dim() == 2 && c.size(0) == per * comm.size(), "'", path_,
                        "': a carried state of ", c.size(0), " rows, expected ", per * comm.size());
      mine.push_back(c.narrow(0, comm.rank() * per, per).to(trainer.setup().device));
    }
    trainer.net().set_state(mine);
  }
  carried_.clear();
}

void SupernetCheckpoint::on_epoch_end(train::Trainer& trainer) {
  const std::int64_t done = trainer.progress().epoch;
  if (setup_.save_epochs.count(done)) write(epoch_file(setup_.out_dir, done));
  write(path_);
  last_ = std::chrono::steady_clock::now();
}

void SupernetCheckpoint::on_stop(train::Trainer& trainer) {
  write(path_);
  if (trainer.comm().rank() == 0)
    std::cerr << trainer.setup().name << ": stop signal received; state saved to " << path_
              << " at step " << trainer.progress().step << "; rerun the same command to resume\n";
}

}  // namespace wsnas::pipeline

#include "wsnas/train/callbacks/validation.h"

#include <cmath>
#include <iostream>

#include "wsnas/core/error.h"
#include "wsnas/io/h5file.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/train/callbacks/best_weights.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/schedule.h"

namespace wsnas::train::callbacks {

Validation::Validation(Score score, ValidationRule rule, BestWeights* best, Report report)
    : score_(std::move(score)), rule_(std::move(rule)), best_(best), report_(std::move(report)) {
  WSNAS_CHECK(!rule_.keep_best || best_ != nullptr, "Validation: --keep-best without a best state");
}

std::size_t Validation::best() const { return best_index(scores_, rule_.higher_is_better); }

void Validation::set_history(std::vector<std::int64_t> epochs, std::vector<double> scores) {
  epochs_ = std::move(epochs);
  scores_ = std::move(scores);
}

void Validation::on_epoch_end(Trainer& trainer) {
  auto& p = trainer.progress();
  if (p.epoch % rule_.every == 0 || p.complete) {
    const double v = score_(trainer);
    epochs_.push_back(p.epoch);
    scores_.push_back(v);
    if (best_ != nullptr && std::isfinite(v) && best() + 1 == scores_.size()) best_->snapshot();
    // The switch follows the scores so far (a resumed run rederives it).
    Optimizer& opt = trainer.opt();
    const bool switched = !opt.averaging() && asgd_switch(rule_.asgd, rule_.asgd_patience, scores_,
                                                          rule_.higher_is_better);
    if (switched) opt.start_averaging();
    if (report_) report_(*this, switched);
  }
  if (p.complete && rule_.keep_best) {
    best_->restore(false);
    p.weights = "best";
    if (trainer.comm().rank() == 0)
      std::cout << trainer.setup().name
                << ": ending with the best validated weights (--keep-best)\n";
  }
}

void Validation::save(io::File& f) const {
  if (!rule_.persist || epochs_.empty()) return;
  f.write_i64("/log/validation_epoch", epochs_);
  f.write_f64("/log/validation_" + rule_.score_name, scores_);
}

void Validation::load(const io::File& f) {
  if (!rule_.persist || !f.exists("/log/validation_epoch")) return;
  epochs_ = f.read_i64("/log/validation_epoch");
  scores_ = f.read_f64("/log/validation_" + rule_.score_name);
}

}  // namespace wsnas::train::callbacks

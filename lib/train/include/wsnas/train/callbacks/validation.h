#pragma once
/// Validation during training, and what follows from its scores: the switch to averaged SGD
/// (--asgd, train::asgd_switch), the best state (callbacks::BestWeights) and --keep-best, which
/// ends the run with the best validated weights. The supernet validates every --eval-every epochs
/// (the paper's trainers/ptb.py); a stand-alone network after every epoch.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wsnas/options/hyper_parameters.h"
#include "wsnas/train/trainer.h"

namespace wsnas::train::callbacks {

class BestWeights;

struct ValidationRule {
  std::int64_t every = 1;  ///< epochs between validations; the last epoch is always validated
  bool higher_is_better = true;
  options::AsgdRule asgd = options::AsgdRule::kOff;
  int asgd_patience = 0;
  bool keep_best = false;  ///< end with the best validated weights (needs a BestWeights)
  std::string score_name;  ///< checkpoint datasets /log/validation_epoch, /log/validation_<score>
  bool persist = true;     ///< write the scores in the stage's checkpoint (save/load)
};

class Validation : public Callback {
 public:
  /// The score of the current weights (a collective where the ranks share the validation).
  using Score = std::function<double(Trainer&)>;
  /// Told of every validation, the last score appended; `switched`: averaging starts now.
  using Report = std::function<void(const Validation&, bool switched)>;
  Validation(Score score, ValidationRule rule, BestWeights* best, Report report);
  void on_epoch_end(Trainer& trainer) override;
  void save(io::File& f) const override;
  void load(const io::File& f) override;

  const std::vector<std::int64_t>& epochs() const { return epochs_; }
  const std::vector<double>& scores() const { return scores_; }
  /// Index of the best score so far (scores() not empty).
  std::size_t best() const;
  /// The scores of a resumed run (a stage's own checkpoint).
  void set_history(std::vector<std::int64_t> epochs, std::vector<double> scores);

 private:
  Score score_;
  ValidationRule rule_;
  BestWeights* best_;
  Report report_;
  std::vector<std::int64_t> epochs_;
  std::vector<double> scores_;
};

}  // namespace wsnas::train::callbacks

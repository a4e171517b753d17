#pragma once
/// The best validated state, to roll back to (callbacks::NanRollback) or end with (--keep-best):
/// the weights as evaluated (ASGD's averages) and the optimizer's state. Before any validation it
/// is the initial state (the paper's trainers/ptb.py). Kept in checkpoints under /best.
#include <vector>

#include "wsnas/train/optimizer.h"
#include "wsnas/train/trainer.h"

namespace wsnas::train::callbacks {

class BestWeights : public Callback {
 public:
  explicit BestWeights(Trainer& trainer) : trainer_(trainer) {}
  /// The initial state, unless a checkpoint gave one.
  void on_begin(Trainer& trainer) override;
  /// Keeps the current weights (averaged, under ASGD) and the optimizer's state.
  void snapshot();
  /// Back to the kept weights, and the optimizer's state when `optimizer`.
  void restore(bool optimizer);
  void save(io::File& f) const override;
  void load(const io::File& f) override;

 private:
  Trainer& trainer_;
  std::vector<at::Tensor> params_;
  OptimizerState opt_;
};

}  // namespace wsnas::train::callbacks

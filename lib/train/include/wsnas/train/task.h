#pragma once
/// The engine's task interface, beside the model interface (wsnas/nn/network.h): what a batch is,
/// the training loss, and the metrics an architecture is scored by.
///  - classification: a batch is images [N, C, H, W] and labels [N]; loss cross-entropy; metrics
///    top-1 accuracy (%, the score), top-5 accuracy (%), mean loss.
///  - language modelling (the DARTS-PTB issue): a batch is tokens [T, N] and next tokens [T, N];
///    loss the mean token cross-entropy; metrics perplexity (the score, lower is better) and mean
///    loss. The network carries its hidden state between batches (Network::reset_state,
///    Network::detach_state). docs/engine.md.
/// Totals stay on the device while batches run; one transfer at the end of an evaluation.

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace wsnas::train {

struct Metric {
  std::string name;       ///< column name in results ("accuracy", "top5", "perplexity", "loss")
  bool higher_is_better;  ///< direction, recorded with results for the analysis
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  /// The metrics finish() returns, in order: first the score architectures are ranked by, last the
  /// mean loss.
  virtual const std::vector<Metric>& metrics() const = 0;
  /// Mean loss of one batch: what training minimises (with the task's training options).
  virtual at::Tensor loss(const at::Tensor& output, const at::Tensor& target) const = 0;
  /// Sums of one batch as a float64 tensor on the output's device (their meaning is the task's).
  /// `loss` is the training loss(output, target) when the caller has it (training totals report
  /// the training objective); otherwise the plain loss of the task is computed (evaluation).
  virtual at::Tensor totals(const at::Tensor& output, const at::Tensor& target,
                            const at::Tensor& loss = {}) const = 0;
  /// The metrics from totals summed over batches (and ranks), in the order of metrics().
  virtual std::vector<double> finish(const std::vector<double>& totals) const = 0;
  /// The score of finish()'s result (metrics()[0]).
  const Metric& score() const { return metrics().front(); }
};

/// How a task trains (evaluation metrics never change with these).
struct TaskOptions {
  double label_smoothing =
      0;  ///< classification: target 1 - e, every other class e / (classes - 1)
};

/// Tasks by name: "classification", "language-modelling".
std::unique_ptr<Task> make_task(const std::string& name, const TaskOptions& options = {});

/// A whole evaluation: metric name -> value, in the task's order.
struct Scores {
  std::vector<std::string> names;
  std::vector<double> values;
};

}  // namespace wsnas::train

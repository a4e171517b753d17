#pragma once
// What wsnas-evaluate reads before it scores: the checkpoints (which must agree on the network and
// the data) and, from their recorded configuration, the supernet's shape, its data and the
// regularisers that shape its calibration passes.
#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/pipeline/evaluate.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/setup.h"

namespace wsnas::pipeline {

/// The options evaluation takes from the checkpoint (declared options::Effect::inherited): they
/// must agree across the checkpoints of one evaluation.
std::vector<std::string> inherited_keys();

struct Checkpoints {
  std::vector<std::string> paths;  ///< absolute, each once
  /// "<run id>@<step>": what a checkpoint is, not where (a file trained further under the same
  /// path is another checkpoint, and its earlier scores are stale).
  std::vector<std::string> ids;
  std::vector<std::int64_t> epochs, schedule_epochs;
  /// A few-shot sub-supernet's part of the space (space::Split::to_string; "" = the whole
  /// space): it scores only the architectures it owns.
  std::vector<std::string> splits;
  std::size_t repeated = 0;   ///< paths named more than once
  train::RunConfig config;    ///< the first one's
  train::ModelOptions model;  ///< from config
  train::DataOptions data;    ///< from config; --data-dir replaces its directory
  double aux_weight = 0, drop_path = 0;
  std::int64_t cutout = 0;
};

/// Reads and checks job.checkpoints.
Checkpoints read_checkpoints(const EvaluateJob& job);

}  // namespace wsnas::pipeline

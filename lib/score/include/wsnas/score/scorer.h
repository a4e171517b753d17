#pragma once
/// Zero-cost scorers: a number for an architecture from its network at initialisation and one
/// batch of training data, without training (Abdelfattah et al., "Zero-Cost Proxies for
/// Lightweight NAS", ICLR 2021, code github.com/mohsaied/zero-cost-nas @ca61347; Mellor et al.,
/// "Neural Architecture Search without Training", ICML 2021). Each scorer is one file in
/// lib/score/src and one line in registry.cpp; wsnas-score runs them (lib/pipeline/src/score.cpp).
///
/// Every scorer here ranks higher as better, as zero-cost-nas uses them (its grasp carries the
/// sign that makes it so, measures/grasp.py:84-88).

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::train {
class Task;
}
namespace wsnas::nn {
class Network;
}

namespace wsnas::score {

/// What a scorer is given. The network is fresh for this scorer (zero-cost-nas scores a copy per
/// measure, measures/__init__.py:24-27), in training mode (batch statistics), with its
/// initialisation's weights; the scorer may change it (its weights, dtype, BN). `x` and `y` are one
/// batch of the training split (x in the network's dtype); `task` gives the loss.
struct Input {
  nn::Network& net;
  const space::Arch& arch;
  const at::Tensor& x;
  const at::Tensor& y;
  const train::Task& task;
};

struct ScorerEntry {
  std::string name;     ///< as --scorer names it, and the results column
  std::string summary;  ///< one line: the definition and its source
  double (*score)(const Input& in);
  bool higher_is_better = true;
};

/// The built-in scorers, then the registered ones.
const std::vector<ScorerEntry>& scorers();
/// The entry of a scorer; InputError naming --scorer and listing the known ones otherwise.
const ScorerEntry& scorer_entry(const std::string& name);
/// Adds a scorer (a plugin's entry point); the name must be new.
void register_scorer(ScorerEntry entry);

}  // namespace wsnas::score

#pragma once
/// Search on a fitness (issue 26): what a supernet is used for in practice. A strategy asks the
/// fitness of architectures one at a time, `budget` times; the evaluations, in order, are the
/// search's trajectory. Each strategy is one file in lib/search/src and one line in registry.cpp.
/// The rules of every random draw are written out (docs/search.md), so that an independent
/// implementation with the same seed makes the same evaluations (tests/reference/
/// search_reference.py).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wsnas/core/random.h"
#include "wsnas/space/search_space.h"

namespace wsnas::search {

/// What a search maximises: a supernet's score, a zero-cost scorer's, or a benchmark's table (an
/// oracle). Every call is one evaluation of the budget: an architecture met again is evaluated
/// again, as a search that trains or scores it would pay for it again.
using Fitness = std::function<double(const space::Arch&)>;

struct Evaluation {
  space::Arch arch;
  double fitness = 0;
};

struct Options {
  std::int64_t budget = 100;  ///< fitness evaluations
  std::uint64_t seed = 0;     ///< the run's one generator: Rng(seed)
  /// Regularised evolution (Real et al., AAAI 2019, Algorithm 1): the population kept, and the
  /// tournament's sample.
  std::int64_t population = 10, sample = 3;
};

/// A strategy: exactly `options.budget` evaluations, in the order made.
using Strategy = std::vector<Evaluation> (*)(const space::SearchSpace& space,
                                             const Fitness& fitness, const Options& options);
struct StrategyEntry {
  std::string name;     ///< as --strategy names it
  std::string summary;  ///< one line
  Strategy run;
};
/// The strategies, in the order a search runs them.
const std::vector<StrategyEntry>& strategies();
/// The entry of a strategy; UsageError naming --strategy and listing the known ones otherwise.
const StrategyEntry& strategy_entry(const std::string& name);

/// Regularised evolution's mutation: a decision drawn uniformly (rng.below(decisions)), its
/// option replaced by one of the others drawn uniformly (o = rng.below(options - 1), o + 1 when
/// o >= the parent's); redrawn from the parent until the child is valid.
space::Arch mutate(const space::SearchSpace& space, const space::Arch& parent, Rng& rng);

}  // namespace wsnas::search

#pragma once
/// Architecture samplers for supernet training: which architectures one optimisation step trains.
/// Every strategy draws VALID architectures only (a pool must hold only valid ones) and is a pure
/// function of (seed, step): a resumed run, or a run on another rank count, trains the same paths.
///
/// A step is `replicas` data-parallel replicas, each running one or more paths on its slice of the
/// global batch; a replica sums the gradients of its paths, and replicas are averaged.
///  - uniform:     single-path one-shot (Guo et al. 2019): one architecture, on every replica.
///  - fairnas:     strict fairness (Chu et al. 2019; paper Table 3): for each decision a random
///                 permutation of its options; m paths (m = the most options of any decision) so
///                 that every option of a decision with m options is trained exactly once per
///                 step (a decision with fewer: each at least once, the rest uniform); every
///                 replica runs all m paths. Steps whose permutations make an invalid path are
///                 redrawn (docs/protocol.md: the released code trains such invalid NB201 cells).
///  - multipath:   k independent uniform paths on every replica (paper Table 3, "Multi-Path").
///  - per-replica: replica r trains the r-th of `replicas` uniform draws (the released DARTS
///                 code's "parallel sampling", github.com/matluster/anonymous-2102 @3825f00
///                 trainers/darts_cifar.py:45-50).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

class ArchSampler {
 public:
  virtual ~ArchSampler() = default;
  /// The paths replica `replica` (of `replicas`) trains at optimisation step `step`.
  virtual std::vector<Arch> paths(std::uint64_t step, int replica, int replicas) const = 0;
  /// Whether different replicas can train different architectures in one step.
  virtual bool replicas_differ() const { return false; }
  /// The strategy's name ("uniform", ...).
  virtual std::string name() const = 0;
};

/// The strategies by name: uniform | fairnas | multipath | per-replica.
std::vector<std::string> sampler_names();

/// Makes a sampler over `space` (or over `pool`, when non-empty: uniformly among its members,
/// which must all be valid). `paths` is k for multipath (ignored otherwise). The space and the
/// pool must outlive the sampler. UsageError for an unknown name, a pool with fairnas, or
/// paths < 1; InputError naming `pool_what` for an invalid architecture in the pool.
std::unique_ptr<ArchSampler> make_sampler(const std::string& name, const SearchSpace& space,
                                          const std::vector<Arch>& pool, std::uint64_t seed,
                                          int paths = 1, const std::string& pool_what = "--pool");

}  // namespace wsnas::space

#pragma once
/// Few-shot supernets (Zhao et al., "Few-shot Neural Architecture Search", ICML 2021): the one-shot
/// supernet split on one or more decisions into sub-supernets, one per combination of their
/// options; each owns the architectures that take its options (docs/few-shot.md).

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

/// A sub-supernet's part of the space: some decisions fixed to one option each.
struct Split {
  std::vector<std::pair<std::size_t, int>> fixed;  ///< (decision, option), decisions ascending
  /// Whether `arch` takes every fixed option (the whole space: always).
  bool matches(const Arch& arch) const;
  /// "D=O[,D=O]" (decision and option indices); "" for the whole space.
  std::string to_string() const;
};

/// --split-on's "D[,D]": decision indices of `space` (0-based, as `wsnas-space info` lists them),
/// ascending and each once; UsageError naming `what` otherwise.
std::vector<std::size_t> parse_split_on(const SearchSpace& space, const std::string& text,
                                        const std::string& what = "--split-on");
/// Every combination of the decisions' options, the first decision's option slowest.
std::vector<Split> splits_of(const SearchSpace& space, const std::vector<std::size_t>& decisions);
/// Split::to_string's form read back; InputError naming `what` otherwise.
Split parse_split(const SearchSpace& space, const std::string& text, const std::string& what);

/// `space` restricted to `split`: the same decisions and strings; is_valid also requires the fixed
/// options, and sample draws uniformly among the restricted space's (valid) architectures, by
/// rejection of the space's own draws. `space` must outlive it.
std::unique_ptr<SearchSpace> restrict_space(const SearchSpace& space, const Split& split);

}  // namespace wsnas::space

#pragma once
/// Where a supernet's ranking goes wrong, decision by decision (paper Figure 4): for every option
/// of every decision, how much better or worse the supernet ranks the architectures that take it
/// than their ground truth does, and whether that shift is significant.

#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::analysis {

/// One option of one decision.
struct OptionBias {
  std::string decision, option;
  std::int64_t count = 0;  ///< architectures taking this option
  double mean_score_rank =
      0;  ///< their mean rank by supernet score, as a fraction (0 best, 1 worst)
  double mean_truth_rank = 0;  ///< their mean rank by ground truth, as a fraction
  double shift = 0;            ///< mean_score_rank - mean_truth_rank: < 0 the supernet favours it
  double u = 0;                ///< Mann-Whitney U of the per-architecture shift, with vs without it
  double p_value = 1;  ///< two-sided, normal approximation with tie and continuity corrections
  bool most_biased = false;  ///< the largest |shift| of its decision
};

/// Mann-Whitney U test of `x` against `y` (two-sided; scipy.stats.mannwhitneyu with
/// method="asymptotic", use_continuity=True): returns {U of x, p}. p = 1 when a sample is empty
/// or every value is tied.
std::pair<double, double> mann_whitney_u(const std::vector<double>& x,
                                         const std::vector<double>& y);

/// The bias table of `archs` (each with its supernet `score` and ground `truth`; `higher_is_better`
/// for both): ranks are average ranks (ties share), as fractions (rank - 1) / (n - 1). Options no
/// architecture takes are left out.
std::vector<OptionBias> option_bias(const space::SearchSpace& space,
                                    const std::vector<space::Arch>& archs,
                                    const std::vector<double>& score,
                                    const std::vector<double>& truth, bool higher_is_better = true);

}  // namespace wsnas::analysis

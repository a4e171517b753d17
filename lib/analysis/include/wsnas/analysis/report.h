#pragma once
/// The study table: how well supernet scores rank architectures against ground truth
/// (paper Figure 1 and Figure 3 quantities).

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace wsnas::analysis {

struct Report {
  std::int64_t n = 0;                                   ///< architectures joined
  double spearman = 0, kendall_tau_b = 0, pearson = 0;  ///< score vs ground truth
  double spearman_truth_params = 0;  ///< ground truth vs parameter count (NaN if unknown)
  double spearman_score_params = 0;  ///< score vs parameter count (NaN if unknown)
  double best_truth = 0;             ///< the report value of the best-`select` architecture (top-n)
  bool higher_is_better = true;
  std::vector<std::int64_t> ks;
  std::vector<double> top_k, random_top_k;
  std::vector<std::int64_t> tied;  ///< per k: architectures tied in score at the cut (tied_at_k)
};

/// Computes the report: correlations of score with the ground truth `select` (validation) values;
/// top-k and random top-k pick by `select` and report `report` (test) values (paper §2).
/// `params` may be empty (no size correlations). k larger than the architectures is skipped.
Report make_report(const std::vector<double>& score, const std::vector<double>& select,
                   const std::vector<double>& report, const std::vector<double>& params,
                   const std::vector<std::int64_t>& ks, bool higher_is_better = true);
/// Human-readable table.
void print_report(std::ostream& os, const Report& r, const std::string& score_name,
                  const std::string& truth_name);
/// CSV: columns metric,k,value (k empty for correlations).
std::string report_csv(const Report& r);

}  // namespace wsnas::analysis

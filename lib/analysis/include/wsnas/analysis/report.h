#pragma once
/// The study table: how well supernet scores rank architectures against ground truth
/// (paper Figure 1 and Figure 3 quantities).

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace wsnas::analysis {

/// A two-sided confidence interval (NaN when not computed).
struct Interval {
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
};

/// Percentile bootstrap over architectures: `resamples` draws of n architectures with replacement
/// (seeded: resample b uses Rng(Rng::derive(seed, b))), the statistic recomputed on each, and the
/// interval between its (1 - level)/2 and (1 + level)/2 quantiles (numpy.percentile's linear
/// rule). Resamples where a correlation is undefined (all scores equal) are left out of its
/// interval. resamples = 0: no intervals.
struct BootstrapOptions {
  std::int64_t resamples = 0;
  std::uint64_t seed = 0;
  double level = 0.95;
};

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
  BootstrapOptions bootstrap;      ///< how the intervals below were made (resamples 0: none)
  Interval spearman_ci, kendall_tau_b_ci, pearson_ci;
  std::vector<Interval> top_k_ci;  ///< per k
};

/// Computes the report: correlations of score with the ground truth `select` (validation) values;
/// top-k and random top-k pick by `select` and report `report` (test) values (paper §2).
/// `params` may be empty (no size correlations). k larger than the architectures is skipped.
Report make_report(const std::vector<double>& score, const std::vector<double>& select,
                   const std::vector<double>& report, const std::vector<double>& params,
                   const std::vector<std::int64_t>& ks, bool higher_is_better = true,
                   const BootstrapOptions& bootstrap = {});
/// The correlation intervals by their result-file names: spearman, kendall_tau_b, pearson.
std::array<std::pair<const char*, const Interval*>, 3> correlation_intervals(const Report& r);
/// Percentile bootstrap intervals of `width` statistics of n architectures: for resample b
/// (Rng(Rng::derive(seed, b)) draws n indices with replacement) `stat(indices, row)` writes the
/// statistics into row[0..width); resamples where one is NaN are left out of its interval.
/// Threaded; the values do not depend on the thread count. Empty when resamples = 0.
std::vector<Interval> bootstrap_intervals(
    std::size_t n, const BootstrapOptions& options, std::size_t width,
    const std::function<void(const std::vector<std::size_t>&, double*)>& stat);
/// The q-quantile (0..1) of `v` by linear interpolation between order statistics (numpy's
/// default); NaN for an empty `v`. Sorts `v`.
double quantile(std::vector<double>& v, double q);
/// Human-readable table.
void print_report(std::ostream& os, const Report& r, const std::string& score_name,
                  const std::string& truth_name);
/// CSV: columns metric,k,value (k empty for correlations).
std::string report_csv(const Report& r);

}  // namespace wsnas::analysis

#pragma once
/// Metrics of weight-sharing studies (paper, Appendix A.2 "Metrics"): rank correlations between
/// supernet scores and ground truth, top-k, and random top-k computed exactly.

#include <cstdint>
#include <vector>

namespace wsnas::analysis {

/// Average ranks (1-based), ties sharing the mean of their positions (scipy.stats.rankdata).
std::vector<double> average_ranks(const std::vector<double>& v);
/// Pearson's r; NaN when either input is constant or shorter than 2.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
/// Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
/// Kendall's tau-b, ties adjusted as scipy.stats.kendalltau (variant "b").
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

/// Top-k (paper Figure 1): the best ground truth among the k architectures with the highest
/// supernet score. Score ties are broken by position (earlier first), so the result is
/// deterministic. k is clamped to the number of architectures.
double top_k(const std::vector<double>& score, const std::vector<double>& ground_truth, std::int64_t k);
/// Random top-k: the expected best ground truth of k architectures drawn uniformly without
/// replacement, exactly: sum over sorted values v_(i) of C(i-1, k-1) / C(n, k) * v_(i).
double random_top_k(const std::vector<double>& ground_truth, std::int64_t k);

}  // namespace wsnas::analysis

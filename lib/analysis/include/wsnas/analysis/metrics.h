#pragma once
/// Metrics of weight-sharing studies (paper, Appendix A.2 "Metrics"): rank correlations between
/// supernet scores and ground truth, top-k, and random top-k computed exactly.

#include <cstdint>
#include <vector>

namespace wsnas::analysis {

/// Average ranks (1-based), ties sharing the mean of their positions (scipy.stats.rankdata).
std::vector<double> average_ranks(const std::vector<double>& v);
/// Lengths of the runs of equal values in `sorted` (ascending): the tie groups that the Kendall and
/// Mann-Whitney tie corrections sum over.
std::vector<std::size_t> tie_runs(const std::vector<double>& sorted);
/// Pearson's r; NaN when either input is constant or shorter than 2.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
/// Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
/// Kendall's tau-b, ties adjusted as scipy.stats.kendalltau (variant "b").
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

/// Top-k (paper Figure 1): the best ground truth among the k architectures with the highest
/// supernet score. Score ties are broken by position (earlier first), so the result is
/// deterministic. k is clamped to the number of architectures.
double top_k(const std::vector<double>& score, const std::vector<double>& ground_truth,
             std::int64_t k);
/// Random top-k: the expected best ground truth of k architectures drawn uniformly without
/// replacement, exactly: sum over sorted values v_(i) of C(i-1, k-1) / C(n, k) * v_(i).
double random_top_k(const std::vector<double>& ground_truth, std::int64_t k);

/// Top-k as the paper defines it (paper §2, "top-k"; Appendix A.2, Metrics): among the k
/// architectures with the best `score`, take the one with the best ground-truth `select` value
/// (validation) and return its `report` value (test). Ties: in score, the earlier architecture
/// ranks first; in `select`, the earlier architecture is taken. `higher_is_better` applies to
/// score and ground truth alike (false for perplexity). With select == report this is top_k.
double top_k(const std::vector<double>& score, const std::vector<double>& select,
             const std::vector<double>& report, std::int64_t k, bool higher_is_better = true);
/// Ties the rule above had to break at the top-k cut: the number of architectures whose score
/// equals the k-th best score when some of them are inside the top k and some outside (0 when the
/// cut falls between different scores). Non-zero means the row order chose which tied
/// architectures were in.
std::int64_t tied_at_k(const std::vector<double>& score, std::int64_t k,
                       bool higher_is_better = true);
/// Random top-k by the same rule, exactly: the expected `report` value of the best-`select`
/// architecture among k drawn uniformly without replacement (ties in `select`: the earlier wins).
double random_top_k(const std::vector<double>& select, const std::vector<double>& report,
                    std::int64_t k, bool higher_is_better = true);

}  // namespace wsnas::analysis

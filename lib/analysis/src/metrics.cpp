#include "wsnas/analysis/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "wsnas/core/error.h"

namespace wsnas::analysis {

namespace {
void check_pair(const std::vector<double>& x, const std::vector<double>& y) {
  WSNAS_CHECK_INPUT(x.size() == y.size(), "correlation of ", x.size(), " and ", y.size(),
                    " values: the two columns must have the same length");
}
}  // namespace

std::vector<double> average_ranks(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && v[order[j + 1]] == v[order[i]]) ++j;
    const double r = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair(x, y);
  const std::size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair(x, y);
  return pearson(average_ranks(x), average_ranks(y));
}

std::vector<std::size_t> tie_runs(const std::vector<double>& sorted) {
  std::vector<std::size_t> runs;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    runs.push_back(j - i);
    i = j;
  }
  return runs;
}

namespace {
/// Pairs within runs of equal values of the sorted sequence `v`: sum of t(t-1)/2.
double tied_pairs(const std::vector<double>& v) {
  double pairs = 0;
  for (const auto run : tie_runs(v)) pairs += static_cast<double>(run) * (run - 1) / 2;
  return pairs;
}

/// Sorts `v` ascending by merge sort and returns the number of inversions (i < j, v[i] > v[j]).
long long sort_counting_inversions(std::vector<double>& v) {
  std::vector<double> buf(v.size());
  long long inversions = 0;
  for (std::size_t width = 1; width < v.size(); width *= 2) {
    for (std::size_t lo = 0; lo < v.size(); lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, v.size()),
                        hi = std::min(lo + 2 * width, v.size());
      std::size_t a = lo, b = mid, o = lo;
      while (a < mid && b < hi) {
        if (v[b] < v[a]) {
          inversions += static_cast<long long>(mid - a);  // v[b] is smaller than all of v[a..mid)
          buf[o++] = v[b++];
        } else {
          buf[o++] = v[a++];
        }
      }
      while (a < mid) buf[o++] = v[a++];
      while (b < hi) buf[o++] = v[b++];
    }
    v.swap(buf);
  }
  return inversions;
}
}  // namespace

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair(x, y);
  // tau_b = (n0 - n1 - n2 + n3 - 2 D) / sqrt((n0 - n1)(n0 - n2)) (Knight 1966, as
  // scipy.stats.kendalltau): n1/n2 the pairs tied in x/y, n3 those tied in both, D the discordant
  // pairs = the inversions of y once the pairs are sorted by (x, y). O(n log n), so bootstrap
  // intervals over all 15,625 NAS-Bench-201 cells stay cheap.
  const std::size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]);
  });
  std::vector<double> xs(n), ys(n);
  for (std::size_t i = 0; i < n; ++i) {
    xs[i] = x[order[i]];
    ys[i] = y[order[i]];
  }
  const double n1 = tied_pairs(xs);
  double n3 = 0;  // tied in both: runs of equal (x, y) in this order
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && xs[j + 1] == xs[i] && ys[j + 1] == ys[i]) ++j;
    const double t = static_cast<double>(j - i + 1);
    n3 += t * (t - 1) / 2;
    i = j + 1;
  }
  const double discordant = static_cast<double>(sort_counting_inversions(ys));
  const double n2 = tied_pairs(ys);  // ys is sorted now
  const double n0 = static_cast<double>(n) * static_cast<double>(n - 1) / 2.0;
  const double denom = std::sqrt((n0 - n1) * (n0 - n2));
  if (denom == 0) return std::numeric_limits<double>::quiet_NaN();
  return (n0 - n1 - n2 + n3 - 2 * discordant) / denom;
}

double top_k(const std::vector<double>& score, const std::vector<double>& ground_truth,
             std::int64_t k) {
  check_pair(score, ground_truth);
  WSNAS_CHECK_INPUT(!score.empty() && k >= 1, "top-k needs k >= 1 and at least one architecture");
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  const auto take = std::min<std::size_t>(static_cast<std::size_t>(k), order.size());
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < take; ++i) best = std::max(best, ground_truth[order[i]]);
  return best;
}

double random_top_k(const std::vector<double>& ground_truth, std::int64_t k) {
  WSNAS_CHECK_INPUT(!ground_truth.empty() && k >= 1,
                    "random top-k needs k >= 1 and at least one architecture");
  std::vector<double> v = ground_truth;
  std::sort(v.begin(), v.end());
  const auto n = static_cast<std::int64_t>(v.size());
  k = std::min(k, n);
  // P(max is the i-th smallest, 1-based) = C(i-1, k-1) / C(n, k). From p_n = k / n downwards,
  // p_(i-1) = p_i * (i - k) / (i - 1): exact ratios, no factorials.
  double p = static_cast<double>(k) / static_cast<double>(n);
  double expected = 0;
  for (std::int64_t i = n; i >= k && p > 0; --i) {
    expected += v[static_cast<std::size_t>(i - 1)] * p;
    if (i > 1) p *= static_cast<double>(i - k) / static_cast<double>(i - 1);
  }
  return expected;
}

namespace {
/// Indices ordered best-first by `v` (direction `higher`), ties by position, earlier first.
std::vector<std::size_t> best_first(const std::vector<double>& v, bool higher) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return higher ? v[a] > v[b] : v[a] < v[b];
  });
  return order;
}
}  // namespace

double top_k(const std::vector<double>& score, const std::vector<double>& select,
             const std::vector<double>& report, std::int64_t k, bool higher_is_better) {
  check_pair(score, select);
  check_pair(score, report);
  WSNAS_CHECK_INPUT(!score.empty() && k >= 1, "top-k needs k >= 1 and at least one architecture");
  const auto by_score = best_first(score, higher_is_better);
  const auto take = std::min<std::size_t>(static_cast<std::size_t>(k), by_score.size());
  std::size_t pick = by_score[0];
  for (std::size_t i = 1; i < take; ++i) {
    const std::size_t c = by_score[i];
    const bool better = higher_is_better ? select[c] > select[pick] : select[c] < select[pick];
    const bool tie_earlier = select[c] == select[pick] && c < pick;
    if (better || tie_earlier) pick = c;
  }
  return report[pick];
}

std::int64_t tied_at_k(const std::vector<double>& score, std::int64_t k, bool higher_is_better) {
  const auto n = static_cast<std::int64_t>(score.size());
  if (k < 1 || k >= n) return 0;  // everything (or nothing) is in: no cut to break
  const auto order = best_first(score, higher_is_better);
  const double at_cut = score[order[static_cast<std::size_t>(k - 1)]];
  if (score[order[static_cast<std::size_t>(k)]] != at_cut) return 0;
  return std::count(score.begin(), score.end(), at_cut);
}

double random_top_k(const std::vector<double>& select, const std::vector<double>& report,
                    std::int64_t k, bool higher_is_better) {
  check_pair(select, report);
  WSNAS_CHECK_INPUT(!select.empty() && k >= 1,
                    "random top-k needs k >= 1 and at least one architecture");
  // A strict order, best first: by `select`, ties by position. The drawn set's pick is its first
  // member in this order; P(the member at 0-based position j is picked) = C(n-1-j, k-1) / C(n, k).
  const auto order = best_first(select, higher_is_better);
  const auto n = static_cast<std::int64_t>(order.size());
  k = std::min(k, n);
  // p_0 = k / n; p_(j+1) = p_j * (n - j - k) / (n - j - 1): exact ratios, no factorials.
  double p = static_cast<double>(k) / static_cast<double>(n);
  double expected = 0;
  for (std::int64_t j = 0; j <= n - k && p > 0; ++j) {
    expected += report[order[static_cast<std::size_t>(j)]] * p;
    if (j + 1 < n) p *= static_cast<double>(n - j - k) / static_cast<double>(n - j - 1);
  }
  return expected;
}

}  // namespace wsnas::analysis

#include "wsnas/analysis/bias.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "wsnas/analysis/metrics.h"
#include "wsnas/core/error.h"

namespace wsnas::analysis {

std::pair<double, double> mann_whitney_u(const std::vector<double>& x,
                                         const std::vector<double>& y) {
  const double n1 = static_cast<double>(x.size()), n2 = static_cast<double>(y.size());
  if (x.empty() || y.empty()) return {0, 1};
  std::vector<double> all(x);
  all.insert(all.end(), y.begin(), y.end());
  const auto ranks = average_ranks(all);
  double r1 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) r1 += ranks[i];
  const double u1 = r1 - n1 * (n1 + 1) / 2, u2 = n1 * n2 - u1;
  // Tie correction: sum over groups of equal values of t^3 - t.
  std::vector<double> sorted(all);
  std::sort(sorted.begin(), sorted.end());
  double ties = 0;
  for (const auto run : tie_runs(sorted)) {
    const double t = static_cast<double>(run);
    ties += t * t * t - t;
  }
  const double n = n1 + n2;
  const double var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  if (var <= 0) return {u1, 1};
  const double z = (std::max(u1, u2) - n1 * n2 / 2 - 0.5) / std::sqrt(var);
  return {u1, std::min(1.0, std::erfc(z / std::sqrt(2.0)))};
}

std::vector<OptionBias> option_bias(const space::SearchSpace& space,
                                    const std::vector<space::Arch>& archs,
                                    const std::vector<double>& score,
                                    const std::vector<double>& truth, bool higher_is_better) {
  WSNAS_CHECK_INPUT(
      archs.size() == score.size() && archs.size() == truth.size() && archs.size() >= 2,
      "bias analysis needs at least 2 architectures with a score and a ground truth");
  const std::size_t n = archs.size();
  // Fractional ranks, 0 for the best: average_ranks counts from the smallest value.
  auto fraction = [&](const std::vector<double>& v) {
    auto r = average_ranks(v);
    for (auto& x : r) {
      x = (x - 1) / static_cast<double>(n - 1);
      if (higher_is_better) x = 1 - x;
    }
    return r;
  };
  const auto rs = fraction(score), rt = fraction(truth);
  std::vector<OptionBias> out;
  const auto& decisions = space.decisions();
  for (std::size_t d = 0; d < decisions.size(); ++d) {
    const std::size_t first = out.size();
    for (std::size_t o = 0; o < decisions[d].options.size(); ++o) {
      OptionBias b;
      b.decision = decisions[d].name;
      b.option = decisions[d].options[o];
      std::vector<double> with, without;
      double ss = 0, st = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double shift = rs[i] - rt[i];
        if (archs[i].choices[d] == static_cast<int>(o)) {
          with.push_back(shift);
          ss += rs[i];
          st += rt[i];
        } else {
          without.push_back(shift);
        }
      }
      if (with.empty()) continue;
      b.count = static_cast<std::int64_t>(with.size());
      b.mean_score_rank = ss / static_cast<double>(with.size());
      b.mean_truth_rank = st / static_cast<double>(with.size());
      b.shift = b.mean_score_rank - b.mean_truth_rank;
      std::tie(b.u, b.p_value) = mann_whitney_u(with, without);
      out.push_back(std::move(b));
    }
    std::size_t most = first;
    for (std::size_t i = first; i < out.size(); ++i)
      if (std::abs(out[i].shift) > std::abs(out[most].shift)) most = i;
    if (most < out.size()) out[most].most_biased = true;
  }
  return out;
}

}  // namespace wsnas::analysis

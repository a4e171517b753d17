#include "wsnas/analysis/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>

#include "wsnas/analysis/metrics.h"
#include "wsnas/core/error.h"

namespace wsnas::analysis {

Report make_report(const std::vector<double>& score, const std::vector<double>& truth,
                   const std::vector<double>& report, const std::vector<double>& params,
                   const std::vector<std::int64_t>& ks, bool higher_is_better) {
  WSNAS_CHECK_INPUT(score.size() >= 2,
                    "analysis needs at least 2 architectures present in both inputs, found ",
                    score.size());
  Report r;
  r.n = static_cast<std::int64_t>(score.size());
  r.spearman = spearman(score, truth);
  r.kendall_tau_b = kendall_tau_b(score, truth);
  r.pearson = pearson(score, truth);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.spearman_truth_params = params.empty() ? nan : spearman(truth, params);
  r.spearman_score_params = params.empty() ? nan : spearman(score, params);
  r.higher_is_better = higher_is_better;
  r.best_truth = top_k(truth, truth, report, r.n, higher_is_better);
  for (auto k : ks) {
    if (k > r.n) continue;
    r.ks.push_back(k);
    r.top_k.push_back(top_k(score, truth, report, k, higher_is_better));
    r.random_top_k.push_back(random_top_k(truth, report, k, higher_is_better));
    r.tied.push_back(tied_at_k(score, k, higher_is_better));
  }
  return r;
}

void print_report(std::ostream& os, const Report& r, const std::string& score_name,
                  const std::string& truth_name) {
  char buf[256];
  os << "score:        " << score_name << "\nground truth: " << truth_name
     << "\narchitectures: " << r.n << "\n\n";
  std::snprintf(buf, sizeof buf, "%-34s %8.4f\n%-34s %8.4f\n%-34s %8.4f\n",
                "Spearman (score, truth)", r.spearman, "Kendall tau-b (score, truth)",
                r.kendall_tau_b, "Pearson (score, truth)", r.pearson);
  os << buf;
  if (!std::isnan(r.spearman_truth_params)) {
    std::snprintf(buf, sizeof buf, "%-34s %8.4f\n%-34s %8.4f\n", "Spearman (truth, params)",
                  r.spearman_truth_params, "Spearman (score, params)", r.spearman_score_params);
    os << buf;
  }
  std::snprintf(buf, sizeof buf, "%-34s %8.4f\n\n%6s %12s %14s\n", "best ground truth",
                r.best_truth, "k", "top-k", "random top-k");
  os << buf;
  for (std::size_t i = 0; i < r.ks.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%6lld %12.4f %14.4f\n", static_cast<long long>(r.ks[i]),
                  r.top_k[i], r.random_top_k[i]);
    os << buf;
  }
  for (std::size_t i = 0; i < r.ks.size(); ++i) {
    if (r.tied[i] == 0) continue;
    os << "note: top-" << r.ks[i] << ": " << r.tied[i]
       << " architectures tie in score at the cut; the earlier rows "
       << "were taken (ties are broken by row order)\n";
  }
}

std::string report_csv(const Report& r) {
  std::ostringstream os;
  os.precision(17);
  os << "metric,k,value\n";
  os << "n,," << r.n << "\nspearman,," << r.spearman << "\nkendall_tau_b,," << r.kendall_tau_b
     << "\npearson,," << r.pearson << "\n";
  if (!std::isnan(r.spearman_truth_params))
    os << "spearman_truth_params,," << r.spearman_truth_params << "\nspearman_score_params,,"
       << r.spearman_score_params << "\n";
  os << "best_truth,," << r.best_truth << "\n";
  for (std::size_t i = 0; i < r.ks.size(); ++i) {
    os << "top_k," << r.ks[i] << ',' << r.top_k[i] << "\nrandom_top_k," << r.ks[i] << ','
       << r.random_top_k[i] << "\ntied_at_k," << r.ks[i] << ',' << r.tied[i] << "\n";
  }
  return os.str();
}

}  // namespace wsnas::analysis

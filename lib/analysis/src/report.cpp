#include "wsnas/analysis/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <ostream>
#include <sstream>
#include <thread>
#include <utility>

#include "wsnas/analysis/metrics.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"

namespace wsnas::analysis {

std::array<std::pair<const char*, const Interval*>, 3> correlation_intervals(const Report& r) {
  return {{{"spearman", &r.spearman_ci},
           {"kendall_tau_b", &r.kendall_tau_b_ci},
           {"pearson", &r.pearson_ci}}};
}

double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

std::vector<Interval> bootstrap_intervals(
    std::size_t n, const BootstrapOptions& opt, std::size_t width,
    const std::function<void(const std::vector<std::size_t>&, double*)>& stat) {
  if (opt.resamples <= 0) return {};
  WSNAS_CHECK_USAGE(opt.level > 0 && opt.level < 1, "bootstrap level ", opt.level,
                    " out of range (expected between 0 and 1)");
  const std::size_t B = static_cast<std::size_t>(opt.resamples);
  // One row of statistics per resample. Resample b depends only on (seed, b), so threads share
  // the work without changing a single value.
  std::vector<double> stats(B * width);
  auto run = [&](std::size_t first, std::size_t last) {
    std::vector<std::size_t> idx(n);
    for (std::size_t b = first; b < last; ++b) {
      Rng rng(Rng::derive(opt.seed, b));
      for (std::size_t i = 0; i < n; ++i) idx[i] = static_cast<std::size_t>(rng.below(n));
      stat(idx, &stats[b * width]);
    }
  };
  const std::size_t threads =
      std::max<std::size_t>(1, std::min<std::size_t>(std::thread::hardware_concurrency(), B));
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < threads; ++w)
    pool.emplace_back(run, B * w / threads, B * (w + 1) / threads);
  for (auto& th : pool) th.join();
  const double qlo = (1 - opt.level) / 2, qhi = (1 + opt.level) / 2;
  std::vector<Interval> out(width);
  for (std::size_t c = 0; c < width; ++c) {
    std::vector<double> v;  // resamples where the statistic is defined (not all scores equal)
    for (std::size_t b = 0; b < B; ++b)
      if (!std::isnan(stats[b * width + c])) v.push_back(stats[b * width + c]);
    const double lo = quantile(v, qlo);
    out[c] = Interval{lo, quantile(v, qhi)};
  }
  return out;
}

namespace {

void add_bootstrap(Report& r, const std::vector<double>& score, const std::vector<double>& truth,
                   const std::vector<double>& report, const BootstrapOptions& opt) {
  r.bootstrap = opt;
  const std::size_t nk = r.ks.size();
  // Per resample: Spearman, Kendall, Pearson, then top-k per k.
  const auto in = bootstrap_intervals(
      score.size(), opt, 3 + nk, [&](const std::vector<std::size_t>& idx, double* row) {
        std::vector<double> s(idx.size()), t(idx.size()), p(idx.size());
        for (std::size_t i = 0; i < idx.size(); ++i) {
          s[i] = score[idx[i]];
          t[i] = truth[idx[i]];
          p[i] = report[idx[i]];
        }
        row[0] = spearman(s, t);
        row[1] = kendall_tau_b(s, t);
        row[2] = pearson(s, t);
        for (std::size_t i = 0; i < nk; ++i)
          row[3 + i] = top_k(s, t, p, r.ks[i], r.higher_is_better);
      });
  if (in.empty()) return;
  r.spearman_ci = in[0];
  r.kendall_tau_b_ci = in[1];
  r.pearson_ci = in[2];
  r.top_k_ci.assign(in.begin() + 3, in.end());
}

}  // namespace

Report make_report(const std::vector<double>& score, const std::vector<double>& truth,
                   const std::vector<double>& report, const std::vector<double>& params,
                   const std::vector<std::int64_t>& ks, bool higher_is_better,
                   const BootstrapOptions& bootstrap) {
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
  add_bootstrap(r, score, truth, report, bootstrap);
  return r;
}

void print_report(std::ostream& os, const Report& r, const std::string& score_name,
                  const std::string& truth_name) {
  char buf[256];
  const bool ci = r.bootstrap.resamples > 0;
  auto interval = [&](const Interval& i) {
    if (!ci) return std::string();
    char b[64];
    std::snprintf(b, sizeof b, "  [%.4f, %.4f]", i.low, i.high);
    return std::string(b);
  };
  os << "score:        " << score_name << "\nground truth: " << truth_name
     << "\narchitectures: " << r.n << "\n";
  if (ci) {
    os << "intervals:    " << r.bootstrap.level * 100
       << "% percentile bootstrap over architectures, " << r.bootstrap.resamples
       << " resamples, seed " << r.bootstrap.seed << "\n";
  }
  os << "\n";
  const std::pair<const char*, std::pair<double, const Interval*>> rows[] = {
      {"Spearman (score, truth)", {r.spearman, &r.spearman_ci}},
      {"Kendall tau-b (score, truth)", {r.kendall_tau_b, &r.kendall_tau_b_ci}},
      {"Pearson (score, truth)", {r.pearson, &r.pearson_ci}}};
  for (const auto& [name, value] : rows) {
    std::snprintf(buf, sizeof buf, "%-34s %8.4f", name, value.first);
    os << buf << interval(*value.second) << "\n";
  }
  if (!std::isnan(r.spearman_truth_params)) {
    std::snprintf(buf, sizeof buf, "%-34s %8.4f\n%-34s %8.4f\n", "Spearman (truth, params)",
                  r.spearman_truth_params, "Spearman (score, params)", r.spearman_score_params);
    os << buf;
  }
  std::snprintf(buf, sizeof buf, "%-34s %8.4f\n\n%6s %12s %14s", "best ground truth", r.best_truth,
                "k", "top-k", "random top-k");
  os << buf << (ci ? "  top-k interval" : "") << "\n";
  for (std::size_t i = 0; i < r.ks.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%6lld %12.4f %14.4f", static_cast<long long>(r.ks[i]),
                  r.top_k[i], r.random_top_k[i]);
    os << buf << (ci ? interval(r.top_k_ci[i]) : "") << "\n";
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
  if (r.bootstrap.resamples > 0) {
    os << "bootstrap_resamples,," << r.bootstrap.resamples << "\nbootstrap_seed,,"
       << r.bootstrap.seed << "\nbootstrap_level,," << r.bootstrap.level << "\n";
    for (const auto& [name, i] : correlation_intervals(r))
      os << name << "_ci_low,," << i->low << "\n" << name << "_ci_high,," << i->high << "\n";
    for (std::size_t i = 0; i < r.ks.size(); ++i)
      os << "top_k_ci_low," << r.ks[i] << ',' << r.top_k_ci[i].low << "\ntop_k_ci_high," << r.ks[i]
         << ',' << r.top_k_ci[i].high << "\n";
  }
  for (std::size_t i = 0; i < r.ks.size(); ++i) {
    os << "top_k," << r.ks[i] << ',' << r.top_k[i] << "\nrandom_top_k," << r.ks[i] << ','
       << r.random_top_k[i] << "\ntied_at_k," << r.ks[i] << ',' << r.tied[i] << "\n";
  }
  return os.str();
}

}  // namespace wsnas::analysis

// budgets, density and pruning (paper Fig. 1 and 8, Fig. 2, Fig. 5): one ranking per score input,
// each input on its own architectures (a density or pruning supernet is evaluated on its own
// sub-space), labelled by x (training epochs, or k of the 1/k sub-space) and the supernet's seed;
// then, per x, the mean and the min/max over seeds (the paper's error bars, Fig. 2 and 5).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <ostream>
#include <sstream>

#include "study_internal.h"
#include "wsnas/analysis/report.h"
#include "wsnas/core/error.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/results.h"

namespace wsnas::analysis {

namespace {

double mean(const std::vector<double>& v) {
  return v.empty() ? std::numeric_limits<double>::quiet_NaN()
                   : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

struct Row {
  double x = 0;
  std::int64_t seed = 0;
  std::string source;
  Report report;
  double mean_score = 0, mean_truth = 0;
  std::vector<double> top, random, top_lo, top_hi;  ///< per --k (NaN where k > n)
};

const char* x_name(const std::string& analysis) {
  return analysis == "budgets" ? "epochs" : "k (1/k of the space)";
}

}  // namespace

void run_sweep(const StudyJob& job, Provenance& provenance, std::ostream& out) {
  const auto ks = parse_ks(job.k);
  const std::size_t inputs = std::max(job.scores.size(), job.score_column.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Row> rows;
  std::string truth_source;
  for (std::size_t i = 0; i < inputs; ++i) {
    StudyJob one = job;
    one.scores = {job.scores[job.scores.size() == 1 ? 0 : i]};
    one.score_column = {job.score_column[job.score_column.size() == 1 ? 0 : i]};
    std::ostringstream joined;  // printed once the input loaded: an error stays one line
    const StudyData d = load(one, joined);
    out << "[" << i + 1 << "] " << joined.str();
    Row r;
    r.x = job.x[i];
    r.seed = job.replicate.empty() ? 0 : job.replicate[i];
    r.source = d.score_source;
    truth_source = d.truth_source;
    r.report =
        make_report(d.score, d.truth, d.report, d.params, ks, !job.lower_is_better, job.bootstrap);
    r.mean_score = mean(d.score);
    r.mean_truth = mean(d.truth);
    for (auto k : ks) {
      const auto at = std::find(r.report.ks.begin(), r.report.ks.end(), k);
      const bool has = at != r.report.ks.end();
      const auto j = static_cast<std::size_t>(at - r.report.ks.begin());
      r.top.push_back(has ? r.report.top_k[j] : nan);
      r.random.push_back(has ? r.report.random_top_k[j] : nan);
      const bool ci = has && !r.report.top_k_ci.empty();
      r.top_lo.push_back(ci ? r.report.top_k_ci[j].low : nan);
      r.top_hi.push_back(ci ? r.report.top_k_ci[j].high : nan);
    }
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.x != b.x ? a.x < b.x : a.seed < b.seed;
  });
  std::string sources;
  for (const auto& r : rows) sources += (sources.empty() ? "" : " ") + r.source;
  provenance.set("scores", sources);
  provenance.set("truth", truth_source);

  // Per input.
  const bool ci = job.bootstrap.resamples > 0;
  out << "\n"
      << job.analysis << ": one ranking per supernet, x = " << x_name(job.analysis)
      << "\nground truth: " << truth_source << "\n";
  if (ci)
    out << "intervals: " << job.bootstrap.level * 100 << "% percentile bootstrap, "
        << job.bootstrap.resamples << " resamples, seed " << job.bootstrap.seed << "\n";
  const std::size_t shown = std::min<std::size_t>(ks.size(), 3);  // the table's first k columns
  char buf[512];
  std::snprintf(buf, sizeof buf, "\n%8s %5s %6s %9s %9s %11s %11s", "x", "seed", "archs",
                "Spearman", "Kendall", "mean score", "mean truth");
  out << buf;
  for (std::size_t j = 0; j < shown; ++j) {
    const std::string t = "top-" + std::to_string(ks[j]), rt = "random";
    std::snprintf(buf, sizeof buf, " %9s %9s", t.c_str(), rt.c_str());
    out << buf;
  }
  out << (ci ? "  Spearman interval" : "") << "\n";
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "%8g %5lld %6lld %9.4f %9.4f %11.4f %11.4f", r.x,
                  static_cast<long long>(r.seed), static_cast<long long>(r.report.n),
                  r.report.spearman, r.report.kendall_tau_b, r.mean_score, r.mean_truth);
    out << buf;
    for (std::size_t j = 0; j < shown; ++j) {
      std::snprintf(buf, sizeof buf, " %9.4f %9.4f", r.top[j], r.random[j]);
      out << buf;
    }
    if (ci) {
      std::snprintf(buf, sizeof buf, "  [%.4f, %.4f]", r.report.spearman_ci.low,
                    r.report.spearman_ci.high);
      out << buf;
    }
    out << "\n";
  }
  // Per x over seeds: mean [min, max] (printed when some x has more than one seed).
  std::map<double, std::vector<const Row*>> by_x;
  for (const auto& r : rows) by_x[r.x].push_back(&r);
  const bool bands =
      std::any_of(by_x.begin(), by_x.end(), [](const auto& kv) { return kv.second.size() > 1; });
  if (bands) {
    const std::size_t k10 =
        static_cast<std::size_t>(std::find(ks.begin(), ks.end(), 10) != ks.end()
                                     ? std::find(ks.begin(), ks.end(), 10) - ks.begin()
                                     : ks.size() - 1);
    out << "\nover seeds, mean [min, max]:\n";
    std::snprintf(buf, sizeof buf, "%8s %5s %28s %28s %28s\n", "x", "seeds", "Spearman",
                  ("top-" + std::to_string(ks[k10])).c_str(), "random");
    out << buf;
    for (const auto& [x, rows] : by_x) {
      const auto& group = rows;  // a lambda may not capture a structured binding before C++20
      auto band = [&](auto get) {
        std::vector<double> v;
        for (const Row* r : group) v.push_back(get(*r));
        char b[64];
        std::snprintf(b, sizeof b, "%.4f [%.4f, %.4f]", mean(v),
                      *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
        return std::string(b);
      };
      std::snprintf(buf, sizeof buf, "%8g %5zu %28s %28s %28s\n", x, group.size(),
                    band([](const Row& r) { return r.report.spearman; }).c_str(),
                    band([&](const Row& r) { return r.top[k10]; }).c_str(),
                    band([&](const Row& r) { return r.random[k10]; }).c_str());
      out << buf;
    }
  }

  if (!job.out_csv.empty()) {
    std::ostringstream csv;
    csv.precision(17);
    csv << "x,seed,archs,spearman,spearman_ci_low,spearman_ci_high,kendall_tau_b,kendall_tau_b_ci_"
           "low,kendall_tau_b_ci_high,mean_score,mean_truth,best_truth";
    for (auto k : ks)
      csv << ",top_" << k << ",top_" << k << "_ci_low,top_" << k << "_ci_high,random_top_" << k;
    csv << ",scores\n";
    for (const auto& r : rows) {
      csv << r.x << ',' << r.seed << ',' << r.report.n << ',' << r.report.spearman << ','
          << r.report.spearman_ci.low << ',' << r.report.spearman_ci.high << ','
          << r.report.kendall_tau_b << ',' << r.report.kendall_tau_b_ci.low << ','
          << r.report.kendall_tau_b_ci.high << ',' << r.mean_score << ',' << r.mean_truth << ','
          << r.report.best_truth;
      for (std::size_t j = 0; j < ks.size(); ++j)
        csv << ',' << r.top[j] << ',' << r.top_lo[j] << ',' << r.top_hi[j] << ',' << r.random[j];
      csv << ',' << r.source << "\n";
    }
    io::write_text_atomic(job.out_csv, csv.str());
  }
  if (!job.out_h5.empty()) {
    io::write_results_file(job.out_h5, "analysis", provenance, [&](io::File& f) {
      const std::string g = "/" + job.analysis;
      f.create_group(g);
      f.set_attr(g, "x_name", std::string(x_name(job.analysis)));
      f.set_attr(g, "higher_is_better", static_cast<std::int64_t>(!job.lower_is_better));
      write_bootstrap_attrs(f, g, job.bootstrap);
      if (!std::isnan(job.reference_value)) {
        f.set_attr(g, "reference_value", job.reference_value);
        f.set_attr(g, "reference_label", job.reference_label);
      }
      auto column = [&](auto get) {
        std::vector<double> v;
        for (const auto& r : rows) v.push_back(get(r));
        return v;
      };
      std::vector<std::int64_t> seeds, n;
      std::vector<std::string> names;
      for (const auto& r : rows) {
        seeds.push_back(r.seed);
        n.push_back(r.report.n);
        names.push_back(r.source);
      }
      f.write_f64(g + "/x", column([](const Row& r) { return r.x; }));
      f.write_i64(g + "/seed", seeds);
      f.write_i64(g + "/archs", n);
      f.write_strings(g + "/scores", names);
      f.write_f64(g + "/spearman", column([](const Row& r) { return r.report.spearman; }));
      f.write_f64(g + "/spearman_ci_low",
                  column([](const Row& r) { return r.report.spearman_ci.low; }));
      f.write_f64(g + "/spearman_ci_high",
                  column([](const Row& r) { return r.report.spearman_ci.high; }));
      f.write_f64(g + "/kendall_tau_b",
                  column([](const Row& r) { return r.report.kendall_tau_b; }));
      f.write_f64(g + "/kendall_tau_b_ci_low",
                  column([](const Row& r) { return r.report.kendall_tau_b_ci.low; }));
      f.write_f64(g + "/kendall_tau_b_ci_high",
                  column([](const Row& r) { return r.report.kendall_tau_b_ci.high; }));
      f.write_f64(g + "/mean_score", column([](const Row& r) { return r.mean_score; }));
      f.write_f64(g + "/mean_truth", column([](const Row& r) { return r.mean_truth; }));
      f.write_f64(g + "/best_truth", column([](const Row& r) { return r.report.best_truth; }));
      f.write_i64(g + "/k", ks);
      const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(rows.size()),
                                               static_cast<std::int64_t>(ks.size())};
      auto matrix = [&](std::vector<double> Row::*member) {
        std::vector<double> v;
        for (const auto& r : rows) v.insert(v.end(), (r.*member).begin(), (r.*member).end());
        return v;
      };
      f.write_f64(g + "/top_k", matrix(&Row::top), shape);
      f.write_f64(g + "/top_k_ci_low", matrix(&Row::top_lo), shape);
      f.write_f64(g + "/top_k_ci_high", matrix(&Row::top_hi), shape);
      f.write_f64(g + "/random_top_k", matrix(&Row::random), shape);
    });
  }
}

}  // namespace wsnas::analysis

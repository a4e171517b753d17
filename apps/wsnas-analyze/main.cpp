// wsnas-analyze: joins supernet scores and ground truth by architecture and reports rank
// correlations, top-k against exact random top-k, and correlations with model size.
// Inputs are CSV tables or wsnas HDF5 result files (their /results table): an architecture column
// and a value column chosen by name, with optional COLUMN=VALUE row filters.
#include <algorithm>
#include <fstream>
#include <map>
#include <iostream>

#include "wsnas/analysis/report.h"
#include "wsnas/analysis/table.h"
#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/results.h"

namespace {

using namespace wsnas;
namespace po = options::po;

std::vector<std::int64_t> parse_ks(const std::string& s) {
  std::vector<std::int64_t> ks;
  for (const auto& part : split(s, ',')) {
    std::int64_t k = 0;
    WSNAS_CHECK_USAGE(parse_int(trim(part), k) && k >= 1, "--k '", s, "': expected a comma-separated list of integers >= 1");
    ks.push_back(k);
  }
  return ks;
}

void write_h5(const std::string& path, const analysis::Report& r, const Provenance& prov) {
  io::write_results_file(path, "analysis", prov, [&](io::File& f) {
    f.create_group("/correlation");
    f.set_attr("/correlation", "n", r.n);
    f.set_attr("/correlation", "spearman", r.spearman);
    f.set_attr("/correlation", "kendall_tau_b", r.kendall_tau_b);
    f.set_attr("/correlation", "pearson", r.pearson);
    f.set_attr("/correlation", "spearman_truth_params", r.spearman_truth_params);
    f.set_attr("/correlation", "spearman_score_params", r.spearman_score_params);
    f.set_attr("/correlation", "best_truth", r.best_truth);
    f.set_attr("/correlation", "higher_is_better", static_cast<std::int64_t>(r.higher_is_better));
    f.write_i64("/topk/k", r.ks);
    f.write_f64("/topk/top_k", r.top_k);
    f.write_f64("/topk/random_top_k", r.random_top_k);
  });
}

int body(app::Context& ctx) {
  std::string space_name, scores, score_col, score_arch, truth, truth_col, truth_arch, ks_text, out_csv, out_h5;
  std::string truth_select, truth_report;
  std::vector<std::string> score_where, truth_where;
  bool include_invalid = false, lower_is_better = false;
  space::CostOptions cost;
  options::Parser parser(ctx.name, ctx.name + " --scores FILE --score-column NAME --truth FILE --truth-column NAME [options]");
  po::options_description g("Analysis");
  g.add_options()
      ("space", po::value(&space_name)->default_value(space::default_space_name()), "search space")
      ("scores", po::value(&scores)->required(), "supernet scores: CSV (header row; an architecture column) or wsnas HDF5 (e.g. wsnas-evaluate's file)")
      ("score-column", po::value(&score_col)->required(), "column of --scores holding the score")
      ("score-arch-column", po::value(&score_arch)->default_value(""), "architecture column of --scores (default: arch, ArchitectureString or index)")
      ("score-where", po::value(&score_where)->multitoken(), "keep rows of --scores with COLUMN=VALUE (e.g. epoch=8)")
      ("truth", po::value(&truth)->required(), "ground truth: CSV or wsnas HDF5 (e.g. wsnas-groundtruth's groundtruth.h5)")
      ("truth-where", po::value(&truth_where)->multitoken(), "keep rows of --truth with COLUMN=VALUE")
      ("truth-column", po::value(&truth_col)->default_value(""),
       "column of --truth holding the ground truth (both --truth-select and --truth-report)")
      ("truth-select", po::value(&truth_select)->default_value(""),
       "ground-truth column correlated with the score and used to pick among the top-k (validation)")
      ("truth-report", po::value(&truth_report)->default_value(""),
       "ground-truth column reported for the pick (test; default: --truth-select)")
      ("lower-is-better", po::bool_switch(&lower_is_better), "score and ground truth are lower-is-better (perplexity)")
      ("truth-arch-column", po::value(&truth_arch)->default_value(""), "architecture column of --truth")
      ("k", po::value(&ks_text)->default_value("1,5,10,20,50,100"), "top-k values (paper Figure 1)")
      ("include-invalid", po::bool_switch(&include_invalid), "keep invalid architectures (default: drop them, as the paper)")
      ("classes", po::value(&cost.classes)->default_value(100), "classes of the network head, for analytic parameter counts (when --truth has no params column)")
      ("out-csv", po::value(&out_csv), "also write the report as CSV")
      ("out-h5", po::value(&out_h5), "also write the report as HDF5 (docs/results-format.md, kind 'analysis')");
  parser.add(g);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  const auto ks = parse_ks(ks_text);
  if (truth_select.empty()) truth_select = truth_col;
  WSNAS_CHECK_USAGE(!truth_select.empty(), "the ground truth needs a column: --truth-column, or --truth-select");
  if (truth_report.empty()) truth_report = truth_select;
  if (ctx.world.rank() != 0) return 0;
  auto sp = space::make_space(space_name);
  auto a = analysis::read_arch_values(*sp, scores, score_col, score_arch, score_where);
  auto b = analysis::read_arch_values(*sp, truth, truth_select, truth_arch, truth_where);
  auto joined = analysis::join_by_arch(*sp, a, b);
  // The reported ground truth, by architecture (the same table as --truth-select).
  std::map<std::string, double> reported;
  {
    auto rep = analysis::read_arch_values(*sp, truth, truth_report, truth_arch, truth_where);
    for (std::size_t i = 0; i < rep.archs.size(); ++i) reported[sp->to_string(rep.archs[i])] = rep.values[i];
  }
  // Parameter counts: the ground truth's own `params` column when it has one (wsnas-groundtruth
  // records the trained network's), else the space's analytic count for --classes.
  std::map<std::string, double> truth_params;
  {
    auto table = analysis::read_table(truth);
    analysis::filter_rows(table, truth_where);
    if (std::find(table.header.begin(), table.header.end(), "params") != table.header.end()) {
      auto p = analysis::read_arch_values(*sp, table, "params", truth_arch);
      for (std::size_t i = 0; i < p.archs.size(); ++i) truth_params[sp->to_string(p.archs[i])] = p.values[i];
    }
  }
  std::vector<double> s, t, rep, params;
  std::int64_t dropped = 0;
  for (std::size_t i = 0; i < joined.archs.size(); ++i) {
    if (!include_invalid && !sp->is_valid(joined.archs[i])) {
      ++dropped;
      continue;
    }
    s.push_back(joined.a[i]);
    t.push_back(joined.b[i]);
    rep.push_back(reported.at(sp->to_string(joined.archs[i])));
    auto tp = truth_params.find(sp->to_string(joined.archs[i]));
    if (tp != truth_params.end()) {
      params.push_back(tp->second);
    } else if (auto c = sp->cost(joined.archs[i], cost)) {
      params.push_back(static_cast<double>(c->params));
    }
  }
  if (params.size() != s.size()) params.clear();
  auto report = analysis::make_report(s, t, rep, params, ks, !lower_is_better);
  std::cout << "joined " << joined.archs.size() << " architectures (" << a.archs.size() << " scored, "
            << b.archs.size() << " with ground truth)";
  if (dropped) std::cout << ", dropped " << dropped << " invalid";
  std::cout << "\n";
  const std::string truth_name = truth_report == truth_select ? b.source : b.source + " (top-k reports " + truth_report + ")";
  analysis::print_report(std::cout, report, a.source, truth_name);
  ctx.provenance.set("scores", a.source);
  ctx.provenance.set("truth", b.source);
  ctx.provenance.set("truth_report", truth_report);
  if (!out_csv.empty()) io::write_text_atomic(out_csv, analysis::report_csv(report));
  if (!out_h5.empty()) write_h5(out_h5, report, ctx.provenance);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-analyze", body); }

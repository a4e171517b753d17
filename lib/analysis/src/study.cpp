// The analysis stage (wsnas-analyze).
#include "wsnas/analysis/study.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include "study_internal.h"
#include "wsnas/analysis/bias.h"
#include "wsnas/analysis/metrics.h"
#include "wsnas/analysis/report.h"
#include "wsnas/analysis/table.h"
#include "wsnas/core/error.h"
#include "wsnas/core/process.h"
#include "wsnas/core/share.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/results.h"

namespace wsnas::analysis {

namespace po = options::po;

std::vector<std::int64_t> parse_ks(const std::string& s) {
  std::vector<std::int64_t> ks;
  for (const auto& part : split(s, ',')) {
    std::int64_t k = 0;
    WSNAS_CHECK_USAGE(parse_int(trim(part), k) && k >= 1, "--k '", s,
                      "': expected a comma-separated list of integers >= 1");
    ks.push_back(k);
  }
  return ks;
}

void write_bootstrap_attrs(io::File& f, const std::string& group, const BootstrapOptions& b) {
  f.set_attr(group, "bootstrap_resamples", b.resamples);
  f.set_attr(group, "bootstrap_seed", static_cast<std::int64_t>(b.seed));
  f.set_attr(group, "bootstrap_level", b.level);
}

namespace {

void write_h5(const std::string& path, const Report& r, const Provenance& prov) {
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
    f.write_i64("/topk/tied_at_k", r.tied);
    if (r.bootstrap.resamples > 0) {
      write_bootstrap_attrs(f, "/correlation", r.bootstrap);
      for (const auto& [name, i] : correlation_intervals(r)) {
        f.set_attr("/correlation", std::string(name) + "_ci_low", i->low);
        f.set_attr("/correlation", std::string(name) + "_ci_high", i->high);
      }
      std::vector<double> lo, hi;
      for (const auto& i : r.top_k_ci) {
        lo.push_back(i.low);
        hi.push_back(i.high);
      }
      f.write_f64("/topk/top_k_ci_low", lo);
      f.write_f64("/topk/top_k_ci_high", hi);
    }
  });
}

}  // namespace

const std::vector<std::string>& analysis_names() {
  static const std::vector<std::string> names = {"ranking", "bias",    "mutual", "tricks",
                                                 "budgets", "density", "pruning"};
  return names;
}

po::options_description study_options(StudyJob& job) {
  po::options_description g("Analysis");
  g.add_options()(
      "analysis",
      po::value(&job.analysis)
          ->default_value(job.analysis)
          ->notifier(options::one_of("analysis", analysis_names())),
      "what to compute (the first word of the command line): ranking (correlations, "
      "top-k; paper Fig. 1, 3), bias (each decision's options; paper Fig. 4), mutual "
      "(Spearman among several supernets, size and ground truth; paper Fig. 3, 7), tricks "
      "(each supernet against the first, the baseline; paper Table 3), budgets (one ranking per "
      "training budget; Fig. 1, 8), density (per random 1/k sub-space; Fig. 2) or pruning (per "
      "best 1/k of the space; Fig. 5)")(
      "space", po::value(&job.space)->default_value(space::default_space_name()),
      ("search space: " + join(space::space_names(), " | ")).c_str())(
      "scores", po::value(&job.scores)->required()->multitoken(),
      "supernet scores: CSV (header row; an architecture column) or "
      "wsnas HDF5 (e.g. wsnas-evaluate's file); several for mutual")(
      "score-column", po::value(&job.score_column)->required()->multitoken(),
      "column of --scores holding the score; several for mutual")(
      "score-arch-column", po::value(&job.score_arch_column)->default_value(""),
      "architecture column of --scores (default: arch, ArchitectureString or index)")(
      "score-where", po::value(&job.score_where)->multitoken(),
      "keep rows of --scores with COLUMN=VALUE (e.g. epoch=8)")(
      "truth", po::value(&job.truth)->required(),
      "ground truth: CSV or wsnas HDF5 (e.g. wsnas-groundtruth's groundtruth.h5)")(
      "truth-where", po::value(&job.truth_where)->multitoken(),
      "keep rows of --truth with COLUMN=VALUE")(
      "truth-column", po::value(&job.truth_column)->default_value(""),
      "column of --truth holding the ground truth (both --truth-select and --truth-report)")(
      "truth-select", po::value(&job.truth_select)->default_value(""),
      "ground-truth column correlated with the score and used to pick among the top-k "
      "(validation)")("truth-report", po::value(&job.truth_report)->default_value(""),
                      "ground-truth column reported for the pick (test; default: --truth-select)")(
      "lower-is-better", po::bool_switch(&job.lower_is_better),
      "score and ground truth are lower-is-better (perplexity)")(
      "drop-nonfinite", po::bool_switch(&job.drop_nonfinite),
      "leave out rows whose score or ground truth is nan or inf, and say how many (default: an "
      "input error)")("truth-arch-column", po::value(&job.truth_arch_column)->default_value(""),
                      "architecture column of --truth")(
      "k", po::value(&job.k)->default_value("1,5,10,20,50,100"), "top-k values (paper Figure 1)")(
      "include-invalid", po::bool_switch(&job.include_invalid),
      "keep invalid architectures (default: drop them, as the paper)")(
      "classes", po::value(&job.cost.classes)->default_value(0),
      "classes of the network head, for analytic parameter counts (when --truth has no params "
      "column; 0: the space's dataset)")("out-csv", po::value(&job.out_csv),
                                         "also write the report as CSV")(
      "bootstrap",
      po::value(&job.bootstrap.resamples)->default_value(0)->notifier([](std::int64_t v) {
        WSNAS_CHECK_USAGE(v >= 0 && v <= 1000000, "--bootstrap ", v,
                          " out of range (expected 0 to 1000000 resamples)");
      }),
      "confidence intervals for every correlation and top-k: this many bootstrap resamples of the "
      "architectures (0: none; 1000 is usual)")("bootstrap-seed",
                                                po::value(&job.bootstrap.seed)->default_value(0),
                                                "seed of the bootstrap resamples")(
      "bootstrap-level",
      po::value(&job.bootstrap.level)
          ->default_value(0.95)
          ->notifier(options::in_range("bootstrap-level", 0.5, 0.999)),
      "level of the bootstrap intervals")(
      "x", po::value(&job.x)->multitoken(),
      "budgets, density, pruning: the x value of each --scores input, in order (training epochs, "
      "or k of the 1/k sub-space)")(
      "replicate", po::value(&job.replicate)->multitoken(),
      "budgets, density, pruning: the seed of each input's supernet (default 0 for all); inputs "
      "with the same x and different seeds give the min/max bands")(
      "label", po::value(&job.labels)->multitoken(),
      "mutual: the figure's label of each score input, in order (e.g. \"1000 ep\"; the ground "
      "truth is GT, the parameter count P)")(
      "decision", po::value(&job.decision)->default_value(""),
      "bias: the decision the figure's scatter groups by, as the space names it (paper Fig. 4: "
      "NB-201 \"edge 3<-0\"; default: the one with the largest shift)")(
      "reference", po::value(&job.reference_value),
      "budgets: a reference line at this ground-truth value (e.g. a published network's "
      "accuracy)")("reference-label", po::value(&job.reference_label)->default_value("reference"),
                   "budgets: the reference line's label")(
      "out-h5", po::value(&job.out_h5),
      "also write the report as HDF5 (docs/results-format.md, kind 'analysis')")(
      "plot", po::value(&job.plot_dir),
      "draw the --out-h5 file as the paper's kind of figure, PNG and SVG, into this folder "
      "(analysis/plot.py with /usr/bin/python3; $WSNAS_PYTHON and $WSNAS_PLOT_SCRIPT override)");
  return g;
}

void check_study(const StudyJob& job) {
  parse_ks(job.k);
  const bool sweep = is_sweep(job.analysis);
  if (sweep) {
    const auto f = job.scores.size(), c = job.score_column.size(), n = std::max(f, c);
    WSNAS_CHECK_USAGE(c == 1 || f == 1 || c == f, job.analysis,
                      " pairs --scores with --score-column: one column for every file, one file "
                      "with several columns, or as many columns as files (got ",
                      f, " files and ", c, " columns)");
    WSNAS_CHECK_USAGE(job.x.size() == n, job.analysis, " needs one --x value per score input (", n,
                      " inputs, ", job.x.size(), " --x values)");
    WSNAS_CHECK_USAGE(job.replicate.empty() || job.replicate.size() == n, job.analysis,
                      " needs one --replicate seed per score input, or none (", n, " inputs, ",
                      job.replicate.size(), " --replicate values)");
    for (double x : job.x)
      WSNAS_CHECK_USAGE(std::isfinite(x) && x > 0, "--x ", x,
                        ": expected positive numbers (epochs, or k of 1/k)");
  } else if (job.analysis != "mutual" && job.analysis != "tricks") {
    WSNAS_CHECK_USAGE(
        job.scores.size() == 1 && job.score_column.size() == 1, job.analysis,
        " takes one --scores file and one --score-column (several are for mutual and tricks)");
  } else {
    const auto f = job.scores.size(), c = job.score_column.size();
    WSNAS_CHECK_USAGE(c == 1 || f == 1 || c == f, job.analysis,
                      " pairs --scores with --score-column: one "
                      "column for every file, one file with several columns, or as many columns "
                      "as files (got ",
                      f, " files and ", c, " columns)");
    WSNAS_CHECK_USAGE(job.analysis != "tricks" || std::max(f, c) >= 2,
                      "tricks needs the baseline and at least one trick: two or more --scores or "
                      "--score-column");
  }
  WSNAS_CHECK_USAGE(job.labels.empty() || job.analysis == "mutual",
                    "--label names the inputs of mutual's matrix, not of ", job.analysis);
  if (!job.labels.empty()) {
    const auto n = std::max(job.scores.size(), job.score_column.size());
    WSNAS_CHECK_USAGE(job.labels.size() == n, "--label needs one label per score input (", n,
                      " inputs, ", job.labels.size(), " labels)");
  }
  WSNAS_CHECK_USAGE(job.decision.empty() || job.analysis == "bias",
                    "--decision picks the bias figure's decision, not one of ", job.analysis);
  WSNAS_CHECK_USAGE(std::isnan(job.reference_value) || job.analysis == "budgets",
                    "--reference draws a line on the budgets figure, not on ", job.analysis);
  WSNAS_CHECK_USAGE(!job.truth_select.empty() || !job.truth_column.empty(),
                    "the ground truth needs a column: --truth-column, or --truth-select");
  WSNAS_CHECK_USAGE(job.plot_dir.empty() || !job.out_h5.empty(),
                    "--plot draws the --out-h5 file: give --out-h5 FILE too");
  // A wsnas results file says which way its score goes: analysing it the other way round would
  // rank the worst architectures first, silently.
  for (const auto& path : job.scores) {
    if (!io::is_hdf5(path)) continue;
    const auto f = io::File::open(path);
    if (!f.exists("/results") || !f.has_attr("/results", "score") ||
        !f.has_attr("/results", "higher_is_better"))
      continue;
    const std::string score = f.attr_string("/results", "score");
    const bool higher = f.attr_int("/results", "higher_is_better") != 0;
    for (const auto& column : job.score_column) {
      WSNAS_CHECK_INPUT(column != score || higher != job.lower_is_better, "--scores '", path,
                        "': its score ", score, " is ", higher ? "higher" : "lower",
                        " is better (expected ",
                        higher ? "no --lower-is-better" : "--lower-is-better", ")");
    }
  }
}

void plot_file(const std::string& h5, const std::string& dir, std::ostream& out) {
  const char* py = std::getenv("WSNAS_PYTHON");
  const char* script = std::getenv("WSNAS_PLOT_SCRIPT");
  const std::vector<std::string> argv = {py ? py : "/usr/bin/python3",
                                         script ? script : share_path("analysis/plot.py"), h5, dir};
  out << std::flush;
  const int status = run_process(argv);
  WSNAS_CHECK(status == 0, "--plot: '", argv[0], " ", argv[1], "' failed (exit ", status,
              "); the results files are written, the figures are not");
}

namespace {

void plot(const StudyJob& job, std::ostream& out) { plot_file(job.out_h5, job.plot_dir, out); }

/// One `note:` line counting the rows each input left out for an empty cell (a missing value);
/// nothing when none did.
void note_empty_cells(std::ostream& out, const std::vector<const ArchValues*>& inputs) {
  std::int64_t left_out = 0;
  for (const auto* v : inputs) left_out += v->dropped_empty;
  if (left_out == 0) return;
  out << "note: left out " << left_out << (left_out == 1 ? " row" : " rows")
      << " with an empty cell (a missing value):";
  const char* sep = " ";
  for (const auto* v : inputs) {
    if (v->dropped_empty == 0) continue;
    out << sep << v->dropped_empty << " of " << v->rows << " in " << v->source;
    sep = ", ";
  }
  out << "\n";
}

}  // namespace

StudyData load(const StudyJob& job, std::ostream& out) {
  StudyData d;
  d.select = job.truth_select.empty() ? job.truth_column : job.truth_select;
  d.report_column = job.truth_report.empty() ? d.select : job.truth_report;
  d.space = space::make_space(job.space);
  const auto& sp = d.space;
  auto a = read_arch_values(*sp, job.scores[0], job.score_column[0], job.score_arch_column,
                            job.score_where, job.drop_nonfinite);
  auto b = read_arch_values(*sp, job.truth, d.select, job.truth_arch_column, job.truth_where,
                            job.drop_nonfinite);
  d.score_source = a.source;
  d.truth_source = b.source;
  auto joined = join_by_arch(*sp, a, b);
  // The reported ground truth, by architecture (the same table as --truth-select).
  // Its rows left out (an empty or, with --drop-nonfinite, a non-finite cell) are counted once,
  // in the notes below under its own column's name.
  std::map<std::string, double> reported;
  const bool own_report = d.report_column != d.select;
  auto rep = read_arch_values(*sp, job.truth, d.report_column, job.truth_arch_column,
                              job.truth_where, job.drop_nonfinite);
  for (std::size_t i = 0; i < rep.archs.size(); ++i)
    reported[sp->to_string(rep.archs[i])] = rep.values[i];
  // Parameter counts: the ground truth's own `params` column when it has one (wsnas-groundtruth
  // records the trained network's), else the space's analytic count for --classes.
  std::map<std::string, double> truth_params;
  {
    auto table = read_table(job.truth);
    filter_rows(table, job.truth_where);
    if (std::find(table.header.begin(), table.header.end(), "params") != table.header.end()) {
      // A non-finite count leaves that architecture without one: no size correlations then.
      auto p =
          read_arch_values(*sp, table, "params", job.truth_arch_column, /*drop_nonfinite=*/true);
      for (std::size_t i = 0; i < p.archs.size(); ++i)
        truth_params[sp->to_string(p.archs[i])] = p.values[i];
    }
  }
  std::int64_t dropped = 0, dropped_report = 0;
  for (std::size_t i = 0; i < joined.archs.size(); ++i) {
    if (!job.include_invalid && !sp->is_valid(joined.archs[i])) {
      ++dropped;
      continue;
    }
    // The ground truth's own row (the class's row where the benchmark has one per class).
    const std::string truth_key = sp->to_string(joined.truth_archs[i]);
    const auto r = reported.find(truth_key);
    if (r == reported.end()) {  // its --truth-report cell was empty or non-finite: left out
      ++dropped_report;
      continue;
    }
    d.archs.push_back(joined.archs[i]);
    d.report.push_back(r->second);
    d.score.push_back(joined.a[i]);
    d.truth.push_back(joined.b[i]);
    const auto cost = sp->cost(joined.archs[i], job.cost);  // once per architecture
    if (cost) d.flops.push_back(static_cast<double>(cost->flops));
    auto tp = truth_params.find(truth_key);
    if (tp != truth_params.end()) {
      d.params.push_back(tp->second);
    } else if (cost) {
      d.params.push_back(static_cast<double>(cost->params));
    }
  }
  if (d.params.size() != d.score.size()) d.params.clear();
  if (d.flops.size() != d.score.size()) d.flops.clear();
  out << "joined " << joined.archs.size() << " architectures (" << a.archs.size() << " scored, "
      << b.archs.size() << " with ground truth)";
  if (dropped) out << ", dropped " << dropped << " invalid";
  out << "\n";
  std::vector<const ArchValues*> inputs{&a, &b};
  if (own_report) inputs.push_back(&rep);
  note_empty_cells(out, inputs);
  if (job.drop_nonfinite) {
    const std::int64_t report_nonfinite = own_report ? rep.dropped_nonfinite : 0;
    out << "dropped " << a.dropped_nonfinite + b.dropped_nonfinite + report_nonfinite
        << " rows with a non-finite value (--drop-nonfinite): " << a.dropped_nonfinite << " in "
        << a.source << ", " << b.dropped_nonfinite << " in " << b.source;
    if (own_report) out << ", " << report_nonfinite << " in " << rep.source;
    out << "\n";
  }
  if (dropped_report > 0)
    out << "left out " << dropped_report << " joined architectures without a " << rep.source
        << " value (--truth-report)\n";
  return d;
}

namespace {

void run_ranking(const StudyJob& job, const StudyData& d, Provenance& provenance,
                 std::ostream& out) {
  const auto ks = parse_ks(job.k);
  auto report =
      make_report(d.score, d.truth, d.report, d.params, ks, !job.lower_is_better, job.bootstrap);
  const std::string truth_name = d.report_column == d.select
                                     ? d.truth_source
                                     : d.truth_source + " (top-k reports " + d.report_column + ")";
  print_report(out, report, d.score_source, truth_name);
  for (auto k : ks) {
    if (k > report.n)
      out << "note: --k " << k << " is more than the " << report.n << " architectures; no top-" << k
          << " row\n";
  }
  if (!job.out_csv.empty()) io::write_text_atomic(job.out_csv, report_csv(report));
  if (!job.out_h5.empty()) write_h5(job.out_h5, report, provenance);
}

void run_bias(const StudyJob& job, const StudyData& d, Provenance& provenance, std::ostream& out) {
  if (!job.decision.empty()) {
    std::vector<std::string> names;
    for (const auto& dec : d.space->decisions()) names.push_back(dec.name);
    WSNAS_CHECK_USAGE(std::find(names.begin(), names.end(), job.decision) != names.end(),
                      "--decision '", job.decision, "': not a decision of ", job.space,
                      " (decisions: ", join(names, ", "), ")");
  }
  const auto rows = option_bias(*d.space, d.archs, d.score, d.truth, !job.lower_is_better);
  out << "score:        " << d.score_source << "\nground truth: " << d.truth_source
      << "\narchitectures: " << d.archs.size()
      << "\nranks are fractions (0 best, 1 worst); shift = supernet rank - ground-truth rank "
         "(< 0: the supernet favours the option); p: Mann-Whitney U of the shift, with vs without "
         "the option\n";
  char buf[256];
  std::string decision;
  for (const auto& r : rows) {
    if (r.decision != decision) {
      decision = r.decision;
      std::snprintf(buf, sizeof buf, "\n%-16s %-16s %7s %10s %10s %8s %10s\n", decision.c_str(),
                    "option", "archs", "supernet", "truth", "shift", "p");
      out << buf;
    }
    std::snprintf(buf, sizeof buf, "%-16s %-16s %7lld %10.4f %10.4f %+8.4f %10.3g%s\n", "",
                  r.option.c_str(), static_cast<long long>(r.count), r.mean_score_rank,
                  r.mean_truth_rank, r.shift, r.p_value, r.most_biased ? "  <- most biased" : "");
    out << buf;
  }
  if (!job.out_csv.empty()) {
    std::ostringstream csv;
    csv.precision(17);
    csv << "decision,option,archs,mean_score_rank,mean_truth_rank,shift,u,p_value,most_biased\n";
    for (const auto& r : rows)
      csv << r.decision << ',' << r.option << ',' << r.count << ',' << r.mean_score_rank << ','
          << r.mean_truth_rank << ',' << r.shift << ',' << r.u << ',' << r.p_value << ','
          << (r.most_biased ? 1 : 0) << "\n";
    io::write_text_atomic(job.out_csv, csv.str());
  }
  if (!job.out_h5.empty()) {
    io::write_results_file(job.out_h5, "analysis", provenance, [&](io::File& f) {
      std::vector<std::string> dec, opt;
      std::vector<std::int64_t> count, most;
      std::vector<double> srank, trank, shift, u, p;
      for (const auto& r : rows) {
        dec.push_back(r.decision);
        opt.push_back(r.option);
        count.push_back(r.count);
        most.push_back(r.most_biased ? 1 : 0);
        srank.push_back(r.mean_score_rank);
        trank.push_back(r.mean_truth_rank);
        shift.push_back(r.shift);
        u.push_back(r.u);
        p.push_back(r.p_value);
      }
      f.create_group("/bias");
      f.set_attr("/bias", "architectures", static_cast<std::int64_t>(d.archs.size()));
      if (!job.decision.empty()) f.set_attr("/bias", "decision", job.decision);
      f.write_strings("/bias/decision", dec);
      f.write_strings("/bias/option", opt);
      f.write_i64("/bias/archs", count);
      f.write_f64("/bias/mean_score_rank", srank);
      f.write_f64("/bias/mean_truth_rank", trank);
      f.write_f64("/bias/shift", shift);
      f.write_f64("/bias/u", u);
      f.write_f64("/bias/p_value", p);
      f.write_i64("/bias/most_biased", most);
      // Per architecture (paper Fig. 4's scatter): its score, its ground truth and, for each
      // decision in the table's order, the row of the option it takes (-1: none listed).
      std::vector<std::string> decisions;
      std::map<std::pair<std::string, std::string>, std::int64_t> row_of;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (decisions.empty() || decisions.back() != rows[i].decision)
          decisions.push_back(rows[i].decision);
        row_of[{rows[i].decision, rows[i].option}] = static_cast<std::int64_t>(i);
      }
      const auto& all = d.space->decisions();
      std::vector<std::int64_t> option_row;
      std::vector<std::string> names;
      for (const auto& a : d.archs) {
        names.push_back(d.space->to_string(a));
        for (const auto& dec : decisions) {
          std::int64_t row = -1;
          for (std::size_t k = 0; k < all.size(); ++k) {
            if (all[k].name != dec) continue;
            const auto c = static_cast<std::size_t>(a.choices[k]);
            if (c < all[k].options.size()) {
              const auto it = row_of.find({dec, all[k].options[c]});
              if (it != row_of.end()) row = it->second;
            }
          }
          option_row.push_back(row);
        }
      }
      f.create_group("/bias/per_arch");
      f.write_f64("/bias/per_arch/score", d.score);
      f.write_f64("/bias/per_arch/truth", d.truth);
      f.write_i64(
          "/bias/per_arch/option_row", option_row,
          {static_cast<std::int64_t>(d.archs.size()), static_cast<std::int64_t>(decisions.size())});
      f.write_strings("/bias/per_arch/arch", names);
    });
  }
}

/// Several score inputs (--scores/--score-column pairs) over the architectures present in all of
/// them and in the ground truth, in the ground truth's join order.
struct Inputs {
  std::vector<std::string> names;                    ///< "file:column" of each score input
  std::vector<std::vector<double>> scores;           ///< per input
  std::vector<double> truth, report, params, flops;  ///< params/flops empty unless known for all
};

Inputs join_inputs(const StudyJob& job, const StudyData& d, std::ostream& out) {
  Inputs in;
  const std::size_t inputs = std::max(job.scores.size(), job.score_column.size());
  std::vector<std::map<std::string, double>> by_arch;
  for (std::size_t i = 0; i < inputs; ++i) {
    const std::string& file = job.scores[job.scores.size() == 1 ? 0 : i];
    const std::string& column = job.score_column[job.score_column.size() == 1 ? 0 : i];
    const auto v = read_arch_values(*d.space, file, column, job.score_arch_column, job.score_where,
                                    job.drop_nonfinite);
    in.names.push_back(v.source);
    if (i > 0) note_empty_cells(out, {&v});  // the first input's: load() noted them
    std::map<std::string, double> m;
    for (std::size_t r = 0; r < v.archs.size(); ++r)
      m[d.space->to_string(v.archs[r])] = v.values[r];
    by_arch.push_back(std::move(m));
  }
  in.scores.resize(inputs);
  for (std::size_t a = 0; a < d.archs.size(); ++a) {
    const std::string key = d.space->to_string(d.archs[a]);
    std::vector<double> row;
    for (const auto& m : by_arch) {
      const auto it = m.find(key);
      if (it == m.end()) break;
      row.push_back(it->second);
    }
    if (row.size() != inputs) continue;  // not in every score input
    for (std::size_t i = 0; i < inputs; ++i) in.scores[i].push_back(row[i]);
    in.truth.push_back(d.truth[a]);
    in.report.push_back(d.report[a]);
    if (!d.params.empty()) in.params.push_back(d.params[a]);
    if (!d.flops.empty()) in.flops.push_back(d.flops[a]);
  }
  WSNAS_CHECK_INPUT(in.truth.size() >= 2, job.analysis,
                    " needs at least 2 architectures in every input, found ", in.truth.size());
  return in;
}

void run_mutual(const StudyJob& job, const StudyData& d, Provenance& provenance,
                std::ostream& out) {
  const Inputs in = join_inputs(job, d, out);
  // Columns: each score, then the ground truth, parameters and FLOPs when known for all.
  std::vector<std::string> names = in.names;
  std::vector<std::vector<double>> columns = in.scores;
  const auto& truth = in.truth;
  names.push_back(d.truth_source);
  columns.push_back(truth);
  if (!in.params.empty()) {
    names.push_back("params");
    columns.push_back(in.params);
  }
  if (!in.flops.empty()) {
    names.push_back("flops");
    columns.push_back(in.flops);
  }
  const std::size_t m = columns.size();
  auto fill = [m](std::vector<double>& matrix, const std::vector<std::vector<double>>& cols) {
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j)
        matrix[i * m + j] = i == j ? 1.0 : j < i ? matrix[j * m + i] : spearman(cols[i], cols[j]);
  };
  std::vector<double> matrix(m * m);
  fill(matrix, columns);
  // Bootstrap intervals of every pair: the same resampled architectures for all columns.
  const auto ci = bootstrap_intervals(
      truth.size(), job.bootstrap, m * m, [&](const std::vector<std::size_t>& idx, double* row) {
        std::vector<std::vector<double>> cols(m, std::vector<double>(idx.size()));
        for (std::size_t c = 0; c < m; ++c)
          for (std::size_t i = 0; i < idx.size(); ++i) cols[c][i] = columns[c][idx[i]];
        std::vector<double> mat(m * m);
        fill(mat, cols);
        std::copy(mat.begin(), mat.end(), row);
      });
  out << "architectures in every input: " << truth.size() << "\nSpearman rank correlation:\n";
  for (std::size_t i = 0; i < m; ++i) out << "  [" << i + 1 << "] " << names[i] << "\n";
  char buf[256];
  out << "     ";
  for (std::size_t j = 0; j < m; ++j) {
    std::snprintf(buf, sizeof buf, "%9s", ("[" + std::to_string(j + 1) + "]").c_str());
    out << buf;
  }
  out << "\n";
  for (std::size_t i = 0; i < m; ++i) {
    std::snprintf(buf, sizeof buf, "%-5s", ("[" + std::to_string(i + 1) + "]").c_str());
    out << buf;
    for (std::size_t j = 0; j < m; ++j) {
      std::snprintf(buf, sizeof buf, "%9.4f", matrix[i * m + j]);
      out << buf;
    }
    out << "\n";
  }
  if (!ci.empty()) {
    out << job.bootstrap.level * 100 << "% bootstrap intervals (" << job.bootstrap.resamples
        << " resamples, seed " << job.bootstrap.seed << "):\n";
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = i + 1; j < m; ++j) {
        std::snprintf(buf, sizeof buf, "  [%zu]-[%zu] %8.4f  [%.4f, %.4f]\n", i + 1, j + 1,
                      matrix[i * m + j], ci[i * m + j].low, ci[i * m + j].high);
        out << buf;
      }
  }
  if (!job.out_csv.empty()) {
    std::ostringstream csv;
    csv.precision(17);
    csv << "a,b,spearman" << (ci.empty() ? "" : ",ci_low,ci_high") << "\n";
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j) {
        csv << names[i] << ',' << names[j] << ',' << matrix[i * m + j];
        if (!ci.empty()) csv << ',' << ci[i * m + j].low << ',' << ci[i * m + j].high;
        csv << "\n";
      }
    io::write_text_atomic(job.out_csv, csv.str());
  }
  if (!job.out_h5.empty()) {
    io::write_results_file(job.out_h5, "analysis", provenance, [&](io::File& f) {
      f.create_group("/mutual");
      f.set_attr("/mutual", "architectures", static_cast<std::int64_t>(truth.size()));
      f.write_strings("/mutual/names", names);
      if (!job.labels.empty()) {
        std::vector<std::string> labels = job.labels;
        labels.push_back("GT");
        if (!in.params.empty()) labels.push_back("P");
        if (!in.flops.empty()) labels.push_back("FLOPs");
        f.write_strings("/mutual/labels", labels);
      }
      const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(m),
                                               static_cast<std::int64_t>(m)};
      f.write_f64("/mutual/spearman", matrix, shape);
      if (!ci.empty()) {
        write_bootstrap_attrs(f, "/mutual", job.bootstrap);
        std::vector<double> lo, hi;
        for (const auto& c : ci) {
          lo.push_back(c.low);
          hi.push_back(c.high);
        }
        f.write_f64("/mutual/spearman_ci_low", lo, shape);
        f.write_f64("/mutual/spearman_ci_high", hi, shape);
      }
    });
  }
}

/// Table 3: each trick's supernet against the baseline (the first input): Corr-BL = Spearman with
/// the baseline's scores, Corr-GT = Spearman with the ground truth, top-10 (the paper's top-k), and
/// the last two as differences from the baseline's.
void run_tricks(const StudyJob& job, const StudyData& d, Provenance& provenance,
                std::ostream& out) {
  const Inputs in = join_inputs(job, d, out);
  const bool higher = !job.lower_is_better;
  const std::int64_t k = 10;
  const std::size_t n = in.scores.size();
  std::vector<double> corr_bl(n), corr_gt(n), top(n);
  auto stats = [&](const std::vector<std::vector<double>>& sc, const std::vector<double>& truth,
                   const std::vector<double>& report, double* row) {
    for (std::size_t i = 0; i < n; ++i) {
      row[i] = spearman(sc[i], sc[0]);
      row[n + i] = spearman(sc[i], truth);
      row[2 * n + i] = top_k(sc[i], truth, report, k, higher);
    }
  };
  {
    std::vector<double> row(3 * n);
    stats(in.scores, in.truth, in.report, row.data());
    for (std::size_t i = 0; i < n; ++i) {
      corr_bl[i] = row[i];
      corr_gt[i] = row[n + i];
      top[i] = row[2 * n + i];
    }
  }
  // Intervals: the same resampled architectures for every supernet.
  const auto ci = bootstrap_intervals(
      in.truth.size(), job.bootstrap, 3 * n, [&](const std::vector<std::size_t>& idx, double* row) {
        std::vector<std::vector<double>> sc(n, std::vector<double>(idx.size()));
        std::vector<double> t(idx.size()), r(idx.size());
        for (std::size_t j = 0; j < idx.size(); ++j) {
          for (std::size_t i = 0; i < n; ++i) sc[i][j] = in.scores[i][idx[j]];
          t[j] = in.truth[idx[j]];
          r[j] = in.report[idx[j]];
        }
        stats(sc, t, r, row);
      });
  out << "architectures in every input: " << in.truth.size() << "\nbaseline: " << in.names[0]
      << "\n\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-4s %8s %8s %8s %8s %8s  %s\n", "", "Corr-BL", "Corr-GT",
                "delta", "top-10", "delta", "supernet");
  out << buf;
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "[%zu]  %8.4f %8.4f %+8.4f %8.4f %+8.4f  %s\n", i + 1,
                  corr_bl[i], corr_gt[i], corr_gt[i] - corr_gt[0], top[i], top[i] - top[0],
                  in.names[i].c_str());
    out << buf;
  }
  if (!ci.empty()) {
    out << "\n"
        << job.bootstrap.level * 100 << "% bootstrap intervals (" << job.bootstrap.resamples
        << " resamples, seed " << job.bootstrap.seed << "):\n";
    for (std::size_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf,
                    "[%zu]  Corr-BL [%.4f, %.4f]  Corr-GT [%.4f, %.4f]  top-10 [%.4f, %.4f]\n",
                    i + 1, ci[i].low, ci[i].high, ci[n + i].low, ci[n + i].high, ci[2 * n + i].low,
                    ci[2 * n + i].high);
      out << buf;
    }
  }
  if (!job.out_csv.empty()) {
    std::ostringstream csv;
    csv.precision(17);
    csv << "supernet,corr_bl,corr_gt,corr_gt_delta,top10,top10_delta"
        << (ci.empty() ? ""
                       : ",corr_bl_ci_low,corr_bl_ci_high,corr_gt_ci_low,corr_gt_ci_high,"
                         "top10_ci_low,top10_ci_high")
        << "\n";
    for (std::size_t i = 0; i < n; ++i) {
      csv << in.names[i] << ',' << corr_bl[i] << ',' << corr_gt[i] << ',' << corr_gt[i] - corr_gt[0]
          << ',' << top[i] << ',' << top[i] - top[0];
      for (std::size_t s3 = 0; s3 < 3 && !ci.empty(); ++s3)
        csv << ',' << ci[s3 * n + i].low << ',' << ci[s3 * n + i].high;
      csv << "\n";
    }
    io::write_text_atomic(job.out_csv, csv.str());
  }
  if (!job.out_h5.empty()) {
    io::write_results_file(job.out_h5, "analysis", provenance, [&](io::File& f) {
      f.create_group("/tricks");
      f.set_attr("/tricks", "architectures", static_cast<std::int64_t>(in.truth.size()));
      f.set_attr("/tricks", "k", k);
      f.write_strings("/tricks/supernet", in.names);
      f.write_f64("/tricks/corr_bl", corr_bl);
      f.write_f64("/tricks/corr_gt", corr_gt);
      f.write_f64("/tricks/top_k", top);
      if (!ci.empty()) {
        write_bootstrap_attrs(f, "/tricks", job.bootstrap);
        const char* names[] = {"corr_bl", "corr_gt", "top_k"};
        for (std::size_t s3 = 0; s3 < 3; ++s3) {
          std::vector<double> lo, hi;
          for (std::size_t i = 0; i < n; ++i) {
            lo.push_back(ci[s3 * n + i].low);
            hi.push_back(ci[s3 * n + i].high);
          }
          f.write_f64(std::string("/tricks/") + names[s3] + "_ci_low", lo);
          f.write_f64(std::string("/tricks/") + names[s3] + "_ci_high", hi);
        }
      }
    });
  }
}

}  // namespace

void run_study(const StudyJob& job, Provenance& provenance, std::ostream& out) {
  check_study(job);
  provenance.set("analysis", job.analysis);
  if (is_sweep(job.analysis)) {  // each input joined on its own
    run_sweep(job, provenance, out);
    if (!job.plot_dir.empty()) plot(job, out);
    return;
  }
  const StudyData d = load(job, out);
  provenance.set("scores", d.score_source);
  provenance.set("truth", d.truth_source);
  provenance.set("truth_report", d.report_column);
  if (job.analysis == "bias") {
    run_bias(job, d, provenance, out);
  } else if (job.analysis == "mutual") {
    run_mutual(job, d, provenance, out);
  } else if (job.analysis == "tricks") {
    run_tricks(job, d, provenance, out);

  } else {
    run_ranking(job, d, provenance, out);
  }
  if (!job.plot_dir.empty()) plot(job, out);
}

}  // namespace wsnas::analysis

#pragma once
/// The analysis of a study as a library stage (what `wsnas-analyze` runs): supernet scores and
/// ground truth joined by architecture; rank correlations, the paper's top-k against exact random
/// top-k, correlations with model size; printed, and optionally written as CSV and HDF5.

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>
#include <vector>

#include "wsnas/analysis/report.h"
#include "wsnas/core/provenance.h"
#include "wsnas/options/parser.h"
#include "wsnas/space/search_space.h"

namespace wsnas::analysis {

struct StudyJob {
  /// ranking | bias | mutual | tricks | budgets | density | pruning
  std::string analysis = "ranking";
  std::string space = space::default_space_name();
  /// --scores and --score-column may repeat (`mutual`): one column for every file, one file with
  /// several columns, or as many columns as files, in pairs (mutual, tricks). ranking and bias
  /// take one of each.
  std::vector<std::string> scores, score_column;
  std::string score_arch_column;
  std::vector<std::string> score_where;
  std::string truth, truth_column, truth_select, truth_report, truth_arch_column;
  std::vector<std::string> truth_where;
  std::string k = "1,5,10,20,50,100";
  bool include_invalid = false, lower_is_better = false, drop_nonfinite = false;
  space::CostOptions cost;
  std::string out_csv, out_h5;
  std::string plot_dir;  ///< --plot: figures of --out-h5 (analysis/plot.py) into this folder
  BootstrapOptions
      bootstrap;  ///< --bootstrap N (0: no intervals), --bootstrap-seed, --bootstrap-level
  /// budgets, density, pruning: per score input, its x (epochs, or k of 1/k) and its seed
  std::vector<double> x;
  std::vector<std::int64_t> replicate;
  /// mutual: the figure's label of each score input ("1000 ep"; the paper's Fig. 3), then "GT",
  /// "P" and "FLOPs" for the others; empty: plot.py shortens the sources.
  std::vector<std::string> labels;
  /// budgets: a reference line in ground-truth units (the paper's Fig. 8 on ProxylessNAS: the
  /// Proxyless-GPU architecture's accuracy) and its label; NaN: none.
  double reference_value = std::numeric_limits<double>::quiet_NaN();
  std::string reference_label;
  /// bias: the decision the figure's scatter groups by (paper Fig. 4: "edge 3<-0"); "" : the one
  /// with the largest shift.
  std::string decision;
};

/// budgets, density and pruning: one ranking per score input, each on its own architectures.
inline bool is_sweep(const std::string& analysis) {
  return analysis == "budgets" || analysis == "density" || analysis == "pruning";
}

/// The option group of the stage, bound to `job`.
options::po::options_description study_options(StudyJob& job);
/// The analyses, in the order --help and study files list them: ranking, bias, mutual, tricks,
/// budgets, density, pruning.
const std::vector<std::string>& analysis_names();
/// Checks the options that need no file (the same on every rank); UsageError otherwise.
void check_study(const StudyJob& job);
/// Runs the analysis: prints the table to `out`, writes --out-csv/--out-h5, and records the
/// inputs in `provenance`.
void run_study(const StudyJob& job, Provenance& provenance, std::ostream& out);
/// analysis/plot.py (installed beside the apps, or the source tree's: share_path; $WSNAS_PYTHON,
/// $WSNAS_PLOT_SCRIPT override) draws the results file `h5` into `dir`; the figure paths go to
/// `out`. Error naming --plot when it fails.
void plot_file(const std::string& h5, const std::string& dir, std::ostream& out);

}  // namespace wsnas::analysis

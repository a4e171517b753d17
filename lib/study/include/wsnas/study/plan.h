#pragma once
/// A study is a file (configs/studies/*.ini): the space, the configs of each app, the training
/// budgets, seeds, supernet variants, sub-spaces and analyses of one of the paper's experiments.
/// `make_plan` turns it into the list of runs with their exact command lines (plan.tsv); one
/// runner executes them in order, skipping finished ones (wsnas-study run), and the same runner
/// executes one run per Slurm array task (slurm/submit-study.sh). No run names a space: the space
/// is an option passed to the apps.

#include <cstdint>
#include <string>
#include <vector>

namespace wsnas::study {

/// A supernet variant (paper Table 3): a name and the wsnas-supernet options it adds.
struct Variant {
  std::string name;
  std::vector<std::string> args;  ///< "--key", "value", ...
};

/// The parsed study file. Paths are absolute (relative ones are taken from the study file's
/// folder).
struct Study {
  std::string path;  ///< the study file
  std::string space;
  std::vector<std::string> supernet_configs, evaluate_configs, groundtruth_configs;
  std::int64_t archs = 1000;  ///< architectures evaluated (all valid ones when fewer)
  std::int64_t arch_seed = 0;
  std::string arch_pool;  ///< draw the evaluated architectures from this file ("" : the space)
  double max_flops = 0, max_params = 0;     ///< millions; 0: no limit (scored architectures)
  std::vector<std::string> sample_options;  ///< more wsnas-space options (the cost's shape)
  std::vector<std::int64_t> budgets{1000};  ///< epochs; each a separate supernet run
  std::vector<std::int64_t> seeds{0};
  std::vector<Variant> variants{{"baseline", {}}};  ///< the first is the baseline
  std::vector<std::int64_t> density, pruning;       ///< k of the 1/k sub-spaces (Fig. 2, 5)
  std::string truth = "farm";  ///< "farm" (wsnas-groundtruth) or a table (CSV or wsnas HDF5)
  std::string truth_select, truth_report, truth_arch_column;
  std::string score_column = "accuracy";
  bool lower_is_better = false;
  std::vector<std::string> analyses;  ///< empty: every analysis the study can run
  std::string k = "1,5,10,20,50,100";
  std::int64_t bootstrap = 1000;
  bool plot = true;
  /// A reference line on the budgets figure (ground-truth units; the paper's Fig. 8 on
  /// ProxylessNAS: Proxyless-GPU's accuracy) and its label; "" : none.
  std::string reference, reference_label;
  /// The decision the bias figure groups by (paper Fig. 4); "" : the one with the largest shift.
  std::string bias_decision;
  /// "NAME=DIR" (DIR absolute): where dataset NAME is, from wsnas-study --data-dir; every
  /// supernet, ground-truth and evaluation run gets them as --dataset-dir.
  std::vector<std::string> dataset_dirs;
  /// The scale the study was read at ("" : its own sizes), and the options that scale's section
  /// adds to every run of an app, after its config files (they win over them).
  std::string scale;
  std::vector<std::string> scale_supernet_options, scale_groundtruth_options,
      scale_evaluate_options, scale_score_options;
  /// Zero-cost scorers (wsnas-score --scorer, docs/zero-cost.md) of the evaluated architectures,
  /// each analysed as a score beside the supernets; empty: none. Their runs read `score_configs`
  /// (empty: the supernet's configs, the study's data and network shape) and, at a scale, its
  /// score-options (absent: its supernet-options).
  std::vector<std::string> scorers;
  std::vector<std::string> score_configs;
  bool have_scale_score_options = false;
  /// Search on the main supernet (wsnas-search --fitness-checkpoint, docs/search.md): these
  /// strategies, each on every seed of `search_seeds`, `search_budget` evaluations per run, the
  /// study's truth table reporting each find unless `search_truth` is false (a truth that does
  /// not cover the space: the farm's, DARTS' published architectures); empty: no search.
  std::vector<std::string> search;
  std::int64_t search_budget = 100;
  std::string search_seeds = "0-4";
  std::vector<std::string> search_options;
  bool search_truth = true;
};

/// Reads a study file; UsageError naming the file, the line and the key on anything wrong.
/// With `scale`, the file's [scale NAME] section is read over [study]: any [study] key it sets
/// wins (archs, budgets, seeds, density, ...), its supernet-options, groundtruth-options and
/// evaluate-options are added to those runs' commands, and a variant's own epochs shrink with the
/// largest budget (kept in proportion, at least 1). wsnas-study --scale tiny: every shipped study
/// at seconds-long runs (tests/test_studies.sh).
/// `overrides` ("KEY=VALUE", wsnas-study --set) are read last, as lines of [study] (relative
/// paths from the working directory).
Study read_study(const std::string& path, const std::string& scale = "",
                 const std::vector<std::string>& overrides = {});

/// One run of a plan.
struct Run {
  std::string id;     ///< unique, e.g. "supernet/baseline-e1000-s0"
  std::string stage;  ///< sample | supernet | groundtruth | evaluate | score | analyze (in order)
  bool mpi = false;   ///< started under the launcher (mpirun, srun); else run directly
  std::string stdout_file;        ///< its standard output goes here ("" : inherited)
  std::vector<std::string> argv;  ///< argv[0]: a wsnas app, found beside wsnas-study
};

/// The stages in the order they run; a run only needs runs of earlier stages.
const std::vector<std::string>& stages();

/// The runs of `study` with outputs under `dir` (absolute). Needs no file but the study's own
/// (and, for density and pruning, the space's size).
std::vector<Run> make_plan(const Study& study, const std::string& dir);

/// Refuses, before anything runs, options the apps would refuse hours later: each distinct
/// command of the supernet, ground-truth and evaluation runs (one per variant, whatever its budget
/// and seed) runs once with --check-options (apps from `bin_dir`; "" : PATH). The first refusal is
/// a UsageError "study file 'F': run ID: <the app's own line>".
void check_run_options(const Study& study, const std::vector<Run>& runs,
                       const std::string& bin_dir);

/// plan.tsv: a header, then one line per run: id, stage, launch (mpi | local), stdout, command
/// (shell-quoted; what a user would type).
std::string plan_tsv(const std::vector<Run>& runs);
/// Reads DIR/plan.tsv; InputError naming the file and line.
std::vector<Run> read_plan(const std::string& path);
/// `s` quoted for a POSIX shell when it needs it.
std::string shell_quote(const std::string& s);
/// Splits a line quoted by shell_quote (single quotes, backslash-free) back into words.
std::vector<std::string> shell_split(const std::string& line);

/// The MPI ranks a run can take when `max` are offered: a supernet run holds whole replicas (its
/// configs' and options' `replicas`, else `gpus`, else 1), so the largest count <= max dividing
/// them; any other run, `max`.
int ranks_for(const Run& run, int max);

/// What a run is expected to cost, in its stage's own unit (the runner's ETA weighs runs by it):
/// a supernet's epochs times the paths its sampler trains per step, an evaluation's or the ground
/// truth's architectures (the rows of its --archs file once written), 1 for a sample or an
/// analysis.
double expected_cost(const Run& run);

/// The launcher's words (--launcher, split at spaces). Open MPI's mpirun (mpiexec, orterun,
/// scripts/wsnas-mpirun) binds a rank to one core by default, which leaves a rank's other threads
/// waiting on that core: it gets `--bind-to none` unless the words bind or map already
/// (--bind-to, --map-by). Other launchers (srun: Slurm's --cpus-per-task) are left as they are.
std::vector<std::string> launcher_words(const std::string& launcher);

/// How runs are executed.
struct RunOptions {
  std::string bin_dir;                ///< where the wsnas apps are
  std::vector<std::string> launcher;  ///< prefix of MPI runs (e.g. mpirun --oversubscribe)
  int ranks = 0;      ///< > 0: the launcher gets "-n K", K = ranks_for(run, ranks); 0: it decides
  std::string stage;  ///< only this stage ("" : all)
  std::int64_t task = -1;  ///< only the task-th run of `stage` (Slurm array task)
  bool dry_run = false;    ///< print what would run
};

/// Runs the plan of `dir` in order. A run is skipped when its marker, DIR/done/<id with '/' as
/// '_'>.done, holds its command and the size and time of every file the command names (configs,
/// inputs, outputs) as they are now: a run whose input was remade, or whose output is gone or
/// changed, runs again. A run that exits 0 gets that marker. Returns 0, or the failed run's exit
/// status (75 when a stop signal made the run save its state: rerunning resumes). Progress on
/// stdout.
int run_plan(const std::string& dir, const RunOptions& options);

}  // namespace wsnas::study

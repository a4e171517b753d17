// wsnas-study: a study file (configs/studies/*.ini) as a plan of runs, and the runner of that plan.
//   wsnas-study plan STUDY.ini DIR    writes DIR/plan.tsv (one line per run, its exact command)
//   wsnas-study run [STUDY.ini] DIR   runs the plan in order under the launcher (mpirun by
//                                     default), skipping finished runs; with STUDY.ini, plans first
// slurm/submit-study.sh submits the same plan as job arrays; each array task calls
// `wsnas-study run DIR --stage S --task I`. Not an MPI program itself: it starts the apps.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/options/parser.h"
#include "wsnas/study/plan.h"

namespace {

namespace fs = std::filesystem;
namespace po = wsnas::options::po;
using wsnas::UsageError;

std::string self_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

/// DIR as every command names it: absolute, symbolic links resolved, no trailing '/' (so that
/// `DIR`, `DIR/` and a link to it give the same plan, as submit-study.sh's realpath does).
std::string absolute_dir(const std::string& d) {
  if (d.find_first_of("\t\n") != std::string::npos)
    throw UsageError("DIR '" + d + "': a tab or a newline cannot be in a plan's paths");
  std::string out = fs::weakly_canonical(fs::absolute(fs::path(d))).string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// wsnas-study --data-dir NAME=DIR, DIR made absolute (the runs start in any folder).
std::vector<std::string> dataset_dirs(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& g : given) {
    std::string name, given_dir;
    if (!wsnas::split_assignment(g, name, given_dir))
      throw UsageError("--data-dir '" + g +
                       "': expected NAME=DIR (e.g. cifar100=/scratch/cifar100)");
    const std::string dir = absolute_dir(given_dir);
    // Its files are the runs' to check (--check-options), by the dataset's own list.
    if (!fs::is_directory(dir))
      throw UsageError("--data-dir '" + g + "': no folder '" + dir +
                       "' (expected NAME=DIR, DIR "
                       "the folder of dataset NAME)");
    out.push_back(name + "=" + dir);
  }
  return out;
}

void write_plan(const std::string& study_file, const std::string& dir, const std::string& bin,
                const std::vector<std::string>& data_dirs, const std::string& scale,
                const std::vector<std::string>& overrides) {
  auto study = wsnas::study::read_study(study_file, scale, overrides);
  study.dataset_dirs = dataset_dirs(data_dirs);
  // What shaped the plan beside the file, recorded with its copy (a rerun's or a reader's).
  std::string given;
  if (!scale.empty()) given += " --scale " + scale;
  for (const auto& d : study.dataset_dirs) given += " --data-dir " + d;
  for (const auto& o : overrides) given += " --set '" + o + "'";
  if (fs::exists(dir) && !fs::is_directory(dir))
    throw UsageError("DIR '" + dir + "' exists but is not a directory");
  const auto runs = wsnas::study::make_plan(study, dir);
  wsnas::study::check_run_options(study, runs, bin);
  const std::string plan = dir + "/plan.tsv";
  const std::string tsv = wsnas::study::plan_tsv(runs);
  bool changed = false;
  try {
    fs::create_directories(dir);
    changed = fs::exists(plan) && read_all(plan) != tsv;
    const std::string copy = dir + "/study.ini";
    for (const auto& [path, text] :
         {std::pair<std::string, std::string>{plan, tsv}, {copy, read_all(study.path)}}) {
      if (path == copy && fs::exists(copy) && fs::equivalent(copy, study.path)) continue;
      wsnas::io::write_text_atomic(
          path, path == copy ? "# a copy of " + study.path +
                                   " (relative paths are relative to its folder)\n# planned " +
                                   (given.empty() ? "as it is" : "with" + given) + "\n" + text
                             : text);
    }
  } catch (const fs::filesystem_error& e) {  // a read-only or missing parent: the user's to fix
    wsnas::throw_system_error("DIR '" + dir + "': cannot write the plan", e.code().value());
  }
  const auto& stages = wsnas::study::stages();
  std::vector<std::size_t> per_stage(stages.size());
  for (const auto& r : runs)
    for (std::size_t i = 0; i < stages.size(); ++i)
      if (r.stage == stages[i]) ++per_stage[i];
  std::cout << "wsnas-study: " << plan << ": " << runs.size() << " runs (";
  for (std::size_t i = 0; i < stages.size(); ++i)
    std::cout << (i ? ", " : "") << per_stage[i] << " " << stages[i];
  std::cout << ")"
            << (changed ? "; the plan changed: runs whose command changed will run again" : "")
            << "\n";
}

int body(int argc, char** argv) {
  std::vector<std::string> args, data_dirs;
  std::string scale;
  std::vector<std::string> overrides;
  wsnas::study::RunOptions run;
  std::string launcher;
  wsnas::options::Parser parser(
      "wsnas-study",
      "wsnas-study plan STUDY.ini DIR | wsnas-study run [STUDY.ini] DIR [options]\n"
      "A study file as a plan of runs (DIR/plan.tsv), and its runner: finished runs are "
      "skipped.");
  po::options_description g("Study");
  const char* env_launcher = std::getenv("WSNAS_LAUNCHER");
  const char* env_ranks = std::getenv("WSNAS_RANKS");
  g.add_options()("args", po::value(&args)->multitoken(), "plan|run, then STUDY.ini and DIR")(
      "launcher", po::value(&launcher)->default_value(env_launcher ? env_launcher : "mpirun"),
      "run: how MPI runs start (default $WSNAS_LAUNCHER, else mpirun; e.g. \"mpirun "
      "--oversubscribe\", or \"srun --mpi=pmix\" in a Slurm job); mpirun gets --bind-to none "
      "unless it binds or maps already (a rank's threads need its cores)")(
      "ranks", po::value(&run.ranks)->default_value(env_ranks ? std::atoi(env_ranks) : 0),
      "run: MPI ranks per run (default $WSNAS_RANKS, else 0: the launcher decides); the launcher "
      "gets -n K, K = this, or for a supernet the largest count <= this dividing its replicas "
      "(give the launcher without a rank count)")(
      "bin", po::value(&run.bin_dir)->default_value(self_dir()),
      "run: the folder of the wsnas apps (default: beside wsnas-study)")(
      "stage", po::value(&run.stage)->default_value(""),
      "run: only the runs of this stage (sample, supernet, groundtruth, evaluate, score, "
      "analyze)")("task", po::value(&run.task)->default_value(-1),
                  "run: only the task-th run (from 0) of --stage (a Slurm array task)")(
      "dry-run", po::bool_switch(&run.dry_run), "run: print the commands instead of running them")(
      "data-dir", po::value(&data_dirs)->composing(),
      "plan, run STUDY.ini: NAME=DIR, where dataset NAME is (repeatable; every run that reads "
      "NAME gets DIR, whatever the study's configs say); plan checks every dataset's folder")(
      "scale", po::value(&scale)->default_value(""),
      "plan, run STUDY.ini: read the study file's [scale NAME] section over [study] (tiny: the "
      "same plan at seconds-long runs, for checking a study before a cluster runs it)")(
      "set", po::value(&overrides)->composing(),
      "plan, run STUDY.ini: KEY=VALUE, a [study] key over the file's (repeatable; e.g. "
      "truth=/data/nb101-truth.h5: the repository's study files used unedited)");
  parser.add(g);
  parser.positional("args", -1);
  po::variables_map vm;
  if (!parser.parse(argc, argv, vm)) {
    std::cout << parser.help();
    return 0;
  }
  if (args.empty()) throw UsageError("expected a command: plan or run (see --help)");
  // wsnas-study launches its own runs: several copies under mpirun or srun would write one plan
  // and run every stage several times. (It does not start MPI: the launcher's variables tell.)
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    std::int64_t n = 0;
    const char* v = std::getenv(var);
    if (v != nullptr && wsnas::parse_int(v, n) && n > 1)
      throw UsageError("wsnas-study is a serial tool: run it as one process, not as " +
                       std::to_string(n) + " ranks of mpirun or srun (" + var +
                       "); it launches the ranks of each run itself (--launcher)");
  }
  const std::string command = args[0];
  if (command == "plan") {
    if (args.size() != 3) throw UsageError("plan takes STUDY.ini DIR (see --help)");
    write_plan(args[1], absolute_dir(args[2]), run.bin_dir, data_dirs, scale, overrides);
    return 0;
  }
  if (command == "ranks") {  // for submit-study.sh: the ranks every run of a stage can take
    if (args.size() != 4) throw UsageError("ranks takes DIR STAGE MAX");
    std::int64_t max = 0;
    if (!wsnas::parse_int(args[3], max) || max < 1)
      throw UsageError("ranks: MAX '" + args[3] + "': expected a whole number >= 1");
    int k = static_cast<int>(max);
    for (const auto& r : wsnas::study::read_plan(absolute_dir(args[1]) + "/plan.tsv"))
      if (r.stage == args[2]) k = std::min(k, wsnas::study::ranks_for(r, static_cast<int>(max)));
    std::cout << k << "\n";
    return 0;
  }
  if (command != "run")
    throw UsageError("unknown command '" + command + "' (expected plan or run)");
  if (args.size() != 2 && args.size() != 3)
    throw UsageError("run takes [STUDY.ini] DIR (see --help)");
  const std::string dir = absolute_dir(args.back());
  if (args.size() == 3) {
    write_plan(args[1], dir, run.bin_dir, data_dirs, scale, overrides);
  } else if (!data_dirs.empty() || !scale.empty() || !overrides.empty()) {
    throw UsageError(
        "--data-dir, --scale and --set go with a study file (wsnas-study run STUDY.ini DIR ...): a "
        "written plan holds its runs' commands already");
  } else if (!fs::exists(dir + "/plan.tsv")) {
    throw UsageError("DIR '" + dir +
                     "' has no plan.tsv: give the study file (wsnas-study run "
                     "STUDY.ini DIR) or plan first");
  }
  run.launcher = wsnas::study::launcher_words(launcher);
  if (run.launcher.empty()) throw UsageError("--launcher is empty");
  if (run.ranks < 0) throw UsageError("--ranks " + std::to_string(run.ranks) + ": expected >= 0");
  return wsnas::study::run_plan(dir, run);
}

}  // namespace

int main(int argc, char** argv) {
  if (wsnas::app::wants_version(argc, argv)) {
    std::cout << wsnas::app::version_text("wsnas-study");
    return 0;
  }
  try {
    return body(argc, argv);
  } catch (const wsnas::InputError& e) {  // UsageError included
    std::cerr << "wsnas-study: error: " << wsnas::one_line_message(e.what()) << std::endl;
    return wsnas::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "wsnas-study: error: " << wsnas::one_line_message(e.what()) << std::endl;
    return wsnas::kExitFailure;
  }
}

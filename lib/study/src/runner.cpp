// Executes a plan (wsnas-study run): each run as a child process (MPI runs under the launcher),
// finished runs skipped by their done markers, stop signals passed on so the running app saves
// its state and a rerun resumes.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "wsnas/core/error.h"
#include "wsnas/core/process.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/options/parser.h"
#include "wsnas/space/sampler.h"
#include "wsnas/space/search_space.h"
#include "wsnas/study/plan.h"

namespace wsnas::study {

namespace fs = std::filesystem;

namespace {

volatile sig_atomic_t g_child = 0;  // the running child, for the handler
volatile sig_atomic_t g_stop = 0;   // the first stop signal received

extern "C" void on_stop(int sig) {
  if (!g_stop) g_stop = sig;
  // The apps save their state and exit 75 on SIGUSR1 (mpirun and srun pass it to every rank).
  // SIGINT from a terminal reaches the child by itself (same process group).
  if (g_child > 0 && sig != SIGINT) ::kill(static_cast<pid_t>(g_child), SIGUSR1);
}

void install() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns on a signal and we go on waiting
  for (int sig : {SIGTERM, SIGUSR1, SIGINT}) sigaction(sig, &sa, nullptr);
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  return cmd;
}

std::string marker_path(const std::string& dir, const std::string& id) {
  std::string name = id;
  std::replace(name.begin(), name.end(), '/', '_');
  return dir + "/done/" + name + ".done";
}

/// The marker of a finished run: its command, then "size mtime path" of every regular file it
/// names (and of its stdout file), as they are now.
std::string fingerprint(const Run& r, const std::string& command) {
  std::ostringstream os;
  os << command << "\n";
  std::vector<std::string> files = r.argv;
  if (!r.stdout_file.empty()) files.push_back(r.stdout_file);
  for (const auto& f : files) {
    struct stat st {};
    if (f.empty() || f[0] != '/' || ::stat(f.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    os << st.st_size << ' ' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << ' ' << f << "\n";
  }
  if (!r.stdout_file.empty() && ::access(r.stdout_file.c_str(), F_OK) != 0)
    os << "missing " << r.stdout_file << "\n";
  return os.str();
}

bool is_done(const std::string& marker, const std::string& expected) {
  std::ifstream in(marker);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str() == expected;
}

/// Runs argv (stdout to `out` when given); a stop signal reaches it as SIGUSR1.
int spawn_wait(const std::vector<std::string>& argv, const std::string& out) {
  int status = 0;
  try {
    status = run_process(argv, out, [](int pid) {
      g_child = pid;
      if (g_stop && g_stop != SIGINT) ::kill(pid, SIGUSR1);  // a signal that came while starting
    });
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + " (build the apps, or give --bin DIR / --launcher)");
  }
  g_child = 0;
  return status;
}

}  // namespace

namespace {
/// The values a run's command gives `keys`, as the app reads them: its config files first, then
/// its options (the last one wins). A key given nowhere is absent.
std::map<std::string, std::string> run_values(const Run& r, const std::set<std::string>& keys) {
  std::map<std::string, std::string> out;
  auto take = [&](const std::string& key, const std::string& value) {
    if (keys.count(key)) out[key] = value;
  };
  for (std::size_t i = 0; i + 1 < r.argv.size(); ++i) {
    if (r.argv[i] == "--config") {
      try {
        for (const auto& e : options::read_config_file(r.argv[i + 1])) take(e.key, e.value);
      } catch (const Error&) {  // the app itself will say what is wrong with it
      }
    }
  }
  for (std::size_t i = 0; i + 1 < r.argv.size(); ++i)
    if (starts_with(r.argv[i], "--")) take(r.argv[i].substr(2), r.argv[i + 1]);
  return out;
}
std::int64_t int_or(const std::map<std::string, std::string>& v, const std::string& key,
                    std::int64_t fallback) {
  std::int64_t x = 0;
  const auto it = v.find(key);
  return it != v.end() && parse_int(it->second, x) ? x : fallback;
}
}  // namespace

std::vector<std::string> launcher_words(const std::string& launcher) {
  std::vector<std::string> words;
  std::istringstream in(launcher);
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) return words;
  const std::string exe = fs::path(words[0]).filename().string();
  if (exe != "mpirun" && exe != "mpiexec" && exe != "orterun" && exe != "wsnas-mpirun")
    return words;
  for (const auto& w : words)
    for (const char* opt : {"--bind-to", "-bind-to", "--map-by", "-map-by"})
      if (w.rfind(opt, 0) == 0) return words;
  words.insert(words.begin() + 1, {"--bind-to", "none"});
  return words;
}

int ranks_for(const Run& r, int max) {
  if (r.stage != "supernet" || max <= 1) return max;
  const auto v = run_values(r, {"gpus", "replicas"});
  const std::int64_t gpus = int_or(v, "gpus", 1), replicas = int_or(v, "replicas", 0);
  const std::int64_t R = replicas > 0 ? replicas : std::max<std::int64_t>(gpus, 1);
  int k = static_cast<int>(std::min<std::int64_t>(max, R));
  while (k > 1 && R % k != 0) --k;
  return k;
}

namespace {

/// The paths a supernet trains per step under `sampler` (multi-path: --paths; FairNAS: the most
/// options of a decision; 1 otherwise), asked of the sampler itself; 1 when it cannot be built
/// (the run will say why).
std::int64_t paths_per_step(const std::string& space_name, const std::string& sampler,
                            std::int64_t paths) {
  static std::map<std::string, std::int64_t> cache;  // the ETA asks for every run left, each run
  const std::string key = space_name + "\t" + sampler + "\t" + std::to_string(paths);
  const auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::int64_t n = 1;
  try {
    const auto sp = space::make_space(space_name);
    n = static_cast<std::int64_t>(
        space::make_sampler(sampler, *sp, {}, 0, static_cast<int>(paths))->paths(0, 0, 1).size());
  } catch (const Error&) {
  }
  return cache[key] = std::max<std::int64_t>(n, 1);
}

}  // namespace

/// What a run is expected to cost, in its stage's own unit (the ETA weighs runs by it): a
/// supernet's paths trained per epoch times its epochs (a multi-path or FairNAS epoch trains
/// several), an evaluation's or the ground truth's architectures (the rows of its --archs file,
/// once the sample stage has written it), 1 for a sample or an analysis. Runs of one stage on
/// datasets of different sizes are not told apart.
double expected_cost(const Run& r) {
  const auto v = run_values(r, {"epochs", "space", "sampler", "paths", "archs"});
  if (r.stage == "supernet") {
    const std::int64_t epochs = int_or(v, "epochs", 1);
    const auto sampler = v.find("sampler");
    const std::int64_t paths =
        sampler == v.end() || !v.count("space")
            ? 1
            : paths_per_step(v.at("space"), sampler->second,
                             int_or(v, "paths", 2));  // wsnas-supernet's default --paths
    return static_cast<double>(std::max<std::int64_t>(epochs, 1) * paths);
  }
  auto value = [&](const char* key) -> std::string {
    const auto it = v.find(key);
    return it == v.end() ? "" : it->second;
  };
  if (r.stage == "evaluate" || r.stage == "groundtruth" || r.stage == "score") {
    std::ifstream in(value("archs"));
    std::int64_t lines = 0;
    for (std::string line; std::getline(in, line);)
      if (!trim(line).empty()) ++lines;
    return lines > 1 ? static_cast<double>(lines - 1) : 1.0;  // less the header
  }
  return 1.0;
}

namespace {

/// expected_cost of each run, read once: a run's config files and --archs file are read the first
/// time it is asked for, not after every run (a plan of N runs would read them N^2 / 2 times).
/// An evaluation or ground truth whose cost is still 1 (its --archs file not written yet, before
/// the sample stage) is asked again.
class Costs {
 public:
  double operator()(const Run& r) {
    const auto it = cost_.find(r.id);
    if (it != cost_.end()) return it->second;
    const double c = expected_cost(r);
    if (c != 1.0 || (r.stage != "evaluate" && r.stage != "groundtruth" && r.stage != "score"))
      cost_[r.id] = c;
    return c;
  }

 private:
  std::map<std::string, double> cost_;
};

/// ", ETA ..." for the runs after `next`: each run's expected cost at its stage's time per unit so
/// far (seconds per supernet epoch, per evaluated or trained architecture); runs of stages not
/// timed yet are counted, not guessed.
std::string eta_text(const std::vector<const Run*>& runs, std::size_t next,
                     const std::map<std::string, std::pair<double, double>>& timed, Costs& cost) {
  double eta = 0;
  std::size_t timed_runs = 0;
  std::map<std::string, std::size_t> untimed;
  for (std::size_t j = next; j < runs.size(); ++j) {
    const auto it = timed.find(runs[j]->stage);
    if (it == timed.end() || it->second.second <= 0) {
      ++untimed[runs[j]->stage];
      continue;
    }
    eta += cost(*runs[j]) * it->second.first / it->second.second;
    ++timed_runs;
  }
  std::string out;
  if (timed_runs > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ", ETA %.0f s", eta);
    out = buf;
    out += untimed.empty() ? " (each stage's time per epoch or architecture so far)"
                           : " for the timed stages";
  }
  if (!untimed.empty()) {
    std::string list;
    for (const auto& [stage, count] : untimed)
      list += (list.empty() ? "" : ", ") + std::to_string(count) + " " + stage;
    out += (out.empty() ? ", " : " + ") + list + " not timed yet";
  }
  return out;
}

}  // namespace

int run_plan(const std::string& dir, const RunOptions& o) {
  const auto runs = read_plan(dir + "/plan.tsv");
  std::vector<const Run*> selected;
  for (const auto& r : runs)
    if (o.stage.empty() || r.stage == o.stage) selected.push_back(&r);
  if (!o.stage.empty())
    WSNAS_CHECK_USAGE(std::find(stages().begin(), stages().end(), o.stage) != stages().end(),
                      "--stage '", o.stage,
                      "': expected one of sample, supernet, groundtruth, "
                      "evaluate, score, analyze");
  if (o.task >= 0) {
    WSNAS_CHECK_USAGE(!o.stage.empty(), "--task needs --stage");
    WSNAS_CHECK_USAGE(o.task < static_cast<std::int64_t>(selected.size()), "--task ", o.task,
                      ": stage '", o.stage, "' of plan '", dir, "/plan.tsv' has ", selected.size(),
                      " runs (tasks 0 to ", static_cast<std::int64_t>(selected.size()) - 1, ")");
    selected = {selected[static_cast<std::size_t>(o.task)]};
  }
  install();
  const auto n = selected.size();
  std::size_t skipped = 0, ran = 0;
  std::map<std::string, std::pair<double, double>> timed;  // stage: seconds, cost
  Costs cost;
  for (std::size_t i = 0; i < n; ++i) {
    const Run& r = *selected[i];
    if (g_stop) {  // a stop signal between runs: start nothing more
      std::cerr << "wsnas-study: stop signal; " << n - i << " runs left; run the same command "
                << "again to resume\n";
      return kExitInterrupted;
    }
    const std::string cmd = command_line(r.argv);
    const std::string marker = marker_path(dir, r.id);
    std::cout << "wsnas-study: [" << i + 1 << "/" << n << "] " << r.id;
    if (is_done(marker, fingerprint(r, cmd))) {
      std::cout << ": done already (" << marker << ")\n" << std::flush;
      ++skipped;
      continue;
    }
    std::vector<std::string> argv;
    if (r.mpi) {
      argv = o.launcher;
      if (o.ranks > 0) argv.insert(argv.end(), {"-n", std::to_string(ranks_for(r, o.ranks))});
    }
    argv.push_back(o.bin_dir.empty() ? r.argv[0] : o.bin_dir + "/" + r.argv[0]);
    argv.insert(argv.end(), r.argv.begin() + 1, r.argv.end());
    std::cout << (o.dry_run ? ": would run " : ": ") << command_line(argv)
              << (r.stdout_file.empty() ? "" : " > " + r.stdout_file) << "\n"
              << std::flush;
    if (o.dry_run) continue;
    for (const auto& a : r.argv)  // output folders (--out DIR is made by the apps themselves)
      if (a.rfind(dir + "/", 0) == 0 && a.size() > 4 &&
          (a.compare(a.size() - 3, 3, ".h5") == 0 || a.compare(a.size() - 4, 4, ".csv") == 0))
        fs::create_directories(fs::path(a).parent_path());
    std::string tmp;
    if (!r.stdout_file.empty()) {
      fs::create_directories(fs::path(r.stdout_file).parent_path());
      tmp = r.stdout_file + ".tmp." + std::to_string(::getpid());
    }
    const auto start = std::chrono::steady_clock::now();
    const int status = spawn_wait(argv, tmp);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status != 0) {
      if (!tmp.empty()) {  // show what it printed, keep the previous output
        std::ifstream in(tmp);
        std::cout << in.rdbuf() << std::flush;
        fs::remove(tmp);
      }
      if (status == kExitInterrupted || g_stop) {
        std::cerr << "wsnas-study: stopped in " << r.id << " (its state is saved); run the same "
                  << "command again to resume\n";
        return kExitInterrupted;
      }
      std::cerr << "wsnas-study: error: run " << r.id << " failed (exit " << status
                << "); fix the cause and run again: finished runs are skipped\n";
      return status;
    }
    if (!tmp.empty()) {
      fs::rename(tmp, r.stdout_file);
      if (r.stage == "analyze") {
        std::ifstream in(r.stdout_file);
        std::cout << in.rdbuf() << std::flush;
      }
    }
    fs::create_directories(fs::path(marker).parent_path());
    io::write_text_atomic(marker, fingerprint(r, cmd));
    ++ran;
    auto& t = timed[r.stage];
    t.first += took;
    t.second += cost(r);
    const std::size_t left = n - i - 1;
    char buf[160];
    std::snprintf(buf, sizeof buf, "wsnas-study: [%zu/%zu] %s done in %.0f s; %zu left", i + 1, n,
                  r.id.c_str(), took, left);
    std::cout << buf << (left ? eta_text(selected, i + 1, timed, cost) : "") << "\n" << std::flush;
    if (g_stop) {
      std::cerr << "wsnas-study: stop signal; " << left << " runs left; run the same command "
                << "again to resume\n";
      return kExitInterrupted;
    }
  }
  std::cout << "wsnas-study: " << n << " runs: " << ran << " ran, " << skipped << " done already\n";
  return 0;
}

}  // namespace wsnas::study

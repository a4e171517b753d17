#include "wsnas/search/stage.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <set>

#include "wsnas/analysis/report.h"
#include "wsnas/analysis/study.h"
#include "wsnas/analysis/table.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/results.h"
#include "wsnas/io/table.h"
#include "wsnas/search/search.h"
#include "wsnas/space/search_space.h"

namespace wsnas::search {

namespace po = options::po;

namespace {

/// One evaluation of one run, with what the run had found by then.
struct Step {
  std::string strategy, arch, best_arch;
  std::int64_t seed = 0, evaluation = 0;
  double fitness = 0, best_fitness = 0, best_truth = 0;
};
/// What one run found.
struct Found {
  std::string strategy, arch;
  std::int64_t seed = 0, evaluation = 0;
  double fitness = 0, truth = 0, regret = 0;
};

io::Table<Step> trajectory_table() {
  io::Table<Step> t;
  t.text("strategy", &Step::strategy, "the strategy (--strategy)")
      .integer("seed", &Step::seed, "the run's seed")
      .integer("evaluation", &Step::evaluation, "1, 2, ..., --budget")
      .text("arch", &Step::arch, "the architecture evaluated")
      .real("fitness", &Step::fitness, "its fitness")
      .text("best_arch", &Step::best_arch,
            "the fittest architecture so far (the earliest among equals)")
      .real("best_fitness", &Step::best_fitness, "its fitness")
      .real("best_truth", &Step::best_truth, "its ground truth (NaN without --truth)");
  return t;
}

io::Table<Found> found_table() {
  io::Table<Found> t;
  t.text("strategy", &Found::strategy, "the strategy")
      .integer("seed", &Found::seed, "the run's seed")
      .text("arch", &Found::arch, "the run's find: its fittest architecture")
      .integer("evaluation", &Found::evaluation, "the evaluation that found it (1-based)")
      .real("fitness", &Found::fitness, "its fitness")
      .real("truth", &Found::truth, "its ground truth (NaN without --truth)")
      .real("regret", &Found::regret,
            "the truth table's best value less the find's (NaN without --truth)");
  return t;
}

std::vector<std::uint64_t> parse_seeds(const std::string& text) {
  std::vector<std::uint64_t> out;
  for (const auto& part : split(text, ',')) {
    const std::string p = trim(part);
    std::int64_t a = 0, b = 0;
    const auto dash = p.find('-', 1);
    const bool range = dash != std::string::npos;
    const bool ok = range ? parse_int(p.substr(0, dash), a) && parse_int(p.substr(dash + 1), b)
                          : parse_int(p, a);
    if (!range) b = a;
    WSNAS_CHECK_USAGE(ok && a >= 0 && b >= a && b - a < 100000, "--seeds '", text,
                      "': expected seeds >= 0 as a list (0,1,2) or ranges (0-9)");
    for (std::int64_t s = a; s <= b; ++s) out.push_back(static_cast<std::uint64_t>(s));
  }
  WSNAS_CHECK_USAGE(!out.empty(), "--seeds '", text, "': no seed");
  return out;
}

/// Values of a table by architecture; an architecture without a row of its own takes its class's
/// (NAS-Bench-101: one row per graph hash).
class Lookup {
 public:
  Lookup(const space::SearchSpace& sp, const std::string& path, const std::string& column,
         const std::string& arch_column, const std::string& option)
      : sp_(sp), option_(option) {
    const auto v = analysis::read_arch_values(sp, path, column, arch_column);
    source_ = v.source;
    for (std::size_t i = 0; i < v.archs.size(); ++i) {
      WSNAS_CHECK_INPUT(by_arch_.emplace(v.archs[i], v.values[i]).second, option, " '", path,
                        "': architecture ", sp.to_string(v.archs[i]), " appears twice");
      if (sp.truth_by_canonical()) by_class_.emplace(sp.canonical(v.archs[i]), v.values[i]);
      if (v.values[i] > best_) {
        best_ = v.values[i];
        best_arch_ = sp.to_string(v.archs[i]);
      }
    }
    WSNAS_CHECK_INPUT(!by_arch_.empty(), option, " '", path, "': no rows");
  }
  double operator()(const space::Arch& a) const {
    if (const auto it = by_arch_.find(a); it != by_arch_.end()) return it->second;
    if (sp_.truth_by_canonical()) {
      if (const auto it = by_class_.find(sp_.canonical(a)); it != by_class_.end())
        return it->second;
    }
    throw InputError(option_ + " '" + source_ + "': no row for architecture " + sp_.to_string(a) +
                     ", which the search reached (the table must cover the space's valid "
                     "architectures)");
  }
  double best() const { return best_; }
  const std::string& best_arch() const { return best_arch_; }
  const std::string& source() const { return source_; }

 private:
  const space::SearchSpace& sp_;
  std::string option_, source_, best_arch_;
  std::map<space::Arch, double> by_arch_;
  std::map<std::string, double> by_class_;
  double best_ = -std::numeric_limits<double>::infinity();
};

/// The strategies --strategy names (each value may list several, comma-separated), else all.
std::vector<const StrategyEntry*> chosen_strategies(const SearchJob& job) {
  std::vector<const StrategyEntry*> out;
  for (const auto& s : job.strategies)
    for (const auto& name : split(s, ',')) out.push_back(&strategy_entry(trim(name)));
  if (job.strategies.empty())
    for (const auto& e : strategies()) out.push_back(&e);
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

}  // namespace

std::string search_schema(const std::string& table) {
  if (table == "trajectory") return trajectory_table().markdown();
  WSNAS_CHECK(table == "found", "search_schema: unknown table '", table, "'");
  return found_table().markdown();
}

po::options_description search_options(SearchJob& job) {
  std::vector<std::string> names;
  for (const auto& e : strategies()) names.push_back(e.name);
  po::options_description g("Search");
  g.add_options()("space", po::value(&job.space)->default_value(space::default_space_name()),
                  ("search space: " + join(space::space_names(), " | ")).c_str())(
      "strategy", po::value(&job.strategies)->multitoken(),
      ("strategies to run, each on every seed (default: all): " + join(names, ", ")).c_str())(
      "budget", po::value(&job.budget)->default_value(job.budget), "fitness evaluations per run")(
      "seeds", po::value(&job.seeds)->default_value(job.seeds),
      "the runs' seeds: a list (0,1,2) or ranges (0-9); one run per strategy and seed")(
      "population", po::value(&job.population)->default_value(job.population),
      "evolution: members kept (NAS-Bench-201's regularised evolution: 10)")(
      "sample-size", po::value(&job.sample)->default_value(job.sample),
      "evolution: the tournament's sample (NAS-Bench-201's: 3)")(
      "fitness", po::value(&job.fitness)->default_value(""),
      "the fitness table (CSV, or a wsnas results file: an evaluation of the whole space, "
      "zero-cost scores, or a benchmark table as an oracle); it must cover the valid "
      "architectures")("fitness-column", po::value(&job.fitness_column)->default_value(""),
                       "its column to maximise")(
      "fitness-arch-column", po::value(&job.fitness_arch_column)->default_value(""),
      "its architecture column (default: arch, else index)")(
      "truth", po::value(&job.truth)->default_value(""),
      "a ground-truth table: the trajectory reports the truth of each run's find")(
      "truth-column", po::value(&job.truth_column)->default_value(""),
      "its column (higher is better)")("truth-arch-column",
                                       po::value(&job.truth_arch_column)->default_value(""),
                                       "its architecture column (default: arch, else index)")(
      "out", po::value(&job.out)->default_value(""),
      "results file (HDF5, kind 'search': /trajectory, /found)")(
      "bootstrap", po::value(&job.bootstrap)->default_value(job.bootstrap),
      "resamples of the seeds for the 95% intervals (0: none)")(
      "plot", po::value(&job.plot_dir)->default_value(""),
      "draw the trajectories (mean over seeds with a 95% interval) into DIR/search.{png,svg}");
  return g;
}

void check_search(const SearchJob& job, bool on_demand) {
  chosen_strategies(job);
  WSNAS_CHECK_USAGE(on_demand || !job.fitness.empty(),
                    "no fitness: give --fitness TABLE --fitness-column NAME, or a supernet "
                    "(wsnas-search --fitness-checkpoint)");
  WSNAS_CHECK_USAGE(!on_demand || job.fitness.empty(),
                    "--fitness and --fitness-checkpoint: give one fitness, not both");
  WSNAS_CHECK_USAGE(job.fitness.empty() == job.fitness_column.empty(),
                    "--fitness and --fitness-column go together");
  WSNAS_CHECK_USAGE(job.budget >= 1, "--budget ", job.budget, ": expected at least 1 evaluation");
  WSNAS_CHECK_USAGE(job.population >= 1, "--population ", job.population, ": expected >= 1");
  WSNAS_CHECK_USAGE(job.sample >= 1, "--sample-size ", job.sample, ": expected >= 1");
  WSNAS_CHECK_USAGE(job.bootstrap >= 0, "--bootstrap must be >= 0");
  WSNAS_CHECK_USAGE(job.truth.empty() == job.truth_column.empty(),
                    "--truth and --truth-column go together");
  WSNAS_CHECK_USAGE(job.plot_dir.empty() || !job.out.empty(),
                    "--plot draws the --out file: give --out FILE too");
  parse_seeds(job.seeds);
}

void run_search(const SearchJob& job, const Provenance& provenance, std::ostream& out,
                const OnDemand* on_demand) {
  check_search(job, on_demand != nullptr);
  const auto sp = space::make_space(job.space);
  const auto chosen = chosen_strategies(job);
  const auto seeds = parse_seeds(job.seeds);
  std::unique_ptr<Lookup> table;
  if (!on_demand)
    table = std::make_unique<Lookup>(*sp, job.fitness, job.fitness_column, job.fitness_arch_column,
                                     "--fitness");
  const std::string fitness_source = table ? table->source() : on_demand->source;
  // On demand, each architecture is computed once (a search revisits some) and the work shows
  // progress: at most every evaluation of every run.
  std::map<space::Arch, double> computed;
  Progress progress("search", static_cast<std::int64_t>(chosen.size() * seeds.size()) * job.budget,
                    on_demand != nullptr, 10, "eval");
  std::int64_t asked = 0;
  auto fitness = [&](const space::Arch& a) {
    if (table) return (*table)(a);
    ++asked;
    auto it = computed.find(a);
    if (it == computed.end()) it = computed.emplace(a, on_demand->fitness(a)).first;
    progress.update(asked, std::to_string(computed.size()) + " architectures computed");
    return it->second;
  };
  std::unique_ptr<Lookup> truth;
  if (!job.truth.empty())
    truth = std::make_unique<Lookup>(*sp, job.truth, job.truth_column, job.truth_arch_column,
                                     "--truth");
  const double nan = std::numeric_limits<double>::quiet_NaN();

  std::vector<Step> steps;
  std::vector<Found> found;
  // finds[strategy][seed index]: the truth of the run's find (else its fitness)
  std::map<std::string, std::vector<double>> finds;
  for (const auto* e : chosen) {
    for (const auto seed : seeds) {
      Options o;
      o.budget = job.budget;
      o.seed = seed;
      o.population = job.population;
      o.sample = job.sample;
      const auto evals = e->run(
          *sp, [&](const space::Arch& a) { return fitness(a); }, o);
      WSNAS_ASSERT(static_cast<std::int64_t>(evals.size()) == job.budget, "strategy ", e->name,
                   " made ", evals.size(), " evaluations");
      std::size_t best = 0;
      std::string best_arch;  // of evals[best], and its truth: looked up when the best changes
      double best_truth = nan;
      for (std::size_t i = 0; i < evals.size(); ++i) {
        if (i == 0 || evals[i].fitness > evals[best].fitness) {
          best = i;
          best_arch = sp->to_string(evals[best].arch);
          best_truth = truth ? (*truth)(evals[best].arch) : nan;
        }
        Step s;
        s.strategy = e->name;
        s.seed = static_cast<std::int64_t>(seed);
        s.evaluation = static_cast<std::int64_t>(i + 1);
        s.arch = sp->to_string(evals[i].arch);
        s.fitness = evals[i].fitness;
        s.best_arch = best_arch;
        s.best_fitness = evals[best].fitness;
        s.best_truth = best_truth;
        steps.push_back(std::move(s));
      }
      const Step& last = steps.back();
      Found f{e->name,
              last.best_arch,
              last.seed,
              static_cast<std::int64_t>(best + 1),
              last.best_fitness,
              last.best_truth,
              truth ? truth->best() - last.best_truth : nan};
      finds[e->name].push_back(truth ? f.truth : f.fitness);
      found.push_back(std::move(f));
    }
  }

  if (on_demand) progress.finish(std::to_string(computed.size()) + " architectures computed");
  // The summary: per strategy, the mean over seeds of the find's truth with a percentile bootstrap
  // interval over the seeds, its regret, and its difference from random search's mean (the same
  // seeds' runs, paired).
  analysis::BootstrapOptions bo;
  bo.resamples = job.bootstrap;
  out << "search: space " << job.space << ", " << job.budget << " evaluations per run, "
      << seeds.size() << (seeds.size() == 1 ? " seed" : " seeds") << ", fitness " << fitness_source
      << (truth ? ", truth " + truth->source() : std::string()) << "\n";
  if (truth)
    out << "best in the truth table: " << truth->best() << " (" << truth->best_arch() << ")\n";
  out << std::left << std::setw(12) << "strategy" << std::setw(22)
      << (truth ? "mean truth" : "mean fitness") << std::setw(26) << "95% interval (seeds)"
      << std::setw(14) << "mean regret"
      << "vs random (paired)\n";
  const auto random_it = finds.find("random");
  for (const auto* e : chosen) {
    const auto& v = finds[e->name];
    const auto ci = analysis::bootstrap_intervals(
        v.size(), bo, 1, [&](const std::vector<std::size_t>& idx, double* row) {
          double s = 0;
          for (auto i : idx) s += v[i];
          row[0] = s / static_cast<double>(idx.size());
        });
    std::ostringstream interval, vs;
    if (!ci.empty())
      interval << "[" << std::fixed << std::setprecision(4) << ci[0].low << ", " << ci[0].high
               << "]";
    if (random_it != finds.end() && e->name != "random") {
      std::vector<double> d;
      for (std::size_t i = 0; i < v.size(); ++i) d.push_back(v[i] - random_it->second[i]);
      vs << std::showpos << std::fixed << std::setprecision(4) << mean(d);
    }
    out << std::left << std::setw(12) << e->name << std::setw(22) << std::fixed
        << std::setprecision(4) << mean(v) << std::setw(26) << interval.str() << std::setw(14)
        << (truth ? truth->best() - mean(v) : nan) << vs.str() << "\n";
  }
  out.unsetf(std::ios::fixed);
  if (job.out.empty()) return;
  io::write_results_file(job.out, "search", provenance, [&](io::File& f) {
    trajectory_table().write(f, "/trajectory", steps);
    found_table().write(f, "/found", found);
    f.set_attr("/", "space", job.space);
    f.set_attr("/", "budget", job.budget);
    f.set_attr("/", "population", job.population);
    f.set_attr("/", "sample_size", job.sample);
    f.set_attr("/", "fitness", fitness_source);
    f.set_attr("/", "truth", truth ? truth->source() : std::string());
    f.set_attr("/", "truth_best", truth ? truth->best() : nan);
  });
  out << "wrote " << job.out << "\n";
  if (!job.plot_dir.empty()) analysis::plot_file(job.out, job.plot_dir, out);
}

}  // namespace wsnas::search

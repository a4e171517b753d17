#pragma once
/// wsnas-search as a library stage: every strategy x seed searched on a fitness table, each run's
/// trajectory (the best so far by the fitness after each evaluation, and that architecture's
/// ground truth when a truth table is given), a summary of what each strategy found against the
/// best of the truth table and against random search at equal cost, with bootstrap intervals over
/// seeds; an HDF5 file of kind "search" (docs/results-format.md).

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/options/parser.h"
#include "wsnas/space/search_space.h"

namespace wsnas::search {

struct SearchJob {
  std::string space;
  std::vector<std::string> strategies;  ///< empty: every strategy
  std::int64_t budget = 100;            ///< fitness evaluations per run
  std::string seeds = "0";              ///< a list: 0,1,2 or 0-9
  std::int64_t population = 10, sample = 3;
  std::string fitness, fitness_column, fitness_arch_column;
  std::string truth, truth_column, truth_arch_column;
  std::string out;                ///< HDF5 results ("" : none)
  std::string plot_dir;           ///< draw the results file into this folder ("" : no figure)
  std::int64_t bootstrap = 1000;  ///< resamples of the seeds for the intervals (0: none)
};

/// A fitness computed when the search asks (a supernet: pipeline::SupernetFitness), instead of
/// --fitness's table; each architecture's value is computed once and kept.
struct OnDemand {
  std::function<double(const space::Arch&)> fitness;
  std::string source;
};

options::po::options_description search_options(SearchJob& job);
/// Checks the options alone (no file read); UsageError naming the option. `on_demand`: the
/// fitness comes from elsewhere than --fitness.
void check_search(const SearchJob& job, bool on_demand = false);
/// Runs the searches, prints the summary to `out`, writes job.out. The fitness is --fitness's
/// table, or `on_demand`'s values (progress on stderr: they take time).
void run_search(const SearchJob& job, const Provenance& provenance, std::ostream& out,
                const OnDemand* on_demand = nullptr);
/// The schema of the results file's "trajectory" or "found" table, as Markdown
/// (docs/results-format.md, checked by test_options_table).
std::string search_schema(const std::string& table);

}  // namespace wsnas::search

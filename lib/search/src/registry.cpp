// The strategies by name: one line each, in the order a search runs them.
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/search/search.h"

namespace wsnas::search {

std::vector<Evaluation> random_search(const space::SearchSpace&, const Fitness&, const Options&);
std::vector<Evaluation> evolution(const space::SearchSpace&, const Fitness&, const Options&);

const std::vector<StrategyEntry>& strategies() {
  static const std::vector<StrategyEntry> list = {
      {"random", "uniform valid architectures (the baseline)", &random_search},
      {"evolution",
       "regularised evolution (Real et al. 2019): tournament of --sample-size, aging "
       "population of --population, one-decision mutations",
       &evolution},
  };
  return list;
}

const StrategyEntry& strategy_entry(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& e : strategies()) {
    if (e.name == name) return e;
    names.push_back(e.name);
  }
  throw UsageError("--strategy: unknown strategy '" + name + "' (expected one of " +
                   join(names, ", ") + ")");
}

}  // namespace wsnas::search

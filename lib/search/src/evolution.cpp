// Regularised evolution (Real et al., "Regularized Evolution for Image Classifier Architecture
// Search", AAAI 2019, Algorithm 1; NAS-Bench-201's baseline, github.com/D-X-Y/AutoDL-Projects
// @f46486e exps/NAS-Bench-201-algos/R_EA.py, with the differences docs/search.md lists): a
// population of `population` random valid architectures; then, until the
// budget is spent, a tournament of `sample` members drawn with replacement (rng.below(size) each),
// the fittest of them (the first drawn among equals) the parent, its mutation (mutate) the child,
// evaluated and appended, and the oldest member removed (aging).
#include <deque>

#include "wsnas/core/error.h"
#include "wsnas/search/search.h"

namespace wsnas::search {

space::Arch mutate(const space::SearchSpace& space, const space::Arch& parent, Rng& rng) {
  const auto& ds = space.decisions();
  for (int attempt = 0; attempt < 1000000; ++attempt) {
    space::Arch child = parent;
    const auto d = static_cast<std::size_t>(rng.below(ds.size()));
    const auto n = ds[d].options.size();
    if (n < 2) continue;  // a decision with one option cannot change
    auto o = static_cast<int>(rng.below(n - 1));
    if (o >= child.choices[d]) ++o;
    child.choices[d] = o;
    if (space.is_valid(child)) return child;
  }
  throw Error("space " + space.name() + ": no valid mutation found in 10^6 draws");
}

std::vector<Evaluation> evolution(const space::SearchSpace& space, const Fitness& fitness,
                                  const Options& options) {
  WSNAS_CHECK_USAGE(options.population >= 1 && options.sample >= 1,
                    "--population and --sample-size must be >= 1");
  Rng rng(options.seed);
  std::vector<Evaluation> history;
  std::deque<std::size_t> population;  // indices into history, oldest first
  auto evaluate = [&](space::Arch a) {
    const double f = fitness(a);
    history.push_back({std::move(a), f});
    population.push_back(history.size() - 1);
  };
  const auto budget = static_cast<std::size_t>(options.budget);
  while (history.size() < budget &&
         population.size() < static_cast<std::size_t>(options.population))
    evaluate(space.sample(rng, true));
  while (history.size() < budget) {
    std::size_t parent = population[static_cast<std::size_t>(rng.below(population.size()))];
    for (std::int64_t s = 1; s < options.sample; ++s) {
      const std::size_t c = population[static_cast<std::size_t>(rng.below(population.size()))];
      if (history[c].fitness > history[parent].fitness) parent = c;
    }
    evaluate(mutate(space, history[parent].arch, rng));
    population.pop_front();
  }
  return history;
}

}  // namespace wsnas::search

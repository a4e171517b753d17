// Random search: `budget` architectures drawn uniformly among the valid ones
// (SearchSpace::sample(rng, true): each decision's option by rng.below(options), in decision
// order, the whole draw repeated until valid), each evaluated. The baseline of every search study
// (the paper's "random top-k" asks the same question without a search).
#include "wsnas/search/search.h"

namespace wsnas::search {

std::vector<Evaluation> random_search(const space::SearchSpace& space, const Fitness& fitness,
                                      const Options& options) {
  Rng rng(options.seed);
  std::vector<Evaluation> out;
  for (std::int64_t i = 0; i < options.budget; ++i) {
    auto a = space.sample(rng, true);
    const double f = fitness(a);
    out.push_back({std::move(a), f});
  }
  return out;
}

}  // namespace wsnas::search

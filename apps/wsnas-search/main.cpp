// wsnas-search: random search and regularised evolution on a fitness table (a supernet's scores
// over the space, zero-cost scores, or a benchmark as an oracle), every strategy on every seed;
// trajectories, what each found against the table's best and against random search at equal
// cost. The work is lib/search (search::run_search).
#include <iostream>

#include "wsnas/app/app.h"
#include "wsnas/search/stage.h"

namespace {

int body(wsnas::app::Context& ctx) {
  wsnas::app::require_serial(ctx);
  wsnas::search::SearchJob job;
  wsnas::options::Parser parser(
      ctx.name, ctx.name +
                    " --fitness FILE --fitness-column NAME [--truth FILE --truth-column NAME] "
                    "[--strategy NAME...] [--budget N] [--seeds LIST] [--out FILE] [options]");
  parser.add(wsnas::search::search_options(job));
  wsnas::options::po::variables_map vm;
  if (!wsnas::app::parse_options(ctx, parser, vm)) return 0;
  wsnas::search::run_search(job, ctx.provenance, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-search", body); }

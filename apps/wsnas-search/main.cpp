// wsnas-search: random search and regularised evolution on a fitness table (a supernet's scores
// over the space, zero-cost scores, or a benchmark as an oracle) or on a supernet scoring each
// architecture when the search asks (--fitness-checkpoint: any space, DARTS included), every
// strategy on every seed; trajectories, what each found against the table's best and against
// random search at equal cost. The work is lib/search (search::run_search); the supernet's
// scores are wsnas-evaluate's (pipeline::SupernetFitness).
#include <iostream>
#include <optional>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/pipeline/supernet_fitness.h"
#include "wsnas/search/stage.h"
#include "wsnas/train/setup.h"

namespace {

namespace po = wsnas::options::po;

int body(wsnas::app::Context& ctx) {
  wsnas::app::require_serial(ctx);
  wsnas::search::SearchJob job;
  wsnas::pipeline::EvaluateJob ev;
  std::string checkpoint;
  wsnas::options::Parser parser(
      ctx.name, ctx.name +
                    " (--fitness FILE --fitness-column NAME | --fitness-checkpoint SUPERNET) "
                    "[--truth FILE --truth-column NAME] [--strategy NAME...] [--budget N] "
                    "[--seeds LIST] [--out FILE] [options]");
  parser.add(wsnas::search::search_options(job));
  po::options_description g(
      "Fitness on demand: a supernet (each architecture scored as "
      "wsnas-evaluate scores it)");
  g.add_options()("fitness-checkpoint", po::value(&checkpoint)->default_value(""),
                  "a supernet checkpoint of wsnas-supernet (or a few-shot list): the fitness of "
                  "an architecture is its score there, computed when the search asks")(
      "fitness-split",
      po::value(&ev.split)->default_value(ev.split)->notifier(
          wsnas::options::one_of("fitness-split", {"valid", "test"})),
      "the split it is scored on")(
      "bn-calib-batch", po::value(&ev.hp.bn_calib_batch)->default_value(ev.hp.bn_calib_batch),
      "BN calibration batch before each score (paper Table 2)")(
      "bn-calib-steps", po::value(&ev.hp.bn_calib_steps)->default_value(ev.hp.bn_calib_steps),
      "BN calibration steps (0: none)")("calib-seed", po::value(&ev.seed)->default_value(ev.seed),
                                        "seed of the calibration batches (wsnas-evaluate --seed)")(
      "eval-batch", po::value(&ev.eval_batch)->default_value(ev.eval_batch),
      "evaluation batch size (0: the dataset's default)")(
      "data-dir", po::value(&ev.data_dir)->default_value(ev.data_dir),
      "dataset directory (default: the one the supernet used)");
  wsnas::train::add_run_options(g, ev.run);
  parser.add(g);
  po::variables_map vm;
  if (!wsnas::app::parse_options(ctx, parser, vm)) return 0;
  if (checkpoint.empty()) {
    wsnas::search::run_search(job, ctx.provenance, std::cout);
    return 0;
  }
  wsnas::search::check_search(job, true);
  const std::string space = wsnas::pipeline::SupernetFitness::space_of(checkpoint);
  WSNAS_CHECK_USAGE(vm["space"].defaulted() || job.space == space, "--space ", job.space,
                    ": --fitness-checkpoint '", checkpoint, "' is a ", space, " supernet");
  job.space = space;
  ev.checkpoints = {checkpoint};
  wsnas::pipeline::SupernetFitness fitness(ctx, ev);
  const wsnas::search::OnDemand on_demand{[&](const wsnas::space::Arch& a) { return fitness(a); },
                                          fitness.source()};
  wsnas::search::run_search(job, ctx.provenance, std::cout, &on_demand);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-search", body); }

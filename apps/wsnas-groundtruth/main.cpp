// wsnas-groundtruth: trains each listed architecture stand-alone from scratch (the ground truth
// the supernet is judged against); ranks claim architectures, each resumes per epoch. The work is
// lib/pipeline (pipeline::train_ground_truth).
#include "wsnas/app/app.h"
#include "wsnas/pipeline/groundtruth.h"

namespace {

int body(wsnas::app::Context& ctx) {
  wsnas::pipeline::GroundTruthJob job;
  wsnas::options::Parser parser(ctx.name, ctx.name + " --archs FILE --out DIR [options]\n"
                                                     "Trains each architecture stand-alone (ground truth); resumes DIR.");
  wsnas::pipeline::add_options(parser, job);
  wsnas::options::po::variables_map vm;
  if (!wsnas::app::parse_options(ctx, parser, vm)) return 0;
  return wsnas::pipeline::train_ground_truth(ctx, job, wsnas::train::config_of(vm));
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-groundtruth", body); }

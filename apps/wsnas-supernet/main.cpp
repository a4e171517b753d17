// wsnas-supernet: trains a weight-sharing supernet (single-path one-shot by default; FairNAS,
// multi-path and per-replica sampling by --sampler) over data-parallel replicas, with HDF5
// checkpoints and resume. The work is lib/pipeline (pipeline::train_supernet).
#include "wsnas/app/app.h"
#include "wsnas/pipeline/supernet.h"

namespace {

int body(wsnas::app::Context& ctx) {
  wsnas::pipeline::SupernetJob job;
  wsnas::options::Parser parser(ctx.name, ctx.name + " --out DIR [--config configs/SPACE.ini] [options]\n"
                                                     "Trains a supernet; resumes from DIR/supernet.h5.");
  wsnas::pipeline::add_options(parser, job);
  wsnas::options::po::variables_map vm;
  if (!wsnas::app::parse_options(ctx, parser, vm)) return 0;
  return wsnas::pipeline::train_supernet(ctx, job, wsnas::train::config_of(vm));
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-supernet", body); }

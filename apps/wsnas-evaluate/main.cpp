// wsnas-evaluate: scores architectures on supernet checkpoints: BN calibration (paper Table 2),
// then the task's metrics on the validation (or test) split; pairs sharded over ranks, results
// resumable. The work is lib/pipeline (pipeline::evaluate).
#include "wsnas/app/app.h"
#include "wsnas/pipeline/evaluate.h"

namespace {

int body(wsnas::app::Context& ctx) {
  wsnas::pipeline::EvaluateJob job;
  wsnas::options::Parser parser(ctx.name, ctx.name + " --checkpoint FILE... --archs FILE --out FILE [options]\n"
                                                     "Scores architectures on supernet checkpoints with BN calibration; resumes FILE.");
  wsnas::pipeline::add_options(parser, job);
  wsnas::options::po::variables_map vm;
  if (!wsnas::app::parse_options(ctx, parser, vm)) return 0;
  return wsnas::pipeline::evaluate(ctx, job, wsnas::train::config_of(vm));
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-evaluate", body); }

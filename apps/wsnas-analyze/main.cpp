// wsnas-analyze: joins supernet scores and ground truth by architecture and reports rank
// correlations, the paper's top-k against exact random top-k, and correlations with model size.
// Inputs are CSV tables or wsnas HDF5 result files (their /results table): an architecture column
// and value columns chosen by name, with optional COLUMN=VALUE row filters. The work is
// lib/analysis (analysis::run_study).
#include <iostream>

#include "wsnas/analysis/study.h"
#include "wsnas/app/app.h"
#include "wsnas/core/strings.h"

namespace {

int body(wsnas::app::Context& ctx) {
  wsnas::analysis::StudyJob job;
  wsnas::options::Parser parser(
      ctx.name, ctx.name + " [" + wsnas::join(wsnas::analysis::analysis_names(), "|") +
                    "] --scores FILE... --score-column NAME... --truth FILE (--truth-column NAME | "
                    "--truth-select NAME [--truth-report NAME]) [options]");
  parser.add(wsnas::analysis::study_options(job));
  parser.positional("analysis", 1);
  wsnas::options::po::variables_map vm;
  if (!wsnas::app::parse_options(ctx, parser, vm)) return 0;
  wsnas::analysis::check_study(job);  // on every rank: a usage error ends them all alike
  if (ctx.world.rank() == 0) wsnas::analysis::run_study(job, ctx.provenance, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-analyze", body); }

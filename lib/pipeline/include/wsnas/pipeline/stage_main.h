#pragma once
/// What a stage app's main is: parse the stage's options (pipeline::add_options for its job), then
/// one call to the stage, inside app::run (MPI, one-line errors, exit codes).

#include <string>

#include "wsnas/app/app.h"
#include "wsnas/train/run_config.h"

namespace wsnas::pipeline {

template <class Job>
int stage_main(int argc, char** argv, const std::string& name, const std::string& usage,
               int (*stage)(app::Context&, const Job&, train::RunConfig)) {
  return app::run(argc, argv, name, [&](app::Context& ctx) {
    Job job;
    options::Parser parser(ctx.name, ctx.name + " " + usage);
    add_options(parser, job);
    bool check_only = false;
    options::po::options_description check("Checking");
    check.add_options()("check-options", options::po::bool_switch(&check_only),
                        "parse the options and config files, say the first problem, and exit "
                        "without running (wsnas-study plan checks its runs this way)");
    parser.add(check);
    options::po::variables_map vm;
    if (!app::parse_options(ctx, parser, vm)) return 0;
    if (check_only) {
      check_inputs(job);
      return 0;
    }
    return stage(ctx, job, train::config_of(vm));
  });
}

}  // namespace wsnas::pipeline

#pragma once
// A stage's options as its add_options declares them, for what they declare (options/effect.h):
// the result keys a resume checks, evaluation's inherited set, the docs table.
#include "wsnas/options/parser.h"

namespace wsnas::pipeline {

/// The options `add_options(parser, Job&)` adds (their values bound to a job that is gone: read
/// the declarations only).
template <class Job>
options::po::options_description stage_options() {
  Job job;
  options::Parser parser("", "");
  add_options(parser, job);
  return parser.options();
}

}  // namespace wsnas::pipeline

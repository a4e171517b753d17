#pragma once
// A stage's options as its add_options declares them, for what they declare (options/effect.h):
// the result keys a resume checks, evaluation's inherited set, the docs table.
#include "wsnas/options/parser.h"
#include "wsnas/pipeline/supernet.h"

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

/// The few-shot options (--split-on, --fine-tune-epochs) together and against the space; one
/// UsageError naming the option. By --check-options (check_inputs) and before a supernet trains.
void check_split_options(const SupernetJob& job);

}  // namespace wsnas::pipeline

#pragma once
/// The schemas of the stages' results tables, from their declarations (io::Table), as Markdown for
/// docs/results-format.md (checked by test_options_table).
#include <string>

namespace wsnas::pipeline {

/// "evaluation" (a classification task's metrics) or "groundtruth" (/results; score accuracy).
std::string results_schema(const std::string& kind);

}  // namespace wsnas::pipeline

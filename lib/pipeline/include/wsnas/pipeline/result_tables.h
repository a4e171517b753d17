#pragma once
/// The schemas of the stages' results tables, from their declarations (io::Table), as Markdown for
/// docs/results-format.md (checked by test_options_table).
#include <string>
#include <vector>

namespace wsnas::pipeline {

/// The schema of one of results_schema_kinds(), shown for a classification task (score accuracy):
/// "supernet state" (a checkpoint's /state attributes), "supernet log" (its /log), "evaluation"
/// (/results), "groundtruth" (groundtruth.h5 /results), "groundtruth cell" (a cell file's /cell
/// attributes), "groundtruth curves" (its /curves), "scores" (wsnas-score's /results, with every
/// built-in scorer).
std::string results_schema(const std::string& kind);
std::vector<std::string> results_schema_kinds();

}  // namespace wsnas::pipeline

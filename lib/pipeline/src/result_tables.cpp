#include "wsnas/pipeline/result_tables.h"

#include "evaluate_results.h"
#include "groundtruth_cells.h"
#include "wsnas/core/error.h"

namespace wsnas::pipeline {

std::string results_schema(const std::string& kind) {
  if (kind == "evaluation") return evaluation_table(*train::make_task("classification")).markdown();
  WSNAS_CHECK(kind == "groundtruth", "results_schema: unknown kind '", kind, "'");
  return groundtruth_table("accuracy").markdown();
}

}  // namespace wsnas::pipeline

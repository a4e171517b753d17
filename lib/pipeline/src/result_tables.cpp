#include "wsnas/pipeline/result_tables.h"

#include "evaluate_results.h"
#include "groundtruth_cells.h"
#include "score_results.h"
#include "supernet_checkpoint.h"
#include "wsnas/core/error.h"
#include "wsnas/search/stage.h"

namespace wsnas::pipeline {

std::string results_schema(const std::string& kind) {
  // Shown for a classification task, whose score is `accuracy`.
  if (kind == "evaluation") return evaluation_table(*train::make_task("classification")).markdown();
  if (kind == "supernet state") return supernet_state_table().markdown("attribute");
  if (kind == "supernet log") return supernet_log_table("accuracy").markdown();
  if (kind == "groundtruth cell") return cell_table().markdown("attribute");
  if (kind == "groundtruth curves") return curves_table("accuracy").markdown();
  if (kind == "search trajectory") return search::search_schema("trajectory");
  if (kind == "search found") return search::search_schema("found");
  if (kind == "scores") {  // every built-in scorer
    std::vector<const score::ScorerEntry*> all;
    for (const auto& e : score::scorers()) all.push_back(&e);
    return scores_table(all).markdown();
  }
  WSNAS_CHECK(kind == "groundtruth", "results_schema: unknown kind '", kind, "'");
  return groundtruth_table("accuracy").markdown();
}

std::vector<std::string> results_schema_kinds() {
  return {"supernet state", "supernet log",      "evaluation",
          "groundtruth",    "groundtruth cell",  "groundtruth curves",
          "scores",         "search trajectory", "search found"};
}

}  // namespace wsnas::pipeline

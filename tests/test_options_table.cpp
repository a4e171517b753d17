// Options declared once (issue 22): each option's declaration says which stages' results it
// changes and whether evaluation inherits it (wsnas/options/effect.h); the stages' resume checks,
// evaluation's inherited set and docs/options.md come from those declarations.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "wsnas/options/effect.h"
#include "wsnas/pipeline/options_table.h"
#include "wsnas/pipeline/result_tables.h"

using namespace wsnas;

namespace {

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

/// The options every training stage's results depended on, as listed by hand before the options
/// were declared with their effect (train::training_result_keys at 863f81d).
const std::vector<std::string> kTrainingKeysBefore = {"space",
                                                      "channels",
                                                      "cells",
                                                      "width-mult",
                                                      "rnn-dropout",
                                                      "dataset",
                                                      "protocol",
                                                      "limit-train",
                                                      "augment",
                                                      "bptt",
                                                      "seed",
                                                      "precision",
                                                      "batch-size",
                                                      "lr",
                                                      "lr-schedule",
                                                      "momentum",
                                                      "nesterov",
                                                      "weight-decay",
                                                      "grad-clip",
                                                      "epochs",
                                                      "warmup-epochs",
                                                      "warmup-lr",
                                                      "label-smoothing",
                                                      "optimizer",
                                                      "rmsprop-decay",
                                                      "rmsprop-epsilon",
                                                      "aux-weight",
                                                      "drop-path",
                                                      "cutout",
                                                      "tar",
                                                      "asgd",
                                                      "asgd-patience",
                                                      "keep-best"};

std::vector<std::string> with(std::vector<std::string> v, std::initializer_list<const char*> more) {
  v.insert(v.end(), more.begin(), more.end());
  return v;
}

}  // namespace

TEST(OptionsDeclaredOnce, ResultKeysAreTheListsTheyReplaced) {
  // The supernet's hand list at 863f81d, less "pool-archs" (not an option: the stage adds it where
  // it computes it), plus the few-shot options added since (issue 26).
  EXPECT_EQ(as_set(pipeline::declared_result_keys(options::kSupernet)),
            as_set(with(kTrainingKeysBefore, {"supernet-bn-affine", "replicas", "sampler", "paths",
                                              "unused-params", "eval-every", "eval-archs",
                                              "nan-rollback", "split-on", "fine-tune-epochs"})));
  EXPECT_EQ(as_set(pipeline::declared_result_keys(options::kGroundTruth)),
            as_set(with(kTrainingKeysBefore, {"limit-eval", "drop-last"})));
  EXPECT_EQ(as_set(pipeline::declared_result_keys(options::kEvaluate)),
            as_set({"split", "bn-calib-batch", "bn-calib-steps", "seed", "precision"}));
  EXPECT_EQ(as_set(pipeline::declared_inherited_keys()),
            as_set({"space", "channels", "cells", "supernet-bn-affine", "dataset", "protocol",
                    "limit-train", "limit-eval", "augment", "aux-weight", "drop-path", "cutout",
                    "width-mult", "rnn-dropout", "bptt"}));
}

/// The text of `doc` between "<!-- generated: WHAT -->" and the next "<!-- end of table -->".
std::string generated_part(const std::string& doc_path, const std::string& what) {
  std::ifstream in(std::string(WSNAS_TEST_SOURCE_DIR) + "/" + doc_path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str(), begin = "<!-- generated: " + what + " -->\n";
  const auto b = doc.find(begin);
  if (b == std::string::npos) return "(no marker '" + begin + "' in " + doc_path + ")";
  const auto e = doc.find("<!-- end of table -->", b);
  return doc.substr(b + begin.size(), e - b - begin.size());
}

TEST(ResultsDeclaredOnce, DocsSchemasAreTheGeneratedOnes) {
  for (const auto& kind : pipeline::results_schema_kinds()) {
    const std::string table = pipeline::results_schema(kind);
    EXPECT_EQ(generated_part("docs/results-format.md", std::string(kind) + " schema"), table)
        << "docs/results-format.md is stale; the " << kind << " schema is:\n"
        << table;
  }
  EXPECT_NE(pipeline::results_schema("supernet state").find("| `run_id` | string |"),
            std::string::npos);
  EXPECT_NE(pipeline::results_schema("groundtruth curves").find("| `test_accuracy` | float64 |"),
            std::string::npos);
  EXPECT_NE(pipeline::results_schema("evaluation").find("| `accuracy` | float64 |"),
            std::string::npos);
  EXPECT_NE(pipeline::results_schema("groundtruth").find("| `final_valid_accuracy` | float64 |"),
            std::string::npos);
}

TEST(OptionsDeclaredOnce, DocsTableIsTheGeneratedOne) {
  const std::string table = pipeline::options_table();
  EXPECT_EQ(generated_part("docs/options.md", "options table"), table)
      << "docs/options.md is stale; the table from the declarations is:\n"
      << table;
  // Rows the declarations must give (a check of the generator itself).
  EXPECT_NE(table.find("| `--lr` | supernet, ground truth | `0.05` | supernet, ground truth |  |"),
            std::string::npos);
  EXPECT_NE(
      table.find("| `--bn-calib-steps` | supernet, evaluate, ground truth | `25` | evaluate |"),
      std::string::npos);
  EXPECT_NE(table.find("| `--nesterov` | supernet, ground truth | `true` |"), std::string::npos);
  EXPECT_NE(table.find("| `--channels` | supernet, ground truth, score | `0` | supernet, ground "
                       "truth, score | yes |"),
            std::string::npos);
  EXPECT_NE(table.find("| `--scorer` | score | `all` | score |  |"), std::string::npos);
}

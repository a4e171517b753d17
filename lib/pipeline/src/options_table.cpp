#include "wsnas/pipeline/options_table.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "stage_options.h"
#include "wsnas/pipeline/evaluate.h"
#include "wsnas/pipeline/groundtruth.h"
#include "wsnas/pipeline/score.h"
#include "wsnas/pipeline/supernet.h"

namespace wsnas::pipeline {

namespace {

std::string stages_text(unsigned bits) {
  std::string out;
  for (const auto& [bit, name] :
       std::vector<std::pair<unsigned, const char*>>{{options::kSupernet, "supernet"},
                                                     {options::kEvaluate, "evaluate"},
                                                     {options::kGroundTruth, "ground truth"},
                                                     {options::kScore, "score"}}) {
    if ((bits & bit) == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

}  // namespace

std::vector<std::string> declared_result_keys(options::Stage stage) {
  if (stage == options::kSupernet) return options::result_keys(stage_options<SupernetJob>(), stage);
  if (stage == options::kEvaluate) return options::result_keys(stage_options<EvaluateJob>(), stage);
  if (stage == options::kScore) return options::result_keys(stage_options<ScoreJob>(), stage);
  return options::result_keys(stage_options<GroundTruthJob>(), stage);
}

std::vector<std::string> declared_inherited_keys() {
  return options::inherited_keys(stage_options<SupernetJob>());
}

std::string options_table() {
  // Evaluation accepts the training options (one config file for a study) without using them.
  EvaluateJob evaluate_job;
  options::Parser evaluate_parser("", "");
  add_options(evaluate_parser, evaluate_job);
  const std::set<std::string> accepted(evaluate_job.training_only.begin(),
                                       evaluate_job.training_only.end());
  // So does wsnas-score, every other stage's option it does not use.
  ScoreJob score_job;
  options::Parser score_parser("", "");
  add_options(score_parser, score_job);
  const std::set<std::string> score_accepted(score_job.accepted.begin(), score_job.accepted.end());
  const options::po::options_description stages[] = {
      stage_options<SupernetJob>(), evaluate_parser.options(), stage_options<GroundTruthJob>(),
      score_parser.options()};
  const unsigned bits[] = {options::kSupernet, options::kEvaluate, options::kGroundTruth,
                           options::kScore};
  std::vector<std::string> order;
  std::map<std::string, unsigned> taken, results;
  std::map<std::string, bool> inherited;
  std::map<std::string, boost::shared_ptr<options::po::option_description>> first;
  for (int s = 0; s < 4; ++s) {
    for (const auto& o : stages[s].options()) {
      const std::string name = o->long_name();
      if (name == "help" || name == "config" || name == "version") continue;
      if (bits[s] == options::kEvaluate && accepted.count(name)) continue;
      if (bits[s] == options::kScore && score_accepted.count(name)) continue;
      if (!first.count(name)) {
        order.push_back(name);
        first[name] = o;
      }
      taken[name] |= bits[s];
      // Each stage's own declaration (evaluation declares its own --seed).
      results[name] |= options::effect_of(*o).results;
      inherited[name] = inherited[name] || options::effect_of(*o).inherited;
    }
  }
  std::ostringstream t;
  t << "| option | taken by | default | changes the results of | evaluation inherits |\n"
    << "| --- | --- | --- | --- | --- |\n";
  for (const auto& name : order) {
    const auto& o = *first[name];
    const std::string d = options::default_text(o);
    t << "| `--" << name << "` | " << stages_text(taken[name]) << " | "
      << (d.empty() ? "" : "`" + d + "`") << " | " << stages_text(results[name]) << " | "
      << (inherited[name] ? "yes" : "") << " |\n";
  }
  return t.str();
}

}  // namespace wsnas::pipeline

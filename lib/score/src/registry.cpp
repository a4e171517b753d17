// The scorers by name: one line each, in the order wsnas-score writes their columns.
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/score/scorer.h"

namespace wsnas::score {

double grad_norm(const Input& in);
double snip(const Input& in);
double grasp(const Input& in);
double synflow(const Input& in);
double jacob_cov(const Input& in);
double naswot(const Input& in);

namespace {

std::vector<ScorerEntry>& entries() {
  static std::vector<ScorerEntry> list = {
      {"grad_norm", "sum over layers of norm(dL/dW) (zero-cost-nas measures/grad_norm.py)",
       &grad_norm},
      {"snip", "sum of abs(W * dL/dW) (Lee et al. 2019; zero-cost-nas measures/snip.py)", &snip},
      {"grasp", "-sum of W * (H dL/dW) (Wang et al. 2020; zero-cost-nas measures/grasp.py)",
       &grasp},
      {"synflow",
       "sum of abs(W * dR/dW), R the output sum of abs(network) without BN on ones (Tanaka "
       "et al. 2020; zero-cost-nas measures/synflow.py)",
       &synflow},
      {"jacob_cov",
       "-sum log(v+k)+1/(v+k) over eigenvalues of the input Jacobian's correlations (Mellor et "
       "al. v1; zero-cost-nas measures/jacob_cov.py)",
       &jacob_cov},
      {"naswot",
       "log abs(det K), K the agreements of the batch's ReLU codes (Mellor et al. 2021; "
       "nas-without-training score_networks.py)",
       &naswot},
  };
  return list;
}

}  // namespace

const std::vector<ScorerEntry>& scorers() { return entries(); }

const ScorerEntry& scorer_entry(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& e : entries()) {
    if (e.name == name) return e;
    names.push_back(e.name);
  }
  throw UsageError("--scorer: unknown scorer '" + name + "' (expected one of " + join(names, ", ") +
                   ")");
}

void register_scorer(ScorerEntry entry) {
  for (const auto& e : entries())
    WSNAS_CHECK_USAGE(e.name != entry.name, "scorer '", entry.name, "' is registered twice");
  entries().push_back(std::move(entry));
}

}  // namespace wsnas::score

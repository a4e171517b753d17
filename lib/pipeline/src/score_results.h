#pragma once
// The zero-cost scores file (kind "scores"): one row per architecture, one column per scorer
// (docs/results-format.md). Rank 0 writes it with the results the other ranks send (score.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/io/table.h"
#include "wsnas/score/scorer.h"

namespace wsnas::pipeline {

struct ScoreRecord {
  std::string arch;
  std::int64_t arch_index = -1;
  std::vector<double> values;  ///< one per scorer, in --scorer's order
  double seconds = 0;
};
/// ScoreRecord's fields, for the messages that bring results to rank 0 (mpi/serialize.h).
template <class A>
void fields(A& a, ScoreRecord& r) {
  a(r.arch, r.arch_index, r.values, r.seconds);
}

/// The columns of /results for `scorers` (a column each, after the architecture).
io::Table<ScoreRecord> scores_table(const std::vector<const score::ScorerEntry*>& scorers);

}  // namespace wsnas::pipeline

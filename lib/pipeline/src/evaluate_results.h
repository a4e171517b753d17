#pragma once
// The evaluation results file (kind "evaluation"): one row per (checkpoint, architecture), the
// task's metrics as columns (docs/results-format.md). Rank 0 writes it, with the results the other
// ranks send it (evaluate.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/io/table.h"
#include "wsnas/train/run_config.h"
#include "wsnas/train/task.h"

namespace wsnas::pipeline {

struct Record {
  std::string checkpoint, checkpoint_id, arch;  ///< checkpoint_id: "<run id>@<step>" of its content
  std::int64_t epoch = 0, schedule_epochs = 0, arch_index = -1;
  std::vector<double> metrics;  ///< the task's, in its order
  double seconds = 0;
};
/// Record's fields, for the messages that bring results to rank 0 (mpi/serialize.h).
template <class A>
void fields(A& a, Record& r) {
  a(r.checkpoint, r.checkpoint_id, r.arch, r.epoch, r.schedule_epochs, r.arch_index, r.metrics,
    r.seconds);
}

/// The columns of /results for `task` (its metrics after the pair's identity).
io::Table<Record> evaluation_table(const train::Task& task);
void write_results(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
                   const train::Task& task, const std::vector<Record>& recs);
/// Reads a results file written with the same evaluation options (`keys` of `cfg`).
std::vector<Record> read_results(const std::string& path, const train::RunConfig& cfg,
                                 const std::vector<std::string>& keys, const train::Task& task);
/// The rows of `pairs` that have a result (the latest: `fresh` over `done`), in the order of
/// `pairs`, then the results of `done` for pairs not asked for now (kept).
std::vector<Record> merge_records(const std::vector<Record>& pairs, const std::vector<Record>& done,
                                  const std::vector<Record>& fresh);

}  // namespace wsnas::pipeline

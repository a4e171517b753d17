#pragma once
// What the analyses of lib/analysis/src share (not installed): the scored architectures joined
// with their ground truth, and the --k list.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "wsnas/analysis/study.h"
#include "wsnas/io/h5file.h"
#include "wsnas/space/search_space.h"

namespace wsnas::analysis {

/// What every analysis starts from: the scored architectures joined with their ground truth,
/// invalid ones left out unless --include-invalid.
struct StudyData {
  std::unique_ptr<space::SearchSpace> space;
  std::vector<space::Arch> archs;
  /// params and flops empty when not known for every architecture
  std::vector<double> score, truth, report, params, flops;
  std::string score_source, truth_source, select, report_column;
};

/// Reads --scores[0]/--score-column[0] and the ground truth, joins them and prints what was joined.
StudyData load(const StudyJob& job, std::ostream& out);
/// The --k list; UsageError naming --k otherwise.
std::vector<std::int64_t> parse_ks(const std::string& s);
/// The attributes saying how a group's intervals were made: bootstrap_resamples, _seed, _level.
void write_bootstrap_attrs(io::File& f, const std::string& group, const BootstrapOptions& b);
/// budgets | density | pruning: one ranking per score input, labelled by --x and --replicate.
void run_sweep(const StudyJob& job, Provenance& provenance, std::ostream& out);

}  // namespace wsnas::analysis

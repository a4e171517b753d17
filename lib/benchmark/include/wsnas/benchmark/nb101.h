#pragma once
/// NAS-Bench-101's own data file (Ying et al. 2019; nasbench_only108.tfrecord or the full
/// nasbench_full.tfrecord): one TFRecord per training run, holding the JSON array
/// [module hash, epochs, adjacency digits, comma-separated operations, base64 ModelMetrics
/// protobuf] (nasbench/api.py). Three runs (repeats) per cell and epoch budget.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/space/nb101.h"

namespace wsnas::benchmark {

/// One evaluation of a run (nasbench/lib/model_metrics.proto EvaluationData).
struct Nb101Evaluation {
  double epoch = 0, training_time = 0, train_accuracy = 0, validation_accuracy = 0,
         test_accuracy = 0;
};
/// One record: a training run of one cell.
struct Nb101Record {
  std::string hash;
  int epochs = 0;
  space::Nb101Cell cell;
  std::int64_t trainable_parameters = 0;
  double total_time = 0;
  std::vector<Nb101Evaluation> evaluations;  ///< at 0, halfway and the end of training
};

/// Decodes a ModelMetrics protobuf (wire format, by libprotobuf's CodedInputStream).
void decode_nb101_metrics(const std::string& bytes, Nb101Record& record);
/// Encodes one (tests write real files with it).
std::string encode_nb101_metrics(const Nb101Record& record);
/// Parses one record's JSON; `where` names it in errors.
Nb101Record parse_nb101_record(const std::string& json, const std::string& where);
/// The JSON of a record, as the benchmark's files hold it.
std::string nb101_record_json(const Nb101Record& record);
/// Standard base64 (OpenSSL).
std::string base64_decode(const std::string& text, const std::string& where);
std::string base64_encode(const std::string& bytes);

struct Nb101ImportOptions {
  bool all = false;  ///< every cell of the file, not only the sub-space's classes
  int epochs = 108;  ///< the epoch budget to keep
  double progress_seconds = 10;
};
struct Nb101ImportSummary {
  std::int64_t records = 0, kept_records = 0, rows = 0, incomplete = 0;
};
/// Reads `tfrecord` and writes the ground-truth table `out` (HDF5, kind "groundtruth", results
/// format): one row per graph hash: arch (the sub-space's first cell of the class in the
/// official order; with `all`, the file's own cell), cell, hash, index, params, repeats, the
/// mean and per-repeat final validation and test accuracy (%), training seconds.
Nb101ImportSummary import_nb101(const std::string& tfrecord, const std::string& out,
                                const Nb101ImportOptions& options, const Provenance& provenance,
                                const std::function<void(const std::string&)>& progress);

}  // namespace wsnas::benchmark

// NAS-Bench-101's data file (wsnas-import nb101): TFRecord framing (length, masked CRC32C of the
// length, data, masked CRC32C of the data), each record the JSON array [hash, epochs, adjacency,
// operations, base64 ModelMetrics protobuf]. The input is read as such a file, record by record;
// as one record's JSON; as the metrics protobuf; as base64; and it is framed by TfRecordWriter and
// read back. (A mutation inside a framed record breaks its CRC, so the record decoders are also fed
// the input directly.) An accepted record must be what its JSON says and what the benchmark allows:
// epochs >= 1, accuracies fractions in [0, 1], times and parameters >= 0, a well-formed cell whose
// operations are the record's labels, one by one; and it must write and read back unchanged.
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_strict.h"
#include "fuzz_support.h"
#include "wsnas/benchmark/nb101.h"
#include "wsnas/benchmark/tfrecord.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/nb101.h"

namespace {

using namespace wsnas;
using benchmark::Nb101Evaluation;
using benchmark::Nb101Record;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_evaluations(const std::vector<Nb101Evaluation>& a,
                      const std::vector<Nb101Evaluation>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (!same_bits(x.epoch, y.epoch) || !same_bits(x.training_time, y.training_time) ||
        !same_bits(x.train_accuracy, y.train_accuracy) ||
        !same_bits(x.validation_accuracy, y.validation_accuracy) ||
        !same_bits(x.test_accuracy, y.test_accuracy))
      return false;
  }
  return true;
}

/// What decode_nb101_metrics promises of what it accepts.
void check_metrics(const Nb101Record& r, const std::string& what) {
  for (const auto& e : r.evaluations) {
    for (double acc : {e.train_accuracy, e.validation_accuracy, e.test_accuracy})
      if (!(std::isfinite(acc) && acc >= 0 && acc <= 1))
        fuzz::finding(what + ": an accuracy outside [0, 1] was accepted");
    if (!(std::isfinite(e.training_time) && e.training_time >= 0))
      fuzz::finding(what + ": a training time that is not seconds >= 0 was accepted");
    if (!(std::isfinite(e.epoch) && e.epoch >= 0))
      fuzz::finding(what + ": an epoch that is not a number >= 0 was accepted");
  }
  if (r.trainable_parameters < 0)
    fuzz::finding(what + ": a negative trainable_parameters was accepted");
  // Written back and decoded again, the same metrics.
  bool decoded = false;
  fuzz::refused_or_accepted([&] {
    Nb101Record again;
    benchmark::decode_nb101_metrics(benchmark::encode_nb101_metrics(r), again);
    decoded = true;
    if (again.trainable_parameters != r.trainable_parameters ||
        !same_bits(again.total_time, r.total_time) ||
        !same_evaluations(again.evaluations, r.evaluations))
      fuzz::finding(what + ": the metrics do not encode and decode back to themselves");
  });
  if (!decoded) fuzz::finding(what + ": accepted metrics are refused once encoded again");
}

/// An accepted record: the invariants above, against the JSON it came from.
void check_record(const Nb101Record& r, const std::string& json) {
  if (r.epochs < 1) fuzz::finding("a record with epochs < 1 was accepted");
  check_metrics(r, "record");
  const auto& c = r.cell;
  const std::size_t n = c.ops.size();
  if (n < 2 || c.matrix.size() != n || c.ops.front() != "input" || c.ops.back() != "output")
    fuzz::finding("an accepted record's cell is not input ... output with an n x n matrix");
  for (std::size_t u = 0; u < n; ++u) {
    if (c.matrix[u].size() != n) fuzz::finding("an accepted record's matrix is not square");
    for (std::size_t v = 0; v < n; ++v)
      if ((c.matrix[u][v] != 0 && c.matrix[u][v] != 1) || (v <= u && c.matrix[u][v] != 0))
        fuzz::finding("an accepted record's matrix is not upper-triangular 0/1");
  }
  // The JSON as the record holds it: the adjacency and the labels, vertex by vertex.
  const auto j = nlohmann::json::parse(json);
  const auto adjacency = j[2].get<std::string>();
  const auto labels = split(j[3].get<std::string>(), ',');
  if (adjacency.size() != n * n || labels.size() != n)
    fuzz::finding("an accepted record's cell has " + std::to_string(n) +
                  " vertices, its adjacency and labels say otherwise");
  for (std::size_t u = 0; u < n; ++u)
    for (std::size_t v = 0; v < n; ++v)
      if (adjacency[u * n + v] != static_cast<char>('0' + c.matrix[u][v]))
        fuzz::finding("an accepted record's matrix is not its adjacency digits");
  // Each inner label on its own names the cell's operation at that vertex (short names allowed):
  // given twice as the two inner vertices of a 4-vertex cell, it is that operation twice.
  for (std::size_t v = 1; v + 1 < n; ++v) {
    const std::string what = "an accepted record's label '" + printable(labels[v], 60) +
                             "' of vertex " + std::to_string(v);
    fuzz::refused_or_accepted([&] {
      space::Nb101Cell two;
      try {
        two = space::parse_nb101_cell("0110.0001.0001.0000|" + labels[v] + "+" + labels[v]);
      } catch (const InputError& e) {
        fuzz::finding(what + " is not one operation on its own: " + e.what());
      }
      if (two.ops.size() != 4 || two.ops[1] != c.ops[v] || two.ops[2] != c.ops[v])
        fuzz::finding(what + " became the operation '" + c.ops[v] + "'");
    });
  }
  // The cell's string and the record's JSON read back to the same cell and record.
  fuzz::refused_or_accepted([&] {
    const auto back = space::parse_nb101_cell(space::nb101_cell_string(c));
    if (back.matrix != c.matrix || back.ops != c.ops)
      fuzz::finding("an accepted record's cell string does not parse back to the cell");
  });
  bool reread = false;
  fuzz::refused_or_accepted([&] {
    const auto back = benchmark::parse_nb101_record(benchmark::nb101_record_json(r), "written");
    reread = true;
    if (back.hash != r.hash || back.epochs != r.epochs || back.cell.matrix != c.matrix ||
        back.cell.ops != c.ops || back.trainable_parameters != r.trainable_parameters ||
        !same_bits(back.total_time, r.total_time) ||
        !same_evaluations(back.evaluations, r.evaluations))
      fuzz::finding("an accepted record does not write and read back to itself");
  });
  if (!reread) fuzz::finding("an accepted record is refused once written again");
}

void parse_and_check(const std::string& json, const std::string& where) {
  fuzz::refused_or_accepted([&] {
    const Nb101Record r = benchmark::parse_nb101_record(json, where);
    check_record(r, json);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // 1. A TFRecord file: every record read and parsed; the reader's counts agree with the file.
  const fuzz::MemFile file(data, size);
  fuzz::refused_or_accepted([&] {
    benchmark::TfRecordReader reader(file.path());
    if (reader.size() != static_cast<std::int64_t>(size))
      fuzz::finding("the reader's file size is not the file's");
    std::string record;
    std::int64_t records = 0, offset = 0;
    while (reader.next(record)) {
      ++records;
      offset += 16 + static_cast<std::int64_t>(record.size());
      if (reader.records() != records || reader.offset() != offset || offset > reader.size())
        fuzz::finding("the reader's record count or offset disagrees with the records read");
      parse_and_check(record, "record " + std::to_string(records));
    }
    if (reader.offset() != reader.size())
      fuzz::finding("the reader stopped before the end of the file without an error");
  });
  // 2. One record's JSON.
  parse_and_check(input, "input");
  // 3. The metrics protobuf.
  fuzz::refused_or_accepted([&] {
    Nb101Record r;
    benchmark::decode_nb101_metrics(input, r);
    check_metrics(r, "metrics");
  });
  // 4. Base64: what decodes encodes to text that decodes to the same bytes.
  fuzz::refused_or_accepted([&] {
    const std::string bytes = benchmark::base64_decode(input, "input");
    if (bytes.size() > input.size() / 4 * 3) fuzz::finding("base64 decoded to too many bytes");
    const std::string text = benchmark::base64_encode(bytes);
    if (benchmark::base64_decode(text, "encoded") != bytes)
      fuzz::finding("base64: decoded bytes do not encode and decode back");
  });
  // 5. The input as one record, framed by the writer: read back unchanged, then the end.
  fuzz::refused_or_accepted([&] {
    const fuzz::MemFile framed(nullptr, 0);
    benchmark::TfRecordWriter writer(framed.path());
    writer.write(input);
    writer.close();
    benchmark::TfRecordReader reader(framed.path());
    std::string back;
    if (!reader.next(back) || back != input || reader.next(back) ||
        reader.size() != static_cast<std::int64_t>(size + 16))
      fuzz::finding("a record written by TfRecordWriter does not read back unchanged");
  });
  return 0;
}

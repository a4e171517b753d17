#include "wsnas/benchmark/nb101.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "wsnas/benchmark/tfrecord.h"
#include "wsnas/core/error.h"
#include "wsnas/core/json.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/results.h"

namespace wsnas::benchmark {

namespace {

namespace pb = google::protobuf;
using WFL = pb::internal::WireFormatLite;

double as_double(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::uint64_t as_bits(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof d);
  return bits;
}

void skip(pb::io::CodedInputStream& in, std::uint32_t tag, const std::string& where) {
  WSNAS_CHECK_INPUT(WFL::SkipField(&in, tag), where, ": malformed metrics protobuf (field ",
                    WFL::GetTagFieldNumber(tag), ")");
}

Nb101Evaluation decode_evaluation(pb::io::CodedInputStream& in, const std::string& where) {
  Nb101Evaluation e;
  double* fields[] = {&e.epoch, &e.training_time, &e.train_accuracy, &e.validation_accuracy,
                      &e.test_accuracy};
  while (const std::uint32_t tag = in.ReadTag()) {
    const int field = WFL::GetTagFieldNumber(tag);
    if (field >= 1 && field <= 5 && WFL::GetTagWireType(tag) == WFL::WIRETYPE_FIXED64) {
      std::uint64_t bits = 0;
      WSNAS_CHECK_INPUT(in.ReadLittleEndian64(&bits), where, ": truncated metrics protobuf");
      *fields[field - 1] = as_double(bits);
    } else {
      skip(in, tag, where);  // checkpoint_path and anything newer
    }
  }
  return e;
}

}  // namespace

void decode_nb101_metrics(const std::string& bytes, Nb101Record& r) {
  const std::string where = "metrics of " + (r.hash.empty() ? std::string("a record") : r.hash);
  pb::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  r.evaluations.clear();
  while (const std::uint32_t tag = in.ReadTag()) {
    const int field = WFL::GetTagFieldNumber(tag);
    const auto type = WFL::GetTagWireType(tag);
    if (field == 1 && type == WFL::WIRETYPE_LENGTH_DELIMITED) {
      std::uint32_t length = 0;
      WSNAS_CHECK_INPUT(in.ReadVarint32(&length), where, ": truncated metrics protobuf");
      const auto limit = in.PushLimit(static_cast<int>(length));
      r.evaluations.push_back(decode_evaluation(in, where));
      WSNAS_CHECK_INPUT(in.BytesUntilLimit() == 0, where, ": malformed evaluation message");
      in.PopLimit(limit);
    } else if (field == 2 && type == WFL::WIRETYPE_VARINT) {
      std::uint64_t v = 0;
      WSNAS_CHECK_INPUT(in.ReadVarint64(&v), where, ": truncated metrics protobuf");
      r.trainable_parameters = static_cast<std::int32_t>(v);  // int32 on the wire
    } else if (field == 3 && type == WFL::WIRETYPE_FIXED64) {
      std::uint64_t bits = 0;
      WSNAS_CHECK_INPUT(in.ReadLittleEndian64(&bits), where, ": truncated metrics protobuf");
      r.total_time = as_double(bits);
    } else {
      skip(in, tag, where);
    }
  }
  WSNAS_CHECK_INPUT(in.CurrentPosition() == static_cast<int>(bytes.size()), where,
                    ": malformed metrics protobuf (stopped at byte ", in.CurrentPosition(), " of ",
                    bytes.size(), ")");
  // The benchmark stores accuracies as fractions (nasbench/lib/evaluate.py) and times in seconds:
  // a percentage (90.0), a negative value or NaN would become a silently wrong ground truth.
  for (std::size_t i = 0; i < r.evaluations.size(); ++i) {
    const auto& e = r.evaluations[i];
    const std::pair<const char*, double> fractions[] = {
        {"train_accuracy", e.train_accuracy},
        {"validation_accuracy", e.validation_accuracy},
        {"test_accuracy", e.test_accuracy}};
    for (const auto& [name, v] : fractions)
      WSNAS_CHECK_INPUT(std::isfinite(v) && v >= 0 && v <= 1, where, ": evaluation ", i + 1,
                        " has ", name, " ", v,
                        ", expected a fraction in [0, 1] (NAS-Bench-101 stores accuracies as "
                        "fractions)");
    WSNAS_CHECK_INPUT(std::isfinite(e.training_time) && e.training_time >= 0, where,
                      ": evaluation ", i + 1, " has training_time ", e.training_time,
                      ", expected seconds >= 0");
    WSNAS_CHECK_INPUT(std::isfinite(e.epoch) && e.epoch >= 0, where, ": evaluation ", i + 1,
                      " has epoch ", e.epoch, ", expected a number >= 0");
  }
  WSNAS_CHECK_INPUT(r.trainable_parameters >= 0, where, ": trainable_parameters is ",
                    r.trainable_parameters, ", expected a count >= 0");
}

std::string encode_nb101_metrics(const Nb101Record& r) {
  std::string out;
  {
    pb::io::StringOutputStream stream(&out);
    pb::io::CodedOutputStream o(&stream);
    for (const auto& e : r.evaluations) {
      std::string inner;
      {
        pb::io::StringOutputStream s2(&inner);
        pb::io::CodedOutputStream o2(&s2);
        const double values[] = {e.epoch, e.training_time, e.train_accuracy, e.validation_accuracy,
                                 e.test_accuracy};
        for (int f = 1; f <= 5; ++f) {
          o2.WriteTag(WFL::MakeTag(f, WFL::WIRETYPE_FIXED64));
          o2.WriteLittleEndian64(as_bits(values[f - 1]));
        }
      }
      o.WriteTag(WFL::MakeTag(1, WFL::WIRETYPE_LENGTH_DELIMITED));
      o.WriteVarint32(static_cast<std::uint32_t>(inner.size()));
      o.WriteString(inner);
    }
    o.WriteTag(WFL::MakeTag(2, WFL::WIRETYPE_VARINT));
    o.WriteVarint64(static_cast<std::uint64_t>(r.trainable_parameters));
    o.WriteTag(WFL::MakeTag(3, WFL::WIRETYPE_FIXED64));
    o.WriteLittleEndian64(as_bits(r.total_time));
  }
  return out;
}

std::string base64_decode(const std::string& text, const std::string& where) {
  WSNAS_CHECK_INPUT(text.size() % 4 == 0, where, ": base64 of ", text.size(),
                    " characters (expected a multiple of 4)");
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  WSNAS_CHECK_INPUT(n >= 0, where, ": invalid base64");
  std::size_t pad = 0;  // EVP_DecodeBlock counts the padding's zero bytes
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && pad < 2; ++it) ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string base64_encode(const std::string& bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {
constexpr const char* kRecordForm =
    " (expected the JSON array [hash, epochs, adjacency, operations, metrics])";
}  // namespace

Nb101Record parse_nb101_record(const std::string& text, const std::string& where) {
  Nb101Record r;
  std::string adjacency, ops, metrics;
  try {
    const auto j = parse_json_strict(text, where, kRecordForm);
    WSNAS_CHECK_INPUT(j.is_array() && j.size() == 5, where, ": not an array of 5", kRecordForm);
    r.hash = j[0].get<std::string>();
    r.epochs = json_int(j[1], where, "the epochs field", 1, INT_MAX, kRecordForm);
    adjacency = j[2].get<std::string>();
    ops = j[3].get<std::string>();
    metrics = j[4].get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where + ": " + printable(e.what()) + kRecordForm);
  }
  const auto n = static_cast<std::size_t>(std::lround(std::sqrt(adjacency.size())));
  WSNAS_CHECK_INPUT(n * n == adjacency.size() && n >= 2, where, ": adjacency of ", adjacency.size(),
                    " digits (expected a square number)");
  std::string cell;
  for (std::size_t u = 0; u < n; ++u) cell += (u ? "." : "") + adjacency.substr(u * n, n);
  const auto labels = split(ops, ',');
  std::vector<std::string> inner(labels.begin() + (labels.empty() ? 0 : 1),
                                 labels.end() - (labels.size() < 2 ? 0 : 1));
  try {
    WSNAS_CHECK_INPUT(labels.size() == n && labels.front() == "input" && labels.back() == "output",
                      "operations '", ops, "' (expected ", n, ", input first, output last)");
    // The labels are joined into the cell string below: a separator inside one would move
    // labels across vertices (found by fuzz_tfrecord's review).
    for (std::size_t k = 0; k < inner.size(); ++k)
      WSNAS_CHECK_INPUT(inner[k].find_first_of("+|.,") == std::string::npos, "operation '",
                        printable(inner[k], 60), "' of vertex ", k + 1,
                        " (expected one NAS-Bench-101 operation per vertex)");
    r.cell = space::parse_nb101_cell(cell + "|" + join(inner, "+"));
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  }
  try {
    decode_nb101_metrics(base64_decode(metrics, where), r);
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  }
  return r;
}

std::string nb101_record_json(const Nb101Record& r) {
  std::string adjacency;
  for (const auto& row : r.cell.matrix)
    for (int x : row) adjacency += static_cast<char>('0' + x);
  nlohmann::json j = {r.hash, r.epochs, adjacency, join(r.cell.ops, ","),
                      base64_encode(encode_nb101_metrics(r))};
  return j.dump();
}

Nb101ImportSummary import_nb101(const std::string& tfrecord, const std::string& out,
                                const Nb101ImportOptions& o, const Provenance& provenance,
                                const std::function<void(const std::string&)>& progress) {
  using Clock = std::chrono::steady_clock;
  Nb101ImportSummary sum;
  struct Class {
    space::Nb101Cell cell;
    std::int64_t params = 0;
    std::vector<double> valid, test, seconds;
  };
  std::map<std::string, Class> classes;
  TfRecordReader reader(tfrecord);
  std::string data;
  const auto start = Clock::now();
  auto last = start;
  std::int64_t params_mismatch = 0;
  while (reader.next(data)) {
    ++sum.records;
    const std::string where = "file '" + tfrecord + "' record " + std::to_string(sum.records);
    Nb101Record r = parse_nb101_record(data, where);
    if (r.epochs != o.epochs) continue;
    WSNAS_CHECK_INPUT(!r.evaluations.empty(), where, ": no evaluation in the metrics");
    ++sum.kept_records;
    auto [it, fresh] = classes.try_emplace(r.hash);
    Class& c = it->second;
    if (fresh) {
      // Our hash of the record's cell must be the benchmark's own, for every cell of the file.
      const std::string ours = space::nb101_hash(r.cell);
      WSNAS_CHECK_INPUT(ours == r.hash, where, ": the record's hash ", r.hash,
                        " is not its cell's NAS-Bench-101 hash ", ours);
      c.cell = r.cell;
      c.params = r.trainable_parameters;
      if (space::nb101_cost(r.cell).params != r.trainable_parameters) ++params_mismatch;
    } else {
      WSNAS_CHECK_INPUT(r.cell.matrix == c.cell.matrix && r.cell.ops == c.cell.ops, where,
                        ": another cell under hash ", r.hash, " than its earlier records");
    }
    const auto& final = r.evaluations.back();
    c.valid.push_back(100.0 * final.validation_accuracy);
    c.test.push_back(100.0 * final.test_accuracy);
    c.seconds.push_back(final.training_time);
    const auto now = Clock::now();
    if (std::chrono::duration<double>(now - last).count() >= o.progress_seconds) {
      last = now;
      const double s = std::chrono::duration<double>(now - start).count();
      const double frac =
          static_cast<double>(reader.offset()) / std::max<std::int64_t>(1, reader.size());
      char buf[160];
      std::snprintf(buf, sizeof buf, "record %lld: %.1f%% of the file, %.0f records/s, ETA %.0f s",
                    static_cast<long long>(sum.records), 100 * frac, sum.records / s,
                    frac > 0 ? s * (1 - frac) / frac : 0.0);
      progress(buf);
    }
  }
  // The sub-space's classes: hash -> the first cell of the class in the official order.
  std::map<std::string, std::int64_t> first_index;
  if (!o.all) {
    space::Nb101Space sp;
    for (std::int64_t i = 0; i < space::kNb101SubspaceCells; ++i)
      first_index.emplace(sp.canonical(*sp.at(i)), i);
    for (auto it = classes.begin(); it != classes.end();) {
      if (first_index.count(it->first)) {
        ++it;
      } else {
        sum.kept_records -= static_cast<std::int64_t>(it->second.valid.size());
        it = classes.erase(it);
      }
    }
  }
  // Rows: by official index for the sub-space, by hash for --all.
  std::vector<std::pair<std::int64_t, std::string>> order;
  for (const auto& [hash, c] : classes) order.emplace_back(o.all ? 0 : first_index.at(hash), hash);
  std::sort(order.begin(), order.end());
  space::Nb101Space sp;
  std::vector<std::string> arch, cell, hash;
  std::vector<std::int64_t> index, params, repeats;
  std::vector<double> mv, mt, secs, rv[3], rt[3];
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<double>(v.size());
  };
  for (const auto& [idx, h] : order) {
    const Class& c = classes.at(h);
    const auto found = first_index.find(h);
    const bool in_subspace = found != first_index.end();
    arch.push_back(in_subspace ? sp.to_string(*sp.at(found->second))
                               : space::nb101_cell_string(c.cell));
    cell.push_back(space::nb101_cell_string(c.cell));
    hash.push_back(h);
    index.push_back(in_subspace ? found->second : -1);
    params.push_back(c.params);
    repeats.push_back(static_cast<std::int64_t>(c.valid.size()));
    if (c.valid.size() != 3) ++sum.incomplete;
    mv.push_back(mean(c.valid));
    mt.push_back(mean(c.test));
    secs.push_back(mean(c.seconds));
    for (std::size_t k = 0; k < 3; ++k) {
      rv[k].push_back(k < c.valid.size() ? c.valid[k] : nan);
      rt[k].push_back(k < c.test.size() ? c.test[k] : nan);
    }
  }
  sum.rows = static_cast<std::int64_t>(arch.size());
  WSNAS_CHECK_INPUT(sum.rows > 0, "file '", tfrecord, "': no record of ", o.epochs, " epochs",
                    o.all ? "" : " in the NAS-Bench-101 sub-space", " among ", sum.records,
                    " records");
  if (params_mismatch > 0)
    progress("note: " + std::to_string(params_mismatch) +
             " cells' trainable_parameters differ from wsnas's count of NAS-Bench-101's network");
  io::write_results_file(out, "groundtruth", provenance, [&](io::File& f) {
    f.create_group("/results");
    f.set_attr("/results", "rows", sum.rows);
    f.set_attr("/results", "score", "accuracy");
    f.set_attr("/results", "higher_is_better", std::int64_t{1});
    f.set_attr("/results", "benchmark", "NAS-Bench-101");
    f.set_attr("/results", "source", tfrecord);
    f.set_attr("/results", "epochs", static_cast<std::int64_t>(o.epochs));
    f.set_attr("/results", "subspace_only", static_cast<std::int64_t>(!o.all));
    f.set_attr("/results", "params_mismatch", params_mismatch);
    f.write_strings("/results/arch", arch);
    f.write_strings("/results/cell", cell);
    f.write_strings("/results/hash", hash);
    f.write_i64("/results/arch_index", index);
    f.write_i64("/results/params", params);
    f.write_i64("/results/repeats", repeats);
    f.write_f64("/results/final_valid_accuracy", mv);
    f.write_f64("/results/final_test_accuracy", mt);
    for (int k = 0; k < 3; ++k) {
      f.write_f64("/results/final_valid_accuracy_r" + std::to_string(k + 1), rv[k]);
      f.write_f64("/results/final_test_accuracy_r" + std::to_string(k + 1), rt[k]);
    }
    f.write_f64("/results/train_seconds", secs);
  });
  return sum;
}

}  // namespace wsnas::benchmark

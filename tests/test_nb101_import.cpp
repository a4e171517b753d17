// wsnas-import nb101: NAS-Bench-101's TFRecord file (framing, CRC32C, JSON, base64, protobuf) to a
// ground-truth table, and wsnas-analyze joining scores to it by graph hash. The test writes small
// files in the real format; the decoders are checked on published vectors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "test_support.h"
#include "wsnas/benchmark/nb101.h"
#include "wsnas/benchmark/tfrecord.h"
#include "wsnas/core/error.h"
#include "wsnas/io/h5file.h"
#include "wsnas/space/nb101.h"

using namespace wsnas;
using benchmark::Nb101Evaluation;
using benchmark::Nb101Record;

namespace {

std::string app(const std::string& name) { return test::bin_dir() + "/" + name; }

Nb101Record record(const space::Nb101Cell& cell, int epochs, double valid, double test) {
  Nb101Record r;
  r.cell = cell;
  r.hash = space::nb101_hash(cell);
  r.epochs = epochs;
  r.trainable_parameters = space::nb101_cost(cell).params;
  r.total_time = 1000;
  r.evaluations = {{0, 0, 0.1, 0.1, 0.1},
                   {epochs / 2.0, 400, 0.8, 0.7, 0.7},
                   {static_cast<double>(epochs), 800, 1.0, valid, test}};
  return r;
}

void write_file(const std::string& path, const std::vector<Nb101Record>& records) {
  benchmark::TfRecordWriter w(path);
  for (const auto& r : records) w.write(benchmark::nb101_record_json(r));
  w.close();
}

}  // namespace

TEST(Nb101Import, Crc32cOfTheStandardCheckString) {
  // CRC-32C (Castagnoli) check value of "123456789" (RFC 3720 B.4; the CRC catalogue's
  // CRC-32/ISCSI).
  EXPECT_EQ(benchmark::crc32c("123456789"), 0xE3069283u);
}

TEST(Nb101Import, DecodesARealNasBench101MetricsRecord) {
  // A record of the real NAS-Bench-101 file (4-epoch budget), as published in the test of the
  // `nasbench` Rust crate (github.com/sile/nasbench-rs, src/protobuf.rs), with its decoded values.
  const std::string b64 =
      "Ci0JAAAAAAAAAAARAAAAAAAAAAAZAAAAoKqquT8hAAAAYJAGuT8pAAAAAGmQuT8KLQkAAAAAAAAAQBEAAADAdJNGQBkA"
      "AA"
      "BgkAa6PyEAAAAg3/K6PykAAACAy7e6PwotCQAAAAAAABBAEQAAACDbeVZAGQAAAEAaZNY/IQAAAGBVVdY/"
      "KQAAAODybdY/"
      "EIqYigQZAABAhznbeUA=";
  Nb101Record r;
  benchmark::decode_nb101_metrics(benchmark::base64_decode(b64, "vector"), r);
  EXPECT_EQ(r.trainable_parameters, 8555530);
  EXPECT_DOUBLE_EQ(r.total_time, 413.7015450000763);
  ASSERT_EQ(r.evaluations.size(), 3u);
  EXPECT_DOUBLE_EQ(r.evaluations[0].train_accuracy, 0.1002604141831398);
  EXPECT_DOUBLE_EQ(r.evaluations[1].training_time, 45.152000427246094);
  EXPECT_DOUBLE_EQ(r.evaluations[2].epoch, 4.0);
  EXPECT_DOUBLE_EQ(r.evaluations[2].validation_accuracy, 0.3489583432674408);
  EXPECT_DOUBLE_EQ(r.evaluations[2].test_accuracy, 0.3504607379436493);
  // Our encoder writes the same bytes back (field order and types of model_metrics.proto).
  EXPECT_EQ(benchmark::base64_encode(benchmark::encode_nb101_metrics(r)), b64);
}

TEST(Nb101Import, ImportsTheSubSpaceByHashAndAnalyzeJoinsByHash) {
  const std::string dir = test::scratch_dir("nb101_import"), file = dir + "/nb.tfrecord";
  space::Nb101Space sp;
  // Two cells of one class: the class's first cell in the official order, and a later one.
  std::int64_t first = -1, twin = -1;
  {
    std::map<std::string, std::int64_t> seen;
    for (std::int64_t i = 0; i < 2000 && twin < 0; ++i) {
      auto [it, fresh] = seen.emplace(sp.canonical(*sp.at(i)), i);
      if (!fresh && it->second > 100) {
        first = it->second;
        twin = i;
      }
    }
  }
  ASSERT_GE(twin, 0);
  const auto cell0 = space::Nb101Space::cell_of(*sp.at(0));
  const auto twin_cell = space::Nb101Space::cell_of(*sp.at(twin));
  const auto cell7 = space::Nb101Space::cell_of(*sp.at(7));
  const auto inception = space::parse_nb101_cell(
      "0111010.0000001.0000001.0000100.0000001.0000001.0000000|conv1x1+conv3x3+conv3x3+conv3x3+"
      "maxpool3x3");
  write_file(file, {record(cell0, 108, 0.90, 0.89), record(twin_cell, 108, 0.80, 0.79),
                    record(cell0, 108, 0.92, 0.91), record(inception, 108, 0.92, 0.92),
                    record(cell0, 36, 0.5, 0.5), record(twin_cell, 108, 0.82, 0.81),
                    record(cell7, 108, 0.70, 0.69), record(cell0, 108, 0.94, 0.93),
                    record(twin_cell, 108, 0.84, 0.83)});
  auto r = test::run(app("wsnas-import") + " nb101 " + file + " --out " + dir + "/gt.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("9 records read, 7 of 108 epochs kept; wrote 3 rows"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(1 rows without 3 repeats)"), std::string::npos) << r.out;
  {
    auto f = io::File::open(dir + "/gt.h5");
    EXPECT_EQ(f.attr_string("/", "kind"), "groundtruth");
    const auto index = f.read_i64("/results/arch_index");
    ASSERT_EQ(index, (std::vector<std::int64_t>{0, 7, first}));
    const auto arch = f.read_strings("/results/arch");
    EXPECT_EQ(arch[2], sp.to_string(*sp.at(first)));  // the class's first cell, not the file's
    EXPECT_EQ(f.read_strings("/results/cell")[2], space::nb101_cell_string(twin_cell));
    EXPECT_EQ(f.read_strings("/results/hash")[0], "8918185c0c6678da3c1fb08ce64dd71c");
    const auto valid = f.read_f64("/results/final_valid_accuracy");
    EXPECT_NEAR(valid[0], (90 + 92 + 94) / 3.0, 1e-9);  // mean of the 3 repeats, in %
    EXPECT_NEAR(valid[2], (80 + 82 + 84) / 3.0, 1e-9);
    EXPECT_NEAR(f.read_f64("/results/final_test_accuracy_r2")[0], 91, 1e-9);
    EXPECT_EQ(f.read_i64("/results/repeats"), (std::vector<std::int64_t>{3, 1, 3}));
    EXPECT_TRUE(std::isnan(f.read_f64("/results/final_valid_accuracy_r2")[1]));
    EXPECT_EQ(f.read_i64("/results/params")[0], 13381898);
    EXPECT_NE(f.attr_string("/provenance", "command_line").find("wsnas-import"), std::string::npos);
  }
  // --all keeps the cell outside the sub-space (the README cell, 2,694,282 parameters).
  r = test::run(app("wsnas-import") + " nb101 " + file + " --all --out " + dir + "/all.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    auto f = io::File::open(dir + "/all.h5");
    const auto params = f.read_i64("/results/params");
    EXPECT_EQ(params.size(), 4u);
    EXPECT_NE(std::find(params.begin(), params.end(), 2694282), params.end());
  }
  // Scores for the twin (not a row of the table) join the class's row by hash.
  {
    std::ofstream s(dir + "/scores.csv");
    s << "arch,score\n"
      << sp.to_string(*sp.at(0)) << ",50\n"
      << sp.to_string(*sp.at(twin)) << ",40\n"
      << sp.to_string(*sp.at(7)) << ",30\n";
  }
  r = test::run(app("wsnas-analyze") + " --space nb101 --scores " + dir +
                "/scores.csv --score-column score --truth " + dir +
                "/gt.h5 --truth-column final_valid_accuracy --k 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("joined 3 architectures"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best ground truth                   92.0000"), std::string::npos) << r.out;
}

TEST(Nb101Import, BadFilesAreOneLineAndLeaveTheTableAlone) {
  const std::string dir = test::scratch_dir("nb101_import_bad"), good = dir + "/good.tfrecord";
  space::Nb101Space sp;
  const auto cell = space::Nb101Space::cell_of(*sp.at(3));
  write_file(good, {record(cell, 108, 0.9, 0.9), record(cell, 108, 0.91, 0.9)});
  const std::string out = dir + "/gt.h5";
  auto r = test::run(app("wsnas-import") + " nb101 " + good + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string before = test::read_file(out);
  const std::string bytes = test::read_file(good);
  auto bad = [&](const std::string& name, const std::string& content, const std::string& want) {
    std::ofstream(dir + "/" + name, std::ios::binary) << content;
    // --all: file errors do not depend on the sub-space (and skip enumerating it).
    auto res =
        test::run(app("wsnas-import") + " nb101 --all " + dir + "/" + name + " --out " + out);
    EXPECT_EQ(res.exit_code, 2) << name << ": " << res.err;
    EXPECT_NE(res.err.find(want), std::string::npos) << name << ": " << res.err;
    EXPECT_NE(res.err.find(name), std::string::npos) << "the message names the file: " << res.err;
    EXPECT_EQ(std::count(res.err.begin(), res.err.end(), '\n'), 1) << res.err;
    EXPECT_EQ(test::read_file(out), before) << "the table was changed by a failed import";
  };
  bad("truncated.tfrecord", bytes.substr(0, bytes.size() - 10), "record 2 at byte");
  std::string flipped = bytes;
  flipped[20] = static_cast<char>(flipped[20] ^ 1);
  bad("flipped.tfrecord", flipped, "the data's CRC does not match");
  bad("text.tfrecord", "hello, this is not a TFRecord file\n", "the length's CRC does not match");
  {
    benchmark::TfRecordWriter w(dir + "/json.tfrecord");
    w.write("{\"not\": \"an array\"}");
    w.close();
    bad("json.tfrecord", test::read_file(dir + "/json.tfrecord"), "expected the JSON array");
  }
  {
    auto wrong = record(cell, 108, 0.9, 0.9);
    wrong.hash = "00000000000000000000000000000000";
    write_file(dir + "/hash.tfrecord", {wrong});
    bad("hash.tfrecord", test::read_file(dir + "/hash.tfrecord"),
        "is not its cell's NAS-Bench-101 hash");
  }
  {
    auto r36 = record(cell, 36, 0.9, 0.9);
    write_file(dir + "/e36.tfrecord", {r36});
    bad("e36.tfrecord", test::read_file(dir + "/e36.tfrecord"),
        "no record of 108 epochs among 1 records");
  }
  // Issue 23: values the format cannot hold are refused, not imported as 9000 % or -500 %.
  auto bad_values = [&](const std::string& name, double valid, const std::string& want) {
    write_file(dir + "/" + name, {record(cell, 108, valid, 0.9)});
    bad(name, test::read_file(dir + "/" + name), want);
  };
  bad_values("percent.tfrecord", 90.0,
             "evaluation 3 has validation_accuracy 90, expected a fraction in [0, 1]");
  bad_values("negative.tfrecord", -5, "has validation_accuracy -5, expected a fraction");
  bad_values("nan.tfrecord", std::nan(""), "has validation_accuracy nan, expected a fraction");
  {
    std::string json = benchmark::nb101_record_json(record(cell, 108, 0.9, 0.9));
    json.replace(json.find(",108,"), 5, ",108.9,");
    benchmark::TfRecordWriter w(dir + "/epochs.tfrecord");
    w.write(json);
    w.close();
    bad("epochs.tfrecord", test::read_file(dir + "/epochs.tfrecord"),
        "the epochs field is 108.9, expected an integer in [1, ");
  }
  {  // a '+' inside an operation label moved labels across vertices (fuzz_tfrecord's review)
    std::string json = benchmark::nb101_record_json(record(cell, 108, 0.9, 0.9));
    const auto ops = json.find("\"input,");
    ASSERT_NE(ops, std::string::npos) << json;
    json.replace(ops, 7, "\"input,input+");
    benchmark::TfRecordWriter w(dir + "/plus.tfrecord");
    w.write(json);
    w.close();
    bad("plus.tfrecord", test::read_file(dir + "/plus.tfrecord"),
        "(expected one NAS-Bench-101 operation per vertex)");
  }
  {  // a length field of 2^64-1 with a valid CRC: refused as truncated, not allocated
    std::string huge = bytes;
    const std::string len(8, '\xff');
    huge.replace(0, 8, len);
    const std::uint32_t crc = benchmark::masked_crc32c(len);
    for (int i = 0; i < 4; ++i)
      huge[static_cast<std::size_t>(8 + i)] = static_cast<char>(crc >> (8 * i));
    bad("huge.tfrecord", huge, "truncated (a record of 18446744073709551615 bytes");
  }
  r = test::run(app("wsnas-import") + " nb101 " + dir + "/missing.tfrecord --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.tfrecord"), std::string::npos) << r.err;
  r = test::run(app("wsnas-import") + " nb102 " + good + " --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown benchmark 'nb102' (expected nb101)"), std::string::npos) << r.err;
}

// HDF5 wrappers, atomic files and the results schema, on real HDF5 files.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/io/results.h"
#include "wsnas/io/run_lock.h"
#include "wsnas/io/table.h"

using namespace wsnas;

TEST(Hdf5, RoundTripsArraysStringsAttributesAndTensors) {
  std::string path = test::scratch_dir("h5") + "/a.h5";
  {
    auto f = io::File::create(path);
    f.write_f64("/metrics/acc", {0.5, 0.25, 1.0});
    f.write_i64("/g/ids", {1, 2, 3, 4, 5, 6}, {2, 3});
    f.write_strings("/g/archs", {"|a~0|", "", "ünïcode"});
    f.write_string("/note", "hello");
    f.set_attr("/", "name", "x");
    f.set_attr("/g", "count", std::int64_t{42});
    f.set_attr("/g/ids", "scale", 2.5);
    io::write_tensor(f, "/w/conv", at::arange(24, at::kFloat).reshape({2, 3, 4}));
    io::write_tensor(f, "/w/big", at::ones({100, 100}, at::kDouble));
    io::write_tensor(f, "/w/mask", at::tensor({1, 0}).to(at::kBool));
  }
  auto f = io::File::open(path);
  EXPECT_EQ(f.read_f64("/metrics/acc"), (std::vector<double>{0.5, 0.25, 1.0}));
  EXPECT_EQ(f.shape("/g/ids"), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(f.read_i64("/g/ids")[5], 6);
  EXPECT_EQ(f.read_strings("/g/archs"), (std::vector<std::string>{"|a~0|", "", "ünïcode"}));
  EXPECT_EQ(f.read_string("/note"), "hello");
  EXPECT_EQ(f.attr_string("/", "name"), "x");
  EXPECT_EQ(f.attr_int("/g", "count"), 42);
  EXPECT_DOUBLE_EQ(f.attr_double("/g/ids", "scale"), 2.5);
  EXPECT_EQ(f.list("/g"), (std::vector<std::string>{"archs", "ids"}));
  EXPECT_TRUE(f.exists("/w/conv"));
  EXPECT_FALSE(f.exists("/w/nothing/deeper"));
  auto t = io::read_tensor(f, "/w/conv");
  EXPECT_EQ(t.scalar_type(), at::kFloat);
  EXPECT_TRUE(t.equal(at::arange(24, at::kFloat).reshape({2, 3, 4})));
  EXPECT_TRUE(io::read_tensor(f, "/w/big").equal(at::ones({100, 100}, at::kDouble)));
  EXPECT_EQ(io::read_tensor(f, "/w/mask").sum().item<std::int64_t>(), 1);
}

TEST(Hdf5, TensorsOfEveryStoredTypeAndLayoutRoundTrip) {
  // Written from the tensor's own memory (no copy): a non-contiguous view, every stored type, a
  // 0-d tensor, a large compressed one; and read back into a tensor's memory.
  const std::string path = test::scratch_dir("h5tensors") + "/t.h5";
  const auto transposed = at::arange(12, at::kFloat).reshape({3, 4}).t();  // not contiguous
  const auto big = at::arange(300000, at::kLong).reshape({300, 1000});
  {
    auto f = io::File::create(path);
    io::write_tensor(f, "/t", transposed);
    io::write_tensor(f, "/i32", at::tensor({-3, 7}, at::kInt));
    io::write_tensor(f, "/u8", at::tensor({0, 255}, at::kByte));
    io::write_tensor(f, "/scalar", at::scalar_tensor(2.5, at::kDouble));
    io::write_tensor(f, "/big", big);
  }
  auto f = io::File::open(path);
  EXPECT_TRUE(io::read_tensor(f, "/t").equal(transposed.contiguous()));
  EXPECT_TRUE(io::read_tensor(f, "/i32").equal(at::tensor({-3, 7}, at::kLong)));
  EXPECT_TRUE(io::read_tensor(f, "/u8").equal(at::tensor({0, 255}, at::kByte)));
  EXPECT_EQ(io::read_tensor(f, "/scalar").item<double>(), 2.5);
  EXPECT_TRUE(io::read_tensor(f, "/big").equal(big));
  // read_raw refuses a buffer of another size, naming the object.
  std::vector<float> three(3);
  try {
    f.read_raw("/t", three.data(), three.size(), io::File::NumType::kF32);
    ADD_FAILURE() << "a size mismatch was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "file '" + path + "': object '/t': 12 elements, expected 3");
  }
}

TEST(Hdf5, ErrorsNameFileAndObject) {
  std::string dir = test::scratch_dir("h5err");
  try {
    io::File::open(dir + "/missing.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "file '" + dir + "/missing.h5': does not exist (expected an HDF5 file)");
  }
  {
    std::ofstream out(dir + "/text.h5");
    out << "not hdf5";
  }
  EXPECT_THROW(io::File::open(dir + "/text.h5"), InputError);
  // A truncated HDF5 file (a real file cut in half) is refused, not half-read.
  {
    auto f = io::File::create(dir + "/full.h5");
    f.write_f64("/x", std::vector<double>(5000, 1.0));
  }
  std::string bytes = test::read_file(dir + "/full.h5");
  {
    std::ofstream out(dir + "/cut.h5", std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  bool refused = false;
  try {
    auto f = io::File::open(dir + "/cut.h5");
    f.read_f64("/x");
  } catch (const Error& e) {
    refused = true;
    EXPECT_NE(std::string(e.what()).find("cut.h5"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(refused);
  auto f = io::File::open(dir + "/full.h5");
  try {
    f.read_f64("/nope");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "file '" + dir + "/full.h5': object '/nope': missing (expected a dataset)");
  }
}

TEST(ResultsSchema, StampsProvenanceAndChecksVersionAndKind) {
  std::string dir = test::scratch_dir("schema");
  const char* argv[] = {"wsnas-test", "--seed", "3"};
  auto prov = Provenance::collect(3, argv);
  prov.set("seed", "3");
  {
    auto f = io::File::create(dir + "/r.h5");
    io::stamp_results(f, "evaluation", prov);
  }
  auto f = io::File::open(dir + "/r.h5");
  EXPECT_NO_THROW(io::check_results(f, "evaluation"));
  EXPECT_EQ(io::read_provenance(f).entries.at("command_line"), "wsnas-test --seed 3");
  EXPECT_EQ(io::read_provenance(f).entries.at("seed"), "3");
  try {
    io::check_results(f, "supernet");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(
        std::string(e.what()).find("expected a 'supernet' results file, found kind 'evaluation'"),
        std::string::npos);
  }
  f.close();
  {
    auto g = io::File::open(dir + "/r.h5", io::File::Mode::kReadWrite);
    g.set_attr("/", "schema_version", std::int64_t{99});
  }
  auto g = io::File::open(dir + "/r.h5");
  try {
    io::check_results(g);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schema_version 99 is not supported"), std::string::npos);
  }
  { auto h = io::File::create(dir + "/plain.h5"); }
  EXPECT_THROW(io::check_results(io::File::open(dir + "/plain.h5")), InputError);
}

TEST(AtomicPath, FinalNameAppearsOnlyOnCommit) {
  std::string dir = test::scratch_dir("atomic");
  std::string final_path = dir + "/out.h5";
  {
    auto f = io::File::create(final_path);
    f.write_f64("/x", {1.0});
  }
  std::string temp;
  {
    io::AtomicPath p(final_path);
    temp = p.temp();
    auto f = io::File::create(p.temp());
    f.write_f64("/x", {2.0});
    f.close();
    // The temporary is beside the final file (the rename stays in one file system).
    EXPECT_TRUE(io::path_exists(temp));
    EXPECT_EQ(temp.rfind(dir + "/", 0), 0u) << temp;
    EXPECT_NE(temp, final_path);
    // No commit: as if the writer crashed. The old file must be intact, the temporary gone.
  }
  EXPECT_EQ(io::File::open(final_path).read_f64("/x"), std::vector<double>{1.0});
  EXPECT_FALSE(io::path_exists(temp));
  EXPECT_EQ(io::list_dir(dir), std::vector<std::string>{"out.h5"});
  {
    io::AtomicPath p(final_path);
    auto f = io::File::create(p.temp());
    f.write_f64("/x", {3.0});
    f.close();
    EXPECT_EQ(io::File::open(final_path).read_f64("/x"), std::vector<double>{1.0});  // not yet
    p.commit();
    EXPECT_FALSE(io::path_exists(p.temp()));
  }
  EXPECT_EQ(io::File::open(final_path).read_f64("/x"), std::vector<double>{3.0});
  EXPECT_EQ(io::list_dir(dir), std::vector<std::string>{"out.h5"});
  io::write_text_atomic(dir + "/t.txt", "abc");
  EXPECT_EQ(test::read_file(dir + "/t.txt"), "abc");
  io::make_dirs(dir + "/x/y/z");
  EXPECT_TRUE(io::path_exists(dir + "/x/y/z"));
}

TEST(AtomicPath, StaleTemporariesOfKilledWritersAreRemoved) {
  const std::string d = test::scratch_dir("stale_temps");
  for (const char* f :
       {"a.h5", "a.h5.tmp.123", "b.h5.tmp.77", "notes.tmp.txt", "c.h5.tmp.", "c.h5.tmp.9x"})
    std::ofstream(d + "/" + f) << "x";
  EXPECT_EQ(io::remove_stale_temps(d, "a.h5"), 1);  // only a.h5's
  EXPECT_FALSE(io::path_exists(d + "/a.h5.tmp.123"));
  EXPECT_TRUE(io::path_exists(d + "/b.h5.tmp.77"));
  EXPECT_EQ(io::remove_stale_temps(d), 1);  // b.h5's; the others are not NAME.tmp.PID
  for (const char* kept : {"a.h5", "notes.tmp.txt", "c.h5.tmp.", "c.h5.tmp.9x"})
    EXPECT_TRUE(io::path_exists(d + "/" + kept)) << kept;
  EXPECT_EQ(io::remove_stale_temps(d + "/missing"), 0);
}

TEST(RunLock, ASecondHolderIsRefusedUntilTheFirstReleases) {
  const std::string p = test::scratch_dir("run_lock") + "/out.lock";
  {
    auto first = io::RunLock::try_acquire(p, "host h pid 1");
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(
        io::RunLock::try_acquire(p, "host h pid 2").has_value());  // flock is per open file
    EXPECT_EQ(io::RunLock::holder(p), "host h pid 1");
  }
  auto again = io::RunLock::try_acquire(p, "host h pid 3");
  EXPECT_TRUE(again.has_value());
  EXPECT_THROW(io::RunLock::try_acquire("/nonexistent-dir/x.lock", "me"), InputError);
}

TEST(ResultsSchema, WriteResultsFileIsAllOrNothing) {
  const std::string d = test::scratch_dir("write_results"), p = d + "/r.h5";
  Provenance prov;
  prov.set("command_line", "test");
  io::write_results_file(p, "test", prov, [](io::File& f) { f.write_f64("/x", {1, 2, 3}); });
  const std::string before = test::read_file(p);
  EXPECT_THROW(io::write_results_file(p, "test", prov,
                                      [](io::File& f) {
                                        f.write_f64("/x", {4});
                                        throw Error("failed half-way");
                                      }),
               Error);
  EXPECT_EQ(test::read_file(p), before);                         // the earlier file, untouched
  EXPECT_EQ(io::list_dir(d), std::vector<std::string>{"r.h5"});  // no temporary left
  auto f = io::File::open(p);
  io::check_results(f, "test");
  EXPECT_EQ(f.read_f64("/x"), (std::vector<double>{1, 2, 3}));
}

// A results table declared once (io::Table): what it writes it reads back; a missing column, a
// column of another length and an absent optional column are handled as declared.
TEST(Table, RoundTripsAndRefusesColumnsOfDifferentLengths) {
  struct Row {
    std::string name;
    std::int64_t n = 0;
    double x = 0;
    std::vector<double> m;
    std::string note = "default";
  };
  io::Table<Row> t;
  t.text("name", &Row::name, "a name")
      .integer("n", &Row::n, "a count")
      .real("x", &Row::x, "a value")
      .real_at("m1", &Row::m, 1, "second metric")
      .text("note", &Row::note, "a note")
      .optional();
  const std::vector<Row> rows = {{"a", 1, 0.5, {0, 10}, "p"}, {"b", -2, 1.5, {0, 20}, "q"}};
  const std::string path = test::scratch_dir("table") + "/t.h5";
  {
    auto f = io::File::create(path);
    t.write(f, "/results", rows);
    f.write_f64("/short/x", {1});
    f.write_strings("/short/name", {"a", "b"});
    f.write_i64("/short/n", {1, 2});
  }
  auto f = io::File::open(path);
  EXPECT_EQ(f.attr_int("/results", "rows"), 2);
  const auto back = t.read(f, "/results");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, "b");
  EXPECT_EQ(back[1].n, -2);
  EXPECT_EQ(back[1].x, 1.5);
  EXPECT_EQ(back[1].m.at(1), 20);
  EXPECT_EQ(back[0].note, "p");
  io::Table<Row> without_note;
  without_note.text("name", &Row::name, "").integer("n", &Row::n, "").real("x", &Row::x, "");
  try {
    without_note.read(f, "/short");
    FAIL() << "columns of different lengths were read";
  } catch (const InputError& e) {
    EXPECT_NE(
        std::string(e.what()).find("columns of different lengths ('x' has 1 rows, expected 2)"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(t.read(f, "/short"), InputError);  // no column 'm1' (and 'x' is short)
  EXPECT_NE(t.markdown().find("| `note` | string | a note (absent in older files) |"),
            std::string::npos);
}

// One row as attributes of a group (a checkpoint's /state, a cell's /cell): the same declaration
// writes and reads it; a missing attribute is an error naming it, a missing optional one keeps
// the default the caller gives.
TEST(Table, OneRowAsAttributes) {
  struct State {
    std::int64_t epoch = 0;
    double seconds = 0;
    std::string run_id = "none";
  };
  io::Table<State> t;
  t.integer("epoch", &State::epoch, "epochs")
      .real("seconds", &State::seconds, "time")
      .text("run_id", &State::run_id, "identity")
      .optional();
  const std::string path = test::scratch_dir("table_attrs") + "/t.h5";
  {
    auto f = io::File::create(path);
    t.write_attributes(f, "/state", {3, 1.25, "abc"});
    f.create_group("/old");
    f.set_attr("/old", "epoch", std::int64_t{2});
    f.set_attr("/old", "seconds", 0.5);
    f.create_group("/broken");
    f.set_attr("/broken", "epoch", std::int64_t{2});
  }
  auto f = io::File::open(path);
  const auto s = t.read_attributes(f, "/state");
  EXPECT_EQ(s.epoch, 3);
  EXPECT_EQ(s.seconds, 1.25);
  EXPECT_EQ(s.run_id, "abc");
  EXPECT_EQ(f.attr_int("/state", "epoch"), 3);  // plain HDF5 attributes, as h5py reads them
  State fallback;
  fallback.run_id = "?";
  EXPECT_EQ(t.read_attributes(f, "/old", fallback).run_id, "?");
  try {
    t.read_attributes(f, "/broken");
    FAIL() << "a missing attribute was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(": no attribute 'seconds'"), std::string::npos)
        << e.what();
  }
  EXPECT_NE(t.markdown("attribute").find("| attribute | type | content |"), std::string::npos);
}

// Cluster operation without Slurm: the bad-input matrix (each case: one clear line, its exit
// status, nothing already written damaged), a file-size limit hit while writing, a rank killed in
// the middle of a job, and a second run on an output that is in use. Real apps, real data
// (Debian's Fashion-MNIST, copies of it damaged on purpose), real HDF5 files, real mpiexec.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <set>

#include "test_support.h"
#include "wsnas/io/h5file.h"

namespace {

using namespace wsnas;
using test::exists;
using test::read_file;
using test::run;

const std::string kEnv =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 ";
const std::string kMpi2 = kEnv + "mpiexec -n 2 --oversubscribe ";
const std::string kSmall =
    " --limit-train 512 --limit-eval 200 --channels 4 --cells 1 --batch-size 64 --epochs 1";
const std::string kFmnist = "/usr/share/datasets/fashion-mnist";

std::string app(const std::string& name) { return test::bin_dir() + "/" + name; }

/// The one-line contract: exactly one line on stderr, naming the app, containing `what`.
void expect_one_line(const test::RunResult& r, int code, const std::string& app_name,
                     const std::string& what) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind(app_name + ": error: ", 0), 0u) << r.err;
  // The whole line: the app named once (a doubled "app: error: app: error:" prefix used to pass).
  EXPECT_EQ(r.err.find(app_name + ":", 1), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << "expected '" << what << "' in: " << r.err;
}

/// A supernet, its evaluation and a one-cell ground truth, made once and checked unchanged after
/// every bad run.
class Operations : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::scratch_dir("operations"));
    std::ofstream(cells()) << "arch\n|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|avg_"
                              "pool_3x3~1|nor_conv_3x3~2|\n"
                              "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|skip_"
                              "connect~1|avg_pool_3x3~2|\n";
    auto r =
        run(kEnv + app("wsnas-supernet") + kSmall + " --save-epochs none --out " + *dir_ + "/sn");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + cells() +
            " --bn-calib-batch 64 --bn-calib-steps 2 --out " + evaluation());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string cells() { return *dir_ + "/cells.csv"; }
  static std::string supernet() { return *dir_ + "/sn/supernet.h5"; }
  static std::string evaluation() { return *dir_ + "/evaluation.h5"; }
  /// A copy of Fashion-MNIST to damage.
  static std::string data_copy(const std::string& name) {
    const std::string d = test::scratch_dir("operations_data_" + name);
    EXPECT_EQ(std::system(("cp " + kFmnist + "/*-ubyte.gz '" + d + "/'").c_str()), 0);
    return d;
  }
  static std::string* dir_;
};

/// The analyses on reference data the repository may not redistribute (data/README.md): CTest runs
/// them as test_operations_reference, skipped without that data.
class OperationsReference : public Operations {};

std::string* Operations::dir_ = nullptr;

TEST_F(Operations, BadDatasetFilesAreNamedAndNothingIsWritten) {
  struct Case {
    std::string name, damage, message;
  };
  const std::vector<Case> cases = {
      {"missing", "rm '{d}/train-images-idx3-ubyte.gz'",
       "file '{d}/train-images-idx3-ubyte.gz': cannot open: No such file or directory"},
      {"truncated",
       "gzip -dc " + kFmnist +
           "/train-images-idx3-ubyte.gz | head -c 100000 | gzip > '{d}/train-images-idx3-ubyte.gz'",
       "file '{d}/train-images-idx3-ubyte.gz': truncated: header promises 60000 images of 28x28 "
       "(47040000 bytes), found 99984 bytes"},
      {"fewer_labels",
       "gzip -dc " + kFmnist +
           "/t10k-labels-idx1-ubyte.gz | head -c 5008 | gzip > '{d}/t10k-labels-idx1-ubyte.gz'",
       "file '{d}/t10k-labels-idx1-ubyte.gz': truncated: header promises 10000 labels, found 5000"},
      {"swapped", "cp '{d}/train-images-idx3-ubyte.gz' '{d}/train-labels-idx1-ubyte.gz'",
       "file '{d}/train-labels-idx1-ubyte.gz': magic number 0x00000803, expected 0x00000801"},
      {"label_range",
       "/usr/bin/python3 -c \"import gzip; p='{d}/t10k-labels-idx1-ubyte.gz'; "
       "b=bytearray(gzip.open(p).read()); "
       "b[13]=12; gzip.open(p,'wb').write(b)\"",
       "file '{d}/t10k-labels-idx1-ubyte.gz': label 12 at 5, expected 0..9"},
  };
  auto subst = [](std::string s, const std::string& d) {
    for (std::size_t p; (p = s.find("{d}")) != std::string::npos;) s.replace(p, 3, d);
    return s;
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string d = data_copy(c.name);
    ASSERT_EQ(std::system(subst(c.damage, d).c_str()), 0);
    const std::string out = *dir_ + "/bad_" + c.name;
    auto r = run(kEnv + app("wsnas-supernet") + kSmall + " --data-dir " + d + " --out " + out);
    expect_one_line(r, 2, "wsnas-supernet", subst(c.message, d));
    EXPECT_FALSE(exists(out + "/supernet.h5"));
  }
}

TEST_F(Operations, BadArchitecturesAreNamedByFileAndLine) {
  std::ofstream(*dir_ + "/bad_op.csv") << "index,arch\n1,|nor_conv_3x3~0|+|none~0|skip_connect~1|+|"
                                          "skip_connect~0|none~1|conv_5x5~2|\n";
  std::ofstream(*dir_ + "/bad_shape.txt")
      << "# an NB201 cell has 3 nodes\n|nor_conv_3x3~0|+|none~0|skip_connect~1|\n";
  std::ofstream(*dir_ + "/darts.txt")
      << "Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2])\n";
  std::ofstream(*dir_ + "/index.txt") << "15625\n";
  const std::string before = read_file(evaluation());
  auto eval = [&](const std::string& file) {
    return run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + *dir_ +
               "/" + file + " --bn-calib-batch 64 --bn-calib-steps 2 --out " + evaluation());
  };
  expect_one_line(eval("bad_op.csv"), 2, "wsnas-evaluate",
                  "file '" + *dir_ +
                      "/bad_op.csv' line 2: nb201 architecture "
                      "'|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|none~1|conv_5x5~2|"
                      "': unknown operator 'conv_5x5'");
  expect_one_line(eval("bad_shape.txt"), 2, "wsnas-evaluate",
                  "file '" + *dir_ + "/bad_shape.txt' line 2: nb201 architecture");
  expect_one_line(eval("darts.txt"), 2, "wsnas-evaluate", "file '" + *dir_ + "/darts.txt' line 1");
  expect_one_line(eval("index.txt"), 2, "wsnas-evaluate",
                  "nb201 index 15625 out of range (expected 0..15624)");
  EXPECT_EQ(read_file(evaluation()), before) << "a refused run changed the existing results";
  auto r = run(kEnv + app("wsnas-groundtruth") + kSmall + " --archs " + *dir_ +
               "/bad_op.csv --out " + *dir_ + "/gt_bad");
  expect_one_line(r, 2, "wsnas-groundtruth", "unknown operator 'conv_5x5'");
}

TEST_F(Operations, WrongCheckpointsAndResultFilesAreRefused) {
  const std::string d = *dir_;
  const std::string before = read_file(evaluation());
  auto edit = [&](const std::string& name, const std::string& python) {
    EXPECT_EQ(std::system(("cp " + supernet() + " " + d + "/" + name).c_str()), 0);
    EXPECT_EQ(std::system(("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + d + "/" + name +
                           "', 'a'); " + python + "\"")
                              .c_str()),
              0);
    return d + "/" + name;
  };
  auto eval = [&](const std::string& ckpt) {
    return run(kEnv + app("wsnas-evaluate") + " --checkpoint " + ckpt + " --archs " + cells() +
               " --bn-calib-batch 64 --bn-calib-steps 2 --out " + evaluation());
  };
  // Another shape: the checkpoint claims C=8 but holds C=4 tensors.
  expect_one_line(eval(edit("shape.h5", "f['config'].attrs['channels'] = '8'")), 2,
                  "wsnas-evaluate",
                  "': shape [4,1,3,3], the network expects [8,1,3,3] (a checkpoint of another "
                  "space or shape?)");
  // Another space: the architectures are not of it.
  expect_one_line(eval(edit("space.h5", "f['config'].attrs['space'] = 'darts-ptb'")), 2,
                  "wsnas-evaluate", "cells.csv' line 2: darts-ptb architecture '|nor_conv_3x3~0|");
  // A space this build does not know.
  expect_one_line(eval(edit("nb301.h5", "f['config'].attrs['space'] = 'nb301'")), 2,
                  "wsnas-evaluate", "nb301");
  // Another schema version, another kind, a truncated file, not HDF5 at all.
  expect_one_line(
      eval(edit("v2.h5", "f.attrs['schema_version'] = 2")), 2, "wsnas-evaluate",
      "file '" + d + "/v2.h5': schema_version 2 is not supported (this build reads version 1)");
  expect_one_line(
      eval(evaluation()), 2, "wsnas-evaluate",
      "file '" + evaluation() + "': expected a 'supernet' results file, found kind 'evaluation'");
  ASSERT_EQ(std::system(("head -c 50000 " + supernet() + " > " + d + "/truncated.h5").c_str()), 0);
  expect_one_line(eval(d + "/truncated.h5"), 2, "wsnas-evaluate",
                  "file '" + d + "/truncated.h5': cannot open HDF5 file (truncated file");
  expect_one_line(eval(cells()), 2, "wsnas-evaluate", "file '" + cells() + "'");
  // Checkpoints that disagree on the network.
  auto r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " " +
               edit("cells.h5", "f['config'].attrs['cells'] = '2'") + " --archs " + cells() +
               " --out " + evaluation());
  expect_one_line(r, 2, "wsnas-evaluate", "was made with --cells '1'; this run asks for '2'");
  // An evaluation file of the wrong schema is not overwritten by a rerun.
  const std::string v2 = edit("eval_v2.h5", "f.attrs['schema_version'] = 2");
  const std::string v2_before = read_file(v2);
  r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + cells() +
          " --out " + v2);
  expect_one_line(r, 2, "wsnas-evaluate", "schema_version 2 is not supported");
  EXPECT_EQ(read_file(v2), v2_before);
  // The analysis names a truncated input too.
  r = run(app("wsnas-analyze") + " --scores " + d +
          "/truncated.h5 --score-column accuracy --truth " + evaluation() +
          " --truth-column accuracy");
  expect_one_line(r, 2, "wsnas-analyze", "file '" + d + "/truncated.h5': cannot open HDF5 file");
  EXPECT_EQ(read_file(evaluation()), before) << "a refused run changed the existing results";
}

TEST_F(Operations, BadOptionsConfigsAndRankCounts) {
  std::ofstream(*dir_ + "/typo.ini") << "# a typo in a key\nlr = 0.1\nlearning-rate = 3\n";
  auto r = run(kEnv + app("wsnas-supernet") + kSmall + " --config " + *dir_ + "/typo.ini --out " +
               *dir_ + "/o");
  expect_one_line(r, 2, "wsnas-supernet",
                  "config file '" + *dir_ + "/typo.ini' line 3: unknown key 'learning-rate'");
  r = run(kEnv + app("wsnas-supernet") + kSmall + " --lr -1 --out " + *dir_ + "/o");
  expect_one_line(r, 2, "wsnas-supernet", "--lr -1 out of range (expected 1e-12 to 1e+06)");
  r = run(kEnv + app("wsnas-groundtruth") + kSmall + " --archs " + cells() +
          " --precision fp8 --out " + *dir_ + "/o");
  expect_one_line(r, 2, "wsnas-groundtruth", "--precision 'fp8': expected fp32 or bf16");
  // 63 images cannot be split over 2 ranks: rank 0 alone prints the line, every rank exits 2.
  r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" +
          " --limit-train 512 --channels 4 --cells 1 --batch-size 63 --out " + *dir_ + "/o");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("wsnas-supernet: error: --batch-size 63 is not divisible by 2 replicas "
                        "(--gpus or --replicas)\n",
                        0),
            0u)
      << r.err;
  EXPECT_FALSE(exists(*dir_ + "/o/supernet.h5"));
}

TEST_F(Operations, AFileSizeLimitFailsCleanlyAndKeepsEarlierResults) {
  // A one-cell ground truth first; then a second cell under a 64 KiB file-size limit: its
  // per-epoch state (with the network's weights) cannot be written.
  const std::string out = *dir_ + "/gt_full", one = *dir_ + "/one.csv", two = *dir_ + "/two.csv";
  std::ofstream(one) << "9930\n";
  std::ofstream(two) << "9930\n|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
                        "nor_conv_3x3~1|nor_conv_3x3~2|\n";
  const std::string args =
      " --limit-train 512 --limit-eval 200 --channels 4 --cells 1 --batch-size 64 --epochs 2 "
      "--out " +
      out;
  auto r = run(kEnv + app("wsnas-groundtruth") + args + " --archs " + one);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string cell = read_file(out + "/cells/cell_009930.h5"),
                    merged = read_file(out + "/groundtruth.h5");
  ASSERT_FALSE(cell.empty());
  // (The apps have PMIx keep its job data in memory instead of shared-memory files, which the
  // limit would hit first inside MPI_Init: issue 23, 16 lines of PMIx errors without
  // PMIX_MCA_gds=hash in the environment.)
  r = run("ulimit -f 128; " + kEnv + app("wsnas-groundtruth") + args + " --archs " + two);
  expect_one_line(r, 1, "wsnas-groundtruth", "cell_001462.state.h5.tmp.");
  EXPECT_NE(r.err.find(": File too large"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out + "/cells/cell_009930.h5"), cell);
  EXPECT_EQ(read_file(out + "/groundtruth.h5"), merged);
  EXPECT_FALSE(exists(out + "/cells/cell_001462.state.h5"));
  EXPECT_EQ(run("ls " + out + "/cells | grep -c tmp").out, "0\n")
      << "a temporary file was left behind";
  // Without the limit the rerun finishes the job, reusing the finished cell.
  r = run(kEnv + app("wsnas-groundtruth") + args + " --archs " + two);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 architectures, 1 already trained"), std::string::npos) << r.out;
  EXPECT_EQ(io::File::open(out + "/groundtruth.h5").attr_int("/results", "rows"), 2);
}

TEST_F(Operations, ErrorsOnlyRankZeroMeetsAreOneLineOnEveryRank) {
  // Issue 23: a failure only rank 0 met took the rank-alone path: a 10 s wait, a "[rank 0]" line,
  // then Open MPI's abort banner. Now every rank fails with the same line and status 2.
  const std::string file = *dir_ + "/a_file";
  std::ofstream(file) << "not a folder\n";
  std::ofstream(*dir_ + "/one_arch.csv") << "9930\n";
  auto r = run(kMpi2 + "-q " + app("wsnas-groundtruth") + kSmall + " --archs " + *dir_ +
               "/one_arch.csv --out " + file + "/gt");
  expect_one_line(r, 2, "wsnas-groundtruth", "a_file");
  EXPECT_EQ(r.err.find("[rank"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_file(file), "not a folder\n");
  // Serial tools refuse several ranks before doing anything.
  r = run(kMpi2 + "-q " + app("wsnas-import") + " nb101 " + *dir_ + "/missing.tfrecord --out " +
          *dir_ + "/imported.h5");
  expect_one_line(r, 2, "wsnas-import",
                  "wsnas-import is a serial tool: run it as one process, not as 2 ranks of mpirun "
                  "or srun");
  r = run(kMpi2 + "-q " + app("wsnas-data") + " info");
  expect_one_line(r, 2, "wsnas-data", "wsnas-data is a serial tool");
}

TEST_F(Operations, RunningOutOfMemoryIsOneLineAndExitOne) {
  // Issue 23: under ulimit -v 1000000 LibTorch's failure was 7.3 KB of c10 text with 43 stack
  // frames (and oneDNN crashed with a backtrace). The paper's NB-201 supernet (16 channels, 5
  // cells) at batch 256 needs more than the 977 MiB the limit allows (the libraries alone map
  // about 900 MiB).
  const std::string out = *dir_ + "/oom";
  auto r = run("ulimit -v 1000000; " + kEnv + app("wsnas-supernet") +
               " --limit-train 512 --limit-eval 200 --batch-size 256 --epochs 1 --out " + out);
  expect_one_line(r, 1, "wsnas-supernet", "out of memory while supernet");
  EXPECT_NE(r.err.find(" requested; address-space limit 977 MiB (ulimit -v), "), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(out + "/supernet.h5"));
}

TEST_F(Operations, ARankKilledMidJobTakesTheJobDownAndTheStateSurvives) {
  const std::string out = *dir_ + "/killed", bg = test::scratch_dir("operations_killed");
  const std::string cmd = kMpi2 + app("wsnas-supernet") + " --gpus 2" +
                          " --limit-train 4096 --channels 4 --cells 1 --batch-size 64 --epochs 6 "
                          "--save-epochs none --out " +
                          out;
  test::start_background(cmd, bg);
  ASSERT_TRUE(
      test::wait_until([&] { return exists(out + "/supernet.h5"); }, 120));  // epoch 1 saved
  const auto pids = test::find_processes(app("wsnas-supernet"), out);
  ASSERT_EQ(pids.size(), 2u);
  ASSERT_EQ(kill(pids[1], SIGKILL), 0);
  const auto t0 = std::chrono::steady_clock::now();
  const int code = test::wait_background(bg);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "the job hung after losing a rank";
  EXPECT_LT(waited, 120);
  EXPECT_TRUE(test::find_processes(app("wsnas-supernet"), out).empty())
      << "a rank outlived its job";
  // The last checkpoint is whole, and a rerun resumes from it and finishes.
  {
    auto f = io::File::open(out + "/supernet.h5");
    EXPECT_GE(f.attr_int("/state", "step"), 64);
    EXPECT_EQ(f.attr_int("/state", "complete"), 0);
  }
  auto r = run(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("resuming " + out + "/supernet.h5 at epoch"), std::string::npos) << r.out;
  EXPECT_EQ(io::File::open(out + "/supernet.h5").attr_int("/state", "step"), 6 * 64);
}

TEST_F(Operations, ASecondRunOnAnOutputInUseIsRefused) {
  const std::string out = *dir_ + "/busy", bg = test::scratch_dir("operations_busy");
  const std::string cmd = app("wsnas-supernet") +
                          " --gpus 2 --limit-train 4096 --channels 4 --cells 1 --batch-size 64 "
                          "--epochs 20 --save-epochs none --out " +
                          out;
  test::start_background(kEnv + cmd, bg);
  ASSERT_TRUE(test::wait_until([&] { return exists(out + "/supernet.h5"); }, 120));
  auto r = run(kMpi2 + cmd);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("wsnas-supernet: error: another run is using '" + out + "' (lock '" + out +
                            "/wsnas.lock' held by host ",
                        0),
            0u)
      << r.err;
  // The first run goes on undisturbed and stops cleanly on SIGTERM.
  EXPECT_EQ(test::signal_processes(app("wsnas-supernet"), out, SIGTERM), 1);
  EXPECT_EQ(test::wait_background(bg), 75) << read_file(bg + "/bg.err");
  EXPECT_GE(io::File::open(out + "/supernet.h5").attr_int("/state", "step"), 64);
}

}  // namespace

// ---- Issue 9's silent failures: each one an error (or a redo) now
// --------------------------------

TEST_F(Operations, NonFiniteScoresAreAnInputErrorUnlessDropped) {
  // A nan or inf entered the ranks (Spearman 0.1248 where scipy gives nan).
  const std::string scores = *dir_ + "/nan_scores.csv", truth = *dir_ + "/inf_truth.csv";
  std::ofstream(scores) << "index,score\n1,0.5\n2,nan\n3,0.7\n4,0.6\n5,0.1\n";
  std::ofstream(truth) << "index,acc\n1,70\n2,71\n3,inf\n4,72\n5,69\n";
  const std::string finite = *dir_ + "/finite.csv";
  std::ofstream(finite) << "index,v\n1,1\n2,2\n3,3\n4,4\n5,5\n";
  auto analyze = [&](const std::string& s, const std::string& t, const std::string& extra) {
    return run(kEnv + app("wsnas-analyze") + " --scores " + s + " --score-column " +
               (s == finite ? "v" : "score") + " --truth " + t + " --truth-column " +
               (t == finite ? "v" : "acc") + " --k 1" + extra);
  };
  expect_one_line(
      analyze(scores, finite, ""), 2, "wsnas-analyze",
      "file '" + scores +
          "' line 3: column 'score' holds 'nan', not a finite number (--drop-nonfinite");
  expect_one_line(analyze(finite, truth, ""), 2, "wsnas-analyze",
                  "file '" + truth + "' line 4: column 'acc' holds 'inf', not a finite number");
  auto r = analyze(scores, truth, " --drop-nonfinite");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dropped 2 rows with a non-finite value (--drop-nonfinite): 1 in " + scores +
                       ":score, 1 in " + truth + ":acc"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("architectures: 3\n"), std::string::npos) << r.out;
}

TEST_F(Operations, AConfigKeyGivenTwiceIsAnErrorNamingBothLines) {
  // The first value used to win silently (lr 0.1 trained where the file also said 0.2).
  const std::string dup = *dir_ + "/dup.ini", across = *dir_ + "/across.ini";
  std::ofstream(dup) << "epochs = 1\nlr = 0.1\nlr = 0.2\n";
  std::ofstream(across) << "[supernet]\nlr = 0.1\n[other]\nlr = 0.2\n";
  expect_one_line(
      run(kEnv + app("wsnas-supernet") + kSmall + " --config " + dup + " --out " + *dir_ + "/f1"),
      2, "wsnas-supernet",
      "config file '" + dup + "' line 3: key 'lr' given again (first at line 2)");
  expect_one_line(run(kEnv + app("wsnas-supernet") + kSmall + " --config " + across + " --out " +
                      *dir_ + "/f1"),
                  2, "wsnas-supernet",
                  "config file '" + across + "' line 4: key 'lr' given again (first at line 2)");
  EXPECT_FALSE(exists(*dir_ + "/f1/supernet.h5"));
}

TEST_F(Operations, ADirectoryWhereAFileIsExpectedIsRefused) {
  // A directory as --config was ignored and the defaults used (exit 0).
  const std::string d = test::scratch_dir("operations_a_directory");
  expect_one_line(
      run(kEnv + app("wsnas-supernet") + kSmall + " --config " + d + " --out " + *dir_ + "/f2"), 2,
      "wsnas-supernet", "--config '" + d + "': is a directory; expected a readable regular file");
  expect_one_line(run(kEnv + app("wsnas-evaluate") + " --checkpoint " + d + " --archs " + cells() +
                      " --out " + *dir_ + "/dir_eval.h5"),
                  2, "wsnas-evaluate", "--checkpoint '" + d + "': is a directory");
  expect_one_line(run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " +
                      d + " --out " + *dir_ + "/dir_eval.h5"),
                  2, "wsnas-evaluate", "file '" + d + "': is a directory");
  expect_one_line(run(kEnv + app("wsnas-analyze") + " --scores " + d +
                      " --score-column a --truth " + evaluation() + " --truth-column accuracy"),
                  2, "wsnas-analyze", "file '" + d + "': is a directory");
  EXPECT_FALSE(exists(*dir_ + "/f2/supernet.h5"));
  EXPECT_FALSE(exists(*dir_ + "/dir_eval.h5"));
}

TEST_F(Operations, AResultsFileNamedThroughASymlinkSharesItsTargetsLock) {
  // Two runs, --out real.h5 and --out link.h5, used to run together and split the results.
  const std::string real = *dir_ + "/real.h5", link = *dir_ + "/link.h5";
  ASSERT_EQ(std::system(("cp " + evaluation() + " " + real + " && ln -sf real.h5 " + link).c_str()),
            0);
  const std::string bg = test::scratch_dir("operations_symlink_lock");
  test::start_background("flock " + real + ".lock sleep 61.25",
                         bg);  // another holder of real.h5's lock
  ASSERT_TRUE(test::wait_until([&] { return exists(real + ".lock"); }, 10));
  const std::string eval = kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() +
                           " --archs " + cells() + " --bn-calib-batch 64 --bn-calib-steps 2 --out ";
  auto r = run(eval + link);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("wsnas-evaluate: error: another run is using '" + link + "' (lock '" +
                            real + ".lock'",
                        0),
            0u)
      << r.err;
  ASSERT_EQ(std::system("pkill -f '^sleep 61.25$'"), 0);  // only the sleep: flock then exits
  test::wait_background(bg);
  // Written through the link: the link stays a link, its target holds the results.
  std::ofstream(*dir_ + "/three.csv") << read_file(cells()) << "9930\n";
  r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + *dir_ +
          "/three.csv" + " --bn-calib-batch 64 --bn-calib-steps 2 --out " + link);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 (checkpoint, architecture) pairs, 2 already in"), std::string::npos)
      << r.out;
  EXPECT_EQ(run("test -L " + link).exit_code, 0) << "the symlink was replaced by a file";
  EXPECT_EQ(io::File::open(real).attr_int("/results", "rows"), 3);
  EXPECT_FALSE(exists(link + ".lock"));
}

TEST_F(Operations, ScoresOfACheckpointThatChangedAreRedone) {
  // Results were keyed by the checkpoint's path: a supernet trained again under the same path kept
  // its old scores ("0 to score", the old epoch).
  const std::string sn = *dir_ + "/changing", out = *dir_ + "/changing_eval.h5";
  const std::string small =
      " --limit-train 512 --limit-eval 200 --channels 4 --cells 1 --batch-size 64";
  const std::string eval = kEnv + app("wsnas-evaluate") + " --checkpoint " + sn +
                           "/supernet.h5 --archs " + cells() +
                           " --bn-calib-batch 64 --bn-calib-steps 2 --out " + out;
  auto r = run(kEnv + app("wsnas-supernet") + small + " --epochs 1 --save-epochs none --out " + sn);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ((r = run(eval)).exit_code, 0) << r.err;
  const auto first = io::File::open(out).read_f64("/results/accuracy");
  EXPECT_EQ(io::File::open(out).read_i64("/results/epoch"), (std::vector<std::int64_t>{1, 1}));
  // The same command again: nothing to redo.
  ASSERT_EQ((r = run(eval)).exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 (checkpoint, architecture) pairs, 2 already in"), std::string::npos)
      << r.out;
  // Trained again, for 2 epochs, under the same path: both rows are redone and replaced.
  ASSERT_EQ(std::system(("rm -rf " + sn).c_str()), 0);
  r = run(kEnv + app("wsnas-supernet") + small + " --epochs 2 --save-epochs none --out " + sn);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ((r = run(eval)).exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 (checkpoint, architecture) pairs, 0 already in " + out + ", 2 to score"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 of them replace results of a checkpoint that has changed"),
            std::string::npos)
      << r.out;
  auto f = io::File::open(out);
  EXPECT_EQ(f.attr_int("/results", "rows"), 2);
  EXPECT_EQ(f.read_i64("/results/epoch"), (std::vector<std::int64_t>{2, 2}));
  EXPECT_NE(f.read_f64("/results/accuracy"), first);
}

TEST_F(Operations, RoughEdgesOfTheBadInputMatrix) {
  // A byte-order mark at the start of a CSV is skipped (it used to become part of the first column
  // name: "no architecture column (columns: \ufeffindex, ...)").
  const std::string bom = *dir_ + "/bom.csv";
  std::ofstream(bom) << "\xEF\xBB\xBFindex,score\n1,0.5\n2,0.7\n3,0.6\n";
  auto r = run(kEnv + app("wsnas-analyze") + " --scores " + bom + " --score-column score --truth " +
               bom + " --truth-column score --k 1,100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // --k beyond the architectures is said, not silently dropped.
  EXPECT_NE(r.out.find("note: --k 100 is more than the 3 architectures; no top-100 row"),
            std::string::npos)
      << r.out;
  // Intervals must be > 0.
  expect_one_line(
      run(kEnv + app("wsnas-supernet") + kSmall + " --checkpoint-minutes 0 --out " + *dir_ + "/f3"),
      2, "wsnas-supernet", "--checkpoint-minutes 0 out of range");
  expect_one_line(run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " +
                      cells() + " --flush-seconds 0 --out " + *dir_ + "/f3.h5"),
                  2, "wsnas-evaluate", "--flush-seconds 0 out of range");
  // Option errors name the app once, and a --protocol error names --protocol.
  r = run(kEnv + app("wsnas-supernet") + " --frobnicate --out " + *dir_ + "/f3");
  EXPECT_EQ(r.err, "wsnas-supernet: error: unrecognised option '--frobnicate' (see --help)\n");
  expect_one_line(
      run(kEnv + app("wsnas-supernet") + kSmall + " --protocol halves --out " + *dir_ + "/f3"), 2,
      "wsnas-supernet", "--protocol 'halves': expected nb101, nb201");
  // A refused run leaves no output directory (nor lock file) behind.
  EXPECT_FALSE(exists(*dir_ + "/f3")) << "the refused run left its output directory";
}

TEST_F(Operations, RepeatedInputsAreScoredOnceAndDisagreeingColumnsAreRefused) {
  // Repeated --checkpoint and repeated cells used to write duplicate rows that the analysis then
  // refused.
  const std::string twice = *dir_ + "/twice.csv", out = *dir_ + "/twice_eval.h5";
  std::ofstream(twice) << read_file(cells())
                       << "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|skip_connect~1|"
                          "avg_pool_3x3~2|\n";
  auto r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " " + supernet() +
               " --archs " + twice + " --bn-calib-batch 64 --bn-calib-steps 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("note: 1 repeated --checkpoint and 1 repeated architectures in --archs '" +
                       twice + "' left out"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(io::File::open(out).attr_int("/results", "rows"), 2);
  // A table whose `index` and `arch` columns name different cells is refused (NAS-Bench-201 index
  // 9930 is
  // |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|).
  const std::string bad = *dir_ + "/disagree.csv";
  std::ofstream(bad) << "index,arch,score\n9930,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|"
                        "skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,1\n"
                        "5,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_"
                        "conv_3x3~1|skip_connect~2|,2\n";
  expect_one_line(
      run(kEnv + app("wsnas-analyze") + " --scores " + bad + " --score-column score --truth " +
          bad + " --truth-column score"),
      2, "wsnas-analyze",
      "file '" + bad + "' line 3: column 'index' holds '5' but column 'arch' is architecture");
  expect_one_line(
      run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + bad +
          " --out " + *dir_ + "/disagree.h5"),
      2, "wsnas-evaluate",
      "file '" + bad + "' line 3: column 'index' holds '5' but column 'arch' is architecture");
  EXPECT_FALSE(exists(*dir_ + "/disagree.h5"));
}

// ---- Errors across ranks, exit statuses, what an error line quotes ------------------------------

TEST_F(Operations, ABadInputEveryRankReadsIsOneLineAndNoAbort) {
  // Both ranks fail on the same missing file: rank 0 prints it once, untagged, and both exit 2
  // after agreeing, without MPI_Abort (mpirun -q keeps mpirun's own "non-zero status" note out).
  const auto r = run(kEnv + "mpiexec -q -n 2 --oversubscribe " + app("wsnas-supernet") +
                     " --gpus 2 --dataset cifar10 --data-dir " + *dir_ + "/no_such_dir --out " +
                     *dir_ + "/shared_bad");
  expect_one_line(r, 2, "wsnas-supernet",
                  "file '" + *dir_ + "/no_such_dir/data_batch_1.bin': cannot open");
  EXPECT_EQ(r.err.find("MPI_ABORT"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(*dir_ + "/shared_bad"));
}

TEST_F(Operations, AnErrorOnOneRankReachesTheUserAndEndsTheJob) {
  // Rank 1 alone gets a bad option (mpiexec's MPMD form gives ranks their own arguments) while rank
  // 0 goes on into training and waits in its first allreduce. A usage error on a rank other than 0
  // used to be printed by nobody, and the job hung.
  const std::string out = *dir_ + "/one_rank", bg = test::scratch_dir("operations_one_rank");
  const std::string args =
      " --gpus 2 --limit-train 4096 --channels 4 --cells 1 --batch-size 64 --epochs 3 --out " + out;
  test::start_background("WSNAS_ERROR_WAIT_SECONDS=2 " + kEnv + "mpiexec -n 1 --oversubscribe " +
                             app("wsnas-supernet") + args + " : -n 1 " + app("wsnas-supernet") +
                             args + " --frobnicate",
                         bg);
  const int code = test::wait_background(bg);
  const std::string err = read_file(bg + "/bg.err");
  EXPECT_EQ(code, 2) << err;
  // Our line, whole, once; Open MPI adds its MPI_ABORT banner, before or after it (mpirun prints
  // the banner itself while the rank's stderr is still being forwarded: no order to rely on).
  const std::string line =
      "wsnas-supernet: error [rank 1]: unrecognised option '--frobnicate' (see --help)\n";
  const auto at = err.find(line);
  ASSERT_NE(at, std::string::npos) << err;
  EXPECT_TRUE(at == 0 || err[at - 1] == '\n') << err;
  EXPECT_EQ(err.find("wsnas-supernet:", at + 1), std::string::npos) << err;
  EXPECT_EQ(err.find("wsnas-supernet:"), at) << err;
  EXPECT_TRUE(test::find_processes(app("wsnas-supernet"), out).empty())
      << "a rank outlived its job";
}

TEST_F(Operations, AGroundTruthResumedWithOtherOptionsIsRefusedByEveryRank) {
  // Finished cells are checked against the options before any rank trains, so the mismatch is one
  // line from rank 0 and exit 2 everywhere (it used to be found only by the rank that claimed the
  // cell, at the merge, while the other waited).
  const std::string out = *dir_ + "/gt_mismatch", one = *dir_ + "/gt_mismatch_one.csv",
                    two = *dir_ + "/gt_mismatch_two.csv";
  std::ofstream(one) << "9930\n";
  std::ofstream(two) << "9930\n1462\n";
  const std::string args =
      " --limit-train 256 --limit-eval 100 --channels 4 --cells 1 --batch-size 64 --epochs 1 "
      "--out " +
      out;
  auto r = run(kEnv + app("wsnas-groundtruth") + args + " --archs " + one);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string cell = read_file(out + "/cells/cell_009930.h5");
  r = run(kMpi2 + "-q " + app("wsnas-groundtruth") + args + " --lr 0.05 --archs " + two);
  expect_one_line(r, 2, "wsnas-groundtruth",
                  "cell_009930.h5' was made with --lr '0.1'; this run asks for '0.05'");
  EXPECT_EQ(read_file(out + "/cells/cell_009930.h5"), cell);
  EXPECT_FALSE(exists(out + "/cells/cell_001462.state.h5"))
      << "a rank trained a new cell before the check";
}

TEST_F(Operations, SigtermToTheLauncherSavesAndExits75) {
  // mpirun answers SIGTERM by killing the ranks and exits 1; scripts/wsnas-mpirun passes the signal
  // on as SIGUSR1 (which mpirun forwards), the ranks save, and the job exits 75: "saved, rerun".
  const std::string out = *dir_ + "/launcher", bg = test::scratch_dir("operations_launcher");
  const std::string launcher = test::source_dir() + "/scripts/wsnas-mpirun";
  test::start_background(
      kEnv + launcher + " -q -n 2 --oversubscribe " + app("wsnas-supernet") +
          " --gpus 2 --limit-train 4096 --channels 4 --cells 1 --batch-size 64 --epochs 20 "
          "--save-epochs none --out " +
          out,
      bg);
  ASSERT_TRUE(test::wait_until([&] { return exists(out + "/supernet.h5"); }, 120));
  EXPECT_EQ(test::signal_processes("/bin/bash", launcher, SIGTERM), 1);
  EXPECT_EQ(test::wait_background(bg), 75) << read_file(bg + "/bg.err");
  EXPECT_NE(read_file(bg + "/bg.err").find("state saved to " + out + "/supernet.h5"),
            std::string::npos);
  auto f = io::File::open(out + "/supernet.h5");
  EXPECT_GE(f.attr_int("/state", "step"), 64);
  EXPECT_EQ(f.attr_int("/state", "complete"), 0);
}

TEST_F(Operations, OutputsThatCannotBeWrittenAreBadInputWithTheSystemsReason) {
  // Exit 2 in every app (it was 1 in supernet, analyze and data, 2 in evaluate), with the system's
  // reason, not HDF5's "flags = 13, o_flags = 242".
  const std::string d = *dir_, a_file = d + "/a_file", a_dir = d + "/a_dir";
  std::ofstream(a_file) << "x\n";
  ASSERT_EQ(std::system(("mkdir -p " + a_dir).c_str()), 0);
  expect_one_line(run(kEnv + app("wsnas-supernet") + kSmall + " --out " + a_file), 2,
                  "wsnas-supernet",
                  "'" + a_file + "': exists but is not a directory (expected an output directory)");
  expect_one_line(run(kEnv + app("wsnas-data") + " synth --kind cifar10 --out " + a_file +
                      "/x --train 10 --test 5"),
                  2, "wsnas-data", "directory '" + a_file + "/x': cannot create: Not a directory");
  const std::string t = d + "/three.csv", an = kEnv + app("wsnas-analyze") + " --scores " + t +
                                               " --score-column s --truth " + t +
                                               " --truth-column s";
  std::ofstream(t) << "index,s\n1,0.1\n2,0.2\n3,0.3\n";
  expect_one_line(run(an + " --out-csv " + d + "/no_such_dir/x.csv"), 2, "wsnas-analyze",
                  ": No such file or directory");
  expect_one_line(run(an + " --out-h5 " + d + "/no_such_dir/x.h5"), 2, "wsnas-analyze",
                  "cannot create HDF5 file: No such file or directory");
  expect_one_line(run(an + " --out-h5 " + a_dir), 2, "wsnas-analyze", "': Is a directory");
  expect_one_line(run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " +
                      cells() + " --out " + a_file + "/e.h5"),
                  2, "wsnas-evaluate", "'" + a_file + "': exists but is not a directory");
  EXPECT_EQ(read_file(a_file), "x\n");
  EXPECT_EQ(run("(ls " + a_dir + "; ls " + d + ") | grep -c '[.]tmp[.]'").out, "0\n")
      << "a temporary file was left behind";
}

TEST_F(Operations, AResultsFileOfTheWrongTypeIsBadInputAndKept) {
  // A results column of another type (strings where numbers belong) when resuming: exit 2 (it was
  // 1), the file untouched.
  const std::string d = *dir_, bad = d + "/dtype.h5";
  ASSERT_EQ(std::system(("cp " + evaluation() + " " + bad).c_str()), 0);
  ASSERT_EQ(
      std::system(("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + bad +
                   "', 'a'); del f['results/accuracy']; f['results/accuracy'] = [b'x', b'y']\"")
                      .c_str()),
      0);
  const std::string before = read_file(bad);
  const auto r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " +
                     cells() + " --bn-calib-batch 64 --bn-calib-steps 2 --out " + bad);
  expect_one_line(r, 2, "wsnas-evaluate",
                  "file '" + bad + "': object '/results/accuracy': cannot read dataset");
  EXPECT_EQ(read_file(bad), before);
}

TEST_F(Operations, ErrorLinesQuoteLongAndBinaryInputReadably) {
  // A 7 MB line is quoted cut to 200 characters; a NUL byte is named as such (file, line, column).
  const std::string longf = *dir_ + "/long.csv", nul = *dir_ + "/nul.csv", ini = *dir_ + "/nul.ini";
  std::ofstream(longf) << "index,s\n1," << std::string(7000000, 'x') << "\n";
  auto r = run(kEnv + app("wsnas-analyze") + " --scores " + longf + " --score-column s --truth " +
               longf + " --truth-column s");
  expect_one_line(
      r, 2, "wsnas-analyze",
      "line 2: column 's' holds '" + std::string(200, 'x') + "... (7000000 characters in all)'");
  EXPECT_LT(r.err.size(), 600u);
  std::ofstream(nul, std::ios::binary) << std::string(
      "arch\n|nor_conv_3x3~0|+|nor\0_conv_1x1~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_"
      "3x3~2|\n",
      94);
  expect_one_line(
      run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + nul +
          " --out " + *dir_ + "/nul.h5"),
      2, "wsnas-evaluate",
      "file '" + nul + "' line 2: a NUL byte at column 22 (expected text, not a binary file)");
  std::ofstream(ini, std::ios::binary) << std::string("epochs = 1\nl\0r = 0.1\n", 21);
  expect_one_line(
      run(kEnv + app("wsnas-supernet") + " --config " + ini + " --out " + *dir_ + "/nul_out"), 2,
      "wsnas-supernet", "config file '" + ini + "' line 2: a NUL byte at column 2");
}

TEST_F(Operations, TiesAtTheTopKCutAreReported) {
  // Scores 0.9, 0.5, 0.5, 0.5, 0.1: the top-2 cut falls inside a 3-way tie; row order decides (the
  // documented rule) and the run says so; the top-1 and top-4 cuts are clean.
  const std::string t = *dir_ + "/ties.csv", csv = *dir_ + "/ties_out.csv",
                    h5 = *dir_ + "/ties_out.h5";
  std::ofstream(t) << "index,score,truth\n1,0.9,10\n2,0.5,30\n3,0.5,20\n4,0.5,50\n5,0.1,40\n";
  const auto r =
      run(kEnv + app("wsnas-analyze") + " --scores " + t + " --score-column score --truth " + t +
          " --truth-column truth --k 1,2,4 --out-csv " + csv + " --out-h5 " + h5);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find(
          "note: top-2: 3 architectures tie in score at the cut; the earlier rows were taken"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("note: top-1:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("note: top-4:"), std::string::npos) << r.out;
  // Top-2 takes rows 1 and 2 (truths 10, 30): 30.
  EXPECT_NE(read_file(csv).find("top_k,2,30\n"), std::string::npos) << read_file(csv);
  EXPECT_NE(read_file(csv).find("tied_at_k,2,3\n"), std::string::npos) << read_file(csv);
  EXPECT_EQ(io::File::open(h5).read_i64("/topk/tied_at_k"), (std::vector<std::int64_t>{0, 3, 0}));
  // With --bootstrap every correlation and top-k gets an interval, in the table, the CSV and the
  // HDF5 file; a negative count is refused.
  const auto b =
      run(kEnv + app("wsnas-analyze") + " --scores " + t + " --score-column score --truth " + t +
          " --truth-column truth --k 1,2 --bootstrap 300 --bootstrap-seed 4 --out-csv " + csv +
          " --out-h5 " + h5);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find(
                "intervals:    95% percentile bootstrap over architectures, 300 resamples, seed 4"),
            std::string::npos)
      << b.out;
  EXPECT_NE(read_file(csv).find("top_k_ci_low,2,"), std::string::npos) << read_file(csv);
  auto f = io::File::open(h5);
  EXPECT_EQ(f.attr_int("/correlation", "bootstrap_resamples"), 300);
  const auto lo = f.read_f64("/topk/top_k_ci_low"), hi = f.read_f64("/topk/top_k_ci_high");
  ASSERT_EQ(lo.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_LE(lo[i], hi[i]);
    EXPECT_GE(lo[i], 10);  // every top-k value is one of the ground truths, 10 to 50
    EXPECT_LE(hi[i], 50);
  }
  expect_one_line(
      run(kEnv + app("wsnas-analyze") + " --scores " + t + " --score-column score --truth " + t +
          " --truth-column truth --bootstrap -5"),
      2, "wsnas-analyze", "--bootstrap -5 out of range (expected 0 to 1000000 resamples)");
}

// ---- Paths no test took before
// -------------------------------------------------------------------

TEST_F(Operations, EvaluateSplitsBatchesSignalsAndBrokenCheckpoints) {
  const std::string d = *dir_;
  const std::string base = kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() +
                           " --archs " + cells() + " --bn-calib-batch 64 --bn-calib-steps 2";
  // --eval-batch changes how many images go through at once, not the scores.
  auto r = run(base + " --eval-batch 37 --out " + d + "/batch37.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    auto ref = io::File::open(evaluation()), other = io::File::open(d + "/batch37.h5");
    EXPECT_EQ(other.read_f64("/results/accuracy"), ref.read_f64("/results/accuracy"));
    const auto a = ref.read_f64("/results/loss"), b = other.read_f64("/results/loss");
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5 * std::abs(a[i]));
  }
  // --split test scores the other half of the held-out images, and says so in the file.
  r = run(base + " --split test --out " + d + "/test_split.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    auto t = io::File::open(d + "/test_split.h5");
    EXPECT_EQ(t.attr_string("/config", "split"), "test");
    EXPECT_EQ(io::File::open(evaluation()).attr_string("/config", "split"), "valid");
    EXPECT_NE(t.read_f64("/results/loss"), io::File::open(evaluation()).read_f64("/results/loss"));
  }
  // A missing checkpoint, and one whose config was garbled (it used to fail with a bare "stoi").
  expect_one_line(run(kEnv + app("wsnas-evaluate") + " --checkpoint " + d + "/missing.h5 --archs " +
                      cells() + " --out " + d + "/m.h5"),
                  2, "wsnas-evaluate", "--checkpoint '" + d + "/missing.h5': no such file");
  ASSERT_EQ(std::system(("cp " + supernet() + " " + d +
                         "/garbled.h5 && /usr/bin/python3 -c \"import h5py; "
                         "h5py.File('" +
                         d + "/garbled.h5', 'a')['config'].attrs['channels'] = 'four'\"")
                            .c_str()),
            0);
  expect_one_line(run(kEnv + app("wsnas-evaluate") + " --checkpoint " + d + "/garbled.h5 --archs " +
                      cells() + " --out " + d + "/g.h5"),
                  2, "wsnas-evaluate",
                  "checkpoint '" + d +
                      "/garbled.h5': its /config does not read back: the argument ('four') for "
                      "option '--channels' is invalid");
  EXPECT_FALSE(exists(d + "/m.h5"));
  EXPECT_FALSE(exists(d + "/g.h5"));
}

TEST_F(Operations, EvaluateStopsOnSigtermAndResumes) {
  const std::string d = *dir_, many = d + "/many.txt", out = d + "/stopped_eval.h5";
  {
    std::ofstream f(many);
    for (int i = 0; i < 150; ++i) f << i * 97 << "\n";
  }
  const std::string cmd = kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() +
                          " --archs " + many +
                          " --bn-calib-batch 64 --bn-calib-steps 2 --flush-seconds 1 --out " + out;
  const std::string bg = test::scratch_dir("operations_eval_stop");
  test::start_background(cmd, bg);
  ASSERT_TRUE(test::wait_until([&] { return exists(out); }, 120));
  EXPECT_EQ(test::signal_processes(app("wsnas-evaluate"), out, SIGTERM), 1);
  EXPECT_EQ(test::wait_background(bg), 75) << read_file(bg + "/bg.err");
  const auto saved = io::File::open(out).attr_int("/results", "rows");
  EXPECT_GT(saved, 0);
  EXPECT_LT(saved, 150);
  const auto r = run(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("150 (checkpoint, architecture) pairs, " + std::to_string(saved) + " already in"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(io::File::open(out).attr_int("/results", "rows"), 150);
}

TEST_F(Operations, AnalyzeFiltersArchitectureColumnsAndInvalidCells) {
  // Scores for two seeds in one table (architecture column named `cell`), ground truth for two
  // datasets in another (column `genotype`); one cell is invalid in NAS-Bench-201 (no path from
  // input to output).
  const std::string A =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_"
      "3x3~2|";
  const std::string B =
      "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_"
      "connect~2|";
  const std::string C = "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|";
  const std::string D = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  const std::string scores = *dir_ + "/seeds.csv", truth = *dir_ + "/datasets.csv";
  std::ofstream(scores) << "cell,seed,score\n"
                        << A << ",1,0.1\n"
                        << B << ",1,0.2\n"
                        << C << ",1,0.3\n"
                        << D << ",1,0.4\n"
                        << A << ",2,0.4\n"
                        << B << ",2,0.3\n"
                        << C << ",2,0.2\n"
                        << D << ",2,0.1\n";
  std::ofstream(truth) << "genotype,dataset,acc\n"
                       << A << ",cifar10,90\n"
                       << B << ",cifar10,80\n"
                       << C << ",cifar10,70\n"
                       << D << ",cifar10,60\n"
                       << A << ",cifar100,10\n"
                       << B << ",cifar100,20\n"
                       << C << ",cifar100,30\n"
                       << D << ",cifar100,40\n";
  const std::string base = kEnv + app("wsnas-analyze") + " --scores " + scores +
                           " --score-column score --truth " + truth + " --truth-column acc --k 1";
  // Without naming the architecture columns there is none to read.
  auto r = run(base + " --score-where seed=1 --truth-where dataset=cifar10");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(scores), std::string::npos) << r.err;
  const std::string named = base + " --score-arch-column cell --truth-arch-column genotype";
  // Seed 1 against CIFAR-10: scores rise as accuracy falls, Spearman -1 over the 3 valid cells.
  r = run(named + " --score-where seed=1 --truth-where dataset=cifar10");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("joined 4 architectures (4 scored, 4 with ground truth), dropped 1 invalid"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("architectures: 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Spearman (score, truth)             -1.0000"), std::string::npos) << r.out;
  // Seed 2 against CIFAR-10: +1; seed 2 against CIFAR-100: -1 again.
  r = run(named + " --score-where seed=2 --truth-where dataset=cifar10");
  EXPECT_NE(r.out.find("Spearman (score, truth)              1.0000"), std::string::npos) << r.out;
  r = run(named + " --score-where seed=2 --truth-where dataset=cifar100");
  EXPECT_NE(r.out.find("Spearman (score, truth)             -1.0000"), std::string::npos) << r.out;
  // --include-invalid keeps the invalid cell: 4 architectures.
  r = run(named + " --score-where seed=1 --truth-where dataset=cifar10 --include-invalid");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("architectures: 4"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("dropped 1 invalid"), std::string::npos) << r.out;
  // A header without rows names the file.
  std::ofstream(*dir_ + "/header_only.csv") << "cell,seed,score\n";
  expect_one_line(
      run(kEnv + app("wsnas-analyze") + " --scores " + *dir_ +
          "/header_only.csv --score-column score --truth " + truth + " --truth-column acc"),
      2, "wsnas-analyze", "file '" + *dir_ + "/header_only.csv': no rows under the header");
  // A filter that keeps nothing names the file and the filter.
  expect_one_line(run(named + " --score-where seed=3 --truth-where dataset=cifar10"), 2,
                  "wsnas-analyze", "file '" + scores + "': no row has seed=3");
}

TEST_F(Operations, AnalyzeBiasReportsEachDecisionsOptions) {
  // `wsnas-analyze bias`: the same inputs as the ranking, a table per decision, CSV and HDF5.
  const std::string A =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_"
      "3x3~2|";
  const std::string t = *dir_ + "/bias_in.csv", csv = *dir_ + "/bias.csv", h5 = *dir_ + "/bias.h5";
  {
    std::ofstream f(t);
    f << "arch,score,truth\n";
    const char* ops[] = {"nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"};
    for (int i = 0; i < 4; ++i)
      f << "|" << ops[i] << A.substr(A.find("~0|")) << "," << 4 - i << "," << 1 + i << "\n";
  }
  const auto r =
      run(kEnv + app("wsnas-analyze") + " bias --scores " + t + " --score-column score --truth " +
          t + " --truth-column truth --out-csv " + csv + " --out-h5 " + h5);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("architectures: 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skip_connect"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<- most biased"), std::string::npos) << r.out;
  EXPECT_NE(read_file(csv).find("edge 1<-0,skip_connect,1,1,0,1,"), std::string::npos)
      << read_file(csv);
  auto f = io::File::open(h5);
  EXPECT_EQ(f.attr_string("/", "kind"), "analysis");
  EXPECT_EQ(f.read_strings("/bias/option").size(), 9u);
  EXPECT_EQ(f.attr_string("/provenance", "analysis"), "bias");
  // An unknown analysis word is refused by name.
  expect_one_line(run(kEnv + app("wsnas-analyze") + " frobnicate --scores " + t +
                      " --score-column score --truth " + t + " --truth-column truth"),
                  2, "wsnas-analyze", "--analysis 'frobnicate': expected one of ranking, bias");
}

TEST_F(OperationsReference, AnalyzeMutualIsTheSpearmanMatrixOfEveryInput) {
  // The published one-shot and few-shot supernets (Zhao et al., ICML 2021; two columns of one
  // file) against NATS-Bench CIFAR-10, over the 15,284 valid NAS-Bench-201 cells. Reference:
  // scipy.stats.spearmanr 1.10.1 on the same cells (validity re-derived from the strings in
  // Python): one-shot vs few-shot 0.77052072977227, few-shot vs truth 0.72377935465214, one-shot
  // vs truth 0.6558337509001942. Parameters and FLOPs rank NAS-Bench-201 cells identically.
  WSNAS_REFERENCE_FILE(few, "nb201/fewshot_nas_cifar10.csv");  // not redistributable
  const std::string nats = test::data_file("nb201/nats_bench.csv.gz");
  const std::string h5 = *dir_ + "/mutual.h5";
  const auto r = run(kEnv + app("wsnas-analyze") + " mutual --scores " + few +
                     " --score-column one_shot_supernet_acc few_shot_supernet_acc "
                     "--truth " +
                     nats + " --truth-column CIFAR10TestAccuracy200Epochs --out-h5 " + h5);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("architectures in every input: 15284"), std::string::npos) << r.out;
  auto f = io::File::open(h5);
  const auto names = f.read_strings("/mutual/names");
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names[3], "params");
  EXPECT_EQ(names[4], "flops");
  const auto m = f.read_f64("/mutual/spearman");
  ASSERT_EQ(m.size(), 25u);
  EXPECT_NEAR(m[0 * 5 + 1], 0.77052072977227, 1e-12);
  EXPECT_NEAR(m[1 * 5 + 0], 0.77052072977227, 1e-12);
  EXPECT_NEAR(m[1 * 5 + 2], 0.72377935465214, 1e-12);
  EXPECT_NEAR(m[0 * 5 + 2], 0.6558337509001942, 1e-12);
  EXPECT_NEAR(m[3 * 5 + 4], 1.0, 1e-12);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(m[i * 5 + i], 1.0);
  // Several inputs are for mutual only; mismatched counts are refused.
  expect_one_line(
      run(kEnv + app("wsnas-analyze") + " --scores " + few + " --score-column a b --truth " + nats +
          " --truth-column c"),
      2, "wsnas-analyze",
      "ranking takes one --scores file and one --score-column (several are for mutual and tricks)");
  expect_one_line(
      run(kEnv + app("wsnas-analyze") +
          " mutual --scores x.csv y.csv z.csv --score-column a b --truth t.csv --truth-column c"),
      2, "wsnas-analyze", "got 3 files and 2 columns");
  // tricks (Table 3), baseline = the one-shot supernet. Reference (Python, the same cells): top-10
  // by the paper's rule (stable sort by score, best ground truth among the 10) 91.39333333333333
  // for one-shot and 93.30000000000001 for few-shot.
  const std::string tricks = *dir_ + "/tricks.h5";
  const auto t = run(kEnv + app("wsnas-analyze") + " tricks --scores " + few +
                     " --score-column one_shot_supernet_acc few_shot_supernet_acc "
                     "--truth " +
                     nats + " --truth-column CIFAR10TestAccuracy200Epochs --out-h5 " + tricks);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto g = io::File::open(tricks);
  const auto bl = g.read_f64("/tricks/corr_bl"), gt = g.read_f64("/tricks/corr_gt"),
             top = g.read_f64("/tricks/top_k");
  ASSERT_EQ(bl.size(), 2u);
  EXPECT_EQ(bl[0], 1.0);
  EXPECT_NEAR(bl[1], 0.77052072977227, 1e-12);
  EXPECT_NEAR(gt[0], 0.6558337509001942, 1e-12);
  EXPECT_NEAR(gt[1], 0.72377935465214, 1e-12);
  EXPECT_NEAR(top[0], 91.39333333333333, 1e-9);
  EXPECT_NEAR(top[1], 93.30000000000001, 1e-9);
  EXPECT_NE(t.out.find("+0.0679  93.3000  +1.9067"), std::string::npos) << t.out;
  // Bootstrap intervals of mutual and tricks resample the architectures exactly as ranking does
  // (resample b from Rng::derive(seed, b) over the same joined cells), so the interval of a pair
  // equals ranking's interval of that pair: an independent path through the same resamples.
  const std::string rk = *dir_ + "/rk.h5", mu = *dir_ + "/mu.h5", tr = *dir_ + "/tr.h5";
  const std::string common = " --truth " + nats +
                             " --truth-column CIFAR10TestAccuracy200Epochs "
                             "--bootstrap 200 --bootstrap-seed 5 --out-h5 ";
  ASSERT_EQ(run(kEnv + app("wsnas-analyze") + " --scores " + few +
                " --score-column few_shot_supernet_acc --k 10" + common + rk)
                .exit_code,
            0);
  const auto m2 = run(kEnv + app("wsnas-analyze") + " mutual --scores " + few +
                      " --score-column one_shot_supernet_acc "
                      "few_shot_supernet_acc" +
                      common + mu);
  ASSERT_EQ(m2.exit_code, 0) << m2.err;
  EXPECT_NE(m2.out.find("95% bootstrap intervals (200 resamples, seed 5)"), std::string::npos);
  const auto t2 = run(kEnv + app("wsnas-analyze") + " tricks --scores " + few +
                      " --score-column one_shot_supernet_acc "
                      "few_shot_supernet_acc" +
                      common + tr);
  ASSERT_EQ(t2.exit_code, 0) << t2.err;
  auto fr = io::File::open(rk), fm = io::File::open(mu), ft = io::File::open(tr);
  const double lo = fr.attr_double("/correlation", "spearman_ci_low"),
               hi = fr.attr_double("/correlation", "spearman_ci_high");
  EXPECT_LT(lo, 0.72377935465214);
  EXPECT_GT(hi, 0.72377935465214);
  const auto mlo = fm.read_f64("/mutual/spearman_ci_low"),
             mhi = fm.read_f64("/mutual/spearman_ci_high");
  ASSERT_EQ(mlo.size(), 25u);
  EXPECT_EQ(mlo[1 * 5 + 2], lo);  // few-shot vs truth
  EXPECT_EQ(mhi[1 * 5 + 2], hi);
  EXPECT_EQ(mlo[2 * 5 + 1], lo);
  EXPECT_EQ(mlo[0], 1.0);
  EXPECT_LT(mlo[0 * 5 + 1], 0.77052072977227);
  EXPECT_GT(mhi[0 * 5 + 1], 0.77052072977227);
  EXPECT_EQ(ft.read_f64("/tricks/corr_gt_ci_low")[1], lo);
  EXPECT_EQ(ft.read_f64("/tricks/corr_gt_ci_high")[1], hi);
  EXPECT_EQ(ft.read_f64("/tricks/corr_bl_ci_low")[1], mlo[0 * 5 + 1]);
  EXPECT_EQ(ft.read_f64("/tricks/top_k_ci_low")[1], fr.read_f64("/topk/top_k_ci_low")[0]);
  EXPECT_EQ(ft.read_f64("/tricks/top_k_ci_high")[1], fr.read_f64("/topk/top_k_ci_high")[0]);
  EXPECT_EQ(ft.attr_int("/tricks", "bootstrap_resamples"), 200);
  expect_one_line(run(kEnv + app("wsnas-analyze") + " tricks --scores " + few +
                      " --score-column a --truth " + nats + " --truth-column c"),
                  2, "wsnas-analyze", "tricks needs the baseline and at least one trick");
}

TEST_F(OperationsReference, AnalyzeBudgetsIsOneRankingPerSupernetWithBandsOverSeeds) {
  // budgets (Fig. 1, 8) on the published one-shot and few-shot supernets (Zhao et al., ICML 2021)
  // as two "budgets" against NATS-Bench CIFAR-10 over the 15,284 valid cells, the one-shot input
  // given twice as two seeds. References computed independently in Python (validity re-derived
  // from the strings; scipy.stats.spearmanr 1.10.1; the exact random top-k as
  // sum C(i-1, k-1) / C(n, k) v_(i) with math.comb): Spearman 0.6558337509001942 and
  // 0.72377935465214; top-10 91.39333333333333 and 93.30000000000001; random top-10
  // 93.10752494805996; mean ground truth 88.78227525516888; mean scores 51.40282975660797 and
  // 45.49271525778574.
  WSNAS_REFERENCE_FILE(few, "nb201/fewshot_nas_cifar10.csv");  // not redistributable
  const std::string nats = test::data_file("nb201/nats_bench.csv.gz");
  const std::string h5 = *dir_ + "/budgets.h5", csv = *dir_ + "/budgets.csv";
  const auto r = run(kEnv + app("wsnas-analyze") + " budgets --scores " + few +
                     " --score-column few_shot_supernet_acc one_shot_supernet_acc "
                     "one_shot_supernet_acc --x 2 1 1 --replicate 0 0 1 --truth " +
                     nats + " --truth-column CIFAR10TestAccuracy200Epochs --k 1,10 --out-h5 " + h5 +
                     " --out-csv " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto f = io::File::open(h5);
  EXPECT_EQ(f.attr_string("/provenance", "analysis"), "budgets");
  EXPECT_EQ(f.read_f64("/budgets/x"), (std::vector<double>{1, 1, 2}));  // sorted by x, then seed
  EXPECT_EQ(f.read_i64("/budgets/seed"), (std::vector<std::int64_t>{0, 1, 0}));
  EXPECT_EQ(f.read_i64("/budgets/archs"), (std::vector<std::int64_t>{15284, 15284, 15284}));
  const auto rho = f.read_f64("/budgets/spearman"), top = f.read_f64("/budgets/top_k"),
             rnd = f.read_f64("/budgets/random_top_k"), mt = f.read_f64("/budgets/mean_truth"),
             ms = f.read_f64("/budgets/mean_score");
  EXPECT_NEAR(rho[0], 0.6558337509001942, 1e-12);
  EXPECT_EQ(rho[1], rho[0]);
  EXPECT_NEAR(rho[2], 0.72377935465214, 1e-12);
  ASSERT_EQ(top.size(), 6u);  // 3 inputs x k = 1, 10
  EXPECT_NEAR(top[0 * 2 + 1], 91.39333333333333, 1e-9);
  EXPECT_NEAR(top[2 * 2 + 1], 93.30000000000001, 1e-9);
  EXPECT_NEAR(rnd[2 * 2 + 1], 93.10752494805996, 1e-9);
  EXPECT_NEAR(mt[0], 88.78227525516888, 1e-9);
  EXPECT_NEAR(ms[0], 51.40282975660797, 1e-9);
  EXPECT_NEAR(ms[2], 45.49271525778574, 1e-9);
  EXPECT_NE(r.out.find("over seeds, mean [min, max]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0.6558 [0.6558, 0.6558]"), std::string::npos) << r.out;
  EXPECT_NE(read_file(csv).find("x,seed,archs,spearman,"), std::string::npos);
  // One --x per input, --replicate one per input or none, positive x.
  const std::string base = kEnv + app("wsnas-analyze") + " budgets --scores " + few +
                           " --score-column a b --truth " + nats + " --truth-column c";
  expect_one_line(run(base + " --x 1"), 2, "wsnas-analyze",
                  "budgets needs one --x value per score input (2 inputs, 1 --x values)");
  expect_one_line(run(base + " --x 1 2 --replicate 0"), 2, "wsnas-analyze",
                  "budgets needs one --replicate seed per score input, or none");
  expect_one_line(run(base + " --x 1 0"), 2, "wsnas-analyze", "--x 0: expected positive numbers");
  expect_one_line(run(base + " --x 1 2 --plot " + *dir_ + "/figs"), 2, "wsnas-analyze",
                  "--plot draws the --out-h5 file: give --out-h5 FILE too");
  // An analysis file given as scores (the wrong kind of wsnas file): one line naming it.
  expect_one_line(run(kEnv + app("wsnas-analyze") + " budgets --scores " + h5 +
                      " --score-column accuracy --x 1 --truth " + nats +
                      " --truth-column CIFAR10TestAccuracy200Epochs"),
                  2, "wsnas-analyze",
                  "file '" + h5 + "': object '/results': missing (expected a wsnas results table)");
}

TEST_F(Operations, EveryAnalysisHasItsFigure) {
  // analysis/plot.py draws each kind of analysis file as PNG and SVG of 800 x 500 pixels; a file
  // of another kind is one line and exit 2.
  const std::string d = *dir_, in = d + "/plot_in.csv", out = d + "/figures";
  const std::string A =
      "~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
  {
    std::ofstream f(in);
    f << "arch,score,truth\n";
    const char* ops[] = {"nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect", "none"};
    for (int i = 0; i < 5; ++i)
      f << "|" << ops[i] << A << "," << 5 - i << "," << (i * 7) % 5 << "\n";
  }
  const std::string an = kEnv + app("wsnas-analyze") + " %s --scores " + in +
                         " --score-column score --truth " + in +
                         " --truth-column truth --k 1,2,3 --out-h5 " + d + "/plot_%s.h5";
  const std::string plot = "/usr/bin/python3 " + test::source_dir() + "/analysis/plot.py ";
  for (const std::string kind :
       {"ranking", "bias", "mutual", "tricks", "budgets", "density", "pruning"}) {
    std::string cmd = an;
    for (int i = 0; i < 2; ++i) cmd.replace(cmd.find("%s"), 2, kind);
    if (kind == "ranking") cmd += " --bootstrap 100";
    if (kind == "tricks")
      cmd.replace(cmd.find("--score-column score"), 20, "--score-column score truth");
    const bool sweep = kind == "budgets" || kind == "density" || kind == "pruning";
    if (sweep) {  // two supernets at x = 1 (two seeds) and one at x = 4; wsnas-analyze --plot
      cmd.replace(cmd.find("--score-column score"), 20, "--score-column score truth score");
      cmd += " --x 1 1 4 --replicate 0 1 0 --bootstrap 50 --plot " + out;
    }
    auto r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (!sweep) r = run(plot + d + "/plot_" + kind + ".h5 " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(out + "/" + kind + ".png\n" + out + "/" + kind + ".svg\n"),
              std::string::npos)
        << r.out;
    const std::string png = read_file(out + "/" + kind + ".png");
    ASSERT_GT(png.size(), 5000u) << kind;
    EXPECT_EQ(png.substr(1, 3), "PNG");
    auto be32 = [&](std::size_t at) {
      return (static_cast<unsigned char>(png[at]) << 24) |
             (static_cast<unsigned char>(png[at + 1]) << 16) |
             (static_cast<unsigned char>(png[at + 2]) << 8) |
             static_cast<unsigned char>(png[at + 3]);
    };
    EXPECT_EQ(be32(16), 800) << kind;  // IHDR width
    EXPECT_EQ(be32(20), 500) << kind;  // IHDR height
    EXPECT_NE(read_file(out + "/" + kind + ".svg").find("<svg"), std::string::npos);
  }
  {  // Fig. 4's scatter: each architecture's score, truth and option row per decision, counted
     // here independently of the table's own counts.
    const auto f = io::File::open(d + "/plot_bias.h5");
    const auto rows = f.read_i64("/bias/per_arch/option_row");
    const auto shape = f.shape("/bias/per_arch/option_row");
    ASSERT_EQ(shape.size(), 2u);
    EXPECT_EQ(shape[0], 5);
    const auto decisions = f.read_strings("/bias/decision");
    EXPECT_EQ(shape[1], std::set<std::string>(decisions.begin(), decisions.end()).size());
    EXPECT_EQ(f.read_f64("/bias/per_arch/score"), (std::vector<double>{5, 4, 3, 2, 1}));
    EXPECT_EQ(f.read_f64("/bias/per_arch/truth"), (std::vector<double>{0, 2, 4, 1, 3}));
    std::vector<std::int64_t> counted(decisions.size());
    for (auto r : rows) {
      ASSERT_GE(r, 0);
      ++counted[static_cast<std::size_t>(r)];
    }
    EXPECT_EQ(counted, f.read_i64("/bias/archs"));
    // The first decision is edge 1<-0, whose option is the row's own op (5 distinct rows).
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(decisions[static_cast<std::size_t>(rows[static_cast<std::size_t>(i) * shape[1]])],
                "edge 1<-0");
  }
  {  // mutual's labels, as a study writes them: one per input, then GT and P
    auto r = run(kEnv + app("wsnas-analyze") + " mutual --scores " + in +
                 " --score-column score truth --label '1000 ep' 'another' --truth " + in +
                 " --truth-column truth --out-h5 " + d + "/plot_labels.h5");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto labels = io::File::open(d + "/plot_labels.h5").read_strings("/mutual/labels");
    EXPECT_EQ(labels, (std::vector<std::string>{"1000 ep", "another", "GT", "P", "FLOPs"}));
    r = run(kEnv + app("wsnas-analyze") + " mutual --scores " + in +
            " --score-column score truth --label one --truth " + in + " --truth-column truth");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--label needs one label per score input (2 inputs, 1 labels)"),
              std::string::npos)
        << r.err;
  }
  // Files of the wrong kind: one line naming the file, exit 2, no figure.
  const auto r = run(plot + evaluation() + " " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "plot.py: error: file '" + evaluation() +
                       "': expected a wsnas 'analysis' file (wsnas-analyze --out-h5), found kind "
                       "'evaluation'\n");
  const std::string bad = d + "/bad_figures";
  auto refused = [&](const std::string& file, const std::string& why) {
    const auto b = run(plot + file + " " + bad);
    EXPECT_EQ(b.exit_code, 2) << file << ": " << b.err;
    EXPECT_EQ(std::count(b.err.begin(), b.err.end(), '\n'), 1) << b.err;
    EXPECT_EQ(b.err.rfind("plot.py: error: file '" + file + "': " + why, 0), 0) << b.err;
  };
  refused(in, "cannot open as HDF5");  // a CSV table
  refused(d + "/missing.h5", "cannot open as HDF5");
  {
    const std::string whole = read_file(d + "/plot_budgets.h5"), cut = d + "/truncated.h5";
    std::ofstream(cut, std::ios::binary) << whole.substr(0, whole.size() / 2);
    refused(cut, "cannot open as HDF5");
  }
  {  // an analysis file with no analysis in it, and one whose budgets group lacks a dataset
    const std::string empty = d + "/empty_analysis.h5", partial = d + "/partial_budgets.h5";
    auto e = io::File::create(empty);
    e.set_attr("/", "kind", "analysis");
    auto p = io::File::create(partial);
    p.set_attr("/", "kind", "analysis");
    p.create_group("/budgets");
    p.write_f64("/budgets/x", {1, 2});
  }
  refused(d + "/empty_analysis.h5",
          "no /topk, /bias, /mutual, /tricks, /budgets, /density or "
          "/pruning group");
  refused(d + "/partial_budgets.h5", "malformed /budgets: no 'seed'");
  EXPECT_FALSE(std::ifstream(bad + "/budgets.png").good());
}

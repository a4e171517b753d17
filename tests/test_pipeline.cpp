// The study pipeline end to end on real Fashion-MNIST (Debian's dataset-fashion-mnist), with the
// real apps under real `mpiexec -n 2`: supernet training equivalence across rank counts, resume
// after a stop signal, sharded BN-calibrated evaluation equal to one rank, evaluation and ground
// truth interrupted (kill -9, SIGTERM) and rerun, and the analysis of the HDF5 results.
//
// OMP_NUM_THREADS=1 everywhere: CPU results are bitwise reproducible for a fixed thread count,
// and the comparisons below are between runs that differ only in ranks or interruptions.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "test_support.h"
#include "wsnas/analysis/metrics.h"
#include "wsnas/io/h5file.h"
#include "wsnas/space/nb201.h"

namespace {

using namespace wsnas;
using test::run;

const std::string kEnv =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 ";
const std::string kMpi2 = kEnv + "mpiexec -n 2 --oversubscribe ";
/// Small real data and a small network so every run takes seconds.
const std::string kNet = " --dataset fashion-mnist --limit-eval 200 --channels 4 --cells 1";
const std::string kData = kNet + " --limit-train 512";

std::string app(const std::string& name) { return test::bin_dir() + "/" + name; }

/// All datasets of a group as doubles, by name.
std::map<std::string, std::vector<double>> read_group(const std::string& path,
                                                      const std::string& group) {
  auto f = io::File::open(path);
  std::map<std::string, std::vector<double>> out;
  for (const auto& name : f.list(group)) out[name] = f.read_f64(group + "/" + name);
  return out;
}

double max_abs_diff(const std::map<std::string, std::vector<double>>& a,
                    const std::map<std::string, std::vector<double>>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (const auto& [name, va] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.size() != va.size()) {
      ADD_FAILURE() << "tensor " << name << " missing or of another size";
      return 1e300;
    }
    for (std::size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - it->second[i]));
  }
  return m;
}

using test::exists;
using test::signal_processes;
using test::start_background;
using test::wait_background;
using test::wait_until;

std::int64_t rows(const std::string& path) {
  if (!exists(path)) return 0;
  try {
    return io::File::open(path).attr_int("/results", "rows");
  } catch (const std::exception&) {
    return 0;
  }
}

/// One supernet (2 epochs, 2 ranks) and a list of cells shared by the evaluation tests.
class Pipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::scratch_dir("pipeline"));
    auto r = run(app("wsnas-space") + " sample --space nb201 -n 6 --seed 5 --format csv");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ofstream(cells()) << r.out;
    r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" + kData +
            " --epochs 2 --batch-size 64 --out " + *dir_ + "/sn2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string cells() { return *dir_ + "/cells.csv"; }
  static std::string supernet(const std::string& file = "supernet.h5") {
    return *dir_ + "/sn2/" + file;
  }
  static std::string* dir_;
};
std::string* Pipeline::dir_ = nullptr;

TEST_F(Pipeline, SupernetOnOneRankEqualsTwoRanks) {
  // Two replicas either way: on one rank they run one after the other (paper protocol: global
  // batch split across replicas, gradients and BN statistics averaged).
  const std::string one = *dir_ + "/sn1";
  auto r = run(kEnv + app("wsnas-supernet") + kData +
               " --epochs 2 --batch-size 64 --replicas 2 --out " + one);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("batch 64 over 2 replicas on 1 ranks"), std::string::npos) << r.out;
  const auto m1 = read_group(one + "/supernet.h5", "/model"), m2 = read_group(supernet(), "/model");
  EXPECT_GT(m1.size(), 50u);
  EXPECT_LT(max_abs_diff(m1, m2), 1e-5);
  EXPECT_LT(max_abs_diff(read_group(one + "/supernet.h5", "/optimizer/momentum"),
                         read_group(supernet(), "/optimizer/momentum")),
            1e-5);
  const auto l1 = read_group(one + "/supernet.h5", "/log"), l2 = read_group(supernet(), "/log");
  ASSERT_EQ(l1.at("loss").size(), 2u);
  EXPECT_NEAR(l1.at("loss")[1], l2.at("loss")[1], 1e-6);
  EXPECT_NEAR(l1.at("accuracy")[1], l2.at("accuracy")[1], 1e-9);
  // Training moved the weights: epoch 1 and epoch 2 differ (so equality above means something).
  EXPECT_GT(max_abs_diff(read_group(supernet("epoch_0001.h5"), "/model"), m2), 1e-3);
  // A rank count that does not divide the replicas is refused with one line.
  r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" + kData + " --replicas 3 --out " + *dir_ +
          "/bad");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("wsnas-supernet: error: --replicas 3 is not a multiple of the 2 ranks"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(exists(*dir_ + "/bad/supernet.h5"));
}

TEST_F(Pipeline, SamplersUnusedParametersAndSnapshots) {
  const std::string args = kData + " --epochs 1 --batch-size 64 --save-epochs none --gpus 2 ";
  // Per-replica sampling: each replica its own architecture; one rank holding both replicas equals
  // two ranks (a parameter only the other rank's replica used is averaged in with a zero gradient).
  const std::string pr1 = *dir_ + "/pr1", pr2 = *dir_ + "/pr2";
  auto r = run(kEnv + app("wsnas-supernet") + args + "--sampler per-replica --out " + pr1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sampler per-replica"), std::string::npos) << r.out;
  r = run(kMpi2 + app("wsnas-supernet") + args + "--sampler per-replica --out " + pr2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto p1 = read_group(pr1 + "/supernet.h5", "/model"),
             p2 = read_group(pr2 + "/supernet.h5", "/model");
  EXPECT_LT(max_abs_diff(p1, p2), 1e-5);
  EXPECT_LT(max_abs_diff(read_group(pr1 + "/supernet.h5", "/optimizer/momentum"),
                         read_group(pr2 + "/supernet.h5", "/optimizer/momentum")),
            1e-5);
  // The same run with one architecture for both replicas trains other weights.
  const std::string un = *dir_ + "/uniform1";
  r = run(kEnv + app("wsnas-supernet") + args + "--out " + un);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto u = read_group(un + "/supernet.h5", "/model");
  EXPECT_GT(max_abs_diff(u, p1), 1e-4);
  // --unused-params skip: operators not sampled in a step keep their weights; decay (the default,
  // the paper's code) moves them: the two runs differ.
  r = run(kEnv + app("wsnas-supernet") + args + "--unused-params skip --out " + *dir_ + "/skip1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(max_abs_diff(read_group(*dir_ + "/skip1/supernet.h5", "/model"), u), 1e-6);
  // FairNAS (5 paths a step) and multi-path (3) train to the end with a finite loss.
  for (const std::string sampler : {"fairnas", "multipath --paths 3"}) {
    const std::string out = *dir_ + "/" + sampler.substr(0, 4);
    r = run(kEnv + app("wsnas-supernet") + args + "--sampler " + sampler + " --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto loss = read_group(out + "/supernet.h5", "/log").at("loss");
    ASSERT_EQ(loss.size(), 1u);
    EXPECT_TRUE(std::isfinite(loss[0]) && loss[0] > 0) << sampler;
    EXPECT_GT(max_abs_diff(read_group(out + "/supernet.h5", "/model"), u), 1e-4) << sampler;
  }
  // A pool holding a cell with no path from input to output is refused, naming the file.
  const std::string pool = *dir_ + "/pool.txt";
  std::ofstream(pool)
      << "9930\n|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|\n";
  r = run(kEnv + app("wsnas-supernet") + args + "--pool " + pool + " --out " + *dir_ + "/badpool");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("wsnas-supernet: error: --pool '" + pool + "': architecture 2 (", 0), 0u)
      << r.err;
  EXPECT_FALSE(exists(*dir_ + "/badpool/supernet.h5"));
  // --save-epochs files are snapshots of one schedule (2 epochs here), labelled as such.
  auto snap = io::File::open(supernet("epoch_0001.h5")), last = io::File::open(supernet());
  EXPECT_EQ(snap.attr_int("/state", "snapshot"), 1);
  EXPECT_EQ(snap.attr_int("/state", "schedule_epochs"), 2);
  EXPECT_EQ(last.attr_int("/state", "snapshot"), 0);
  EXPECT_EQ(last.attr_int("/state", "schedule_epochs"), 2);
}

TEST_F(Pipeline, SupernetStoppedBySignalResumesToTheSameWeights) {
  const std::string args =
      kNet + " --limit-train 2048 --epochs 3 --batch-size 64 --save-epochs none ";
  const std::string ref = *dir_ + "/snref", stopped = *dir_ + "/snstop";
  auto r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" + args + "--out " + ref);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  test::run("mkdir -p " + stopped);
  // Saves the resume state every step, so the stop lands mid-epoch.
  start_background(kMpi2 + app("wsnas-supernet") + " --gpus 2" + args +
                       "--checkpoint-minutes 0.000001 --out " + stopped,
                   stopped);
  ASSERT_TRUE(wait_until([&] { return exists(stopped + "/supernet.h5"); }, 120));
  EXPECT_EQ(signal_processes(app("wsnas-supernet"), stopped, SIGTERM), 2);
  EXPECT_EQ(wait_background(stopped), 75) << test::read_file(stopped + "/bg.err");
  EXPECT_NE(test::read_file(stopped + "/bg.err").find("stop signal received; state saved"),
            std::string::npos);
  {
    auto f = io::File::open(stopped + "/supernet.h5");
    EXPECT_EQ(f.attr_int("/state", "complete"), 0);
    EXPECT_LT(f.attr_int("/state", "step"), 3 * 32);
  }
  r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" + args + "--out " + stopped);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("resuming"), std::string::npos) << r.out;
  EXPECT_EQ(max_abs_diff(read_group(ref + "/supernet.h5", "/model"),
                         read_group(stopped + "/supernet.h5", "/model")),
            0.0);
  EXPECT_EQ(max_abs_diff(read_group(ref + "/supernet.h5", "/optimizer/momentum"),
                         read_group(stopped + "/supernet.h5", "/optimizer/momentum")),
            0.0);
  // A finished run is not redone, and changed options are refused rather than mixed in.
  r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" + args + "--out " + stopped);
  EXPECT_NE(r.out.find("is complete (3 epochs); nothing to do"), std::string::npos) << r.out;
  r = run(kMpi2 + app("wsnas-supernet") + " --gpus 2" + args + "--lr 0.1 --out " + stopped);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("was made with --lr '0.05'; this run asks for '0.1'"), std::string::npos)
      << r.err;
}

TEST_F(Pipeline, EvaluationShardedOverTwoRanksEqualsOneRank) {
  const std::string common = " --checkpoint " + supernet("epoch_0001.h5") + " " + supernet() +
                             " --archs " + cells() + " --bn-calib-batch 64 --bn-calib-steps 3";
  const std::string e1 = *dir_ + "/eval1.h5", e2 = *dir_ + "/eval2.h5", e0 = *dir_ + "/eval0.h5";
  auto r = run(kEnv + app("wsnas-evaluate") + common + " --out " + e1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(kMpi2 + app("wsnas-evaluate") + common + " --out " + e2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("12 (checkpoint, architecture) pairs, 0 already in"), std::string::npos)
      << r.out;
  auto f1 = io::File::open(e1), f2 = io::File::open(e2);
  // The results' configuration holds evaluation's options, not the training ones it accepts
  // (every option of the training and protocol groups but BN calibration's).
  const auto names = f1.attr_names("/config");
  for (const char* training : {"lr", "epochs", "asgd", "eval-every", "keep-best", "nan-rollback",
                               "sampler", "unused-params"})
    EXPECT_EQ(std::count(names.begin(), names.end(), training), 0) << training;
  for (const char* kept : {"bn-calib-batch", "bn-calib-steps", "split", "seed"})
    EXPECT_EQ(std::count(names.begin(), names.end(), kept), 1) << kept;
  EXPECT_EQ(f1.read_strings("/results/arch"), f2.read_strings("/results/arch"));
  EXPECT_EQ(f1.read_i64("/results/epoch"),
            (std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}));
  EXPECT_EQ(f1.read_f64("/results/accuracy"), f2.read_f64("/results/accuracy"));
  EXPECT_EQ(f1.read_f64("/results/loss"), f2.read_f64("/results/loss"));
  // Calibration matters: without it (the training-time running statistics) the scores differ.
  r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " + cells() +
          " --bn-calib-steps 0 --out " + e0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto calibrated = f1.read_f64("/results/loss"),
             uncalibrated = io::File::open(e0).read_f64("/results/loss");
  ASSERT_EQ(uncalibrated.size(), 6u);
  int differ = 0;
  for (std::size_t i = 0; i < 6; ++i)
    differ += std::abs(calibrated[6 + i] - uncalibrated[i]) > 1e-6;
  EXPECT_EQ(differ, 6);
  // Scores are probabilities of a 10-class problem: accuracy in [0, 100], loss positive.
  for (double a : f1.read_f64("/results/accuracy")) EXPECT_TRUE(a >= 0 && a <= 100);
}

TEST_F(Pipeline, EvaluationKilledAndRerunRecomputesNothingAndMatches) {
  const std::string common = " --checkpoint " + supernet("epoch_0001.h5") + " " + supernet() +
                             " --archs " + cells() +
                             " --bn-calib-batch 64 --bn-calib-steps 3 --flush-seconds 0.001";
  const std::string ref = *dir_ + "/evalref.h5", dir = test::scratch_dir("pipeline_evalkill"),
                    out = dir + "/eval.h5";
  auto r = run(kMpi2 + app("wsnas-evaluate") + common + " --out " + ref);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  start_background(kMpi2 + app("wsnas-evaluate") + common + " --out " + out, dir);
  ASSERT_TRUE(wait_until([&] { return rows(out) >= 2; }, 120));
  signal_processes(app("wsnas-evaluate"), out, SIGKILL);
  EXPECT_NE(wait_background(dir), 0);
  const auto partial = io::File::open(out);  // the file under its final name is whole
  const auto done = partial.read_strings("/results/arch");
  const auto done_checkpoints = partial.read_strings("/results/checkpoint");
  const auto done_seconds = partial.read_f64("/results/seconds");
  ASSERT_GE(done.size(), 2u);
  ASSERT_LT(done.size(), 12u) << "the run ended before it was killed";
  r = run(kMpi2 + app("wsnas-evaluate") + common + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("12 (checkpoint, architecture) pairs, " + std::to_string(done.size()) +
                       " already in"),
            std::string::npos)
      << r.out;
  auto a = io::File::open(ref), b = io::File::open(out);
  EXPECT_EQ(a.read_strings("/results/arch"), b.read_strings("/results/arch"));
  EXPECT_EQ(a.read_f64("/results/accuracy"), b.read_f64("/results/accuracy"));
  EXPECT_EQ(a.read_f64("/results/loss"), b.read_f64("/results/loss"));
  EXPECT_EQ(run("ls " + dir + " | grep -c '\\.tmp\\.'").out, "0\n")
      << "a killed writer's temporary file was left";
  // Results finished before the kill were kept, not recomputed: their timings are unchanged.
  // Ranks claim pairs as they free up, so the finished ones need not be the first in order.
  const auto secs = b.read_f64("/results/seconds");
  const auto archs = b.read_strings("/results/arch"),
             checkpoints = b.read_strings("/results/checkpoint");
  for (std::size_t i = 0; i < done.size(); ++i) {
    std::size_t j = 0;
    while (j < archs.size() && !(archs[j] == done[i] && checkpoints[j] == done_checkpoints[i])) ++j;
    ASSERT_LT(j, archs.size()) << done[i];
    EXPECT_EQ(secs[j], done_seconds[i]) << done[i];
  }
}

TEST_F(Pipeline, Bf16MixedPrecisionTrainsCloseToFp32) {
  const std::string args = kData + " --epochs 1 --batch-size 64 --save-epochs none --out ";
  auto r = run(kEnv + app("wsnas-supernet") + args + *dir_ + "/fp32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(kEnv + app("wsnas-supernet") + args + *dir_ + "/bf16 --precision bf16");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = read_group(*dir_ + "/fp32/supernet.h5", "/log"),
             b = read_group(*dir_ + "/bf16/supernet.h5", "/log");
  EXPECT_NEAR(a.at("loss")[0], b.at("loss")[0],
              0.05);  // the same training, to bfloat16's precision
  EXPECT_GT(max_abs_diff(read_group(*dir_ + "/fp32/supernet.h5", "/model"),
                         read_group(*dir_ + "/bf16/supernet.h5", "/model")),
            1e-4);  // autocast really ran in bfloat16
  r = run(kEnv + app("wsnas-supernet") + args + *dir_ + "/fp16 --precision fp16");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--precision 'fp16': expected fp32 or bf16"), std::string::npos) << r.err;
}

TEST_F(Pipeline, ResultFilesOpenWithH5pyAndH5dumpInTheDocumentedLayout) {
  const std::string ev = *dir_ + "/eval_layout.h5";
  auto r = run(kEnv + app("wsnas-evaluate") + " --checkpoint " + supernet() + " --archs " +
               cells() + " --bn-calib-batch 64 --bn-calib-steps 1 --out " + ev);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // docs/results-format.md, read by Debian's h5py.
  const std::string script = *dir_ + "/layout.py";
  std::ofstream(script)
      << "import sys, h5py\n"
         "s = h5py.File(sys.argv[1], 'r'); e = h5py.File(sys.argv[2], 'r')\n"
         "print(s.attrs['kind'], s['state'].attrs['epoch'], s['state'].attrs['complete'],\n"
         "      len(s['log/loss']), 'stem.0.weight' in s['model'], s['config'].attrs['replicas'])\n"
         "r = e['results']\n"
         "print(e.attrs['kind'], r.attrs['rows'], len(r['arch']), "
         "r['arch'].asstr()[0].count('~'),\n"
         "      sorted(r.keys()))\n"
         "p = e['provenance'].attrs\n"
         "print(p['hdf5'].startswith('HDF5 1.'), 'train-images-idx3-ubyte' in "
         "p['data.train_source'],\n"
         "      p['config.bn-calib-steps'], len(p['git_revision']) >= 7)\n";
  r = run("/usr/bin/python3 " + script + " " + supernet() + " " + ev);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "supernet 2 1 2 True 2\n"
            "evaluation 6 6 6 ['accuracy', 'arch', 'arch_index', 'checkpoint', 'checkpoint_id', "
            "'epoch', 'loss', 'schedule_epochs', 'seconds', 'top5']\n"
            "True True 1 True\n");
  r = run("h5dump -H " + ev);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DATASET \"accuracy\""), std::string::npos);
  EXPECT_NE(r.out.find("ATTRIBUTE \"schema_version\""), std::string::npos);
}

TEST(GroundTruth, StoppedMidCellAndRerunMatchesAnUninterruptedRun) {
  const std::string dir = test::scratch_dir("pipeline_gt"), cells = dir + "/cells.txt";
  {
    std::ofstream c(cells);
    c << "# three NAS-Bench-201 cells by index\n9930\n"
         "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"
         "\n123\n";
  }
  const std::string args =
      kNet + " --limit-train 1024 --epochs 3 --batch-size 128 --archs " + cells + " --out ";
  const std::string ref = dir + "/ref", out = dir + "/stopped";
  auto r = run(kMpi2 + app("wsnas-groundtruth") + args + ref);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  test::run("mkdir -p " + out);
  start_background(kMpi2 + app("wsnas-groundtruth") + args + out, out);
  // Stop once one cell is finished and another is part-way (its per-epoch state exists).
  auto progress = [&] {
    int finished = 0, partial = 0;
    if (DIR* d = opendir((out + "/cells").c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string n = e->d_name;
        partial += n.size() > 9 && n.substr(n.size() - 9) == ".state.h5";
        finished += n.size() > 3 && n.substr(n.size() - 3) == ".h5" &&
                    n.find(".state") == std::string::npos && n.find(".tmp") == std::string::npos;
      }
      closedir(d);
    }
    return finished >= 1 && partial >= 1;
  };
  ASSERT_TRUE(wait_until(progress, 300));
  EXPECT_EQ(signal_processes(app("wsnas-groundtruth"), out, SIGTERM), 2);
  EXPECT_EQ(wait_background(out), 75) << test::read_file(out + "/bg.err");
  EXPECT_FALSE(exists(out + "/groundtruth.h5"));
  // The finished cell's file before the rerun.
  std::map<std::string, double> finished_seconds;
  if (DIR* d = opendir((out + "/cells").c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 3 && n.substr(n.size() - 3) == ".h5" && n.find(".state") == std::string::npos)
        finished_seconds[n] = io::File::open(out + "/cells/" + n).attr_double("/cell", "seconds");
    }
    closedir(d);
  }
  ASSERT_GE(finished_seconds.size(), 1u);
  r = run(kMpi2 + app("wsnas-groundtruth") + args + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 architectures, " + std::to_string(finished_seconds.size()) +
                       " already trained"),
            std::string::npos)
      << r.out;
  for (const auto& [name, s] : finished_seconds)
    EXPECT_EQ(io::File::open(out + "/cells/" + name).attr_double("/cell", "seconds"), s)
        << name << " was retrained";
  auto a = io::File::open(ref + "/groundtruth.h5"), b = io::File::open(out + "/groundtruth.h5");
  EXPECT_EQ(a.read_strings("/results/arch"), b.read_strings("/results/arch"));
  EXPECT_EQ(a.read_i64("/results/arch_index"),
            (std::vector<std::int64_t>{9930, b.read_i64("/results/arch_index")[1], 123}));
  for (const char* col :
       {"final_valid_accuracy", "best_valid_accuracy", "final_test_accuracy", "test_at_best_valid"})
    EXPECT_EQ(a.read_f64(std::string("/results/") + col),
              b.read_f64(std::string("/results/") + col))
        << col;
  EXPECT_EQ(a.read_f64("/curves/train_loss"), b.read_f64("/curves/train_loss"));
  EXPECT_EQ(a.shape("/curves/valid_accuracy"), (std::vector<std::int64_t>{3, 3}));
  // Parameters are the trained network's own count; stand-alone training learns (10 classes:
  // chance is 10%; 24 steps of a C=4 network reach 20-30% here).
  // The exact count: the space's analytic parameters (checked against NAS-Bench-201's published
  // counts in test_nb201_space) for this shape: C=4, N=1, 1-channel input, 10 classes.
  const auto params = a.read_i64("/results/params");
  const auto archs = a.read_strings("/results/arch");
  space::Nb201Shape shape;
  shape.channels = 4;
  shape.cells = 1;
  shape.in_channels = 1;
  shape.classes = 10;
  space::Nb201Space sp;
  ASSERT_EQ(params.size(), 3u);
  for (std::size_t i = 0; i < archs.size(); ++i)
    EXPECT_EQ(params[i], space::Nb201Space::cost_of(sp.parse(archs[i]), shape).params) << archs[i];
  for (double v : a.read_f64("/results/final_valid_accuracy")) EXPECT_GT(v, 15.0);

  // The analysis joins HDF5 results by architecture: scoring the ground truth against itself
  // (test accuracy vs validation accuracy) gives the correlations computed here from the arrays.
  r = run(app("wsnas-analyze") + " --scores " + ref +
          "/groundtruth.h5 --score-column final_test_accuracy --truth " + ref +
          "/groundtruth.h5 --truth-column final_valid_accuracy --k 1,2 --out-h5 " + dir +
          "/analysis.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double expected = analysis::spearman(a.read_f64("/results/final_test_accuracy"),
                                             a.read_f64("/results/final_valid_accuracy"));
  EXPECT_NEAR(io::File::open(dir + "/analysis.h5").attr_double("/correlation", "spearman"),
              expected, 1e-12);
  EXPECT_NE(r.out.find("architectures: 3"), std::string::npos) << r.out;
  r = run("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + ref +
          "/groundtruth.h5', 'r'); print(f.attrs['kind'], f['curves/valid_accuracy'].shape, "
          "list(f['results/arch_index'][[0, 2]]), f['provenance'].attrs['config.epochs'])\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "groundtruth (3, 3) [9930, 123] 3\n");
}

}  // namespace

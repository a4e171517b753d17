// The pipeline stages as a library, run in-process under `mpiexec -n 2` (no app binary): supernet
// training with per-replica sampling on 2 ranks equals the same job on 1 rank holding both
// replicas (a communicator of its own), then evaluation and the ground truth on the 2 ranks.
// Data: a CIFAR-10 directory written by the test in the real binary format.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "test_support.h"
#include "wsnas/app/app.h"
#include "wsnas/data/dataset.h"
#include "wsnas/io/h5file.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/pipeline/evaluate.h"
#include "wsnas/pipeline/groundtruth.h"
#include "wsnas/pipeline/supernet.h"

using namespace wsnas;

namespace {

/// A directory name chosen by rank 0 and shared with every rank.
std::string shared_dir(const mpi::Communicator& world, const std::string& name) {
  char buf[512] = {0};
  if (world.rank() == 0) {
    const std::string d = test::scratch_dir(name);
    std::snprintf(buf, sizeof buf, "%s", d.c_str());
  }
  world.broadcast_bytes(buf, sizeof buf, 0);
  return buf;
}

/// Parses `args` into `job` with the stage's own options; returns the config the apps record.
template <class Job>
train::RunConfig parse(Job& job, const std::vector<std::string>& args) {
  options::Parser parser("test_engine", "test_engine");
  pipeline::add_options(parser, job);
  std::vector<const char*> argv{"test_engine"};
  for (const auto& a : args) argv.push_back(a.c_str());
  options::po::variables_map vm;
  EXPECT_TRUE(parser.parse(static_cast<int>(argv.size()), argv.data(), vm));
  return train::config_of(vm);
}

std::map<std::string, std::vector<double>> read_group(const std::string& path,
                                                      const std::string& group) {
  auto f = io::File::open(path);
  std::map<std::string, std::vector<double>> out;
  for (const auto& name : f.list(group)) out[name] = f.read_f64(group + "/" + name);
  return out;
}

}  // namespace

TEST(Engine, StagesRunInProcessAndAgreeAcrossRankCounts) {
  auto world = mpi::Communicator::world();
  ASSERT_EQ(world.size(), 2);
  const std::string dir = shared_dir(world, "engine");
  if (world.rank() == 0) data::write_synthetic_cifar(dir + "/c10", false, 300, 100, 1);
  world.barrier();
  const std::vector<std::string> data = {
      "--dataset",          "cifar10", "--data-dir", dir + "/c10", "--protocol", "holdout:50",
      "--limit-eval",       "50",      "--channels", "4",          "--cells",    "1",
      "--progress-seconds", "1000"};
  auto args = [&](std::vector<std::string> more) {
    more.insert(more.begin(), data.begin(), data.end());
    return more;
  };
  const std::vector<std::string> train = {"--batch-size",  "32",  "--epochs",  "1",
                                          "--gpus",        "2",   "--sampler", "per-replica",
                                          "--save-epochs", "none"};
  const char* argv0[] = {"test_engine"};

  // 2 ranks, one replica each.
  {
    pipeline::SupernetJob job;
    auto a = args(train);
    a.insert(a.end(), {"--out", dir + "/sn2"});
    auto cfg = parse(job, a);
    app::Context ctx{"test_engine", 1, const_cast<char**>(argv0), world,
                     Provenance::collect(1, argv0)};
    ASSERT_EQ(pipeline::train_supernet(ctx, job, cfg), 0);
  }
  // 1 rank holding both replicas (rank 0 on a communicator of its own).
  auto self = world.split(world.rank(), 0);
  if (world.rank() == 0) {
    pipeline::SupernetJob job;
    auto a = args(train);
    a.insert(a.end(), {"--out", dir + "/sn1"});
    auto cfg = parse(job, a);
    app::Context ctx{"test_engine", 1, const_cast<char**>(argv0), self,
                     Provenance::collect(1, argv0)};
    ASSERT_EQ(pipeline::train_supernet(ctx, job, cfg), 0);
    const auto m1 = read_group(dir + "/sn1/supernet.h5", "/model"),
               m2 = read_group(dir + "/sn2/supernet.h5", "/model");
    ASSERT_EQ(m1.size(), m2.size());
    double diff = 0;
    for (const auto& [name, v] : m1)
      for (std::size_t i = 0; i < v.size(); ++i)
        diff = std::max(diff, std::abs(v[i] - m2.at(name)[i]));
    EXPECT_LT(diff, 1e-5);
  }
  world.barrier();

  // Evaluation of three cells on the 2 ranks, in-process.
  const std::string cells = dir + "/cells.txt";
  if (world.rank() == 0)
    std::ofstream(cells) << "9930\n0\n|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|"
                            "none~1|nor_conv_1x1~2|\n";
  world.barrier();
  {
    pipeline::EvaluateJob job;
    auto cfg = parse(
        job, {"--checkpoint", dir + "/sn2/supernet.h5", "--archs", cells, "--out", dir + "/eval.h5",
              "--bn-calib-batch", "32", "--bn-calib-steps", "2", "--progress-seconds", "1000"});
    app::Context ctx{"test_engine", 1, const_cast<char**>(argv0), world,
                     Provenance::collect(1, argv0)};
    ASSERT_EQ(pipeline::evaluate(ctx, job, cfg), 0);
  }
  {  // The stem computed for every architecture: the same scores as with the cached stem.
    pipeline::EvaluateJob job;
    auto cfg = parse(job, {"--checkpoint", dir + "/sn2/supernet.h5", "--archs", cells, "--out",
                           dir + "/eval-nocache.h5", "--bn-calib-batch", "32", "--bn-calib-steps",
                           "2", "--cache-stem", "false"});
    app::Context ctx{"test_engine", 1, const_cast<char**>(argv0), world,
                     Provenance::collect(1, argv0)};
    ASSERT_EQ(pipeline::evaluate(ctx, job, cfg), 0);
  }
  world.barrier();
  if (world.rank() == 0) {
    auto f = io::File::open(dir + "/eval.h5");
    auto g = io::File::open(dir + "/eval-nocache.h5");
    for (const char* col : {"accuracy", "top5", "loss"}) {
      const auto a = f.read_f64(std::string("/results/") + col),
                 b = g.read_f64(std::string("/results/") + col);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << col << " " << i;
    }
    EXPECT_EQ(f.attr_int("/results", "rows"), 3);
    EXPECT_EQ(f.attr_string("/results", "score"), "accuracy");
    for (double a : f.read_f64("/results/accuracy")) EXPECT_TRUE(a >= 0 && a <= 100) << a;
    const auto top1 = f.read_f64("/results/accuracy"), top5 = f.read_f64("/results/top5");
    for (std::size_t i = 0; i < top1.size(); ++i) EXPECT_GE(top5[i], top1[i]);
  }

  // The ground truth of the three cells, claimed by the 2 ranks.
  {
    pipeline::GroundTruthJob job;
    auto cfg = parse(
        job, args({"--archs", cells, "--epochs", "1", "--batch-size", "64", "--out", dir + "/gt"}));
    app::Context ctx{"test_engine", 1, const_cast<char**>(argv0), world,
                     Provenance::collect(1, argv0)};
    ASSERT_EQ(pipeline::train_ground_truth(ctx, job, cfg), 0);
  }
  world.barrier();
  if (world.rank() == 0) {
    auto f = io::File::open(dir + "/gt/groundtruth.h5");
    EXPECT_EQ(f.attr_int("/results", "rows"), 3);
    // NAS-Bench-201's recipe by default: cosine per epoch, last partial batch kept.
    auto cfg = f.attr_string("/config", "lr-schedule");
    EXPECT_EQ(cfg, "cosine-epoch");
    EXPECT_EQ(f.attr_string("/config", "drop-last"), "false");
  }
}

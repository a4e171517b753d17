// The zero-cost scorers (lib/score) against an independent PyTorch computation of the same
// scorers, tests/reference/zero_cost_reference.py, written from the zero-cost-nas code
// (github.com/mohsaied/zero-cost-nas @ca61347 foresight/pruners/measures/*.py), never from our C++,
// on the released supernets of tests/reference/<space>_supernet_reference.py (independent too).
//
// For NB-201 and DARTS the test builds our supernet at a small size (BN affine parameters
// perturbed, so a BN slip shows), in float64, and writes its state, one batch and, for five
// architectures, every scorer's value. The script loads the state into its own supernet, computes
// each scorer on a fresh copy, as zero-cost-nas does, and prints one line per (architecture,
// scorer): the relative difference. The bound is 1e-5 relative; in float64 what remains is
// arithmetic order (about 1e-13), so a slip in a definition (a sign, a norm, BN left in synflow)
// shows by orders of magnitude.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ostream>
#include <string>
#include <vector>

#include "network_support.h"
#include "test_support.h"
#include "wsnas/core/random.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/nn/network.h"
#include "wsnas/score/scorer.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/state_io.h"
#include "wsnas/train/task.h"

using namespace wsnas;

namespace {

struct SpaceCase {
  std::string space;
  nn::NetworkOptions options;
  std::vector<std::string> archs;  ///< two fixed; three more are sampled
};

std::vector<SpaceCase> cases() {
  std::vector<SpaceCase> out;
  {
    SpaceCase c{"nb201", {}, {}};
    c.options.channels = 4;
    c.options.cells = 1;
    c.archs = {"|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
               "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|"
               "avg_pool_3x3~2|"};
    out.push_back(c);
  }
  {
    SpaceCase c{"darts", {}, {}};
    c.options.channels = 4;
    c.options.cells = 5;
    // The released supernet always has the auxiliary head (its state must load); its output is
    // not scored, so its layers get no gradient and add nothing.
    c.options.auxiliary = true;
    c.archs = {test::kDartsV2};
    out.push_back(c);
  }
  return out;
}

void PrintTo(const SpaceCase& c, std::ostream* os) { *os << c.space; }

class ZeroCost : public ::testing::TestWithParam<SpaceCase> {};

TEST_P(ZeroCost, EveryScorerEqualsAnIndependentPyTorchComputation) {
  const SpaceCase& sc = GetParam();
  const auto space = space::make_space(sc.space);
  std::vector<space::Arch> archs;
  for (const auto& a : sc.archs) archs.push_back(space->parse(a));
  Rng rng(7);
  while (archs.size() < 5) archs.push_back(space->sample(rng, true));
  // The same network every time (a scorer may change its copy: zero-cost-nas scores a copy per
  // measure): built from one seed, BN perturbed from the same generator.
  auto fresh = [&] {
    torch::manual_seed(3);
    auto net = nn::make_supernet(sc.space, sc.options);
    net->to(torch::kFloat64);
    test::perturb_bn(*net);
    net->train();
    return net;
  };
  const auto task = train::make_task("classification");
  const int batch = 8;
  torch::manual_seed(4);
  const auto x = torch::randn({batch, 3, 32, 32}, torch::kFloat64);
  const auto y = torch::randint(10, {batch}, torch::kLong);

  const std::string path = test::scratch_dir("zero_cost_" + sc.space) + "/cases.h5";
  auto f = io::File::create(path);
  f.set_attr("/", "space", sc.space);
  f.set_attr("/", "channels", sc.options.channels);
  f.set_attr("/", "cells", sc.options.cells);
  f.set_attr("/", "classes", sc.options.classes);
  train::write_module(f, "/model", *fresh());
  io::write_tensor(f, "/x", x);
  io::write_tensor(f, "/y", y);
  std::vector<std::string> names;
  for (const auto& e : score::scorers()) names.push_back(e.name);
  for (std::size_t k = 0; k < archs.size(); ++k) {
    const std::string g = "/arch" + std::to_string(k);
    f.create_group(g);
    f.set_attr(g, "arch", space->to_string(archs[k]));
    std::cout << sc.space << " arch" << k;  // the values, for the record
    for (const auto& e : score::scorers()) {
      const auto net = fresh();
      const double v = e.score({*net, archs[k], x, y, *task});
      EXPECT_TRUE(std::isfinite(v)) << sc.space << " " << e.name;
      f.set_attr(g, e.name, v);
      std::cout << " " << e.name << " " << v;
    }
    std::cout << "\n";
  }
  f.close();
  const auto results = test::run_reference("zero_cost_reference.py", path);
  ASSERT_EQ(results.size(), archs.size() * names.size()) << "one line per (arch, scorer)";
  for (const auto& r : results) EXPECT_LT(r.diff, 1e-10) << sc.space << " " << r.name;
}

INSTANTIATE_TEST_SUITE_P(Spaces, ZeroCost, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.space; });

}  // namespace

// ProxylessNAS networks: the stand-alone network of every published architecture has exactly its
// published parameters (data/supernet-help/proxylessnas_imagenet.csv, from the paper's
// released code, github.com/matluster/anonymous-2102 @3825f00 benchmarks/proxylessnas.csv),
// proxyless_gpu has its 7,119,848 (ProxylessNAS' training log: 7.12M); a supernet's path has the
// stand-alone network's parameters; BN eps 1e-3 and He fan-out initialisation (the released
// code's configs/proxyless.py:15-16, space/proxyless/network.py:82-105).
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <cmath>
#include <fstream>

#include "network_support.h"
#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/network.h"
#include "wsnas/nn/proxyless_model.h"
#include "wsnas/space/proxyless.h"

using namespace wsnas;
using space::Arch;
using space::ProxylessSpace;

namespace {

nn::NetworkOptions imagenet() {
  nn::NetworkOptions o;
  o.classes = 1000;
  o.input_size = 224;
  return o;
}

}  // namespace

TEST(ProxylessModel, EveryPublishedArchitectureHasItsPublishedParameters) {
  ProxylessSpace sp;
  std::ifstream in(test::data_file("supernet-help/proxylessnas_imagenet.csv"));
  ASSERT_TRUE(in);
  std::string line;
  std::getline(in, line);
  int rows = 0;
  while (std::getline(in, line)) {
    const auto f = split_csv(trim(line), ',');
    ASSERT_EQ(f.size(), 7u);
    std::int64_t params = 0;
    ASSERT_TRUE(parse_int(f[5], params));
    auto net = nn::proxyless_network(sp.parse(f[1]), imagenet());
    EXPECT_EQ(nn::count_parameters(*net), params) << f[1];
    ++rows;
  }
  EXPECT_EQ(rows, 36);
  const Arch gpu = sp.parse(test::read_file(test::data_file("proxylessnas/proxyless_gpu.config")));
  EXPECT_EQ(nn::count_parameters(*nn::proxyless_network(gpu, imagenet())), 7119848);
}

TEST(ProxylessModel, SupernetPathHasTheStandAloneParameters) {
  // Each block's candidates are its own (no sharing between candidates): a path reaches exactly
  // the stand-alone network's parameters. Width 0.5, 10 classes, 32x32 inputs.
  ProxylessSpace sp;
  nn::NetworkOptions o;
  o.width_mult = 0.5;
  o.classes = 10;
  auto super = nn::proxyless_supernet(o);
  Rng rng(4);
  for (int i = 0; i < 8; ++i) {
    const Arch a = sp.sample(rng, true);
    auto alone = nn::proxyless_network(a, o);
    space::CostOptions co;
    co.width_mult = 0.5;
    co.classes = 10;
    EXPECT_EQ(nn::count_parameters(*alone), sp.cost(a, co)->params) << sp.to_string(a);
    EXPECT_EQ(test::used_parameters(*super, a), nn::count_parameters(*alone)) << sp.to_string(a);
    EXPECT_EQ(alone->forward(torch::randn({2, 3, 32, 32}), a).output.sizes(),
              (std::vector<std::int64_t>{2, 10}));
  }
  // A zero block is the identity: an architecture with every optional block zero runs 6 MBConvs.
  Arch minimal = sp.sample(rng, true);
  for (std::size_t b = 0; b < 21; ++b)
    if (space::proxyless_blocks()[b].has_zero) minimal.choices[b] = 6;
  auto alone = nn::proxyless_network(minimal, o);
  int mbconvs = 0;
  for (const auto& m : alone->named_children()) mbconvs += m.key().rfind("block", 0) == 0 ? 1 : 0;
  EXPECT_EQ(mbconvs, 6);
}

TEST(ProxylessModel, BatchNormAndInitialisationOfTheReleasedCode) {
  auto net = nn::proxyless_supernet(imagenet());
  int bns = 0;
  for (const auto& m : net->modules(false)) {
    if (auto* bn = m->as<nn::BatchNorm2dImpl>()) {
      EXPECT_DOUBLE_EQ(bn->options.eps(), 1e-3);
      EXPECT_DOUBLE_EQ(bn->options.momentum().value(), 0.1);
      ++bns;
    }
  }
  EXPECT_GT(bns, 21 * 6 * 2);
  // He fan-out: the feature mix 1x1 (432 -> 1728) has std sqrt(2 / 1728).
  for (const auto& p : net->named_parameters()) {
    if (p.key() == "feature_mix.conv.weight") {
      EXPECT_NEAR(p.value().std().item<double>(), std::sqrt(2.0 / 1728), 2e-4);
    }
  }
  // --channels and --cells do not apply: refused with one line.
  auto o = imagenet();
  o.channels = 16;
  EXPECT_NE(test::input_error_of([&] { nn::proxyless_supernet(o); }).find("--width-mult"),
            std::string::npos);
}

// NAS-Bench-101 networks: the stand-alone network's parameters equal the benchmark's
// trainable_parameters; the supernet's path of a sub-space cell has exactly the stand-alone
// network's parameters (the supernet of the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 space/nb101/network.py); the supernet's structure
// and initialisation.
#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/optim/sgd.h>

#include <cmath>

#include "network_support.h"
#include "wsnas/core/random.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/nb101_model.h"
#include "wsnas/nn/network.h"

using namespace wsnas;
using space::Nb101Space;

TEST(Nb101Model, StandAloneParametersEqualTheBenchmarks) {
  // The google-research/nasbench README's Inception-like cell: trainable_parameters 2,694,282 as
  // the benchmark reports it (see test_nb101_space, ParamsOfTheNasbenchReadmeCell). Not a sub-space
  // cell: four vertices feed the output (32 channels each).
  const auto cell = space::parse_nb101_cell(
      "0111010.0000001.0000001.0000100.0000001.0000001.0000000|conv1x1+conv3x3+conv3x3+conv3x3+"
      "maxpool3x3");
  auto net = nn::nb101_cell_network(cell, {});
  EXPECT_EQ(nn::count_parameters(*net), 2694282);
  // It runs: 10 logits per image.
  torch::NoGradGuard no_grad;
  net->eval();
  EXPECT_EQ(net->forward(torch::randn({2, 3, 32, 32}), space::Arch{}).output.sizes(),
            (std::vector<std::int64_t>{2, 10}));
}

TEST(Nb101Model, TruncationAndOutputProjectionOfGeneralCells) {
  // 130 output channels over 3 fan-in vertices: 44, 43, 43; vertex 1 feeds vertex 2 (43 < 44:
  // truncated by one channel), and an input -> output projection is added. Parameters equal the
  // analytic count (NAS-Bench-101's model builder, checked against the Python reference).
  const auto cell =
      space::parse_nb101_cell("01101.00111.00011.00001.00000|conv3x3+conv1x1+maxpool3x3");
  nn::NetworkOptions o;
  o.channels = 130;
  o.cells = 1;
  auto net = nn::nb101_cell_network(cell, o);
  space::Nb101Shape shape;
  shape.stem_channels = 130;
  shape.modules = 1;
  EXPECT_EQ(nn::count_parameters(*net), space::nb101_cost(cell, shape).params);
  EXPECT_EQ(space::nb101_vertex_channels(130, 130, cell.matrix),
            (std::vector<int>{130, 44, 43, 43, 130}));
  net->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(net->forward(torch::randn({1, 3, 8, 8}), space::Arch{}).output.size(1), 10);
}

TEST(Nb101Model, SupernetPathHasTheStandAloneParametersOn100Cells) {
  // For sub-space cells every vertex has C/2 channels in both networks (the output has exactly
  // two parents and no input edge), so the supernet's path and the stand-alone network have the
  // same parameters: counted here as those a backward pass reaches.
  nn::seed_torch(0);
  Nb101Space sp;
  nn::NetworkOptions o;
  o.channels = 16;  // a narrow network keeps the test fast; the rule is the same at 128
  o.cells = 1;
  auto supernet = nn::nb101_supernet(o);
  Rng rng(5);
  for (int i = 0; i < 100; ++i) {
    const auto arch = sp.sample(rng, true);
    auto alone = nn::nb101_network(arch, o);
    space::CostOptions c;
    c.channels = 16;
    c.cells = 1;
    const auto expected = sp.cost(arch, c)->params;
    ASSERT_EQ(nn::count_parameters(*alone), expected) << sp.to_string(arch);
    ASSERT_EQ(test::used_parameters(*supernet, arch, 8), expected) << sp.to_string(arch);
  }
  // At full size for one cell: index 0 has 13,381,898 parameters (Python reference).
  auto full = nn::nb101_network(*sp.at(0), {});
  EXPECT_EQ(nn::count_parameters(*full), 13381898);
}

TEST(Nb101Model, SupernetShapeBnAndInitialisation) {
  nn::seed_torch(1);
  auto net = nn::nb101_supernet({});
  int bns = 0, convs = 0;
  for (const auto& m : net->modules(/*include_self=*/false)) {
    if (auto* bn = m->as<nn::BatchNorm2d>()) {
      ++bns;
      ASSERT_TRUE(bn->options.momentum().has_value());
      EXPECT_DOUBLE_EQ(*bn->options.momentum(), 0.003);  // configs/nb101.py bn_momentum
      EXPECT_DOUBLE_EQ(bn->options.eps(), 1e-5);
      EXPECT_TRUE(bn->options.affine());
    }
    if (auto* conv = m->as<torch::nn::Conv2d>()) {
      ++convs;
      EXPECT_FALSE(conv->options.bias());
      // Truncated normal of std sqrt(1/fan_in): beyond 2 sd only when all 4 candidates miss
      // (p = 0.0455^4 = 4.3e-6 per weight; allowed: 3 + 2e-5 per weight), and the sample sd near
      // the truncated normal's 0.8796 sd.
      const auto w = conv->weight.detach();
      const double sd = 1.0 / std::sqrt(static_cast<double>(w.numel() / w.size(0)));
      EXPECT_LE((w.abs() > 2 * sd * (1 + 1e-6)).sum().item<std::int64_t>(), 3 + w.numel() / 50000);
      if (w.numel() > 10000) {
        EXPECT_NEAR(w.std().item<double>() / sd, 0.8796, 0.03);
      }
    }
  }
  // Stem, then 9 cells x 5 vertices x (projection, conv3x3, conv1x1).
  EXPECT_EQ(convs, 1 + 9 * 15);
  EXPECT_EQ(bns, convs);
  // Widths 128 -> 256 -> 512 and a 10-way head on 32x32 input.
  Nb101Space sp;
  torch::NoGradGuard no_grad;
  net->eval();
  const auto h = net->stem(torch::randn({2, 3, 32, 32}));
  EXPECT_EQ(h.sizes(), (std::vector<std::int64_t>{2, 128, 32, 32}));
  EXPECT_EQ(net->body(h, *sp.at(777)).output.sizes(), (std::vector<std::int64_t>{2, 10}));
}

TEST(Nb101Model, RegistryMakesBothNetworks) {
  Nb101Space sp;
  nn::NetworkOptions o;
  o.channels = 8;
  o.cells = 1;
  auto arch = *sp.at(4242);
  auto alone = nn::make_network("nb101", arch, o);
  ASSERT_NE(alone->own_arch(), nullptr);
  EXPECT_EQ(*alone->own_arch(), arch);
  EXPECT_EQ(nn::make_supernet("nb101", o)->own_arch(), nullptr);
  EXPECT_EQ(nn::model_entry("nb101").task, "classification");
  // Training runs: a few SGD steps on one batch lower the loss.
  nn::seed_torch(2);
  auto x = torch::randn({8, 3, 16, 16});
  auto y = torch::randint(0, 10, {8}, torch::kLong);
  torch::optim::SGD opt(alone->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  double first = 0, last = 0;
  for (int s = 0; s < 15; ++s) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(alone->forward(x, arch).output, y);
    loss.backward();
    opt.step();
    (s == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, first);
}

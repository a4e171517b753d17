// DARTS-CIFAR10 networks: the stand-alone network of every published architecture has exactly
// its published parameters (data/supernet-help/darts_cifar10.csv, from the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 benchmarks/darts-cifar10.csv; counted as DARTS'
// utils.count_parameters_in_MB does, the auxiliary head excluded); the
// supernet's path of a genotype has exactly the stand-alone network's parameters (ENAS-style
// sharing, anonymous-2102 space/darts/network.py:59-70); drop-path and the auxiliary head.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "network_support.h"
#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/nn/darts_model.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/darts.h"
#include "wsnas/train/state_io.h"

using namespace wsnas;
using space::Arch;
using space::DartsSpace;

namespace {

nn::NetworkOptions cifar10(int channels = 0, int cells = 0) {
  nn::NetworkOptions o;
  o.channels = channels;
  o.cells = cells;
  o.classes = 10;
  o.input_size = 32;
  return o;
}

}  // namespace

TEST(DartsModel, EveryPublishedArchitectureHasItsPublishedParameters) {
  DartsSpace sp;
  std::ifstream in(test::data_file("supernet-help/darts_cifar10.csv"));
  ASSERT_TRUE(in) << "missing data/supernet-help/darts_cifar10.csv";
  std::string line;
  std::getline(in, line);
  int rows = 0;
  while (std::getline(in, line)) {
    const auto f = split_csv(trim(line), ',');
    ASSERT_EQ(f.size(), 7u) << line;
    std::int64_t params = 0;
    ASSERT_TRUE(parse_int(f[5], params)) << f[5];
    const Arch a = sp.parse(f[1]);
    auto net = nn::darts_network(a, cifar10());
    ASSERT_EQ(nn::count_inference_parameters(*net), params) << f[1];
    ASSERT_EQ(nn::count_parameters(*net), params) << "no auxiliary head unless asked";
    ++rows;
  }
  EXPECT_EQ(rows, 377);
}

TEST(DartsModel, DartsV2AndItsAuxiliaryHead) {
  DartsSpace sp;
  const Arch v2 = sp.parse(test::kDartsV2);
  auto o = cifar10();
  o.auxiliary = true;
  auto net = nn::darts_network(v2, o);
  EXPECT_EQ(nn::count_inference_parameters(*net), 3349342);
  // AuxiliaryHeadCIFAR(576, 10): conv 576x128, BN 128, conv 128x768x2x2, BN 768, linear 768x10+10.
  EXPECT_EQ(nn::count_parameters(*net) - 3349342,
            576 * 128 + 2 * 128 + 128 * 768 * 4 + 2 * 768 + 768 * 10 + 10);
  EXPECT_EQ(nn::count_inference_parameters(*net), sp.cost(v2, {})->params);

  // The head's output comes with a training forward pass with gradients only.
  auto small = cifar10(4, 5);
  small.auxiliary = true;
  auto tiny = nn::darts_network(v2, small);
  tiny->train();
  const nn::Forward f = tiny->forward(torch::randn({3, 3, 32, 32}), v2);
  EXPECT_EQ(f.output.sizes(), (std::vector<std::int64_t>{3, 10}));
  ASSERT_TRUE(f.auxiliary.defined());
  EXPECT_EQ(f.auxiliary.sizes(), (std::vector<std::int64_t>{3, 10}));
  EXPECT_FALSE(f.penalty.defined());
  tiny->eval();
  EXPECT_FALSE(tiny->forward(torch::randn({3, 3, 32, 32}), v2).auxiliary.defined());
  {
    at::NoGradGuard g;  // BN calibration: training mode without gradients
    tiny->train();
    EXPECT_FALSE(tiny->forward(torch::randn({3, 3, 32, 32}), v2).auxiliary.defined());
  }

  // The head takes 8x8 maps: 28x28 images are refused with one line naming the option.
  auto mnist = small;
  mnist.input_size = 28;
  mnist.in_channels = 1;
  try {
    nn::darts_network(v2, mnist);
    ADD_FAILURE() << "28x28 with an auxiliary head accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--aux-weight"), std::string::npos) << e.what();
  }
  mnist.auxiliary = false;
  auto plain = nn::darts_network(v2, mnist);
  EXPECT_EQ(plain->forward(torch::randn({2, 1, 28, 28}), v2).output.sizes(),
            (std::vector<std::int64_t>{2, 10}));
}

TEST(DartsModel, SupernetPathHasTheStandAloneParameters) {
  // ENAS-style sharing: a genotype's path through the supernet reaches one operator instance per
  // (cell, node, slot), with stride 2 exactly where the stand-alone network has it, so the
  // parameters it trains are as many as the stand-alone network's (same shape, C 8, 5 cells).
  DartsSpace sp;
  auto super = nn::darts_supernet(cifar10(8, 5));
  Rng rng(12);
  for (int i = 0; i < 12; ++i) {
    const Arch a = sp.sample(rng, true);
    auto alone = nn::darts_network(a, cifar10(8, 5));
    space::CostOptions co;
    co.channels = 8;
    co.cells = 5;
    EXPECT_EQ(nn::count_parameters(*alone), sp.cost(a, co)->params) << sp.to_string(a);
    EXPECT_EQ(test::used_parameters(*super, a), nn::count_parameters(*alone)) << sp.to_string(a);
  }
  // The slots' weights do not depend on the input they take: every slot has the same 7
  // operators whatever the genotype (7 x 2 slots x 4 nodes per cell, FactorizedReduce in
  // reduction cells for a strided skip).
  std::int64_t normal_slot = 0;
  for (const auto& p : super->named_parameters()) {
    if (p.key().rfind("cell0.node2_slot0.", 0) == 0) normal_slot += p.value().numel();
  }
  // C=8: sep3 2x(9x8 + 64 + 16), sep5 2x(25x8 + 64 + 16), dil3 9x8 + 64 + 16, dil5 25x8 + 64 + 16.
  EXPECT_EQ(normal_slot, 2 * (72 + 80) + 2 * (200 + 80) + (72 + 80) + (200 + 80));
}

TEST(DartsModel, DropPathIsSeededAndSparesTheIdentity) {
  DartsSpace sp;
  const Arch v2 = sp.parse(test::kDartsV2);
  auto net = nn::darts_network(v2, cifar10(4, 3));
  net->train();
  const auto x = torch::randn({16, 3, 32, 32});
  auto run = [&](double p, std::uint64_t seed) {
    net->set_drop_path(p, seed);
    at::NoGradGuard g;
    return net->forward(x, v2).output;
  };
  const auto a = run(0.3, 7), b = run(0.3, 7), c = run(0.3, 8), none = run(0.0, 7);
  EXPECT_TRUE(a.equal(b)) << "same seed, same masks";
  EXPECT_FALSE(a.equal(c)) << "another seed, other masks";
  EXPECT_FALSE(a.equal(none));
  // In evaluation mode drop-path is off whatever the probability.
  net->eval();
  EXPECT_TRUE(run(0.3, 7).equal(run(0.0, 9)));
  // Outside [0, 1): refused.
  EXPECT_THROW(net->set_drop_path(1.0, 0), InputError);
}

TEST(DartsModel, ForwardPassesMatchTheReferenceImplementation) {
  // tests/reference/darts_reference.py rebuilds DARTS' NetworkCIFAR from DARTS' own code (fixed
  // strides, nn.Identity, AuxiliaryHeadCIFAR) in Debian's PyTorch, loads our weights and compares
  // logits: the stand-alone network (global pooling) and a supernet's path (the same network with
  // the supernet's chosen operator instances and the released code's AvgPool2d(7)), in evaluation
  // mode (BN running statistics, made non-trivial here) and in training mode with the auxiliary
  // head.
  DartsSpace sp;
  Rng rng(5);
  const std::string path = test::scratch_dir("darts_reference") + "/cases.h5";
  {
    auto f = io::File::create(path);
    for (const char* kind : {"standalone", "supernet"}) {
      for (int k = 0; k < 2; ++k) {
        const Arch a = sp.sample(rng, true);
        auto o = cifar10(4, 5);
        o.auxiliary = true;
        auto net =
            std::string(kind) == "supernet" ? nn::darts_supernet(o) : nn::darts_network(a, o);
        {
          at::NoGradGuard g;
          for (auto& b : net->named_buffers()) {
            if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.2);
            if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 1.5);
          }
          for (auto& p : net->named_parameters()) {
            if (p.key().find(".bn") != std::string::npos ||
                p.key().find("_bn") != std::string::npos)
              p.value().uniform_(0.5, 1.5);
          }
        }
        const auto x = torch::randn({4, 3, 32, 32});
        const std::string g = "/" + std::string(kind) + std::to_string(k);
        f.create_group(g);
        f.set_attr(g, "channels", 4);
        f.set_attr(g, "layers", 5);
        f.set_attr(g, "classes", 10);
        f.set_attr(g, "pool7", std::string(kind) == "supernet" ? 1 : 0);
        std::vector<std::int64_t> choices(a.choices.begin(), a.choices.end());
        f.write_i64(g + "/choices", choices);
        io::write_tensor(f, g + "/x", x);
        train::write_module(f, g + "/model", *net);
        net->eval();
        {
          at::NoGradGuard ng;
          io::write_tensor(f, g + "/eval_out", net->forward(x, a).output);
        }
        net->train();
        net->set_drop_path(0, 0);
        const nn::Forward fw = net->forward(x, a);
        io::write_tensor(f, g + "/train_out", fw.output.detach());
        io::write_tensor(f, g + "/train_aux", fw.auxiliary.detach());
      }
    }
  }
  const auto cases = test::run_reference("darts_reference.py", path);
  for (const auto& c : cases) {
    EXPECT_LT(c.diff, 1e-4) << c.name;
    EXPECT_GT(c.tensors, 50) << c.name;
  }
  EXPECT_EQ(cases.size(), 4u);
}

// Every image supernet against an independent PyTorch reference of the paper's released supernet
// (github.com/matluster/anonymous-2102 @3825f00, space/<space>/network.py), written from that
// code's structure in tests/reference/<space>_supernet_reference.py, never from our C++.
//
// For each space the test builds our supernet at a small size, perturbs its BN parameters and
// statistics (so a BN slip shows), and writes to an HDF5 file the supernet's state and, for three
// fixed architectures (one with `none`/`zero` operators where the space has them):
//   - a fixed batch x, labels y;
//   - training mode: the logits, the loss (cross-entropy, plus aux-weight x the auxiliary head's
//     where the space has one), every parameter's gradient, every buffer after the step (BN
//     running statistics moved by their momentum);
//   - BN calibration on two fixed batches (paper Appendix A.2; the released code's
//     set_running_statistics, trainers/utils.py:324-373), the buffers after it, and the logits
//     in evaluation mode.
// The script loads the state by a name mapping into its own supernet, repeats the sequence and
// prints one line per architecture: the largest relative difference over every compared tensor
// (max |ours - reference| / max(|ours|, |reference|); a NaN counts as infinite) and the number of
// tensors compared. The networks run in double precision: what remains is arithmetic order (the
// scripts print about 1e-14), so the bound is 1e-10, far tighter than the 1e-5 and than
// a float32 slip (about 1e-7).
#include <ATen/core/grad_mode.h>
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
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/state_io.h"

using namespace wsnas;

namespace {

struct SpaceCase {
  std::string space;
  nn::NetworkOptions options;
  double aux_weight = 0;  ///< weight of the auxiliary head's loss (DARTS: 0.4, configs/darts.py:12)
  std::vector<std::string> archs;  ///< three architectures in the space's canonical strings
};

std::vector<SpaceCase> cases() {
  std::vector<SpaceCase> out;
  {
    SpaceCase c{"nb201", {}, 0, {}};
    c.options.channels = 4;
    c.options.cells = 2;
    c.options.classes = 10;
    c.archs = {// NAS-Bench-201's ResNet-like cell (Dong & Yang 2020, Fig. 1).
               "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
               "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
               "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|"
               "avg_pool_3x3~2|"};
    out.push_back(c);
  }
  {
    SpaceCase c{"nb101", {}, 0, {}};
    c.options.channels = 8;
    c.options.cells = 1;
    c.options.classes = 10;
    c.archs = {
        "0110000.0001110.0000100.0000001.0000010.0000001.0000000|"
        "conv3x3-bn-relu+maxpool3x3+conv1x1-bn-relu+conv1x1-bn-relu+conv1x1-bn-relu",
        "0100100.0011010.0000100.0000001.0000010.0000001.0000000|"
        "maxpool3x3+conv3x3-bn-relu+conv1x1-bn-relu+conv3x3-bn-relu+conv1x1-bn-relu",
        // Vertices 1, 2 and 3 take the cell input's projections.
        "0111000.0000010.0000110.0000100.0000001.0000001.0000000|"
        "conv3x3-bn-relu+maxpool3x3+maxpool3x3+conv3x3-bn-relu+maxpool3x3"};
    out.push_back(c);
  }
  {
    SpaceCase c{"darts", {}, 0.4, {}};
    c.options.channels = 4;
    c.options.cells = 5;
    c.options.classes = 10;
    c.options.auxiliary = true;
    c.archs = {
        test::kDartsV2,
        // skip_connect on a reduction cell's input 0: FactorizedReduce at stride 2.
        "Genotype(normal=[('dil_conv_3x3', 1), ('skip_connect', 0), ('avg_pool_3x3', 1), "
        "('sep_conv_5x5', 2), ('dil_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_3x3', 2), "
        "('sep_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), "
        "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1), ('sep_conv_5x5', 3), "
        "('dil_conv_5x5', 1), ('dil_conv_5x5', 0), ('avg_pool_3x3', 2)], "
        "reduce_concat=[2, 3, 4, 5])",
        "Genotype(normal=[('max_pool_3x3', 1), ('max_pool_3x3', 0), ('dil_conv_5x5', 1), "
        "('dil_conv_3x3', 2), ('dil_conv_3x3', 1), ('skip_connect', 3), ('sep_conv_5x5', 2), "
        "('max_pool_3x3', 4)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 1), "
        "('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_3x3', 2), ('dil_conv_3x3', 3), "
        "('sep_conv_5x5', 2), ('dil_conv_3x3', 4), ('max_pool_3x3', 3)], "
        "reduce_concat=[2, 3, 4, 5])"};
    out.push_back(c);
  }
  {
    SpaceCase c{"proxyless", {}, 0, {}};
    c.options.width_mult = 0.25;
    c.options.classes = 10;
    c.archs = {
        "3x3_MBConv6|zero|7x7_MBConv3|zero|7x7_MBConv6|zero|3x3_MBConv3|3x3_MBConv3|3x3_MBConv6|"
        "3x3_MBConv3|7x7_MBConv6|3x3_MBConv6|5x5_MBConv6|7x7_MBConv6|zero|7x7_MBConv3|"
        "7x7_MBConv6|3x3_MBConv3|7x7_MBConv6|5x5_MBConv3|5x5_MBConv6",
        "3x3_MBConv6|5x5_MBConv3|3x3_MBConv6|5x5_MBConv3|3x3_MBConv3|3x3_MBConv3|3x3_MBConv6|"
        "7x7_MBConv6|7x7_MBConv6|5x5_MBConv3|7x7_MBConv6|7x7_MBConv3|5x5_MBConv6|5x5_MBConv3|"
        "3x3_MBConv3|7x7_MBConv6|7x7_MBConv3|3x3_MBConv6|5x5_MBConv3|5x5_MBConv6|3x3_MBConv6",
        "5x5_MBConv3|zero|zero|zero|3x3_MBConv6|zero|zero|zero|7x7_MBConv3|zero|zero|zero|"
        "5x5_MBConv6|zero|zero|zero|3x3_MBConv3|zero|zero|zero|7x7_MBConv6"};
    out.push_back(c);
  }
  return out;
}

void write_buffers(io::File& f, const std::string& group, const nn::Network& net) {
  f.create_group(group);
  for (const auto& b : net.named_buffers()) io::write_tensor(f, group + "/" + b.key(), b.value());
}

/// gtest prints a case by its space's name.
void PrintTo(const SpaceCase& c, std::ostream* os) { *os << c.space; }

class SupernetReference : public ::testing::TestWithParam<SpaceCase> {};

TEST_P(SupernetReference, MatchesThePapersReleasedSupernet) {
  const SpaceCase& sc = GetParam();
  const auto space = space::make_space(sc.space);
  torch::manual_seed(11);
  auto net = nn::make_supernet(sc.space, sc.options);
  net->to(torch::kFloat64);
  test::perturb_bn(*net);
  const int size = sc.options.input_size;
  const int batch = 4;
  const auto x = torch::randn({batch, sc.options.in_channels, size, size}, torch::kFloat64);
  const auto y = torch::randint(sc.options.classes, {batch}, torch::kLong);
  std::vector<at::Tensor> calib;
  for (int s = 0; s < 2; ++s)
    calib.push_back(torch::randn({batch, sc.options.in_channels, size, size}, torch::kFloat64));

  // The state every architecture starts from.
  std::vector<at::Tensor> initial;
  for (const auto& p : net->parameters()) initial.push_back(p.detach().clone());
  for (const auto& b : net->buffers()) initial.push_back(b.clone());
  auto restore = [&] {
    at::NoGradGuard g;
    std::size_t i = 0;
    for (auto& p : net->parameters()) p.copy_(initial[i++]);
    for (auto& b : net->buffers()) b.copy_(initial[i++]);
    for (auto& p : net->parameters()) p.mutable_grad() = at::Tensor();
  };

  const std::string path = test::scratch_dir("supernet_reference_" + sc.space) + "/cases.h5";
  {
    auto f = io::File::create(path);
    f.set_attr("/", "space", sc.space);
    f.set_attr("/", "channels", sc.options.channels);
    f.set_attr("/", "cells", sc.options.cells);
    f.set_attr("/", "width_mult", sc.options.width_mult);
    f.set_attr("/", "classes", sc.options.classes);
    f.set_attr("/", "input_size", size);
    f.set_attr("/", "aux_weight", sc.aux_weight);
    train::write_module(f, "/model", *net);
    io::write_tensor(f, "/x", x);
    io::write_tensor(f, "/y", y);
    for (int s = 0; s < 2; ++s) io::write_tensor(f, "/calib" + std::to_string(s), calib[s]);
    for (std::size_t k = 0; k < sc.archs.size(); ++k) {
      const space::Arch arch = space->parse(sc.archs[k]);
      ASSERT_TRUE(space->is_valid(arch)) << sc.archs[k];
      restore();
      const std::string g = "/arch" + std::to_string(k);
      f.create_group(g);
      f.set_attr(g, "arch", space->to_string(arch));
      net->train();
      net->set_drop_path(0, 0);
      const nn::Forward fw = net->forward(x, arch);
      const at::Tensor out = fw.output;
      at::Tensor loss = torch::nn::functional::cross_entropy(out, y);
      if (sc.aux_weight > 0) {
        const at::Tensor aux = fw.auxiliary;
        ASSERT_TRUE(aux.defined());
        io::write_tensor(f, g + "/train_aux", aux.detach());
        loss = loss + sc.aux_weight * torch::nn::functional::cross_entropy(aux, y);
      }
      loss.backward();
      io::write_tensor(f, g + "/train_out", out.detach());
      io::write_tensor(f, g + "/loss", loss.detach().reshape({1}));
      f.create_group(g + "/grad");
      for (const auto& p : net->named_parameters()) {
        if (p.value().grad().defined())
          io::write_tensor(f, g + "/grad/" + p.key(), p.value().grad());
      }
      write_buffers(f, g + "/after_train", *net);
      nn::calibrate_bn(*net, 2, [&](int s) { net->forward(calib[s], arch); });
      write_buffers(f, g + "/calibrated", *net);
      at::NoGradGuard ng;
      io::write_tensor(f, g + "/eval_out", net->forward(x, arch).output);
    }
  }
  const auto results = test::run_reference(sc.space + "_supernet_reference.py", path);
  ASSERT_EQ(results.size(), sc.archs.size()) << "one line per architecture";
  for (const auto& r : results) {
    EXPECT_LT(r.diff, 1e-10) << sc.space << " " << r.name;
    EXPECT_GT(r.tensors, 20) << sc.space << " " << r.name << ": too few tensors compared";
  }
}

INSTANTIATE_TEST_SUITE_P(Spaces, SupernetReference, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.space; });

}  // namespace

// Weight-sharing invariance, once for every space in the model registry (nn::model_names()): the
// stand-alone network of an architecture, given the supernet's weights by name, computes what the
// supernet computes for that path. Its tensors must all exist in the supernet under the same names
// and shapes (the supernet's path *is* that network: paper §2, the released code's LayerChoice
// keeps one module per candidate); in training and evaluation mode the outputs, the loss, every
// gradient (parameters off the path get none, or zeros) and the BN statistics after the pass
// agree. The stand-alone network is what the ground truth trains: NB-101's is NAS-Bench-101's
// pruned cell (its own code); NB-201's, DARTS', ProxylessNAS' and DARTS-PTB's share the supernet's
// classes but are built with only the chosen operators (names, shapes, strides and pooling as the
// stand-alone network has them), so a space whose two networks drift apart fails here. A new space
// is tested by registering it.
//
// Where a space's stand-alone network differs by design, the test states it and compares where
// the two coincide:
//   - darts: DARTS' NetworkCIFAR pools globally, the released supernet with AvgPool2d(7)
//     (github.com/matluster/anonymous-2102 @3825f00 space/darts/network.py:158): the same on the
//     7x7 maps of 28x28 inputs, so darts runs at 28x28.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "network_support.h"
#include "wsnas/core/random.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/task.h"

using namespace wsnas;

namespace {

/// The shape each space is compared at: its defaults, except where stated above.
nn::NetworkOptions options_for(const std::string& space) {
  nn::NetworkOptions o;
  o.classes = 10;
  o.rnn_dropout = {0, 0, 0, 0, 0};  // a recurrent network's dropouts off: masks are not shared
  if (space == "darts") o.input_size = 28;
  return o;
}

/// A batch of the task's kind and its targets.
std::pair<at::Tensor, at::Tensor> example_batch(const std::string& task,
                                                const nn::NetworkOptions& o) {
  const auto f64 = torch::kFloat64;
  if (task == "language-modelling")  // tokens [T, N], next tokens [T, N]
    return {torch::randint(o.classes, {6, 2}, torch::kLong),
            torch::randint(o.classes, {6, 2}, torch::kLong)};
  return {torch::randn({2, o.in_channels, o.input_size, o.input_size}, f64),
          torch::randint(o.classes, {2}, torch::kLong)};
}

/// max |a - b| / max(max |a|, max |b|); 0 when both are zero.
double relative_difference(const at::Tensor& a, const at::Tensor& b) {
  const double scale = std::max(a.abs().max().item<double>(), b.abs().max().item<double>());
  return scale == 0 ? 0 : (a - b).abs().max().item<double>() / scale;
}

class WeightSharing : public ::testing::TestWithParam<std::string> {};

TEST_P(WeightSharing, TheStandAloneNetworkWithTheSupernetsWeightsComputesThePath) {
  const std::string name = GetParam();
  const auto space = space::make_space(name);
  const auto& entry = nn::model_entry(name);
  const auto task = train::make_task(entry.task);
  const nn::NetworkOptions o = options_for(name);
  torch::manual_seed(3);
  auto supernet = nn::make_supernet(name, o);
  supernet->to(torch::kFloat64);
  test::perturb_bn(*supernet);  // so evaluation mode tests the BN statistics and affine terms
  const auto [x, target] = example_batch(entry.task, o);
  Rng rng(17);
  for (int k = 0; k < 3; ++k) {
    const space::Arch arch = space->sample(rng, /*valid_only=*/true);
    const std::string text = name + " " + space->to_string(arch);
    auto network = nn::make_network(name, arch, o);
    network->to(torch::kFloat64);
    auto super_params = supernet->named_parameters();
    auto super_buffers = supernet->named_buffers();
    {
      at::NoGradGuard g;
      for (auto& p : network->named_parameters()) {
        const at::Tensor* s = super_params.find(p.key());
        ASSERT_NE(s, nullptr) << text << ": " << p.key() << " is not a supernet parameter";
        ASSERT_EQ(s->sizes(), p.value().sizes()) << text << ": " << p.key();
        p.value().copy_(*s);
      }
      for (auto& b : network->named_buffers()) {
        const at::Tensor* s = super_buffers.find(b.key());
        ASSERT_NE(s, nullptr) << text << ": " << b.key() << " is not a supernet buffer";
        ASSERT_EQ(s->sizes(), b.value().sizes()) << text << ": " << b.key();
        b.value().copy_(*s);
      }
    }
    for (bool training : {true, false}) {
      const std::string where = text + (training ? " (training)" : " (evaluation)");
      std::vector<at::Tensor> outputs;
      for (auto* net : {supernet.get(), network.get()}) {
        for (auto& p : net->parameters()) p.mutable_grad() = at::Tensor();
        net->train(training);
        net->set_drop_path(0, 5);
        net->reset_state(2);
        const at::Tensor out = net->forward(x, arch).output;
        task->loss(out, target).backward();
        outputs.push_back(out.detach());
      }
      EXPECT_LT(relative_difference(outputs[0], outputs[1]), 1e-10) << where << ": outputs";
      std::map<std::string, at::Tensor> own;
      for (const auto& p : network->named_parameters()) own[p.key()] = p.value().grad();
      int compared = 0;
      for (const auto& p : supernet->named_parameters()) {
        const at::Tensor g = p.value().grad();
        const auto it = own.find(p.key());
        const at::Tensor mine = it == own.end() ? at::Tensor() : it->second;
        if (!mine.defined()) {
          // Off the stand-alone network's path: no gradient in the supernet either, or zeros.
          EXPECT_TRUE(!g.defined() || g.abs().max().item<double>() == 0)
              << where << ": " << p.key();
          continue;
        }
        ASSERT_TRUE(g.defined()) << where << ": " << p.key() << " has no supernet gradient";
        EXPECT_LT(relative_difference(g, mine), 1e-10) << where << ": gradient of " << p.key();
        ++compared;
      }
      EXPECT_GT(compared, 0) << where;
      for (const auto& b : network->named_buffers()) {
        EXPECT_LT(relative_difference(b.value(), *supernet->named_buffers().find(b.key())), 1e-10)
            << where << ": " << b.key();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, WeightSharing, ::testing::ValuesIn(nn::model_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace

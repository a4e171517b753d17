// CPU against CUDA, by value, once for every space in the model registry (nn::model_names()): the
// supernet and a stand-alone network, with the same weights and the same batch, give the same
// outputs, loss and parameter gradients of one training-mode pass on both devices, in float32 and
// under bfloat16 autocast (train::Autocast, what --precision bf16 runs), and the same
// evaluation-mode outputs after it. Skipped (not passed) where LibTorch sees no GPU: CI has none;
// scripts/gpu-check.sh runs this suite first on a machine that has one.
//
// Tolerances, as relative L2 distances ||cuda - cpu|| / ||cpu|| over each tensor:
//   - float32: 2e-2. cuDNN may run float32 convolutions in TF32 (10-bit mantissa; PyTorch's default
//     allows it for convolutions on Ampere and later), so the bound is TF32's through a deep
//     network, not float32's 1e-6; a wrong kernel, layout, stride or BN statistic is O(1).
//   - bfloat16: 1e-1 (8-bit mantissa; the CPU side runs float32).
// Drop-path and the recurrent dropouts are off: their masks are random draws, equal on both devices
// only by the generator rules tested elsewhere (test_darts_model, test_darts_ptb_model).
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "network_support.h"
#include "wsnas/core/random.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/task.h"

using namespace wsnas;

namespace {

nn::NetworkOptions options_for(const std::string& space) {
  nn::NetworkOptions o;
  o.classes = 10;
  o.rnn_dropout = {0, 0, 0, 0, 0};
  if (space == "darts") o.input_size = 28;
  return o;
}

/// A batch of the task's kind (4 images, or 8 x 4 tokens) and its targets, on the CPU.
std::pair<at::Tensor, at::Tensor> example_batch(const std::string& task,
                                                const nn::NetworkOptions& o) {
  if (task == "language-modelling")
    return {torch::randint(o.classes, {8, 4}, torch::kLong),
            torch::randint(o.classes, {8, 4}, torch::kLong)};
  return {torch::randn({4, o.in_channels, o.input_size, o.input_size}),
          torch::randint(o.classes, {4}, torch::kLong)};
}

double relative_l2(const at::Tensor& got, const at::Tensor& want) {
  const auto a = got.detach().to(torch::kCPU, torch::kFloat64);
  const auto b = want.detach().to(torch::kCPU, torch::kFloat64);
  const double scale = b.norm().item<double>();
  const double diff = (a - b).norm().item<double>();
  return scale == 0 ? diff : diff / scale;
}

/// One training-mode pass (forward, loss, backward) and one evaluation-mode forward.
struct Pass {
  at::Tensor train_output, loss, eval_output;
  std::map<std::string, at::Tensor> grads;
};

Pass run(nn::Network& net, const train::Task& task, const space::Arch& arch, const at::Tensor& x,
         const at::Tensor& target, c10::Device device, bool bf16) {
  Pass p;
  for (auto& q : net.parameters()) q.mutable_grad() = at::Tensor();
  net.train();
  net.set_drop_path(0, 5);
  net.reset_state(x.dim() == 2 ? x.size(1) : x.size(0));
  const auto xd = x.to(device), td = target.to(device);
  {
    train::Autocast autocast(device, bf16);
    p.train_output = net.forward(xd, arch).output;
    p.loss = task.loss(p.train_output.to(torch::kFloat32), td);
  }
  p.loss.backward();
  for (const auto& q : net.named_parameters())
    if (q.value().grad().defined()) p.grads[q.key()] = q.value().grad().cpu();
  net.eval();
  net.reset_state(x.dim() == 2 ? x.size(1) : x.size(0));
  at::NoGradGuard no_grad;
  train::Autocast autocast(device, bf16);
  p.eval_output = net.forward(xd, arch).output;
  return p;
}

class CpuVsCuda : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuVsCuda, SupernetAndStandAloneNetworkAgreeInFloat32AndBfloat16) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const std::string name = GetParam();
  const auto space = space::make_space(name);
  const auto& entry = nn::model_entry(name);
  const auto task = train::make_task(entry.task);
  const nn::NetworkOptions o = options_for(name);
  const c10::Device cuda(c10::kCUDA, 0);
  Rng rng(23);
  const space::Arch arch = space->sample(rng, /*valid_only=*/true);
  torch::manual_seed(7);
  const auto [x, target] = example_batch(entry.task, o);
  for (bool supernet : {true, false}) {
    for (bool bf16 : {false, true}) {
      const std::string what = name + (supernet ? " supernet " : " network ") +
                               space->to_string(arch) + (bf16 ? " bf16" : " fp32");
      auto make = [&] {
        return supernet ? nn::make_supernet(name, o) : nn::make_network(name, arch, o);
      };
      torch::manual_seed(3);
      auto on_cpu = make();
      test::perturb_bn(*on_cpu);
      auto on_gpu = make();
      {
        at::NoGradGuard g;
        auto params = on_cpu->named_parameters();
        auto buffers = on_cpu->named_buffers();
        for (auto& q : on_gpu->named_parameters()) q.value().copy_(*params.find(q.key()));
        for (auto& b : on_gpu->named_buffers()) b.value().copy_(*buffers.find(b.key()));
      }
      on_gpu->to(cuda);
      const Pass want = run(*on_cpu, *task, arch, x, target, c10::kCPU, false);
      const Pass got = run(*on_gpu, *task, arch, x, target, cuda, bf16);
      const double tol = bf16 ? 1e-1 : 2e-2;
      EXPECT_EQ(got.train_output.device().type(), c10::kCUDA) << what;
      EXPECT_LT(relative_l2(got.train_output, want.train_output), tol) << what << ": output";
      EXPECT_LT(relative_l2(got.loss, want.loss), tol) << what << ": loss";
      EXPECT_LT(relative_l2(got.eval_output, want.eval_output), tol) << what << ": eval output";
      ASSERT_EQ(got.grads.size(), want.grads.size()) << what << ": parameters with a gradient";
      int compared = 0;
      for (const auto& [key, g] : want.grads) {
        const auto it = got.grads.find(key);
        ASSERT_NE(it, got.grads.end()) << what << ": no CUDA gradient of " << key;
        if (g.norm().item<double>() == 0) continue;  // off the path: zeros on both
        EXPECT_LT(relative_l2(it->second, g), tol) << what << ": gradient of " << key;
        ++compared;
      }
      EXPECT_GT(compared, 0) << what;
      // The BN statistics the training pass left behind.
      auto gpu_buffers = on_gpu->named_buffers();
      for (const auto& b : on_cpu->named_buffers()) {
        if (b.key().find("running_") == std::string::npos) continue;
        EXPECT_LT(relative_l2(*gpu_buffers.find(b.key()), b.value()), tol)
            << what << ": " << b.key();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, CpuVsCuda, ::testing::ValuesIn(nn::model_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace

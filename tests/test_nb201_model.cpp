// NAS-Bench-201 networks: parameter counts equal the benchmark's (via the analytic counts checked
// against official values in test_nb201_space), forward and backward run, the supernet routes.
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/batchnorm.h>

#include <map>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/nb201_model.h"
#include "wsnas/train/precision.h"

using namespace wsnas;
using space::Nb201Space;

namespace {
// A small supernet (non-affine cell BN, as NAS-Bench-201's search models) for fast tests.
nn::Nb201Network small_supernet(int channels, int cells, int classes = 100) {
  nn::Nb201Options o;
  o.cell_bn_affine = false;
  o.channels = channels;
  o.cells = cells;
  o.classes = classes;
  return nn::make_nb201_supernet(o);
}
}  // namespace

TEST(Nb201Model, StandAloneParametersMatchTheBenchmark) {
  Nb201Space sp;
  for (std::int64_t idx : {0, 9, 123, 9930, 15624}) {
    auto arch = *sp.at(idx);
    auto net = nn::make_nb201_network(arch);
    EXPECT_EQ(nn::count_parameters(*net), Nb201Space::cost_of(arch).params) << "index " << idx;
  }
  // Index 9930: 1.294356 M parameters (NAS-Bench-201 API, CIFAR-100, C=16, N=5).
  EXPECT_EQ(nn::count_parameters(*nn::make_nb201_network(*sp.at(9930))), 1294356);
}

TEST(Nb201Model, StandAloneForwardBackward) {
  nn::seed_torch(0);
  Nb201Space sp;
  nn::Nb201Options o;
  o.channels = 8;
  o.cells = 1;
  o.classes = 10;
  auto net = nn::make_nb201_network(*sp.at(9930), o);
  auto x = torch::randn({4, 3, 32, 32});
  auto y = torch::tensor({0, 1, 2, 3}, torch::kLong);
  auto logits = net->forward(x);
  EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{4, 10}));
  auto loss = torch::nn::functional::cross_entropy(logits, y);
  loss.backward();
  double grad_norm = 0;
  for (const auto& p : net->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    grad_norm += p.grad().norm().item<double>();
  }
  EXPECT_GT(grad_norm, 0.0);
  // Any number of input channels (Fashion-MNIST: 1 channel, 28x28).
  o.in_channels = 1;
  auto grey = nn::make_nb201_network(*sp.at(1), o);
  EXPECT_EQ(grey->forward(torch::randn({2, 1, 28, 28})).sizes(),
            (std::vector<std::int64_t>{2, 10}));
}

TEST(Nb201Model, SupernetHoldsAllOperatorsAndRunsOneCell) {
  nn::seed_torch(1);
  Nb201Space sp;
  auto net = small_supernet(8, 1, 10);
  const auto& o = net->options();
  ASSERT_TRUE(net->is_supernet());
  // Every edge of every cell holds conv1x1 and conv3x3 with non-affine BN: the supernet has
  // exactly the parameters of the all-conv network minus cell BN affine, plus the conv1x1s.
  std::int64_t expected = 0;
  {
    auto o_aff = o;
    o_aff.cell_bn_affine = false;
    auto conv3 = nn::make_nb201_network(sp.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
                                                 "|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
                                        o_aff);
    auto conv1 = nn::make_nb201_network(sp.parse("|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+"
                                                 "|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|"),
                                        o_aff);
    auto skip = nn::make_nb201_network(sp.parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|"
                                                "skip_connect~0|skip_connect~1|skip_connect~2|"),
                                       o_aff);
    expected =
        nn::count_parameters(*conv3) + nn::count_parameters(*conv1) - nn::count_parameters(*skip);
  }
  EXPECT_EQ(nn::count_parameters(*net), expected);
  // Cell BN is non-affine (NAS-Bench-201 search cells): 6 edges x 2 convolutions x 3 cells.
  int non_affine = 0;
  for (const auto& m : net->modules(false)) {
    if (auto* bn = m->as<nn::BatchNorm2dImpl>()) non_affine += bn->options.affine() ? 0 : 1;
  }
  EXPECT_EQ(non_affine, 36);
  auto x = torch::randn({4, 3, 16, 16});
  auto a = *sp.at(9930), b = *sp.at(1);
  auto ya = net->forward(x, a).output;
  auto yb = net->forward(x, b).output;
  EXPECT_EQ(ya.sizes(), (std::vector<std::int64_t>{4, 10}));
  EXPECT_FALSE(torch::allclose(ya, yb));
  // Only the sampled path gets gradients: an all-skip cell leaves cell convolutions untouched.
  net->zero_grad();
  auto skip = sp.parse(
      "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_"
      "connect~2|");
  net->forward(x, skip).output.sum().backward();
  for (const auto& item : net->named_parameters()) {
    const auto& name = item.key();
    const auto& p = item.value();
    bool cell_op = name.find("edge_") != std::string::npos;
    bool has_grad = p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
    if (cell_op) {
      EXPECT_FALSE(has_grad) << name;
    }
  }
  EXPECT_THROW(net->forward(x), std::exception);  // the supernet needs a cell
}

TEST(Nb201Model, SameSeedSameWeightsAndOutputs) {
  Nb201Space sp;
  nn::Nb201Options o;
  o.channels = 4;
  o.cells = 1;
  nn::seed_torch(7);
  auto a = nn::make_nb201_network(*sp.at(5), o);
  nn::seed_torch(7);
  auto b = nn::make_nb201_network(*sp.at(5), o);
  auto x = torch::ones({2, 3, 8, 8});
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
}

TEST(Device, SelectsCpuAndRejectsBadSpecs) {
  EXPECT_EQ(nn::select_device("cpu", 0).type(), c10::kCPU);
  // auto: CUDA exactly when LibTorch sees a GPU, local rank modulo the GPU count.
  const auto d = nn::select_device("auto", 3);
  if (torch::cuda::is_available()) {
    EXPECT_EQ(d.type(), c10::kCUDA);
    EXPECT_EQ(d.index(), 3 % static_cast<int>(torch::cuda::device_count()));
  } else {
    EXPECT_EQ(d.type(), c10::kCPU);
    try {
      nn::select_device("cuda", 0);
      ADD_FAILURE() << "--device cuda accepted without a GPU";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--device cuda: no CUDA device available", 0), 0u)
          << e.what();
    }
  }
  try {
    nn::select_device("tpu", 0);
    ADD_FAILURE() << "--device tpu accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--device 'tpu': expected cpu, cuda or auto");
  }
  EXPECT_NE(nn::torch_version().find("LibTorch"), std::string::npos);
}

TEST(Nb201Model, SupernetForwardBackward_CUDA) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Nb201Space sp;
  auto net = nn::make_nb201_supernet(nn::Nb201Options{});
  auto dev = nn::select_device("cuda", 0);
  net->to(dev);
  auto x = torch::randn({8, 3, 32, 32}, torch::TensorOptions().device(dev));
  auto y = net->forward(x, *sp.at(9930)).output;
  EXPECT_EQ(y.device().type(), c10::kCUDA);
  y.sum().backward();
  net->to(torch::kCPU);
  auto ycpu = net->forward(x.cpu(), *sp.at(9930)).output;
  EXPECT_EQ(ycpu.sizes(), y.sizes());
}

TEST(BnCalibration, RecomputesRunningStatisticsFromCalibrationBatches) {
  nn::seed_torch(3);
  Nb201Space sp;
  auto net = small_supernet(4, 1);
  auto stem_bn = net->named_buffers()["stem.1.running_mean"];
  auto before = stem_bn.clone();
  // Calibrate on inputs with mean ~3: the stem BN's running mean must move away from its reset 0.
  auto arch = *sp.at(9930);
  nn::calibrate_bn(*net, 3, [&](int) { net->forward(torch::randn({16, 3, 8, 8}) + 3.0, arch); });
  auto after = net->named_buffers()["stem.1.running_mean"];
  EXPECT_FALSE(torch::allclose(before, after));
  EXPECT_FALSE(net->is_training());
  // Exact average: calibrating twice on the same batches gives the same statistics.
  auto batches =
      std::vector<torch::Tensor>{torch::randn({8, 3, 8, 8}), torch::randn({8, 3, 8, 8}) * 2};
  nn::calibrate_bn(*net, 2,
                   [&](int s) { net->forward(batches[static_cast<std::size_t>(s)], arch); });
  auto first = net->named_buffers()["stem.1.running_var"].clone();
  nn::calibrate_bn(*net, 2,
                   [&](int s) { net->forward(batches[static_cast<std::size_t>(s)], arch); });
  EXPECT_TRUE(torch::allclose(first, net->named_buffers()["stem.1.running_var"]));
}

TEST(BnCalibration, TheNetworksBatchNormIsLibTorchsOutsideCalibration) {
  // nn::BatchNorm2d against torch::nn::BatchNorm2d on the same inputs: outputs and buffers in
  // training and evaluation mode, for a momentum, the cumulative average (momentum None),
  // affine off, and no running statistics; and LibTorch's refusal of one value per channel.
  using Options = torch::nn::BatchNorm2dOptions;
  using Momentum = std::decay_t<decltype(std::declval<Options&>().momentum())>;
  for (const Options& o : {Options(3).momentum(0.3), Options(3).momentum(Momentum()),
                           Options(3).affine(false), Options(3).track_running_stats(false)}) {
    torch::manual_seed(2);
    nn::BatchNorm2d ours(o);
    torch::nn::BatchNorm2d theirs(o);
    for (int s = 0; s < 3; ++s) {
      const auto x = torch::randn({4, 3, 5, 5}) * (s + 1) + s;
      ours->train(s < 2);
      theirs->train(s < 2);
      EXPECT_TRUE(torch::equal(ours->forward(x), theirs->forward(x))) << s;
      if (o.track_running_stats()) {
        EXPECT_TRUE(torch::equal(ours->running_mean, theirs->running_mean)) << s;
        EXPECT_TRUE(torch::equal(ours->running_var, theirs->running_var)) << s;
        EXPECT_EQ(ours->num_batches_tracked.item<std::int64_t>(),
                  theirs->num_batches_tracked.item<std::int64_t>());
      }
    }
    ours->train();
    EXPECT_THROW(ours->forward(torch::randn({1, 3, 1, 1})), c10::Error);
  }
}

TEST(BnCalibration, IsTheAverageOfTheBatchMeansAndBiasedVariancesAndKeepsMomentum) {
  // A lone BN layer with a non-default momentum (NAS-Bench-101's 0.003) and stale statistics.
  // After calibration on 3 batches of different sizes its running mean is the average of the 3
  // batch means and its running variance the average of the 3 biased batch variances, each
  // weighted by its batch size: the released code's AverageMeter.update(value, x.size(0)) over
  // hooks computing mean((x - mean)^2) (github.com/matluster/anonymous-2102 @3825f00
  // trainers/utils.py:328-339,365-370), computed here independently from the batches. A moving
  // average with momentum 0.003 (or PyTorch's cumulative average of unbiased variances) would
  // give other values.
  torch::manual_seed(11);
  nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(3).momentum(0.003));
  bn->running_mean.fill_(5.0);
  bn->running_var.fill_(std::nan(""));  // non-finite statistics before: replaced, not mixed in
  const std::vector<torch::Tensor> batches = {torch::randn({4, 3, 5, 5}) * 2 + 1,
                                              torch::randn({6, 3, 5, 5}) - 3,
                                              torch::randn({5, 3, 5, 5}) * 0.5 + 10};
  nn::calibrate_bn(*bn, 3, [&](int s) { bn->forward(batches[static_cast<std::size_t>(s)]); });
  torch::Tensor mean = torch::zeros({3}, torch::kFloat64), var = torch::zeros({3}, torch::kFloat64);
  for (const auto& b : batches) {
    const auto x = b.to(torch::kFloat64).transpose(0, 1).reshape({3, -1});  // channel x values
    const double w = static_cast<double>(b.size(0)) / 15.0;
    mean += x.mean(1) * w;
    var += (x - x.mean(1, /*keepdim=*/true)).pow(2).mean(1) * w;
  }
  EXPECT_TRUE(torch::allclose(bn->running_mean.to(torch::kFloat64), mean, 1e-6, 1e-5))
      << bn->running_mean << mean;
  EXPECT_TRUE(torch::allclose(bn->running_var.to(torch::kFloat64), var, 1e-6, 1e-5))
      << bn->running_var << var;
  // LibTorch's own update counted the passes, as PyTorch's does under the released hooks.
  EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 3);
  ASSERT_TRUE(bn->options.momentum().has_value());
  EXPECT_DOUBLE_EQ(*bn->options.momentum(), 0.003);
  EXPECT_FALSE(bn->is_training());
  // A layer calibration did not run keeps its statistics.
  nn::BatchNorm2d idle(torch::nn::BatchNorm2dOptions(3));
  idle->running_mean.fill_(2.0);
  nn::calibrate_bn(*idle, 2, [](int) {});
  EXPECT_TRUE(idle->running_mean.eq(2.0).all().item<bool>());
  // LibTorch's own BatchNorm2d cannot collect the statistics: a programming error.
  torch::nn::BatchNorm2d plain(3);
  EXPECT_THROW(nn::calibrate_bn(*plain, 1, [](int) {}), std::logic_error);
}

TEST(BnCalibration, TheCollectingPassNormalisesByTheBatchInEitherLayout) {
  // While calibrating, the layer computes the batch statistics itself (batch_norm.cpp,
  // calibration_forward): the output must be PyTorch's training-mode batch norm, i.e. the batch
  // normalised by its own mean and biased variance, then scaled and shifted; computed here in
  // float64 from the batch. Both layouts (channels-last at 36 channels takes its own path: DARTS'
  // first stage, 144 bytes per pixel), affine on and off.
  for (bool affine : {true, false}) {
    for (auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
      torch::manual_seed(5);
      nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(36).affine(affine));
      if (affine) {
        torch::NoGradGuard g;
        bn->weight.uniform_(0.5, 2.0);
        bn->bias.uniform_(-1.0, 1.0);
      }
      const auto x = (torch::randn({6, 36, 7, 5}) * 3 + 2).contiguous(format);
      torch::Tensor y;
      nn::calibrate_bn(*bn, 1, [&](int) { y = bn->forward(x); });
      const auto xd = x.to(torch::kFloat64);
      const auto mean = xd.mean({0, 2, 3}, /*keepdim=*/true);
      const auto var = (xd - mean).pow(2).mean({0, 2, 3}, /*keepdim=*/true);
      auto expected = (xd - mean) / (var + 1e-5).sqrt();
      if (affine)
        expected = expected * bn->weight.to(torch::kFloat64).reshape({1, 36, 1, 1}) +
                   bn->bias.to(torch::kFloat64).reshape({1, 36, 1, 1});
      EXPECT_TRUE(torch::allclose(y.to(torch::kFloat64), expected, 1e-5, 1e-5))
          << "affine " << affine << ", channels-last " << (format != at::MemoryFormat::Contiguous);
      EXPECT_EQ(y.sizes(), x.sizes());
      EXPECT_TRUE(y.is_contiguous(format));
      EXPECT_TRUE(
          torch::allclose(bn->running_mean.to(torch::kFloat64), mean.flatten(), 1e-6, 1e-5));
      EXPECT_TRUE(torch::allclose(bn->running_var.to(torch::kFloat64), var.flatten(), 1e-6, 1e-5));
      // Two batches of 6 and 3 images: each batch's mean and biased variance, weighted by its
      // size (the released AverageMeter.update(value, x.size(0))).
      const auto x2 = (torch::randn({3, 36, 7, 5}) * 0.5 - 1).contiguous(format);
      nn::calibrate_bn(*bn, 2, [&](int s) { bn->forward(s == 0 ? x : x2); });
      const auto x2d = x2.to(torch::kFloat64);
      const auto mean2 = x2d.mean({0, 2, 3}, /*keepdim=*/true);
      const auto var2 = (x2d - mean2).pow(2).mean({0, 2, 3}, /*keepdim=*/true);
      EXPECT_TRUE(torch::allclose(bn->running_mean.to(torch::kFloat64),
                                  (mean.flatten() * 6 + mean2.flatten() * 3) / 9, 1e-6, 1e-5));
      EXPECT_TRUE(torch::allclose(bn->running_var.to(torch::kFloat64),
                                  (var.flatten() * 6 + var2.flatten() * 3) / 9, 1e-6, 1e-5));
    }
  }
}

TEST(BatchNorm2d, TheChannelsLastTrainingPathEqualsPyTorchsBatchNorm) {
  // Training-mode BN on channels-last float batches with 36 channels (DARTS' first stage) runs our
  // own kernel and backward (batch_norm.cpp, ClBatchNorm). Against PyTorch's batch_norm in
  // float64 on the same values (LibTorch's native kernel): the output, the gradients of the input,
  // weight and bias for a random upstream gradient, and the running statistics after two steps
  // (momentum 0.1, then the cumulative average); affine on and off. 48 channels (LibTorch's
  // kernel) give the same agreement.
  using Options = torch::nn::BatchNorm2dOptions;
  using Momentum = std::decay_t<decltype(std::declval<Options&>().momentum())>;
  for (int channels : {36, 48}) {
    for (bool affine : {true, false}) {
      for (const Momentum& momentum : {Momentum(0.1), Momentum()}) {
        torch::manual_seed(3);
        nn::BatchNorm2d bn(Options(channels).affine(affine).momentum(momentum));
        if (affine) {
          torch::NoGradGuard g;
          bn->weight.uniform_(0.5, 2.0);
          bn->bias.uniform_(-1.0, 1.0);
        }
        auto w64 = affine ? bn->weight.detach().to(torch::kFloat64).requires_grad_() : at::Tensor();
        auto b64 = affine ? bn->bias.detach().to(torch::kFloat64).requires_grad_() : at::Tensor();
        auto rm = torch::zeros({channels}, torch::kFloat64);
        auto rv = torch::ones({channels}, torch::kFloat64);
        for (int step = 0; step < 2; ++step) {
          const auto x = (torch::randn({5, channels, 6, 7}) * 2 + step)
                             .contiguous(at::MemoryFormat::ChannelsLast)
                             .requires_grad_();
          const auto up = torch::randn({5, channels, 6, 7});
          bn->zero_grad();
          const auto y = bn->forward(x);
          EXPECT_TRUE(y.is_contiguous(at::MemoryFormat::ChannelsLast));
          y.backward(up);
          const auto x64 = x.detach().to(torch::kFloat64).contiguous().requires_grad_();
          const double f = momentum.has_value() ? *momentum : 1.0 / (step + 1);
          const auto y64 = torch::batch_norm(x64, w64, b64, rm, rv, true, f, 1e-5, false);
          y64.backward(up.to(torch::kFloat64));
          const std::string where = "channels " + std::to_string(channels) + ", affine " +
                                    std::to_string(affine) + ", step " + std::to_string(step);
          EXPECT_TRUE(torch::allclose(y.to(torch::kFloat64), y64, 1e-4, 1e-4)) << where;
          EXPECT_TRUE(torch::allclose(x.grad().to(torch::kFloat64), x64.grad(), 1e-4, 1e-4))
              << where;
          if (affine) {
            EXPECT_TRUE(
                torch::allclose(bn->weight.grad().to(torch::kFloat64), w64.grad(), 1e-4, 1e-4))
                << where;
            EXPECT_TRUE(
                torch::allclose(bn->bias.grad().to(torch::kFloat64), b64.grad(), 1e-4, 1e-4))
                << where;
            w64.mutable_grad() = at::Tensor();
            b64.mutable_grad() = at::Tensor();
          }
          EXPECT_TRUE(torch::allclose(bn->running_mean.to(torch::kFloat64), rm, 1e-5, 1e-5))
              << where;
          EXPECT_TRUE(torch::allclose(bn->running_var.to(torch::kFloat64), rv, 1e-5, 1e-5))
              << where;
        }
      }
    }
  }
  // The output is a tensor of its own: the layers after BN may work on it in place.
  {
    nn::BatchNorm2d layer(Options(36));
    const auto x =
        torch::randn({4, 36, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast).requires_grad_();
    EXPECT_NO_THROW(layer->forward(x).relu_().sum().backward());
    EXPECT_TRUE(x.grad().defined());
  }
  // No second derivative through our kernel: an error, not a silently wrong one.
  nn::BatchNorm2d bn(Options(36));
  const auto x =
      torch::randn({4, 36, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast).requires_grad_();
  EXPECT_THROW(torch::autograd::grad({bn->forward(x).pow(3).sum()}, {x}, {}, true, true),
               std::logic_error);
  EXPECT_NO_THROW(torch::autograd::grad({bn->forward(x).pow(3).sum()}, {x}));
}

TEST(ConvBn, InferenceFoldsTheNormalisationIntoTheConvolution) {
  // nn::conv_bn in inference is one convolution with folded weights and bias: the same outputs as
  // bn(conv(x)) up to float rounding, for a strided grouped convolution, with and without BN
  // affine parameters and a convolution bias. With gradients on, or in training mode, it is
  // exactly bn(conv(x)).
  for (bool affine : {true, false}) {
    torch::manual_seed(7);
    torch::nn::Conv2d conv(
        torch::nn::Conv2dOptions(8, 12, 3).stride(2).padding(1).groups(4).bias(!affine));
    nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(12).affine(affine));
    {
      torch::NoGradGuard g;
      bn->running_mean.uniform_(-1, 1);
      bn->running_var.uniform_(0.2, 3);
      if (affine) {
        bn->weight.uniform_(0.5, 2.0);
        bn->bias.uniform_(-1.0, 1.0);
      }
    }
    bn->eval();
    const auto x = torch::randn({3, 8, 9, 9});
    const auto plain = bn->forward(conv->forward(x));
    EXPECT_TRUE(torch::equal(nn::conv_bn(*conv, *bn, x), plain)) << "with gradients: unfused";
    torch::NoGradGuard g;
    const auto folded = nn::conv_bn(*conv, *bn, x);
    EXPECT_FALSE(torch::equal(folded, plain)) << "the folded path runs (other rounding)";
    EXPECT_TRUE(torch::allclose(folded, plain, 1e-5, 1e-5)) << "affine " << affine;
    bn->train();
    EXPECT_TRUE(torch::equal(nn::conv_bn(*conv, *bn, x), bn->forward(conv->forward(x))));
  }
}

namespace {
// Logits, and gradients by parameter name, of one training-mode forward/backward.
std::pair<torch::Tensor, std::map<std::string, torch::Tensor>> run_once(nn::Nb201Network& net,
                                                                        const space::Arch& a,
                                                                        const torch::Tensor& x,
                                                                        bool train) {
  net->zero_grad();
  if (train)
    net->train();
  else
    net->eval();
  auto logits = net->forward(x, a).output;
  logits.pow(2).sum().backward();
  std::map<std::string, torch::Tensor> grads;
  for (const auto& it : net->named_parameters()) {
    if (it.value().grad().defined()) grads[it.key()] = it.value().grad().clone();
  }
  return {logits.detach(), grads};
}
}  // namespace

TEST(Nb201Model, PrunedForwardEqualsTheFullOne) {
  Nb201Space sp;
  // Node 1 cannot reach the output (its edges to 2 and 3 are `none`): its conv is skipped.
  // Node 1 of the second cell has only `none` inputs: it is zero, and the conv on it still runs.
  const std::vector<std::string> cells = {
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|none~1|skip_connect~2|",
      "|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|skip_connect~2|",
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_"
      "3x3~2|"};
  // Pruning acts in evaluation mode only (training mode runs every edge, as the released code).
  for (const auto& text : cells) {
    const auto a = sp.parse(text);
    {
      const bool train = false;
      nn::seed_torch(5);
      auto full = small_supernet(4, 2, 10);
      nn::seed_torch(5);
      auto pruned = small_supernet(4, 2, 10);
      full->set_pruning(false);
      const auto x = torch::randn({6, 3, 8, 8});
      auto [yf, gf] = run_once(full, a, x, train);
      auto [yp, gp] = run_once(pruned, a, x, train);
      EXPECT_TRUE(torch::allclose(yf, yp, 1e-5, 1e-6)) << text;
      for (const auto& [name, g] : gf) {
        // A parameter with a gradient only in the full pass has a zero one: the dead branch's
        // output reaches the loss only times 0.
        auto it = gp.find(name);
        if (it == gp.end()) {
          EXPECT_EQ(g.abs().sum().item<double>(), 0.0) << text << ": " << name;
          continue;
        }
        EXPECT_TRUE(torch::allclose(g, it->second, 1e-5, 1e-6)) << text << ": " << name;
      }
    }
  }
  // Training mode runs the dead conv as the released code does (space/nb201/network.py:29-33,
  // ops.py:80: every edge, `none` = x * 0): its BN statistics move and its weight gets a zero
  // gradient, pruning or not. Evaluation mode skips it (its BN statistics would not move anyway).
  const auto a = sp.parse(cells[0]);
  const std::string dead = "cell0_0.edge_1_0_nor_conv_3x3";
  for (bool prune : {false, true}) {
    auto net = small_supernet(4, 1, 10);
    net->set_pruning(prune);
    net->train();
    net->forward(torch::randn({4, 3, 8, 8}) + 1, a).output.sum().backward();
    EXPECT_GT(net->named_buffers()[dead + ".bn.running_mean"].abs().sum().item<double>(), 0);
    const auto g = net->named_parameters()[dead + ".conv.weight"].grad();
    ASSERT_TRUE(g.defined()) << dead;
    EXPECT_EQ(g.abs().sum().item<double>(), 0.0) << dead;
  }
}

TEST(ModelRegistry, MakesNetworksBySpaceName) {
  Nb201Space sp;
  EXPECT_EQ(nn::model_names(),
            (std::vector<std::string>{"nb201", "nb101", "darts", "proxyless", "darts-ptb"}));
  EXPECT_EQ(nn::model_entry("nb201").task, "classification");
  EXPECT_EQ(nn::model_entry("darts-ptb").task, "language-modelling");
  nn::NetworkOptions o;  // 0 = the space's defaults (C 16, N 5)
  o.classes = 100;
  auto arch = *sp.at(9930);
  auto standalone = nn::make_network("nb201", arch, o);
  EXPECT_EQ(nn::count_parameters(*standalone),
            1294356);  // NAS-Bench-201 API, index 9930, CIFAR-100
  ASSERT_NE(standalone->own_arch(), nullptr);
  EXPECT_EQ(*standalone->own_arch(), arch);
  auto supernet = nn::make_supernet("nb201", o);
  EXPECT_EQ(supernet->own_arch(), nullptr);
  // The paper's code: affine BN in every supernet operator (github.com/matluster/anonymous-2102
  // @3825f00 configs/nb201.py:18, space/nb201/ops.py:24-25); 15 cells x 6 edges x 2 convolutions,
  // all affine.
  int affine = 0;
  for (const auto& m : supernet->modules(false))
    if (auto* bn = m->as<nn::BatchNorm2dImpl>()) affine += bn->options.affine() ? 1 : 0;
  EXPECT_EQ(affine, 15 * 6 * 2 + 1 + 2 * 2 + 1);  // + stem, 2 ResNet blocks x 2, last BN
  // forward = body(stem(x)).
  auto x = torch::randn({2, 3, 32, 32});
  supernet->eval();
  EXPECT_TRUE(torch::allclose(supernet->forward(x, arch).output,
                              supernet->body(supernet->stem(x), arch).output));
  try {
    nn::make_supernet("nb301", o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--space 'nb301': no network implementation in this "
                                         "build (available: nb201, nb101, darts, proxyless, "
                                         "darts-ptb)"),
              std::string::npos)
        << e.what();
  }
}

TEST(Nb201Model, ChannelsLastGivesTheSameResultsAsContiguous) {
  // --memory-format: the same network in NHWC gives the same logits and gradients within float
  // rounding, in training and evaluation mode.
  Nb201Space sp;
  const auto a = *sp.at(9930);
  const auto x = torch::randn({6, 3, 16, 16});
  for (bool train : {true, false}) {
    nn::seed_torch(8);
    auto plain = small_supernet(4, 2, 10);
    nn::seed_torch(8);
    auto nhwc = small_supernet(4, 2, 10);
    train::set_memory_format(*nhwc, c10::MemoryFormat::ChannelsLast);
    bool any4d = false;
    for (const auto& p : nhwc->parameters()) {
      if (p.dim() == 4) {
        any4d = true;
        EXPECT_TRUE(p.is_contiguous(c10::MemoryFormat::ChannelsLast));
      }
    }
    ASSERT_TRUE(any4d);
    auto [y1, g1] = run_once(plain, a, x, train);
    auto [y2, g2] = run_once(nhwc, a, x.contiguous(c10::MemoryFormat::ChannelsLast), train);
    EXPECT_TRUE(torch::allclose(y1, y2, 1e-4, 1e-5)) << (y1 - y2).abs().max().item<double>();
    ASSERT_EQ(g1.size(), g2.size());
    for (const auto& [name, g] : g1)
      EXPECT_TRUE(torch::allclose(g, g2.at(name), 1e-3, 1e-4)) << name;
  }
  EXPECT_EQ(train::memory_format("auto", c10::Device(c10::kCPU)), c10::MemoryFormat::ChannelsLast);
  EXPECT_EQ(train::memory_format("auto", c10::Device(c10::kCUDA, 0)),
            c10::MemoryFormat::Contiguous);
  EXPECT_THROW(train::memory_format("nhwc", c10::Device(c10::kCPU)), UsageError);
}

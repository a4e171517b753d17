// bench_nb201: speed of the NAS-Bench-201 supernet (C=16, N=5, CIFAR-100 head, 32x32x3 inputs):
// single-path one-shot training steps (images/s) and the evaluation of one cell (BN calibration
// on calib-steps x calib-batch images, then eval-images validation images), on CPU or GPU.
// Data is synthetic and already on the device, as in the Python reference figures of
// ../shared/tools/device/README.md (21.4 ms/step at batch 256 fp32; 0.45 s per evaluated cell).
#include <chrono>
#include <cstdio>

#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include "wsnas/app/app.h"
#include "wsnas/core/random.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/sgd.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/nb201_model.h"

namespace {

using namespace wsnas;
namespace po = options::po;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void sync(const c10::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

int body(app::Context& ctx) {
  std::string device_spec, precision;
  int batch = 256, steps = 20, warmup = 3, cells = 3, calib_batch = 400, calib_steps = 25, eval_images = 10000;
  int channels = 16, n_cells = 5, threads = 0;
  options::Parser parser(ctx.name, ctx.name + " [options]");
  po::options_description g("Benchmark");
  g.add_options()
      ("device", po::value(&device_spec)->default_value("auto"), "cpu | cuda | auto")
      ("batch", po::value(&batch)->default_value(256)->notifier(options::at_least("batch", 1)), "training batch")
      ("steps", po::value(&steps)->default_value(20)->notifier(options::at_least("steps", 1)), "timed training steps")
      ("warmup", po::value(&warmup)->default_value(3), "untimed warm-up steps")
      ("cells", po::value(&cells)->default_value(3)->notifier(options::at_least("cells", 1)), "cells to evaluate")
      ("calib-batch", po::value(&calib_batch)->default_value(400), "BN calibration batch (Table 2)")
      ("calib-steps", po::value(&calib_steps)->default_value(25), "BN calibration steps (Table 2)")
      ("eval-images", po::value(&eval_images)->default_value(10000), "validation images per cell")
      ("channels", po::value(&channels)->default_value(16), "C")
      ("n", po::value(&n_cells)->default_value(5), "N cells per stage")
      ("threads", po::value(&threads)->default_value(0), "CPU threads for LibTorch (0: its default)")
      ("precision", po::value(&precision)->default_value("fp32"), "fp32 | bf16 (bfloat16 autocast)");
  parser.add(g);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  if (threads > 0) torch::set_num_threads(threads);
  auto local = ctx.world.split_node_local();
  const c10::Device dev = nn::select_device(device_spec, local.rank());
  nn::seed_torch(0);
  space::Nb201Space sp;
  auto o = nn::nb201_supernet_defaults();
  o.channels = channels;
  o.cells = n_cells;
  auto net = nn::make_nb201_supernet(o);
  net->to(dev);
  // The optimiser and clipping wsnas-supernet uses (Table 2: lr 0.05, clip 5; Nesterov, wd 5e-4).
  train::Sgd opt(net->parameters(), 0.9, true, 5e-4);
  const bool bf16 = train::use_bf16(precision);
  auto opts = torch::TensorOptions().device(dev);
  auto x = torch::randn({batch, 3, 32, 32}, opts);
  auto y = torch::randint(0, 100, {batch}, opts.dtype(torch::kLong));
  Rng rng(0);
  auto step = [&] {
    auto arch = sp.sample(rng, true);
    opt.zero_grad();
    at::Tensor loss;
    {
      train::Autocast autocast(dev, bf16);
      loss = torch::nn::functional::cross_entropy(net->forward(x, arch), y);
    }
    loss.backward();
    train::clip_grad_norm(opt.params(), 5.0);
    opt.step(0.05);
  };
  net->train();
  for (int i = 0; i < warmup; ++i) step();
  sync(dev);
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) step();
  sync(dev);
  const double train_s = seconds_since(t0);

  auto calib_x = torch::randn({calib_batch, 3, 32, 32}, opts);
  auto val_x = torch::randn({std::min(eval_images, 1000), 3, 32, 32}, opts);
  double eval_s = 0;
  for (int c = 0; c < cells; ++c) {
    auto arch = sp.sample(rng, true);
    sync(dev);
    auto t1 = Clock::now();
    train::Autocast autocast(dev, bf16);
    nn::calibrate_bn(*net, calib_steps, [&](int) { net->forward(calib_x, arch); });
    torch::NoGradGuard no_grad;
    for (int done = 0; done < eval_images; done += static_cast<int>(val_x.size(0))) {
      auto logits = net->forward(val_x, arch);
      (void)logits.argmax(1).sum().item<std::int64_t>();
    }
    sync(dev);
    eval_s += seconds_since(t1);
  }
  if (ctx.world.rank() == 0) {
    std::printf("bench_nb201: device %s, %s, C=%d N=%d, CIFAR-100 head, 32x32x3, %s, %d threads\n", dev.str().c_str(),
                nn::torch_version().c_str(), channels, n_cells, precision.c_str(), torch::get_num_threads());
    std::printf("supernet training: batch %d, %.2f ms/step, %.0f images/s (%d steps)\n", batch,
                1000.0 * train_s / steps, static_cast<double>(batch) * steps / train_s, steps);
    std::printf("evaluation: %.3f s/cell (BN calibration %d x %d, then %d validation images; %d cells)\n",
                eval_s / cells, calib_steps, calib_batch, eval_images, cells);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "bench_nb201", body); }

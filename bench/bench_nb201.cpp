// bench_nb201: speed of a space's supernet (default NAS-Bench-201: C=16, N=5, CIFAR-100 head;
// --space any space with networks; 32x32x3 inputs, --input-size): single-path one-shot training
// steps (images/s, with DARTS' auxiliary head and drop-path when asked) and the evaluation of one
// architecture (BN calibration on calib-steps x calib-batch images, then eval-images validation
// images), on CPU or GPU, and the training's peak memory (one replica: this process). Data is
// synthetic and already on the device, as in the Python reference measured on an H200 (a plain
// PyTorch eager NB-201 supernet: 21.4 ms/step at batch 256 fp32; 0.45 s per evaluated
// cell).
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <chrono>
#include <cstdio>

#include "bench_support.h"
#include "wsnas/app/app.h"
#include "wsnas/core/random.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/schedule.h"

namespace {

using namespace wsnas;
namespace po = options::po;
using bench::Clock;
using bench::seconds_since;
using bench::sync;

int body(app::Context& ctx) {
  std::string device_spec, precision, space_name, archs_path, format_spec;
  int batch = 256, steps = 20, warmup = 3, cells = 3, calib_batch = 400, calib_steps = 25,
      eval_images = 10000;
  int channels = 0, n_cells = 0, threads = 0, classes = 100;
  double aux_weight = 0, drop_path = 0, width_mult = 0;
  int size = 32;
  bool cache_stem = true;
  options::Parser parser(ctx.name, ctx.name + " [options]");
  po::options_description g("Benchmark");
  g.add_options()("device", po::value(&device_spec)->default_value("auto"), "cpu | cuda | auto")(
      "space", po::value(&space_name)->default_value("nb201"), "search space (model registry)")(
      "archs", po::value(&archs_path)->default_value(""),
      "fixed architectures (one per line or CSV): training cycles through them, evaluation scores "
      "each; "
      "default: uniform valid draws, seed 0")(
      "batch", po::value(&batch)->default_value(256)->notifier(options::at_least("batch", 1)),
      "training batch")(
      "steps", po::value(&steps)->default_value(20)->notifier(options::at_least("steps", 1)),
      "timed training steps")("warmup", po::value(&warmup)->default_value(3),
                              "untimed warm-up steps")(
      "cells", po::value(&cells)->default_value(3)->notifier(options::at_least("cells", 1)),
      "architectures to evaluate (without --archs)")(
      "calib-batch", po::value(&calib_batch)->default_value(400), "BN calibration batch (Table 2)")(
      "calib-steps", po::value(&calib_steps)->default_value(25), "BN calibration steps (Table 2)")(
      "eval-images", po::value(&eval_images)->default_value(10000),
      "validation images per architecture")("cache-stem",
                                            po::value(&cache_stem)->default_value(true),
                                            "stem computed once for all architectures")(
      "channels", po::value(&channels)->default_value(0),
      "first-stage width (0: the space's: NB-201 C=16, NB-101 stem 128)")(
      "n", po::value(&n_cells)->default_value(0),
      "cells per stage (0: the space's: NB-201 N=5, NB-101 3 per stack)")(
      "classes", po::value(&classes)->default_value(100)->notifier(options::at_least("classes", 1)),
      "classes of the head (CIFAR-100: 100; NB-101's CIFAR-10: 10)")(
      "input-size",
      po::value(&size)->default_value(32)->notifier(options::at_least("input-size", 8)),
      "input height = width (Proxyless on ImageNet: 224)")(
      "width-mult", po::value(&width_mult)->default_value(0.0),
      "width multiplier (spaces that have one; 0: the space's, Proxyless 1.35)")(
      "aux-weight", po::value(&aux_weight)->default_value(0.0),
      "auxiliary head's loss weight (DARTS 0.4; > 0 builds the head)")(
      "drop-path", po::value(&drop_path)->default_value(0.0),
      "drop-path probability during training (DARTS: up to 0.2)")(
      "threads", po::value(&threads)->default_value(0),
      "CPU threads for LibTorch (0: its default)")(
      "precision", po::value(&precision)->default_value("fp32"), "fp32 | bf16 (bfloat16 autocast)")(
      "memory-format", po::value(&format_spec)->default_value("auto"),
      "auto (channels-last on CPU, contiguous on CUDA) | channels-last | contiguous");
  parser.add(g);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  if (threads > 0) torch::set_num_threads(threads);
  auto local = ctx.world.split_node_local();
  const c10::Device dev = nn::select_device(device_spec, local.rank());
  nn::seed_torch(0);
  auto sp = space::make_space(space_name);
  std::vector<space::Arch> fixed;
  if (!archs_path.empty()) fixed = space::read_arch_list(*sp, archs_path);
  nn::NetworkOptions o;
  o.channels = channels;
  o.cells = n_cells;
  o.classes = classes;
  o.auxiliary = aux_weight > 0;
  o.input_size = size;
  o.width_mult = width_mult;
  auto net = nn::make_supernet(space_name, o);
  net->to(dev);
  const auto format = train::memory_format(format_spec, dev);
  train::set_memory_format(*net, format);
  // The optimiser and clipping wsnas-supernet uses (Table 2: lr 0.05, clip 5; Nesterov, wd 5e-4).
  train::Sgd opt(net->parameters(), 0.9, true, 5e-4, train::UnusedParams::kDecay);
  const bool bf16 = train::use_bf16(precision);
  auto opts = torch::TensorOptions().device(dev);
  auto x = torch::randn({batch, 3, size, size}, opts).contiguous(format);
  auto y = torch::randint(0, classes, {batch}, opts.dtype(torch::kLong));
  Rng rng(0);
  std::size_t next_fixed = 0;
  auto next_arch = [&] {
    return fixed.empty() ? sp->sample(rng, true) : fixed[next_fixed++ % fixed.size()];
  };
  std::uint64_t step_index = 0;
  auto step = [&] {
    auto arch = next_arch();
    opt.zero_grad();
    net->set_drop_path(drop_path, step_index++);
    at::Tensor loss;
    {
      train::Autocast autocast(dev, bf16);
      const nn::Forward f = net->forward(x, arch);
      loss = torch::nn::functional::cross_entropy(f.output, y);
      if (f.auxiliary.defined())
        loss = loss + torch::nn::functional::cross_entropy(f.auxiliary, y) * aux_weight;
    }
    loss.backward();
    train::clip_grad_norm(opt.params(), 5.0);
    opt.step(0.05);
  };
  net->train();
  nn::reset_peak_memory(dev);
  for (int i = 0; i < warmup; ++i) step();
  sync(dev);
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) step();
  sync(dev);
  const double train_s = seconds_since(t0);
  const double peak_mib = static_cast<double>(nn::peak_memory_bytes(dev)) / (1 << 20);

  // Evaluation as wsnas-evaluate runs it: calibration batches and validation batches prepared
  // once; with --cache-stem the stem's outputs too.
  std::vector<space::Arch> eval_archs = fixed;
  if (eval_archs.empty()) {
    for (int c = 0; c < cells; ++c) eval_archs.push_back(sp->sample(rng, true));
  }
  auto calib_x = torch::randn({calib_batch, 3, size, size}, opts).contiguous(format);
  std::vector<at::Tensor> val;
  for (int done = 0; done < eval_images; done += 500)
    val.push_back(
        torch::randn({std::min(500, eval_images - done), 3, size, size}, opts).contiguous(format));
  std::vector<at::Tensor> calib_h(static_cast<std::size_t>(calib_steps), calib_x), val_h = val;
  const auto t_stem = Clock::now();
  if (cache_stem) {
    train::Autocast autocast(dev, bf16);
    nn::calibrate_bn(*net, calib_steps,
                     [&](int s) { calib_h[static_cast<std::size_t>(s)] = net->stem(calib_x); });
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < val.size(); ++i) val_h[i] = net->stem(val[i]);
  }
  sync(dev);
  const double stem_s = seconds_since(t_stem);
  std::vector<double> per_cell;
  for (const auto& arch : eval_archs) {
    sync(dev);
    auto t1 = Clock::now();
    train::Autocast autocast(dev, bf16);
    auto run = [&](const at::Tensor& in) {
      return (cache_stem ? net->body(in, arch) : net->forward(in, arch)).output;
    };
    nn::calibrate_bn(*net, calib_steps, [&](int s) { run(calib_h[static_cast<std::size_t>(s)]); });
    torch::NoGradGuard no_grad;
    at::Tensor correct = torch::zeros({}, opts.dtype(torch::kLong));
    for (const auto& v : val_h) correct += run(v).argmax(1).sum();
    (void)correct.item<std::int64_t>();
    sync(dev);
    per_cell.push_back(seconds_since(t1));
  }
  if (ctx.world.rank() == 0) {
    double eval_s = 0;
    for (double s : per_cell) eval_s += s;
    std::printf(
        "bench_nb201: space %s, device %s, %s, C=%s N=%s width %s, %d-class head, %dx%dx3, %s, "
        "%s, %d threads\n",
        space_name.c_str(), dev.str().c_str(), nn::torch_version().c_str(),
        channels > 0 ? std::to_string(channels).c_str() : "default",
        n_cells > 0 ? std::to_string(n_cells).c_str() : "default",
        width_mult > 0 ? std::to_string(width_mult).c_str() : "default", classes, size, size,
        precision.c_str(),
        format == c10::MemoryFormat::ChannelsLast ? "channels-last" : "contiguous",
        torch::get_num_threads());
    std::printf("supernet training: batch %d, %.2f ms/step, %.0f images/s (%d steps%s)\n", batch,
                1000.0 * train_s / steps, static_cast<double>(batch) * steps / train_s, steps,
                fixed.empty() ? ", uniform valid draws" : ", cycling --archs");
    std::printf("training memory: peak %.0f MiB per replica (%s; %lld parameters%s)\n", peak_mib,
                dev.is_cuda() ? "CUDA allocator" : "process resident set, data included",
                static_cast<long long>(nn::count_parameters(*net)),
                aux_weight > 0 ? ", auxiliary head included" : "");
    std::printf(
        "evaluation: %.3f s/arch (BN calibration %d x %d, then %d validation images; %zu archs; "
        "stem %s%s)\n",
        eval_s / static_cast<double>(per_cell.size()), calib_steps, calib_batch, eval_images,
        per_cell.size(), cache_stem ? "cached, once " : "per arch",
        cache_stem ? std::to_string(stem_s).c_str() : "");
    for (std::size_t i = 0; i < per_cell.size(); ++i)
      std::printf("  arch %zu %s: %.3f s\n", i, sp->to_string(eval_archs[i]).c_str(), per_cell[i]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "bench_nb201", body); }

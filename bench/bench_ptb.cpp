// bench_ptb: DARTS-PTB supernet training in tokens per second and the seconds to score one
// architecture on the Penn Treebank's validation split (73,760 tokens, batch 10, BPTT 35), as
// wsnas-supernet and wsnas-evaluate run them (configs/darts-ptb.ini: H = 850, batch 256, variable
// windows around 35, the five dropouts, TAR, SGD lr 40 x L/35, clip 0.1). Tokens are synthetic
// (uniform over a 10,000-word vocabulary), already on the device; each step samples a new
// architecture and carries the hidden state, as the released code.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/cuda.h>

#include <chrono>
#include <cstdio>

#include "bench_support.h"
#include "wsnas/app/app.h"
#include "wsnas/core/random.h"
#include "wsnas/data/text.h"
#include "wsnas/nn/device.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/schedule.h"
#include "wsnas/train/task.h"

namespace {

using namespace wsnas;
namespace po = options::po;
using bench::Clock;
using bench::seconds_since;
using bench::sync;

int body(app::Context& ctx) {
  std::string device_spec, precision;
  int hidden = 850, vocab = 10000, batch = 256, steps = 10, warmup = 2, threads = 0;
  std::int64_t eval_tokens = 73760;
  options::Parser parser(ctx.name, ctx.name + " [options]");
  po::options_description g("Benchmark");
  g.add_options()("device", po::value(&device_spec)->default_value("auto"), "cpu | cuda | auto")(
      "precision", po::value(&precision)->default_value("fp32"), "fp32 | bf16")(
      "hidden", po::value(&hidden)->default_value(hidden), "embedding = hidden size (850)")(
      "vocab", po::value(&vocab)->default_value(vocab), "vocabulary (PTB: 10,000)")(
      "batch", po::value(&batch)->default_value(batch), "training batch (columns; 256)")(
      "steps", po::value(&steps)->default_value(steps), "timed training steps")(
      "warmup", po::value(&warmup)->default_value(warmup), "untimed steps first")(
      "eval-tokens", po::value(&eval_tokens)->default_value(eval_tokens),
      "validation tokens scored per architecture (PTB: 73,760)")(
      "threads", po::value(&threads)->default_value(0), "LibTorch threads (0: its default)");
  parser.add(g);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  if (threads > 0) at::set_num_threads(threads);
  const c10::Device dev = nn::select_device(device_spec, ctx.world.split_node_local().rank());
  const bool bf16 = train::use_bf16(precision);
  nn::seed_torch(0);
  auto sp = space::make_space("darts-ptb");
  nn::NetworkOptions o;
  o.channels = hidden;
  o.classes = vocab;
  auto net = nn::make_supernet("darts-ptb", o);
  net->to(dev);
  auto task = train::make_task("language-modelling");
  train::Sgd opt(net->parameters(), 0, false, 8e-7);
  Rng rng(1);
  nn::reset_peak_memory(dev);
  // Training: windows as the loader draws them (variable BPTT around 35).
  const auto windows = data::bptt_windows(1000000, 35, true, 7);
  net->train();
  net->reset_state(batch);
  std::int64_t tokens = 0;
  double train_s = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    const std::int64_t L = windows[static_cast<std::size_t>(s)];
    const auto x =
        at::randint(0, vocab, {L, batch}, at::TensorOptions().dtype(at::kLong).device(dev));
    const auto y =
        at::randint(0, vocab, {L, batch}, at::TensorOptions().dtype(at::kLong).device(dev));
    const auto arch = sp->sample(rng, true);
    sync(dev);
    const auto t0 = Clock::now();
    opt.zero_grad();
    net->set_drop_path(0, static_cast<std::uint64_t>(s));
    at::Tensor loss;
    {
      train::Autocast autocast(dev, bf16);
      const nn::Forward f = net->forward(x, arch);
      loss = task->loss(f.output, y) + f.penalty * 1e-3;
    }
    loss.backward();
    net->detach_state();
    train::clip_grad_norm(opt.params(), 0.1);
    opt.step(40.0 * static_cast<double>(L) / 35.0);
    sync(dev);
    if (s >= warmup) {
      train_s += seconds_since(t0);
      tokens += L * batch;
    }
  }
  const double peak_mib = static_cast<double>(nn::peak_memory_bytes(dev)) / (1 << 20);
  // Evaluation of one architecture: the validation stream at batch 10, windows of 35.
  net->eval();
  const std::int64_t rows = eval_tokens / 10;
  const auto stream =
      at::randint(0, vocab, {rows, 10}, at::TensorOptions().dtype(at::kLong).device(dev));
  const auto arch = sp->sample(rng, true);
  double eval_s = 0;
  for (int r = 0; r < 2; ++r) {  // the first pass warms up
    sync(dev);
    const auto t0 = Clock::now();
    at::NoGradGuard ng;
    train::Autocast autocast(dev, bf16);
    net->reset_state(10);
    at::Tensor sum;
    for (std::int64_t i = 0; i + 1 < rows; i += 35) {
      const std::int64_t L = std::min<std::int64_t>(35, rows - 1 - i);
      const auto t = task->totals(net->forward(stream.narrow(0, i, L), arch).output,
                                  stream.narrow(0, i + 1, L));
      sum = sum.defined() ? sum + t : t;
    }
    (void)sum.to(at::kCPU);
    sync(dev);
    eval_s = seconds_since(t0);
  }
  std::printf(
      "bench_ptb: darts-ptb supernet, H %d, vocabulary %d, %lld parameters, device %s, %s, "
      "%d threads\n",
      hidden, vocab, static_cast<long long>(nn::count_parameters(*net)), dev.str().c_str(),
      precision.c_str(), at::get_num_threads());
  std::printf("training: %.0f tokens/s (batch %d, %d steps of variable BPTT, %.1f ms/step)\n",
              static_cast<double>(tokens) / train_s, batch, steps, 1000.0 * train_s / steps);
  std::printf("training memory: peak %.0f MiB (%s)\n", peak_mib,
              dev.is_cuda() ? "CUDA allocator" : "process resident set");
  std::printf("evaluation: %.2f s per architecture (%lld validation tokens, batch 10, BPTT 35)\n",
              eval_s, static_cast<long long>(rows * 10));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "bench_ptb", body); }

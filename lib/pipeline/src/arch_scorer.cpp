#include "arch_scorer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <iostream>

#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/h5file.h"
#include "wsnas/nn/bn_calibration.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"
#include "wsnas/train/evaluation.h"
#include "wsnas/train/precision.h"
#include "wsnas/train/state_io.h"

namespace wsnas::pipeline {

struct ArchScorer::Impl {
  const EvaluateJob& job;
  const Checkpoints& ck;
  const train::Task& task;
  std::unique_ptr<space::SearchSpace> sp;
  c10::Device device;
  bool bf16;
  int calib_steps;
  data::DataBundle bundle;
  std::shared_ptr<nn::Network> net;
  c10::MemoryFormat format = c10::MemoryFormat::Contiguous;
  train::TensorBatches calib, evalset, calib_h, eval_h;
  std::int64_t eval_batch = 0;
  bool cache_stem = false;
  std::string loaded;

  Impl(const EvaluateJob& j, const Checkpoints& c, const train::Task& t, app::Context& ctx)
      : job(j),
        ck(c),
        task(t),
        sp(space::make_space(c.model.space)),
        device(train::setup_device(ctx.world, j.run.device, &ctx.provenance)),
        bf16(train::use_bf16(j.run.precision)),
        calib_steps(j.hp.bn_calib_steps),
        bundle(train::load_data(c.data, &ctx.provenance)) {}
  void load(const std::string& path);
};

ArchScorer::ArchScorer(app::Context& ctx, const EvaluateJob& job, const Checkpoints& ck,
                       const train::Task& task)
    : impl_(std::make_unique<Impl>(job, ck, task, ctx)) {
  auto& m = *impl_;
  const auto& mo = ck.model;
  const auto& dopts = ck.data;
  const auto& bundle = m.bundle;
  const auto device = m.device;
  const int rank = ctx.world.rank();
  const int calib_batch = job.hp.bn_calib_batch;
  const double aux_weight = ck.aux_weight;
  const std::int64_t cutout = ck.cutout;
  auto& calib_steps = m.calib_steps;
  auto& net = m.net;
  auto& format = m.format;
  auto& calib = m.calib;
  auto& eval_batch = m.eval_batch;
  auto& evalset = m.evalset;
  auto& cache_stem = m.cache_stem;
  const data::Split& split = job.split == "valid" ? bundle.valid : bundle.test;
  WSNAS_CHECK_INPUT(split.size() > 0, "the ", job.split, " split of ", dopts.dataset, " is empty");
  net = nn::make_supernet(mo.space, train::network_options(mo, *bundle.train_set, aux_weight));
  net->to(device);
  format = train::memory_format(job.run.memory_format, device);
  train::set_memory_format(*net, format);
  if (calib_steps > 0 && nn::count_bn_layers(*net) == 0) {
    calib_steps = 0;  // no BN (DARTS-PTB): nothing to calibrate (as the released code,
                      // anonymous-2102 trainers/ptb.py:153-154)
    if (rank == 0)
      std::cout << ctx.name << ": the " << mo.space
                << " network has no batch norm; no calibration\n";
  }
  if (calib_steps > 0) {
    calib = train::make_batches(
        bundle.train, calib_batch,
        train::train_augment(dopts, *bundle.train_set, static_cast<int>(cutout)), true, true,
        Rng::derive(job.seed, 3), calib_steps, device, format);
    WSNAS_CHECK_USAGE(static_cast<int>(calib.images.size()) == calib_steps, "--bn-calib-steps ",
                      calib_steps, " x --bn-calib-batch ", calib_batch, " needs more than the ",
                      bundle.train.size(), " training images");
  }
  eval_batch = job.eval_batch > 0 ? job.eval_batch
                                  : bundle.train_set->default_eval_batch(job.split == "test");
  evalset = train::make_batches(split, eval_batch, bundle.train_set->eval_augment(), false, false,
                                0, 0, device, format, dopts.bptt);

  // With --cache-stem, the stem's outputs are computed once per checkpoint: in training mode on
  // the calibration batches (its BN calibrated on them, as for every architecture), then in
  // evaluation mode on the split. Architectures then run only the body; calibration leaves BN
  // layers that did not run (the stem's) as they are (nn::calibrate_bn).
  // The cache holds the stem's outputs for every calibration and evaluation image: skipped (same
  // results, the stem then runs per architecture) when that exceeds kStemCacheBytes.
  constexpr double kStemCacheBytes = 4.0 * (1LL << 30);
  cache_stem = job.cache_stem && !evalset.images.empty();
  if (cache_stem) {
    at::NoGradGuard g;
    net->eval();
    const at::Tensor probe = net->stem(evalset.images.front().narrow(0, 0, 1));
    const double bytes = static_cast<double>(probe.numel() * probe.element_size()) *
                         static_cast<double>(evalset.count + calib.count);
    if (bytes > kStemCacheBytes) {
      cache_stem = false;
      if (rank == 0)
        std::cout << ctx.name << ": the stem's outputs would take " << bytes / (1 << 30)
                  << " GiB; computing the stem per architecture instead (--cache-stem)\n";
    }
  }
}

ArchScorer::~ArchScorer() = default;

void ArchScorer::Impl::load(const std::string& path) {
  if (loaded == path) return;
  auto f = io::File::open(path);
  // A supernet trained with averaged SGD is scored with its averaged weights (the PTB code).
  train::read_module(f, f.exists("/averaged") ? "/averaged" : "/model", *net);
  loaded = path;
  if (!cache_stem) return;
  train::Autocast autocast(device, bf16);
  calib_h = calib;
  eval_h = evalset;
  if (calib_steps > 0) {
    nn::calibrate_bn(*net, calib_steps, [&](int s) {
      calib_h.images[static_cast<std::size_t>(s)] =
          net->stem(calib.images[static_cast<std::size_t>(s)]);
    });
  }
  net->eval();
  at::NoGradGuard g;
  for (std::size_t i = 0; i < evalset.images.size(); ++i)
    eval_h.images[i] = net->stem(evalset.images[i]);
}

void ArchScorer::score(Record& r) {
  auto& m = *impl_;
  const auto device = m.device;
  const bool bf16 = m.bf16;
  const int calib_steps = m.calib_steps;
  const bool cache_stem = m.cache_stem;
  const auto& calib = m.calib;
  const auto& calib_h = m.calib_h;
  const auto& evalset = m.evalset;
  const auto& eval_h = m.eval_h;
  const auto& net = m.net;
  const auto& job = m.job;
  const auto& sp = m.sp;
  const auto* task = &m.task;
  const double drop_path = m.ck.drop_path;
  const std::int64_t eval_batch = m.eval_batch;
  auto load = [&m](const std::string& path) { m.load(path); };
  const auto t0 = std::chrono::steady_clock::now();
  load(r.checkpoint);
  const space::Arch arch = sp->parse(r.arch);
  train::Autocast autocast(device, bf16);
  const auto& cb = cache_stem ? calib_h : calib;
  const auto& eb = cache_stem ? eval_h : evalset;
  auto run = [&](const at::Tensor& x) {
    return (cache_stem ? net->body(x, arch) : net->forward(x, arch)).output;
  };
  if (calib_steps > 0) {
    // Calibration runs in training mode, drop-path included at the rate of the checkpoint's
    // epoch, as the released code's (anonymous-2102 trainers/utils.py:351,
    // trainers/darts_cifar.py:30-36); its masks depend on the architecture and --seed only.
    net->set_drop_path(r.schedule_epochs > 0 ? drop_path * static_cast<double>(r.epoch) /
                                                   static_cast<double>(r.schedule_epochs)
                                             : 0.0,
                       Rng::derive(Rng::derive(job.seed, 5), fnv1a(r.arch)));
    nn::calibrate_bn(*net, calib_steps,
                     [&](int s) { run(cb.images[static_cast<std::size_t>(s)]); });
  }
  net->eval();
  net->reset_state(eval_batch);
  r.metrics = train::evaluate(*task, run, eb).values;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace wsnas::pipeline

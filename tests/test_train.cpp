// lib/train against hand computations: SGD's two modes for unused parameters (the paper's
// released code, github.com/matluster/anonymous-2102 @3825f00, e.g. trainers/nb201.py:36), the
// learning-rate schedules, and the tasks' metrics (classification, language modelling).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/schedule.h"
#include "wsnas/train/task.h"

using namespace wsnas;

namespace {

at::Tensor scalar(double v) { return at::full({1}, v, at::kDouble); }
double value(const at::Tensor& t) { return t.item<double>(); }

struct TwoSteps {
  at::Tensor used, once, never;
};

// Three parameters through two steps of SGD (lr 0.1, momentum 0.9, weight decay 0.01, no
// Nesterov): `used` has a gradient in both steps (0.5, then 0.2), `once` only in the first (0.3),
// `never` in neither.
TwoSteps two_steps(train::UnusedParams mode) {
  TwoSteps p{scalar(1.0), scalar(2.0), scalar(3.0)};
  train::Sgd sgd({p.used, p.once, p.never}, 0.9, false, 0.01, mode);
  p.used.mutable_grad() = scalar(0.5);
  p.once.mutable_grad() = scalar(0.3);
  sgd.step(0.1);
  sgd.zero_grad();
  p.used.mutable_grad() = scalar(0.2);
  sgd.step(0.1);
  return p;
}

}  // namespace

TEST(Sgd, UnusedParametersDecayAsPyTorch1ZeroGradDid) {
  // By hand, PyTorch's rule d = g + wd p; buf = m buf + d; p -= lr buf:
  //  step 1: used: d = 0.5 + 0.01 = 0.51, buf 0.51, p = 1 - 0.051 = 0.949
  //          once: d = 0.3 + 0.02 = 0.32, buf 0.32, p = 2 - 0.032 = 1.968
  //  step 2: used: d = 0.2 + 0.00949 = 0.20949, buf = 0.459 + 0.20949 = 0.66849, p = 0.882151
  //          once (decay): g = 0, d = 0.01968, buf = 0.288 + 0.01968 = 0.30768, p = 1.937232
  //          once (skip): unchanged, 1.968
  //  never: 3 in both modes (no gradient ever: PyTorch 1.x left grad None).
  const auto decay = two_steps(train::UnusedParams::kDecay);
  EXPECT_NEAR(value(decay.used), 0.882151, 1e-12);
  EXPECT_NEAR(value(decay.once), 1.937232, 1e-12);
  EXPECT_EQ(value(decay.never), 3.0);
  const auto skip = two_steps(train::UnusedParams::kSkip);
  EXPECT_NEAR(value(skip.used), 0.882151, 1e-12);
  EXPECT_NEAR(value(skip.once), 1.968, 1e-12);
  EXPECT_EQ(value(skip.never), 3.0);
}

TEST(Sgd, NesterovAndTouchedState) {
  // One Nesterov step: d = 0.5 + 0.01 = 0.51, buf = 0.51, d = 0.51 + 0.9 * 0.51 = 0.969,
  // p = 1 - 0.0969 = 0.9031.
  auto p = scalar(1.0), q = scalar(1.0);
  train::Sgd sgd({p, q}, 0.9, true, 0.01, train::UnusedParams::kDecay);
  p.mutable_grad() = scalar(0.5);
  sgd.step(0.1);
  EXPECT_NEAR(value(p), 0.9031, 1e-12);
  EXPECT_EQ(value(q), 1.0);
  EXPECT_EQ(sgd.touched(), (std::vector<std::int64_t>{1, 0}));
  EXPECT_NEAR(value(sgd.buffers()[0]), 0.51, 1e-12);
  EXPECT_THROW(train::parse_unused_params("zero"), UsageError);
}

TEST(Schedules, CosinePerStepAndPerEpoch) {
  options::HyperParameters hp;
  hp.lr = 0.1;
  hp.lr_schedule = options::LrSchedule::kCosine;
  // Per step: 0.5 lr (1 + cos(pi t / T)); T = 10 steps.
  EXPECT_DOUBLE_EQ(train::learning_rate(hp, 0, 10), 0.1);
  EXPECT_NEAR(train::learning_rate(hp, 5, 10), 0.05, 1e-15);
  EXPECT_NEAR(train::learning_rate(hp, 3, 10), 0.05 * (1 + std::cos(M_PI * 0.3)), 1e-15);
  // Per epoch (NAS-Bench-201): constant within an epoch; 4 epochs of 3 steps: epoch 1 is
  // 0.5 lr (1 + cos(pi / 4)) = 0.0853553...
  hp.lr_schedule = options::LrSchedule::kCosineEpoch;
  EXPECT_DOUBLE_EQ(train::learning_rate(hp, 0, 12, 3), 0.1);
  EXPECT_DOUBLE_EQ(train::learning_rate(hp, 2, 12, 3), 0.1);
  EXPECT_NEAR(train::learning_rate(hp, 3, 12, 3), 0.05 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_NEAR(train::learning_rate(hp, 5, 12, 3), 0.05 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_NEAR(train::learning_rate(hp, 11, 12, 3), 0.05 * (1 + std::cos(3 * M_PI / 4)), 1e-15);
  hp.lr_schedule = options::LrSchedule::kFixed;
  EXPECT_EQ(train::learning_rate(hp, 7, 12, 3), 0.1);
}

TEST(Task, ClassificationTopOneTopFiveAndLoss) {
  auto task = train::make_task("classification");
  EXPECT_EQ(task->score().name, "accuracy");
  EXPECT_TRUE(task->score().higher_is_better);
  // 3 samples, 6 classes. Sample 0: label 2 is the best logit (top-1 and top-5 hit). Sample 1:
  // label 0 is the 2nd best (top-5 hit only). Sample 2: label 5 is the worst (no hit).
  auto logits = at::tensor({0.0, 1.0, 5.0, 0.5, 0.2, 0.1,  //
                            4.0, 5.0, 0.0, 0.1, 0.2, 0.3,  //
                            1.0, 2.0, 3.0, 4.0, 5.0, -1.0},
                           at::kFloat)
                    .view({3, 6});
  auto labels = at::tensor({2, 0, 5}, at::kLong);
  auto t = task->totals(logits, labels);
  std::vector<double> totals(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  // Mean cross-entropy by hand: -log softmax(label) per sample.
  double ce = 0;
  const double rows[3][6] = {{0.0, 1.0, 5.0, 0.5, 0.2, 0.1},
                             {4.0, 5.0, 0.0, 0.1, 0.2, 0.3},
                             {1.0, 2.0, 3.0, 4.0, 5.0, -1.0}};
  const int lab[3] = {2, 0, 5};
  for (int i = 0; i < 3; ++i) {
    double z = 0;
    for (double v : rows[i]) z += std::exp(v);
    ce += std::log(z) - rows[i][lab[i]];
  }
  const auto m = task->finish(totals);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_NEAR(m[0], 100.0 / 3, 1e-9);  // top-1
  EXPECT_NEAR(m[1], 200.0 / 3, 1e-9);  // top-5
  EXPECT_NEAR(m[2], ce / 3, 1e-5);     // mean loss
  EXPECT_THROW(train::make_task("segmentation"), InputError);
}

TEST(Task, LanguageModellingPerplexityIsTokenWeighted) {
  // DARTS-PTB (anonymous-2102 trainers/ptb.py:179-196): perplexity = exp(sum of token losses /
  // tokens), lower is better. Uniform logits over V words give exactly V; windows of different
  // lengths weigh by their tokens (the released code: sum of CE x L over sum of L, batch fixed).
  auto task = train::make_task("language-modelling");
  EXPECT_EQ(task->name(), "language-modelling");
  EXPECT_EQ(task->score().name, "perplexity");
  EXPECT_FALSE(task->score().higher_is_better);
  EXPECT_EQ(task->metrics().back().name, "loss");
  const auto target = at::randint(0, 7, {5, 3}, at::kLong);
  const auto uniform = at::zeros({15, 7});
  EXPECT_NEAR(task->loss(uniform, target).item<double>(), std::log(7.0), 1e-6);
  auto t = task->totals(uniform, target);
  auto host = t.contiguous();
  auto m = task->finish({host[0].item<double>(), host[1].item<double>()});
  EXPECT_NEAR(m[0], 7.0, 1e-5);
  // Two windows: 15 tokens at loss a, 6 at loss b -> exp((15a + 6b) / 21).
  const auto logits = at::randn({2, 3, 7});  // [L, n, V] is taken as well as [L * n, V]
  const auto y2 = at::randint(0, 7, {2, 3}, at::kLong);
  const double a = std::log(7.0);
  const double b =
      at::nll_loss(at::log_softmax(logits.reshape({6, 7}), 1), y2.reshape({6})).item<double>();
  const auto sum = (t + task->totals(logits, y2)).contiguous();
  m = task->finish({sum[0].item<double>(), sum[1].item<double>()});
  EXPECT_NEAR(m[0], std::exp((15 * a + 6 * b) / 21), 1e-4);
  EXPECT_NEAR(m[1], (15 * a + 6 * b) / 21, 1e-6);
}

TEST(Schedules, WarmUpThenCosineAsTheProxylessCode) {
  // anonymous-2102 trainers/utils.py:259-270: by fractional epoch e, e < 5:
  // lr = 0.025 + e (0.2 - 0.025) / 5; then 0.2 * 0.5 (1 + cos(pi (e - 5) / (E - 5))). E = 1000
  // epochs of 10 steps.
  options::HyperParameters hp;
  hp.lr = 0.2;
  hp.lr_schedule = options::LrSchedule::kCosine;
  hp.warmup_epochs = 5;
  hp.warmup_lr = 0.025;
  const std::int64_t nb = 10, total = 1000 * nb;
  EXPECT_DOUBLE_EQ(train::learning_rate(hp, 0, total, nb), 0.025);
  EXPECT_NEAR(train::learning_rate(hp, 25, total, nb), 0.025 + 2.5 * 0.175 / 5, 1e-15);  // e = 2.5
  EXPECT_NEAR(train::learning_rate(hp, 50, total, nb), 0.2, 1e-15);                      // e = 5
  EXPECT_NEAR(train::learning_rate(hp, 5025, total, nb), 0.1, 1e-12);  // e = 502.5: cos(pi/2) = 0
  EXPECT_NEAR(train::learning_rate(hp, 1234, total, nb),
              0.1 * (1 + std::cos(M_PI * (123.4 - 5) / 995)), 1e-12);
}

TEST(Task, LabelSmoothingAsTheProxylessCode) {
  // anonymous-2102 trainers/utils.py:215-229: target 1 - e on the label and e / (C - 1)
  // on the others; loss = mean over the batch of -sum q log_softmax. By hand for one sample,
  // logits (1, 2, 3), label 0, e = 0.1: q = (0.9, 0.05, 0.05).
  train::TaskOptions o;
  o.label_smoothing = 0.1;
  auto task = train::make_task("classification", o);
  auto logits = at::tensor({1.0, 2.0, 3.0}, at::kFloat).view({1, 3});
  auto label = at::tensor({0}, at::kLong);
  const double z = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double expected = -(0.9 * (1 - z) + 0.05 * (2 - z) + 0.05 * (3 - z));
  EXPECT_NEAR(task->loss(logits, label).item<double>(), expected, 1e-6);
  // Evaluation metrics are unsmoothed: the loss metric is the plain cross-entropy.
  auto t = task->totals(logits, label);
  EXPECT_NEAR(t[0].item<double>(), z - 1, 1e-6);
}

TEST(Sgd, DecayAllActsOnEveryParameterFromTheFirstStep) {
  // The DARTS code with parallel sampling pre-fills zero gradients for all parameters
  // (anonymous-2102 trainers/darts_cifar.py:175-177): `never` (3.0, no gradient ever) is decayed
  // from step 1. By hand:
  //  step 1: d = 0.01 * 3 = 0.03, buf 0.03, p = 3 - 0.003 = 2.997
  //  step 2: d = 0.02997, buf = 0.027 + 0.02997 = 0.05697, p = 2.997 - 0.005697 = 2.991303
  const auto all = two_steps(train::UnusedParams::kDecayAll);
  EXPECT_NEAR(value(all.never), 2.991303, 1e-12);
  EXPECT_NEAR(value(all.used), 0.882151, 1e-12);
  EXPECT_NEAR(value(all.once), 1.937232, 1e-12);
  EXPECT_EQ(train::parse_unused_params("decay-all"), train::UnusedParams::kDecayAll);
}

TEST(ClipGradNorm, ScalesToTheMaximumNormAsPyTorch) {
  // torch.nn.utils.clip_grad_norm_: total = sqrt(sum of squares over all gradients); when
  // max_norm / (total + 1e-6) < 1, every gradient is multiplied by it. By hand: gradients (3) and
  // (4, 0): total 5; max_norm 1 -> scale 1 / 5.000001.
  auto a = at::zeros({1}, at::kDouble), b = at::zeros({2}, at::kDouble),
       c = at::zeros({1}, at::kDouble);
  a.mutable_grad() = at::tensor({3.0}, at::kDouble);
  b.mutable_grad() = at::tensor({4.0, 0.0}, at::kDouble);  // c has no gradient: skipped
  EXPECT_NEAR(train::clip_grad_norm({a, b, c}, 1.0), 5.0, 1e-12);
  const double scale = 1.0 / (5.0 + 1e-6);
  EXPECT_NEAR(a.grad()[0].item<double>(), 3.0 * scale, 1e-12);
  EXPECT_NEAR(b.grad()[0].item<double>(), 4.0 * scale, 1e-12);
  EXPECT_FALSE(c.grad().defined());
  // Below the maximum, or max_norm 0: measured, unchanged.
  EXPECT_NEAR(train::clip_grad_norm({a, b}, 10.0), 5.0 * scale, 1e-12);
  EXPECT_NEAR(a.grad()[0].item<double>(), 3.0 * scale, 1e-12);
  EXPECT_NEAR(train::clip_grad_norm({a, b}, 0.0), 5.0 * scale, 1e-12);
}

TEST(RmsProp, TwoStepsAsTensorFlow1RmsPropWithMomentum) {
  // NAS-Bench-101's optimizer: tf.train.RMSPropOptimizer(lr, momentum=0.9, epsilon=1.0), decay
  // 0.9 (TF default), the mean square's slot initialised to ones (TF 1.x), weight decay as the
  // L2 term wd * sum(v^2) / 2 of the loss (nasbench/lib/model_builder.py). Written out by hand:
  //   d = g + wd p;  ms = 0.9 ms + 0.1 d^2;  buf = 0.9 buf + lr d / sqrt(ms + 1);  p -= buf.
  at::Tensor p = scalar(1.0), q = scalar(-2.0);
  options::HyperParameters hp;
  hp.optimizer = options::OptimizerKind::kRmsProp;
  hp.momentum = 0.9;
  hp.nesterov = false;
  hp.weight_decay = 0.01;
  auto opt = train::make_optimizer({p, q}, hp);
  ASSERT_NE(dynamic_cast<train::RmsProp*>(opt.get()), nullptr);
  double ep = 1.0, eq = -2.0, msp = 1, msq = 1, bp = 0, bq = 0;
  const double grads[2][2] = {{0.5, 0.1}, {-0.3, 0.4}}, lrs[2] = {0.2, 0.1};
  for (int s = 0; s < 2; ++s) {
    p.mutable_grad() = scalar(grads[s][0]);
    q.mutable_grad() = scalar(grads[s][1]);
    opt->step(lrs[s]);
    const double dp = grads[s][0] + 0.01 * ep, dq = grads[s][1] + 0.01 * eq;
    msp = 0.9 * msp + 0.1 * dp * dp;
    msq = 0.9 * msq + 0.1 * dq * dq;
    bp = 0.9 * bp + lrs[s] * dp / std::sqrt(msp + 1.0);
    bq = 0.9 * bq + lrs[s] * dq / std::sqrt(msq + 1.0);
    ep -= bp;
    eq -= bq;
    EXPECT_NEAR(value(p), ep, 1e-12) << "step " << s;
    EXPECT_NEAR(value(q), eq, 1e-12) << "step " << s;
  }
  const train::OptimizerState state = opt->save();
  ASSERT_EQ(state.tensors.size(), 2u);
  EXPECT_EQ(state.tensors[1].first, "mean_square");
  EXPECT_NEAR(value(state.tensors[1].second[0]), msp, 1e-12);
  // Nesterov has no meaning here: refused with one line.
  hp.nesterov = true;
  try {
    train::make_optimizer({scalar(1.0)}, hp);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--optimizer rmsprop does not take --nesterov true"),
              std::string::npos);
  }
}

TEST(Asgd, StepsAsTorchOptimAsgd) {
  // The PTB trainers' torch.optim.ASGD(lr, t0 = 0, lambd = 0, weight_decay), run by Debian's
  // PyTorch on the same gradients with a learning rate changed before every step (the variable
  // BPTT scaling): the step size lags one step and the average starts from the second step.
  const std::vector<std::vector<double>> grads = {
      {0.5, -1.0, 2.0}, {1.5, 0.25, -0.5}, {-2.0, 1.0, 0.75}, {0.1, 0.2, 0.3}, {-0.4, 0.6, -1.2}};
  const std::vector<double> lrs = {1.0, 0.5, 2.0, 0.3, 1.7};
  std::string py =
      "import torch\n"
      "p = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)\n"
      "opt = torch.optim.ASGD([p], lr=1.0, t0=0, lambd=0, weight_decay=0.1)\n";
  for (std::size_t k = 0; k < grads.size(); ++k) {
    py += "opt.param_groups[0]['lr'] = " + std::to_string(lrs[k]) + "\n";
    py += "p.grad = torch.tensor([" + std::to_string(grads[k][0]) + ", " +
          std::to_string(grads[k][1]) + ", " + std::to_string(grads[k][2]) +
          "], dtype=torch.float64)\n";
    py += "opt.step()\n";
  }
  py += "print(' '.join(repr(x) for x in p.tolist() + opt.state[p]['ax'].tolist()))\n";
  const std::string script = test::scratch_dir("asgd") + "/asgd.py";
  { std::ofstream(script) << py; }
  const auto r = test::run("/usr/bin/python3 " + script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<double> want(6);
  for (auto& w : want) ASSERT_TRUE(in >> w) << r.out;

  auto p = at::tensor({1.0, -2.0, 0.5}, at::kDouble);
  train::Asgd sgd(std::make_unique<train::Sgd>(std::vector<at::Tensor>{p}, 0, false, 0.1));
  EXPECT_FALSE(sgd.averaging());
  sgd.start_averaging();
  for (std::size_t k = 0; k < grads.size(); ++k) {
    p.mutable_grad() = at::tensor(grads[k], at::kDouble);
    sgd.step(lrs[k]);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(p[i].item<double>(), want[i], 1e-12) << i;
    EXPECT_NEAR(sgd.averages()[0][i].item<double>(), want[3 + i], 1e-12) << i;
  }
  // The averaged weights are lent for evaluation and given back.
  const auto before = p.clone();
  {
    train::AveragedWeights averaged(sgd);
    EXPECT_TRUE(at::equal(p, sgd.averages()[0]));
  }
  EXPECT_TRUE(at::equal(p, before));
  // A saved state restores the step exactly; momentum is refused (ASGD has none).
  const auto saved = sgd.save();
  p.mutable_grad() = at::tensor({1.0, 1.0, 1.0}, at::kDouble);
  sgd.step(0.3);
  const auto once = p.clone();
  sgd.restore(saved);
  p.copy_(before);
  sgd.step(0.3);
  EXPECT_TRUE(at::equal(p, once));
  train::Asgd with_momentum(
      std::make_unique<train::Sgd>(std::vector<at::Tensor>{at::zeros({2})}, 0.9, false, 0));
  EXPECT_THROW(with_momentum.start_averaging(), UsageError);
  options::HyperParameters hp;
  hp.nesterov = false;
  hp.asgd = options::AsgdRule::kPlateau;  // refused at once (momentum 0.9), not at the switch
  EXPECT_THROW(train::make_optimizer({at::zeros({2})}, hp), UsageError);
  hp.momentum = 0;
  EXPECT_NE(dynamic_cast<train::Asgd*>(train::make_optimizer({at::zeros({2})}, hp).get()), nullptr);
  // A plain SGD does not average.
  train::Sgd plain({at::zeros({2})}, 0, false, 0);
  EXPECT_THROW(plain.start_averaging(), UsageError);
}

TEST(Asgd, SwitchRulesOfThePtbCodes) {
  // Lower is better (perplexity). plateau (the paper's trainers/ptb.py): patience = validations
  // since the best; switch at `patience` of them.
  const std::vector<double> h = {5, 4, 4.5, 4.2, 4.1, 4.3};
  EXPECT_FALSE(
      train::asgd_switch(options::AsgdRule::kPlateau, 5, h, false));  // 4 since the best (4)
  auto h2 = h;
  h2.push_back(4.05);
  EXPECT_TRUE(train::asgd_switch(options::AsgdRule::kPlateau, 5, h2, false));
  h2.back() = 3.9;  // a new best resets it
  EXPECT_FALSE(train::asgd_switch(options::AsgdRule::kPlateau, 5, h2, false));
  // Patience 0: at the first validation that does not improve, not before.
  EXPECT_FALSE(train::asgd_switch(options::AsgdRule::kPlateau, 0, {5}, false));
  EXPECT_FALSE(train::asgd_switch(options::AsgdRule::kPlateau, 0, {5, 4}, false));
  EXPECT_TRUE(train::asgd_switch(options::AsgdRule::kPlateau, 0, {5, 4, 4}, false));
  // Diverged validations count from the first, as the code's counter (its best starts at 1e9).
  EXPECT_FALSE(train::asgd_switch(options::AsgdRule::kPlateau, 2, {std::nan("")}, false));
  EXPECT_TRUE(
      train::asgd_switch(options::AsgdRule::kPlateau, 2, {std::nan(""), std::nan("")}, false));
  // nonmono (DARTS' rnn/train.py): more than 5 earlier scores, and the last worse than the best
  // of all but the 5 latest earlier ones.
  EXPECT_FALSE(train::asgd_switch(options::AsgdRule::kNonmono, 5, {5, 4, 3, 2, 1, 6},
                                  false));  // 5 earlier only
  EXPECT_FALSE(
      train::asgd_switch(options::AsgdRule::kNonmono, 5, {5, 4, 3, 2, 1, 1.5, 4.9}, false));
  EXPECT_TRUE(train::asgd_switch(options::AsgdRule::kNonmono, 5, {5, 4, 3, 2, 1, 1.5, 5.1}, false));
  EXPECT_TRUE(
      train::asgd_switch(options::AsgdRule::kNonmono, 5, {95, 96, 97, 98, 99, 99, 94.9}, true));
  EXPECT_FALSE(train::asgd_switch(options::AsgdRule::kOff, 0, {1, 2, 3}, false));
  EXPECT_TRUE(train::asgd_switch(options::AsgdRule::kAlways, 5, {1}, false));
  // A diverged (NaN) validation is never the best.
  EXPECT_EQ(train::best_index({std::nan(""), 3, 2, std::nan("")}, false), 2u);
  EXPECT_EQ(train::best_index({std::nan("")}, true), 0u);
}

// DARTS-PTB networks (the paper's released code, github.com/matluster/anonymous-2102 @3825f00
// space/ptb/network.py): DARTS' recurrent cell with highway nodes, tied
// decoder, the five dropouts, the carried hidden state and temporal activation regularisation;
// against DARTS' published size and an independent PyTorch reference of DARTS' rnn/model.py.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/nn/darts_ptb_model.h"
#include "wsnas/space/darts_ptb.h"
#include "wsnas/train/state_io.h"

using namespace wsnas;
using space::Arch;
using space::DartsPtbSpace;

namespace {

nn::NetworkOptions options(int hidden, int vocab, std::vector<double> dropout = {}) {
  nn::NetworkOptions o;
  o.channels = hidden;
  o.classes = vocab;
  o.rnn_dropout = std::move(dropout);
  return o;
}

// DARTS' final recurrent cell (DARTS genotypes.py, DARTS_V2), as the space parses it.
const char* kDartsV2 =
    "Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), ('identity', 1), "
    "('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))";

void copy_weights(nn::Network& from, nn::Network& to) {
  at::NoGradGuard g;
  auto a = from.named_parameters(), b = to.named_parameters();
  for (const auto& p : a) b[p.key()].copy_(p.value());
}

}  // namespace

TEST(DartsPtbModel, SizeOfDartsPaper) {
  // 20 H^2 (W0 2H x 2H, W1..W8 H x 2H) + V H (the embedding, tied to the decoder) + V (bias):
  // 22,960,000 at H = 850 and PTB's 10,000 words, DARTS' "23M" (Liu et al. 2019, Table 2).
  DartsPtbSpace sp;
  auto net = nn::darts_ptb_supernet(options(0, 10000));
  EXPECT_EQ(nn::count_parameters(*net), 22960000);
  // Every architecture has the same network (paper Fig. 6: constant parameters).
  auto one = nn::darts_ptb_network(sp.parse(kDartsV2), options(16, 50));
  EXPECT_EQ(nn::count_parameters(*one), 20 * 16 * 16 + 50 * 17);
  // Initialisation as DARTS' rnn/model.py: U(-0.04, 0.04), decoder bias 0.
  for (const auto& p : net->named_parameters()) {
    if (p.key() == "decoder_bias") {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f);
    } else {
      EXPECT_LE(p.value().abs().max().item<float>(), 0.04f) << p.key();
      EXPECT_GT(p.value().abs().max().item<float>(), 0.039f) << p.key();
    }
  }
}

TEST(DartsPtbModel, ForwardPassesMatchTheReferenceImplementation) {
  // tests/reference/darts_ptb_reference.py is DARTS' RNNModel and DARTSCell written from DARTS'
  // rnn/model.py, run in Debian's PyTorch (float64). It loads our weights and our initial hidden
  // state and compares logits and the final hidden state in evaluation mode, and every tensor's
  // gradient of sum(logits * probe) (relative to the largest).
  DartsPtbSpace sp;
  Rng rng(3);
  const std::string path = test::scratch_dir("darts_ptb_reference") + "/cases.h5";
  {
    auto f = io::File::create(path);
    for (int k = 0; k < 3; ++k) {
      const Arch a = k == 0 ? sp.parse(kDartsV2) : sp.sample(rng, true);
      auto net = nn::darts_ptb_supernet(options(12, 40));
      {
        at::NoGradGuard g;
        for (auto& p : net->parameters()) p.uniform_(-0.5, 0.5);  // larger than DARTS' init
      }
      const auto tokens = at::randint(0, 40, {6, 3}, at::kLong);
      const auto h0 = at::randn({3, 12}) * 0.5;
      const std::string g = "/case" + std::to_string(k);
      f.create_group(g);
      f.set_attr(g, "hidden", 12);
      f.set_attr(g, "vocab", 40);
      f.write_i64(g + "/choices", std::vector<std::int64_t>(a.choices.begin(), a.choices.end()));
      io::write_tensor(f, g + "/tokens", tokens);
      io::write_tensor(f, g + "/hidden0", h0);
      train::write_module(f, g + "/model", *net);
      net->eval();
      {
        // One backward pass through sum(logits * probe): every tensor's gradient (the recurrence's
        // backward is written out in darts_ptb_model.cpp, so it is checked by value here).
        net->set_state({h0});
        const auto probe = at::randn({6 * 3, 40});
        io::write_tensor(f, g + "/grad_probe", probe);
        (net->forward(tokens, a).output * probe).sum().backward();
        for (const auto& p : net->named_parameters())
          io::write_tensor(f, g + "/grad/" + p.key(), p.value().grad());
      }
      net->set_state({h0});
      at::NoGradGuard ng;
      io::write_tensor(f, g + "/eval_out", net->forward(tokens, a).output);
      io::write_tensor(f, g + "/eval_hidden", net->state().at(0));
    }
  }
  const auto cases = test::run_reference("darts_ptb_reference.py", path);
  for (const auto& c : cases) {
    EXPECT_LT(c.diff, 1e-5) << c.name;
    EXPECT_EQ(c.tensors, 11) << c.name;
  }
  EXPECT_EQ(cases.size(), 3u);
}

TEST(DartsPtbModel, HiddenStateIsCarriedAcrossWindows) {
  // Two windows run one after the other with the state carried equal one long window (the
  // released code's evaluation and training, truncated BPTT); reset_state starts from zeros.
  DartsPtbSpace sp;
  Rng rng(1);
  const Arch a = sp.sample(rng, true);
  auto net = nn::darts_ptb_supernet(options(10, 30));
  net->eval();
  at::NoGradGuard g;
  const auto x = at::randint(0, 30, {9, 4}, at::kLong);
  net->reset_state(4);
  const auto whole = net->forward(x, a).output;
  const auto end_state = net->state().at(0).clone();
  net->reset_state(4);
  const auto first = net->forward(x.narrow(0, 0, 4), a).output;
  const auto second = net->forward(x.narrow(0, 4, 5), a).output;
  EXPECT_TRUE(at::allclose(at::cat({first, second}), whole, 1e-5, 1e-6));
  EXPECT_TRUE(at::allclose(net->state().at(0), end_state, 1e-5, 1e-6));
  net->reset_state(4);
  EXPECT_EQ(net->state().at(0).abs().max().item<float>(), 0.0f);
  // A saved state set back continues the same way.
  net->forward(x.narrow(0, 0, 4), a);
  const auto saved = net->state();
  const auto cont = net->forward(x.narrow(0, 4, 5), a).output;
  net->reset_state(4);
  net->set_state(saved);
  EXPECT_TRUE(at::equal(net->forward(x.narrow(0, 4, 5), a).output, cont));
  EXPECT_NE(test::input_error_of([&] {
              net->set_state({at::zeros({4, 3})});
            }).find("darts-ptb: a saved hidden state"),
            std::string::npos);
}

TEST(DartsPtbModel, SupernetPathEqualsTheStandAloneNetwork) {
  // Weights are shared by every choice: with the same weights, the supernet running an
  // architecture is its stand-alone network, masks included (same seed).
  DartsPtbSpace sp;
  Rng rng(2);
  const Arch a = sp.sample(rng, true);
  auto super = nn::darts_ptb_supernet(options(8, 20));
  auto alone = nn::darts_ptb_network(a, options(8, 20));
  copy_weights(*super, *alone);
  const auto x = at::randint(0, 20, {5, 3}, at::kLong);
  for (const bool train : {false, true}) {
    super->train(train);
    alone->train(train);
    super->reset_state(3);
    alone->reset_state(3);
    super->set_drop_path(0, 99);
    alone->set_drop_path(0, 99);
    EXPECT_TRUE(at::equal(super->forward(x, a).output, alone->forward(x, a).output)) << train;
  }
  EXPECT_EQ(alone->own_arch()->choices, a.choices);
  EXPECT_EQ(super->own_arch(), nullptr);
}

TEST(DartsPtbModel, DropoutMasksAreSeededAndOffInEvaluation) {
  DartsPtbSpace sp;
  const Arch a = sp.parse(kDartsV2);
  auto net = nn::darts_ptb_supernet(options(8, 20));
  const auto x = at::randint(0, 20, {5, 3}, at::kLong);
  auto run = [&](bool train, std::uint64_t seed) {
    net->train(train);
    net->reset_state(3);
    net->set_drop_path(0, seed);
    at::NoGradGuard g;
    return net->forward(x, a).output;
  };
  EXPECT_TRUE(at::equal(run(true, 5), run(true, 5)));
  EXPECT_FALSE(at::allclose(run(true, 5), run(true, 6)));
  EXPECT_TRUE(at::equal(run(false, 5), run(false, 6)));
  // With every rate 0, training mode computes what evaluation does.
  auto plain = nn::darts_ptb_supernet(options(8, 20, {0, 0, 0, 0, 0}));
  copy_weights(*net, *plain);
  plain->train();
  plain->reset_state(3);
  at::Tensor train_out;
  {
    at::NoGradGuard g;
    train_out = plain->forward(x, a).output;
  }
  EXPECT_TRUE(at::allclose(train_out, run(false, 0), 1e-5, 1e-6));
  // Bad rates and bad inputs: one line naming the option.
  EXPECT_EQ(test::input_error_of([] {
              nn::darts_ptb_supernet(options(8, 20, {0.5, 0.5}));
            }),
            "--rnn-dropout: 2 rates, expected 5 (output, hidden, input, embedding, words)");
  EXPECT_EQ(test::input_error_of([] {
              nn::darts_ptb_supernet(options(8, 20, {1, 0, 0, 0, 0}));
            }),
            "--rnn-dropout: rate 1 is outside [0, 1)");
  EXPECT_NE(test::input_error_of([&] {
              net->forward(at::zeros({2, 3, 32, 32}), a);
            }).find("expected int64 tokens [L, n]: --dataset ptb"),
            std::string::npos);
}

TEST(DartsPtbModel, TemporalActivationRegularisation) {
  // DARTS' train.py: beta x mean((h_t - h_{t-1})^2) over the cell's undropped outputs, only when
  // training with gradients. With the output dropout off and the decoder's weights known, the
  // outputs are recovered from the logits: logits = h E^T + b, E = I padded (vocab = hidden).
  DartsPtbSpace sp;
  const Arch a = sp.parse(kDartsV2);
  auto net = nn::darts_ptb_supernet(options(6, 6, {0, 0.25, 0.75, 0.2, 0}));
  {
    at::NoGradGuard g;
    net->named_parameters()["encoder.weight"].copy_(at::eye(6) * 0.3);
  }
  const auto x = at::randint(0, 6, {7, 2}, at::kLong);
  net->train();
  net->reset_state(2);
  net->set_drop_path(0, 1);
  const nn::Forward f = net->forward(x, a);
  const auto h = f.output.detach().reshape({7, 2, 6}) / 0.3;  // bias 0
  const auto want = (h.narrow(0, 1, 6) - h.narrow(0, 0, 6)).pow(2).mean();
  ASSERT_TRUE(f.penalty.defined());
  EXPECT_NEAR(f.penalty.item<double>(), want.item<double>(), 1e-5);
  EXPECT_FALSE(f.auxiliary.defined());
  net->eval();
  EXPECT_FALSE(net->forward(x, a).penalty.defined());
}

TEST(DartsPtbModel, TrainingGradientsEqualFiniteDifferences) {
  // Training mode: the hidden and input dropout masks, the locked dropouts, the word dropout and
  // the temporal activation penalty, in float64. The written-out backward pass of the recurrence
  // (darts_ptb_model.cpp, WindowFunction) against central differences of the forward pass (which
  // the test above checks against DARTS' code) along a random direction in every tensor; the same
  // seed gives the same masks. Two windows, the state carried (detached) between them.
  // The relu operator has a kink: a step of eps crosses it for some unit with a probability
  // proportional to eps (at 1e-6, about one run in fifty failed, by 0.01-0.1 %), so the step is
  // 1e-8 (rounding: 1e-16 |loss| / eps, far below the bound) and LibTorch's generator, seeded at
  // random by default, is seeded here so that every run checks the same weights and batches.
  at::manual_seed(29);
  DartsPtbSpace sp;
  Rng rng(11);
  for (int k = 0; k < 3; ++k) {
    const Arch a = k == 0 ? sp.parse(kDartsV2) : sp.sample(rng, true);
    auto net = nn::darts_ptb_supernet(options(10, 30, {0.5, 0.25, 0.5, 0.2, 0.1}));
    net->to(at::kDouble);
    {
      at::NoGradGuard g;
      for (auto& p : net->parameters()) p.uniform_(-0.4, 0.4);
    }
    net->train();
    // 19 steps: more than the 16 the backward pass takes weight gradients over at once.
    const auto x1 = at::randint(0, 30, {19, 4}, at::kLong);
    const auto x2 = at::randint(0, 30, {4, 4}, at::kLong);
    const auto probe = at::randn({19 * 4, 30}, at::kDouble);
    const auto probe2 = at::randn({4 * 4, 30}, at::kDouble);
    at::Tensor carried;  // window 2 starts from window 1's state at the unshifted weights (as
                         // truncated BPTT: no gradient through it, so none in the differences)
    auto loss = [&] {
      net->reset_state(4);
      net->set_drop_path(0, 7);
      const nn::Forward f1 = net->forward(x1, a);
      if (!carried.defined()) carried = net->state().at(0);
      net->set_state({carried});
      const nn::Forward f2 = net->forward(x2, a);
      return (f1.output * probe).sum() + 10 * f1.penalty + (f2.output * probe2).sum() +
             10 * f2.penalty;
    };
    net->zero_grad();
    loss().backward();
    double analytic = 0;
    std::vector<at::Tensor> dirs;
    for (auto& p : net->parameters()) {
      dirs.push_back(at::randn_like(p));
      analytic += (p.grad() * dirs.back()).sum().item<double>();
    }
    auto shift = [&](double eps) {
      at::NoGradGuard g;
      auto ps = net->parameters();
      for (std::size_t i = 0; i < ps.size(); ++i) ps[i].add_(dirs[i], eps);
    };
    const double eps = 1e-8;  // see above
    shift(eps);
    const double plus = loss().item<double>();  // (with gradients on: the penalty needs them)
    shift(-2 * eps);
    const double minus = loss().item<double>();
    shift(eps);
    const double numeric = (plus - minus) / (2 * eps);
    EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "case " << k;
    EXPECT_GT(std::abs(numeric), 1e-3) << "case " << k;
  }
}

#include "wsnas/nn/darts_ptb_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/embedding.h>

#include <optional>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/space/darts_ptb.h"

namespace wsnas::nn {

namespace {

using space::DartsPtbSpace;
using space::kDartsPtbNodes;

constexpr double kInitRange = 0.04;  // DARTS rnn/model.py INITRANGE

/// The rates of NetworkOptions::rnn_dropout by name (DARTS' train.py flags in brackets).
struct Dropouts {
  double output = 0.75;    // [dropout] locked, on the cell's output
  double hidden = 0.25;    // [dropouth] on h_{t-1} and every node's input state
  double input = 0.75;     // [dropoutx] on the cell's input x_t
  double embedding = 0.2;  // [dropouti] locked, on the embedded words
  double words = 0.1;      // [dropoute] whole embedding rows (words)
  static Dropouts of(const std::vector<double>& v) {
    Dropouts d;
    if (v.empty()) return d;
    WSNAS_CHECK_INPUT(v.size() == 5, "--rnn-dropout: ", v.size(),
                      " rates, expected 5 (output, hidden, input, embedding, words)");
    for (const double p : v)
      WSNAS_CHECK_INPUT(p >= 0 && p < 1, "--rnn-dropout: rate ", p, " is outside [0, 1)");
    return {v[0], v[1], v[2], v[3], v[4]};
  }
};

class DartsPtbNetworkImpl final : public Network {
 public:
  DartsPtbNetworkImpl(const NetworkOptions& o, std::optional<space::Arch> arch)
      : hidden_size_(o.channels > 0 ? o.channels : 850),
        vocab_(o.classes),
        drop_(Dropouts::of(o.rnn_dropout)),
        arch_(std::move(arch)) {
    WSNAS_CHECK_INPUT(vocab_ >= 2, "darts-ptb: a vocabulary of ", vocab_,
                      " words (expected a text dataset: --dataset ptb)");
    WSNAS_CHECK_INPUT(o.cells == 0, "--cells: darts-ptb has one cell of 8 nodes (expected 0)");
    WSNAS_CHECK_INPUT(o.width_mult == 0, "--width-mult: darts-ptb has none (expected 0)");
    WSNAS_CHECK_INPUT(!o.auxiliary, "--aux-weight: darts-ptb has no auxiliary head");
    const std::int64_t H = hidden_size_;
    encoder_ = register_module("encoder", torch::nn::Embedding(vocab_, H));
    at::NoGradGuard g;
    encoder_->weight.uniform_(-kInitRange, kInitRange);
    w0_ = register_parameter("w0", at::empty({2 * H, 2 * H}).uniform_(-kInitRange, kInitRange));
    for (int i = 0; i < kDartsPtbNodes; ++i) {
      ws_.push_back(register_parameter("w" + std::to_string(i + 1),
                                       at::empty({H, 2 * H}).uniform_(-kInitRange, kInitRange)));
    }
    bias_ = register_parameter("decoder_bias", at::zeros({vocab_}));
  }

  /// Tokens [L, n] -> embedded words [L, n, H], with the word and locked input dropouts in
  /// training (AWD-LSTM's embedded_dropout and LockedDropout, as DARTS).
  at::Tensor stem(const at::Tensor& x) override {
    WSNAS_CHECK_INPUT(x.dim() == 2 && x.scalar_type() == at::kLong, "darts-ptb: input of shape ",
                      x.sizes(), " (expected int64 tokens [L, n]: --dataset ptb)");
    at::Tensor weight = encoder_->weight;
    if (is_training() && drop_.words > 0) weight = weight * mask({vocab_, 1}, drop_.words);
    at::Tensor e = at::embedding(weight, x);
    if (is_training() && drop_.embedding > 0)
      e = e * mask({1, x.size(1), e.size(2)}, drop_.embedding);
    return e;
  }

  Forward body(const at::Tensor& emb, const space::Arch& arch_in) override {
    const space::Arch& arch = arch_ ? *arch_ : arch_in;
    WSNAS_CHECK(arch.choices.size() == 2 * kDartsPtbNodes, "darts-ptb: ", arch.choices.size(),
                " decisions");
    const std::int64_t L = emb.size(0), n = emb.size(1), H = hidden_size_;
    if (!hidden_.defined() || hidden_.size(0) != n || hidden_.device() != emb.device())
      hidden_ = at::zeros({n, H}, emb.options());
    const bool train = is_training();
    at::Tensor x_mask, h_mask;
    if (train && drop_.input > 0) x_mask = mask({n, H}, drop_.input);
    if (train && drop_.hidden > 0) h_mask = mask({n, H}, drop_.hidden);
    // [x * x_mask, h * h_mask] @ W0 = (x * x_mask) @ W0[:H] + (h * h_mask) @ W0[H:]: the input
    // half for every time step at once.
    const at::Tensor xin = x_mask.defined() ? emb * x_mask : emb;
    const at::Tensor xw = at::matmul(xin, w0_.narrow(0, 0, H));  // [L, n, 2H]
    const at::Tensor w0h = w0_.narrow(0, H, H);
    std::vector<at::Tensor> outputs;
    outputs.reserve(static_cast<std::size_t>(L));
    at::Tensor h = hidden_;
    std::vector<at::Tensor> states(kDartsPtbNodes + 1);
    for (std::int64_t t = 0; t < L; ++t) {
      const at::Tensor hm = h_mask.defined() ? h * h_mask : h;
      const auto ch0 = (xw[t] + at::mm(hm, w0h)).chunk(2, 1);
      states[0] = h + ch0[0].sigmoid() * (ch0[1].tanh() - h);
      at::Tensor sum;
      for (int i = 0; i < kDartsPtbNodes; ++i) {
        const at::Tensor& sp =
            states[static_cast<std::size_t>(arch.choices[DartsPtbSpace::decision_index(i, true)])];
        const auto ch =
            at::mm(h_mask.defined() ? sp * h_mask : sp, ws_[static_cast<std::size_t>(i)])
                .chunk(2, 1);
        const at::Tensor s =
            sp +
            ch[0].sigmoid() *
                (activation(arch.choices[DartsPtbSpace::decision_index(i, false)], ch[1]) - sp);
        states[static_cast<std::size_t>(i) + 1] = s;
        sum = sum.defined() ? sum + s : s;
      }
      h = sum / static_cast<double>(kDartsPtbNodes);
      outputs.push_back(h);
    }
    hidden_ = h;
    const at::Tensor raw = at::stack(outputs);  // [L, n, H]
    Forward f;
    if (train && at::GradMode::is_enabled() && L > 1)
      f.penalty = (raw.narrow(0, 1, L - 1) - raw.narrow(0, 0, L - 1)).pow(2).mean();
    at::Tensor out = raw;
    if (train && drop_.output > 0) out = out * mask({1, n, H}, drop_.output);
    f.output = at::linear(out.reshape({L * n, H}), encoder_->weight, bias_);
    return f;
  }

  const space::Arch* own_arch() const override { return arch_ ? &*arch_ : nullptr; }
  void reset_state(std::int64_t batch_size) override {
    hidden_ = at::zeros({batch_size, hidden_size_}, w0_.options().requires_grad(false));
  }
  void detach_state() override {
    if (hidden_.defined()) hidden_ = hidden_.detach();
  }
  std::vector<at::Tensor> state() const override {
    if (!hidden_.defined()) return {};
    return {hidden_.detach()};
  }
  void set_state(const std::vector<at::Tensor>& s) override {
    WSNAS_CHECK_INPUT(s.size() == 1 && s[0].dim() == 2 && s[0].size(1) == hidden_size_,
                      "darts-ptb: a saved hidden state of ", s.empty() ? 0 : s[0].dim(),
                      " dimensions, expected one [batch, ", hidden_size_, "] tensor");
    hidden_ = s[0].to(w0_.device(), w0_.scalar_type());
  }
  void set_drop_path(double /*prob*/, std::uint64_t seed) override { gen_.set_current_seed(seed); }

 private:
  static at::Tensor activation(std::int64_t a, const at::Tensor& x) {
    switch (a) {
      case 0:
        return x.tanh();
      case 1:
        return x.relu();
      case 2:
        return x.sigmoid();
      default:
        return x;
    }
  }
  /// A Bernoulli(1 - p) mask scaled by 1 / (1 - p), drawn on the CPU generator and moved to the
  /// network's device (the same masks on every device).
  at::Tensor mask(at::IntArrayRef shape, double p) {
    const double keep = 1.0 - p;
    return at::empty(shape, at::kFloat)
        .bernoulli_(keep, gen_)
        .div_(keep)
        .to(w0_.device(), w0_.scalar_type());
  }

  std::int64_t hidden_size_, vocab_;
  Dropouts drop_;
  std::optional<space::Arch> arch_;
  torch::nn::Embedding encoder_{nullptr};
  at::Tensor w0_, bias_;
  std::vector<at::Tensor> ws_;
  at::Tensor hidden_;
  at::Generator gen_ = at::make_generator<at::CPUGeneratorImpl>(0);
};

}  // namespace

std::shared_ptr<Network> darts_ptb_supernet(const NetworkOptions& options) {
  return std::make_shared<DartsPtbNetworkImpl>(options, std::nullopt);
}

std::shared_ptr<Network> darts_ptb_network(const space::Arch& arch, const NetworkOptions& options) {
  DartsPtbSpace().check(arch);
  return std::make_shared<DartsPtbNetworkImpl>(options, arch);
}

}  // namespace wsnas::nn

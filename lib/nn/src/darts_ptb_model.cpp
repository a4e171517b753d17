#include "wsnas/nn/darts_ptb_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/embedding.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/space/darts_ptb.h"

namespace wsnas::nn {

namespace {

using space::DartsPtbSpace;
using space::kDartsPtbNodes;

constexpr double kInitRange = 0.04;  // DARTS rnn/model.py INITRANGE

constexpr int kProducts = kDartsPtbNodes + 1;  // W0's h-half, then W1..W8

/// One node's choices: the activation of its candidate state and the state it reads (node 0, the
/// initial state of DARTS' _compute_init_state: tanh, reading h_{t-1}, coded -1).
struct Wiring {
  std::int64_t act[kProducts];
  std::int64_t pred[kProducts];
  static Wiring of(const space::Arch& arch) {
    Wiring w;
    w.act[0] = 0;
    w.pred[0] = -1;
    for (int i = 0; i < kDartsPtbNodes; ++i) {
      w.act[i + 1] = arch.choices[DartsPtbSpace::decision_index(i, false)];
      w.pred[i + 1] = arch.choices[DartsPtbSpace::decision_index(i, true)];
    }
    return w;
  }
  std::vector<std::int64_t> flat() const {
    std::vector<std::int64_t> v(act, act + kProducts);
    v.insert(v.end(), pred, pred + kProducts);
    return v;
  }
  static Wiring of_flat(const std::vector<std::int64_t>& v) {
    Wiring w;
    std::copy(v.begin(), v.begin() + kProducts, w.act);
    std::copy(v.begin() + kProducts, v.end(), w.pred);
    return w;
  }
};

// DARTS' activations by index (0 tanh, 1 relu, 2 sigmoid, 3 identity), into `out`.
void activation_out(at::Tensor& out, std::int64_t a, const at::Tensor& x) {
  switch (a) {
    case 0:
      at::tanh_out(out, x);
      break;
    case 1:
      at::clamp_min_out(out, x, 0);
      break;
    case 2:
      at::sigmoid_out(out, x);
      break;
    default:
      out.copy_(x);
  }
}

// out = dy * act'(x), from the activation's output y = act(x).
void activation_backward_out(at::Tensor& out, std::int64_t a, const at::Tensor& y,
                             const at::Tensor& dy) {
  switch (a) {
    case 0:  // 1 - y^2
      at::mul_out(out, y, y);
      out.sub_(1).mul_(dy).neg_();
      break;
    case 1:
      at::mul_out(out, dy, y.gt(0));
      break;
    case 2:  // y (1 - y)
      at::mul_out(out, y, y);
      at::sub_out(out, y, out).mul_(dy);
      break;
    default:
      out.copy_(dy);
  }
}

/// A window of the recurrence (DARTS' DARTSCell over L steps) and what its backward pass needs.
struct Window {
  at::Tensor out;      // [L, n, H]: h_1 .. h_L, each the mean of the 8 nodes' states
  at::Tensor S, C, G;  // [9, T, n, H]: states, gates, activations (T = L when kept, else 1)
};

/// The recurrence written out, as DARTS' cell computes it (rnn/model.py 51-56 and 72-88): step t,
/// product j reads its state s (h_{t-1} for j = 0), takes x = s * h_mask (training), ch = x @ W_j
/// (plus x_t's half for j = 0), c = sigmoid(ch[:H]), g = act_j(ch[H:]), s_j = s + c (g - s);
/// h_t = mean(s_1..s_8). `w` holds the 9 [H, 2H] products; `xw` [L, n, 2H] the input half of the
/// first product for every step. `keep`: keep every step's tensors for the backward pass.
Window run_window(const at::Tensor& xw, const std::vector<at::Tensor>& w, const at::Tensor& h0,
                  const at::Tensor& mask, const Wiring& wiring, bool keep) {
  const std::int64_t L = xw.size(0), n = xw.size(1), H = h0.size(1);
  const auto opt = xw.options();
  Window r;
  r.out = at::empty({L, n, H}, opt);
  const std::int64_t T = keep ? L : 1;
  r.S = at::empty({kProducts, T, n, H}, opt);
  r.C = at::empty({kProducts, T, n, H}, opt);
  r.G = at::empty({kProducts, T, n, H}, opt);
  at::Tensor ch = at::empty({n, 2 * H}, opt), tmp = at::empty({n, H}, opt),
             xm = at::empty({n, H}, opt);
  for (std::int64_t t = 0; t < L; ++t) {
    const std::int64_t k = keep ? t : 0;
    const at::Tensor h = t == 0 ? h0 : r.out[t - 1];
    for (int j = 0; j < kProducts; ++j) {
      const at::Tensor s = j == 0 ? h : r.S[wiring.pred[j]][k];
      at::Tensor c = r.C[j][k], g = r.G[j][k], sj = r.S[j][k];
      const at::Tensor& x = mask.defined() ? at::mul_out(xm, s, mask) : s;
      if (j == 0) {
        at::addmm_out(ch, xw[t], x, w[0]);
      } else {
        at::mm_out(ch, x, w[static_cast<std::size_t>(j)]);
      }
      at::sigmoid_out(c, ch.narrow(1, 0, H));
      activation_out(g, wiring.act[j], ch.narrow(1, H, H));
      at::sub_out(tmp, g, s);
      tmp.mul_(c);
      at::add_out(sj, s, tmp);
    }
    at::Tensor o = r.out[t];
    o.copy_(r.S[1][k]);
    for (int j = 2; j < kProducts; ++j) o.add_(r.S[j][k]);
    o.div_(static_cast<double>(kDartsPtbNodes));
  }
  return r;
}

/// The hidden-state dropout mask, passed beside the tensors autograd tracks (it takes no gradient
/// and may be undefined).
struct Mask {
  at::Tensor m;
};

/// The window as one autograd node. Its backward pass runs the steps in reverse with each
/// product's gradient written out, and takes the weights' gradients as products over kChunk steps
/// at once (X_j^T dch_j, [H, kChunk n] x [kChunk n, 2H]) rather than one small product per step;
/// the products' inputs X_j = s * h_mask are recomputed for them, not kept.
class WindowFunction : public torch::autograd::Function<WindowFunction> {
 public:
  static constexpr std::int64_t kChunk = 16;

  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& xw,
                            const at::Tensor& w, const at::Tensor& h0, const Mask& mask,
                            const std::vector<std::int64_t>& wiring) {
    Window r = run_window(xw, w.unbind(0), h0, mask.m, Wiring::of_flat(wiring), true);
    ctx->saved_data["S"] = r.S;
    ctx->saved_data["C"] = r.C;
    ctx->saved_data["G"] = r.G;
    ctx->saved_data["w"] = w.detach();
    ctx->saved_data["h0"] = h0.detach();
    ctx->saved_data["out"] = r.out;  // h_t, the next step's h_{t-1}
    ctx->saved_data["wiring"] = wiring;
    ctx->saved_data["mask"] = mask.m.defined() ? mask.m.detach() : at::Tensor();
    ctx->saved_data["h0_grad"] = h0.requires_grad();
    return r.out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const at::Tensor S = ctx->saved_data["S"].toTensor(), C = ctx->saved_data["C"].toTensor(),
                     G = ctx->saved_data["G"].toTensor(), w = ctx->saved_data["w"].toTensor(),
                     h0 = ctx->saved_data["h0"].toTensor(), out = ctx->saved_data["out"].toTensor();
    const at::Tensor mask =
        ctx->saved_data["mask"].isTensor() ? ctx->saved_data["mask"].toTensor() : at::Tensor();
    const Wiring wiring = Wiring::of_flat(ctx->saved_data["wiring"].toIntVector());
    const std::int64_t L = out.size(0), n = out.size(1), H = out.size(2);
    const auto opt = out.options();
    const at::Tensor& go = grads.at(0);
    at::Tensor dxw = at::empty({L, n, 2 * H}, opt);  // product 0's dch: x_t's half's gradient
    at::Tensor dch = at::empty({kDartsPtbNodes, kChunk, n, 2 * H}, opt);  // products 1..8, a chunk
    at::Tensor xc = at::empty({kProducts, kChunk, n, H}, opt);
    at::Tensor dw = at::zeros({kProducts, H, 2 * H}, opt);
    at::Tensor dS = at::empty({kProducts, n, H}, opt);
    at::Tensor dh = at::zeros({n, H}, opt);  // the gradient reaching h_t from step t + 1
    at::Tensor tmp = at::empty({n, H}, opt), tmp2 = at::empty({n, H}, opt);
    for (std::int64_t t = L - 1; t >= 0; --t) {
      if (go.defined()) dh.add_(go[t]);
      dS.narrow(0, 1, kDartsPtbNodes).copy_(dh.div(static_cast<double>(kDartsPtbNodes)));
      dS[0].zero_();
      const at::Tensor h = t == 0 ? h0 : out[t - 1];
      for (int j = kProducts - 1; j >= 0; --j) {
        const at::Tensor s = j == 0 ? h : S[wiring.pred[j]][t];
        const at::Tensor c = C[j][t], g = G[j][t], ds = dS[j];
        at::Tensor d = j == 0 ? dxw[t] : dch[j - 1][t % kChunk];
        at::Tensor da = d.narrow(1, 0, H), db = d.narrow(1, H, H);
        // s_j = s + c (g - s): dc = ds (g - s), dg = ds c, ds_direct = ds (1 - c)
        at::sub_out(tmp, g, s);
        tmp.mul_(ds);
        at::mul_out(tmp2, c, c);
        at::sub_out(tmp2, c, tmp2);  // sigmoid'(.) = c (1 - c)
        at::mul_out(da, tmp, tmp2);
        at::mul_out(tmp, ds, c);
        activation_backward_out(db, wiring.act[j], g, tmp);
        at::sub_out(tmp, ds, tmp);  // ds (1 - c)
        const at::Tensor wt = w[j].t();
        if (mask.defined()) {
          at::mm_out(tmp2, d, wt);
          tmp.addcmul_(tmp2, mask);
        } else {
          tmp.addmm_(d, wt);
        }
        if (j == 0) {
          dh.copy_(tmp);
        } else {
          dS[wiring.pred[j]].add_(tmp);
        }
      }
      if (t % kChunk == 0)
        add_weight_grads(t, std::min(kChunk, L - t), S, out, h0, mask, wiring, dxw, dch, xc, dw);
    }
    at::Tensor dh0 = ctx->saved_data["h0_grad"].toBool() ? dh : at::Tensor();
    return {dxw, dw, dh0, at::Tensor(), at::Tensor()};
  }

 private:
  /// dW_j += X_j^T dch_j over steps t0 .. t0 + m - 1, X_j (the product's input) recomputed.
  static void add_weight_grads(std::int64_t t0, std::int64_t m, const at::Tensor& S,
                               const at::Tensor& out, const at::Tensor& h0, const at::Tensor& mask,
                               const Wiring& wiring, const at::Tensor& dxw, const at::Tensor& dch,
                               at::Tensor& xc, at::Tensor& dw) {
    const std::int64_t n = out.size(1), H = out.size(2);
    for (int j = 0; j < kProducts; ++j) {
      at::Tensor x = xc[j].narrow(0, 0, m);
      if (j == 0) {  // h_{t-1}: h0, then the window's own outputs
        if (t0 == 0) {
          x[0].copy_(h0);
          if (m > 1) x.narrow(0, 1, m - 1).copy_(out.narrow(0, 0, m - 1));
        } else {
          x.copy_(out.narrow(0, t0 - 1, m));
        }
      } else {
        x.copy_(S[wiring.pred[j]].narrow(0, t0, m));
      }
      if (mask.defined()) x.mul_(mask);
    }
    dw[0].addmm_(xc[0].narrow(0, 0, m).reshape({m * n, H}).t(),
                 dxw.narrow(0, t0, m).reshape({m * n, 2 * H}));
    dw.narrow(0, 1, kDartsPtbNodes)
        .baddbmm_(xc.narrow(0, 1, kDartsPtbNodes)
                      .narrow(1, 0, m)
                      .reshape({kDartsPtbNodes, m * n, H})
                      .transpose(1, 2),
                  dch.narrow(1, 0, m).reshape({kDartsPtbNodes, m * n, 2 * H}));
  }
};

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
    // half for every time step at once; the rest step by step (run_window).
    const at::Tensor xin = x_mask.defined() ? emb * x_mask : emb;
    const at::Tensor xw = at::matmul(xin, w0_.narrow(0, 0, H));  // [L, n, 2H]
    std::vector<at::Tensor> w{w0_.narrow(0, H, H)};
    w.insert(w.end(), ws_.begin(), ws_.end());
    const Wiring wiring = Wiring::of(arch);
    at::Tensor raw;  // [L, n, H]
    if (at::GradMode::is_enabled() &&
        (xw.requires_grad() || hidden_.requires_grad() ||
         std::any_of(w.begin(), w.end(), [](const at::Tensor& t) { return t.requires_grad(); }))) {
      raw = WindowFunction::apply(xw, at::stack(w), hidden_, Mask{h_mask}, wiring.flat());
    } else {
      raw = run_window(xw, w, hidden_, h_mask, wiring, false).out;
    }
    hidden_ = raw[L - 1];
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

#include "wsnas/nn/proxyless_model.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <optional>
#include <string>

#include "wsnas/core/error.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/relu_observer.h"
#include "wsnas/space/proxyless.h"

namespace wsnas::nn {

using space::ProxylessSpace;

namespace {

constexpr int kZero = 6;

// Conv (no bias) -> BN (eps 1e-3, momentum 0.1) -> ReLU6 when `act` (ProxylessNAS' ConvLayer and
// the parts of MBInvertedConvLayer; ops_order weight_bn_act). He fan-out initialisation.
class ConvBnImpl : public torch::nn::Module {
 public:
  ConvBnImpl(int cin, int cout, int kernel, int stride, int groups, bool act) : act_(act) {
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(cin, cout, kernel)
                                                          .stride(stride)
                                                          .padding(kernel / 2)
                                                          .groups(groups)
                                                          .bias(false)));
    bn_ = register_module("bn",
                          BatchNorm2d(torch::nn::BatchNorm2dOptions(cout).eps(1e-3).momentum(0.1)));
    torch::NoGradGuard g;
    conv_->weight.normal_(0, std::sqrt(2.0 / (kernel * kernel * cout)));
  }
  at::Tensor forward(const at::Tensor& x) {
    auto y = bn_(conv_(x));
    return act_ ? observed(torch::clamp(y, 0, 6)) : y;
  }

 private:
  bool act_;
  torch::nn::Conv2d conv_{nullptr};
  BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(ConvBn);

// MBInvertedConvLayer: 1x1 expansion (when e > 1), depthwise k x k (stride s), 1x1 projection
// without activation.
class MBConvImpl : public torch::nn::Module {
 public:
  MBConvImpl(int cin, int cout, int kernel, int stride, int expand) {
    const int mid = cin * expand;
    if (expand > 1) expand_ = register_module("expand", ConvBn(cin, mid, 1, 1, 1, true));
    depthwise_ = register_module("depthwise", ConvBn(mid, mid, kernel, stride, mid, true));
    project_ = register_module("project", ConvBn(mid, cout, 1, 1, 1, false));
  }
  at::Tensor forward(const at::Tensor& x) {
    return project_(depthwise_(expand_.is_empty() ? x : expand_(x)));
  }

 private:
  ConvBn expand_{nullptr}, depthwise_{nullptr}, project_{nullptr};
};
TORCH_MODULE(MBConv);

class ProxylessNetworkImpl : public Network {
 public:
  ProxylessNetworkImpl(const NetworkOptions& o, std::optional<space::Arch> arch)
      : arch_(std::move(arch)) {
    WSNAS_CHECK_INPUT(o.channels == 0 && o.cells == 0,
                      "proxyless network: its widths come from --width-mult and its 21 blocks are "
                      "fixed (--channels and --cells must be 0)");
    WSNAS_CHECK_INPUT(o.in_channels >= 1 && o.classes >= 1,
                      "proxyless network: input channels and classes >= 1 expected");
    const auto w = space::proxyless_widths(o.width_mult > 0 ? o.width_mult : 1.35);
    first_conv_ = register_module("first_conv", ConvBn(o.in_channels, w.first_conv, 3, 2, 1, true));
    first_block_ = register_module("first_block", MBConv(w.first_conv, w.first_block, 3, 1, 1));
    int cin = w.first_block;
    const auto& blocks = space::proxyless_blocks();
    candidates_.resize(blocks.size());
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const int cout = w.stages[static_cast<std::size_t>(blocks[b].stage)];
      // The released rule: an identity shortcut when the block keeps the stride and the width
      // (at small multipliers make_divisible can give a stage's first block one too).
      shortcut_.push_back(blocks[b].stride == 1 && cin == cout);
      for (int op = 0; op < kZero; ++op) {
        candidates_[b].push_back(nullptr);
        if (arch_ && arch_->choices[b] != op) continue;
        const std::string name = space::kProxylessOpNames[static_cast<std::size_t>(op)];
        candidates_[b].back() = register_module(
            "block" + std::to_string(b) + "_" + name,
            MBConv(cin, cout, 3 + 2 * (op / 2), blocks[b].stride, op % 2 == 0 ? 3 : 6));
      }
      cin = cout;
    }
    feature_mix_ = register_module("feature_mix", ConvBn(cin, w.feature_mix, 1, 1, 1, true));
    classifier_ = register_module("classifier", torch::nn::Linear(w.feature_mix, o.classes));
    torch::nn::init::zeros_(classifier_->bias);
  }

  at::Tensor stem(const at::Tensor& x) override {
    WSNAS_CHECK(x.dim() == 4, "proxyless network: expected input [N, C, H, W], got ", x.sizes());
    return first_block_(first_conv_(x));
  }
  Forward body(const at::Tensor& h, const space::Arch& arch) override {
    WSNAS_ASSERT(!arch_ || arch == *arch_, "a stand-alone network runs only its own architecture");
    at::Tensor x = h;
    for (std::size_t b = 0; b < shortcut_.size(); ++b) {
      const int op = arch.choices[b];
      if (op == kZero) continue;  // Zero + the identity shortcut
      auto& m = candidates_[b][static_cast<std::size_t>(op)];
      WSNAS_ASSERT(!m.is_empty(), "proxyless: block ", b, " candidate ", op, " not built");
      auto y = m(x);
      x = shortcut_[b] ? y + x : y;
    }
    return {classifier_(feature_mix_(x).mean({2, 3}))};
  }
  const space::Arch* own_arch() const override { return arch_ ? &*arch_ : nullptr; }

 private:
  std::optional<space::Arch> arch_;
  ConvBn first_conv_{nullptr};
  MBConv first_block_{nullptr};
  std::vector<std::vector<MBConv>> candidates_;
  std::vector<bool> shortcut_;
  ConvBn feature_mix_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace

std::shared_ptr<Network> proxyless_supernet(const NetworkOptions& options) {
  return std::make_shared<ProxylessNetworkImpl>(options, std::nullopt);
}

std::shared_ptr<Network> proxyless_network(const space::Arch& arch, const NetworkOptions& options) {
  ProxylessSpace().check(arch);
  return std::make_shared<ProxylessNetworkImpl>(options, arch);
}

}  // namespace wsnas::nn

#include "wsnas/nn/darts_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/nb201_model.h"  // ReluConvBn: DARTS' ReLUConvBN is NAS-Bench-201's
#include "wsnas/nn/relu_observer.h"
#include "wsnas/space/darts.h"

namespace wsnas::nn {

namespace F = torch::nn::functional;
using space::DartsSpace;

namespace {

// DARTS' operator indices (space::kDartsOpNames; checked when a network is built).
enum Op { kMaxPool, kAvgPool, kSkip, kSep3, kSep5, kDil3, kDil5 };

void check_op_order() {
  static const bool ok = [] {
    const char* expected[] = {"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                              "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
    for (int i = 0; i < space::kDartsNumOps; ++i) {
      if (std::string(space::kDartsOpNames[static_cast<std::size_t>(i)]) != expected[i])
        return false;
    }
    return true;
  }();
  WSNAS_ASSERT(ok, "darts network: operator order differs from space::kDartsOpNames");
}

torch::nn::Conv2d conv(int cin, int cout, int kernel, int groups = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(cin, cout, kernel).groups(groups).bias(false));
}

BatchNorm2d batch_norm(int channels, bool affine) {
  return BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).affine(affine));
}

// A convolution's weight run with the stride the slot's input asks for (the supernet's operators
// serve both strides with one set of weights; padding and dilation are the operator's).
at::Tensor run_conv(const torch::nn::Conv2d& c, const at::Tensor& x, int stride, int padding,
                    int dilation, int groups) {
  return F::conv2d(
      x, c->weight,
      F::Conv2dFuncOptions().stride(stride).padding(padding).dilation(dilation).groups(groups));
}

// Drop-path of the whole network: probability and mask generator (Network::set_drop_path).
struct DropPath {
  double prob = 0;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(0);
  // DARTS' utils.drop_path: per sample, x / keep * Bernoulli(keep); the mask is drawn on the CPU
  // generator and moved to x's device, so it is the same on every device.
  at::Tensor apply(const at::Tensor& x) {
    const double keep = 1.0 - prob;
    auto mask = at::empty({x.size(0), 1, 1, 1}, at::kFloat).bernoulli_(keep, gen);
    return x.div(keep).mul(mask.to(x.device(), x.scalar_type()));
  }
};

// DARTS' SepConv: ReLU, depthwise k x k (stride s), 1x1, BN, ReLU, depthwise k x k, 1x1, BN.
// The operators' forward takes relu(x): a cell computes each state's ReLU once for all its slots.
class SepConvImpl : public torch::nn::Module {
 public:
  SepConvImpl(int c, int k, bool affine) : c_(c), k_(k) {
    dw1_ = register_module("dw1", conv(c, c, k, c));
    pw1_ = register_module("pw1", conv(c, c, 1));
    bn1_ = register_module("bn1", batch_norm(c, affine));
    dw2_ = register_module("dw2", conv(c, c, k, c));
    pw2_ = register_module("pw2", conv(c, c, 1));
    bn2_ = register_module("bn2", batch_norm(c, affine));
  }
  at::Tensor forward(const at::Tensor& relu_x, int stride) {
    auto h = conv_bn(*pw1_, *bn1_, run_conv(dw1_, observed(relu_x), stride, k_ / 2, 1, c_));
    return conv_bn(*pw2_, *bn2_, run_conv(dw2_, observed(torch::relu(h)), 1, k_ / 2, 1, c_));
  }

 private:
  int c_, k_;
  torch::nn::Conv2d dw1_{nullptr}, pw1_{nullptr}, dw2_{nullptr}, pw2_{nullptr};
  BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
};
TORCH_MODULE(SepConv);

// DARTS' DilConv: ReLU, depthwise k x k dilation 2 (stride s), 1x1, BN.
class DilConvImpl : public torch::nn::Module {
 public:
  DilConvImpl(int c, int k, bool affine) : c_(c), k_(k) {
    dw_ = register_module("dw", conv(c, c, k, c));
    pw_ = register_module("pw", conv(c, c, 1));
    bn_ = register_module("bn", batch_norm(c, affine));
  }
  at::Tensor forward(const at::Tensor& relu_x, int stride) {
    return conv_bn(*pw_, *bn_, run_conv(dw_, observed(relu_x), stride, k_ - 1, 2, c_));
  }

 private:
  int c_, k_;
  torch::nn::Conv2d dw_{nullptr}, pw_{nullptr};
  BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(DilConv);

// DARTS' FactorizedReduce: ReLU, two 1x1 stride-2 convolutions of cout/2 on x and on x shifted by
// one pixel, concatenated, BN.
class FactorizedReduceImpl : public torch::nn::Module {
 public:
  FactorizedReduceImpl(int cin, int cout, bool affine) {
    WSNAS_CHECK_INPUT(cout % 2 == 0, "darts network: channels must be even, got ", cout);
    a_ = register_module("conv1", conv(cin, cout / 2, 1));
    b_ = register_module("conv2", conv(cin, cout / 2, 1));
    bn_ = register_module("bn", batch_norm(cout, affine));
  }
  at::Tensor forward(const at::Tensor& x) { return forward_relu(torch::relu(x)); }
  at::Tensor forward_relu(const at::Tensor& r) {
    observed(r);
    auto shifted = r.narrow(2, 1, r.size(2) - 1).narrow(3, 1, r.size(3) - 1);
    return bn_(torch::cat({run_conv(a_, r, 2, 0, 1, 1), run_conv(b_, shifted, 2, 0, 1, 1)}, 1));
  }

 private:
  torch::nn::Conv2d a_{nullptr}, b_{nullptr};
  BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(FactorizedReduce);

// One slot of a node: the operators it may run (all 7 in the supernet, the chosen one
// stand-alone), applied at stride 1 or 2 (`strided`: the slot may run at stride 2).
class SlotImpl : public torch::nn::Module {
 public:
  SlotImpl(int c, bool strided, const std::vector<int>& ops, bool affine) {
    for (int op : ops) {
      const std::string name = space::kDartsOpNames[static_cast<std::size_t>(op)];
      switch (op) {
        case kSep3:
        case kSep5:
          sep_[op - kSep3] = register_module(name, SepConv(c, op == kSep3 ? 3 : 5, affine));
          break;
        case kDil3:
        case kDil5:
          dil_[op - kDil3] = register_module(name, DilConv(c, op == kDil3 ? 3 : 5, affine));
          break;
        case kSkip:  // identity at stride 1; FactorizedReduce at stride 2
          if (strided) reduce_ = register_module(name, FactorizedReduce(c, c, affine));
          break;
        default:
          break;  // pools: no parameters
      }
    }
  }
  /// The operator's output and whether it is the identity (which drop-path leaves alone);
  /// `relu_x` holds relu(x) once computed (shared by the slots that read the same state).
  at::Tensor forward(const at::Tensor& x, at::Tensor& relu_x, int op, int stride, bool* identity) {
    if (op != kMaxPool && op != kAvgPool && (op != kSkip || stride != 1) && !relu_x.defined())
      relu_x = torch::relu(x);
    *identity = false;
    switch (op) {
      case kMaxPool:
        return F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(stride).padding(1));
      case kAvgPool:
        return F::avg_pool2d(
            x, F::AvgPool2dFuncOptions(3).stride(stride).padding(1).count_include_pad(false));
      case kSkip:
        if (stride == 1) {
          *identity = true;
          return x;
        }
        WSNAS_ASSERT(!reduce_.is_empty(), "darts: strided skip_connect outside a reduction cell");
        return reduce_->forward_relu(relu_x);
      case kSep3:
      case kSep5:
        WSNAS_ASSERT(!sep_[op - kSep3].is_empty(), "darts: operator ", op, " not built");
        return sep_[op - kSep3](relu_x, stride);
      default:
        WSNAS_ASSERT(op == kDil3 || op == kDil5, "darts: unknown operator ", op);
        WSNAS_ASSERT(!dil_[op - kDil3].is_empty(), "darts: operator ", op, " not built");
        return dil_[op - kDil3](relu_x, stride);
    }
  }

 private:
  SepConv sep_[2] = {nullptr, nullptr};
  DilConv dil_[2] = {nullptr, nullptr};
  FactorizedReduce reduce_{nullptr};
};
TORCH_MODULE(Slot);

// A cell: preprocessing of the two inputs, nodes 2..5 of two slots each, output the
// concatenation of the 4 nodes. `own` (stand-alone) holds the operators of one genotype;
// without it every slot holds all 7.
class CellImpl : public torch::nn::Module {
 public:
  CellImpl(int c_pp, int c_p, int c, bool reduction, bool reduction_prev, bool affine,
           const space::Arch* own)
      : reduction_(reduction) {
    if (reduction_prev) {
      pre0_fr_ = register_module("preprocess0", FactorizedReduce(c_pp, c, affine));
    } else {
      pre0_ = register_module("preprocess0", ReluConvBn(c_pp, c, 1, 1, affine));
    }
    pre1_ = register_module("preprocess1", ReluConvBn(c_p, c, 1, 1, affine));
    for (int node = 2; node <= 5; ++node) {
      for (int slot = 0; slot < 2; ++slot) {
        std::vector<int> ops;
        bool strided = reduction;
        if (own) {
          ops.push_back(own->choices[DartsSpace::decision_index(kind(), node, slot, true)]);
          strided =
              reduction && own->choices[DartsSpace::decision_index(kind(), node, slot, false)] < 2;
        } else {
          for (int op = 0; op < space::kDartsNumOps; ++op) ops.push_back(op);
        }
        slots_.push_back(
            register_module("node" + std::to_string(node) + "_slot" + std::to_string(slot),
                            Slot(c, strided, ops, affine)));
      }
    }
  }
  at::Tensor forward(const at::Tensor& s0, const at::Tensor& s1, const space::Arch& arch,
                     DropPath& drop) {
    std::vector<at::Tensor> states{pre0_fr_.is_empty() ? pre0_(s0) : pre0_fr_(s0), pre1_(s1)};
    std::vector<at::Tensor> relus(6);
    for (int node = 2; node <= 5; ++node) {
      at::Tensor sum;
      for (int slot = 0; slot < 2; ++slot) {
        const int op = arch.choices[DartsSpace::decision_index(kind(), node, slot, true)];
        const int input = arch.choices[DartsSpace::decision_index(kind(), node, slot, false)];
        const int stride = reduction_ && input < 2 ? 2 : 1;
        bool identity = false;
        auto h = slots_[static_cast<std::size_t>((node - 2) * 2 + slot)](
            states[static_cast<std::size_t>(input)], relus[static_cast<std::size_t>(input)], op,
            stride, &identity);
        if (is_training() && drop.prob > 0 && !identity) h = drop.apply(h);
        sum = sum.defined() ? sum + h : h;
      }
      states.push_back(sum);
    }
    return torch::cat({states[2], states[3], states[4], states[5]}, 1);
  }

 private:
  int kind() const { return reduction_ ? 1 : 0; }
  bool reduction_;
  ReluConvBn pre0_{nullptr}, pre1_{nullptr};
  FactorizedReduce pre0_fr_{nullptr};
  std::vector<Slot> slots_;
};
TORCH_MODULE(Cell);

// DARTS' AuxiliaryHeadCIFAR (8x8 input): ReLU, AvgPool 5 stride 3 (no padding), 1x1 to 128, BN,
// ReLU, 2x2 to 768, BN, ReLU, linear.
class AuxiliaryHeadImpl : public torch::nn::Module {
 public:
  AuxiliaryHeadImpl(int c, int classes) {
    conv1_ = register_module("conv1", conv(c, 128, 1));
    bn1_ = register_module("bn1", batch_norm(128, true));
    conv2_ = register_module("conv2", conv(128, 768, 2));
    bn2_ = register_module("bn2", batch_norm(768, true));
    classifier_ = register_module("classifier", torch::nn::Linear(768, classes));
  }
  at::Tensor forward(const at::Tensor& x) {
    auto h =
        F::avg_pool2d(observed(torch::relu(x)),
                      F::AvgPool2dFuncOptions(5).stride(3).padding(0).count_include_pad(false));
    h = observed(torch::relu(bn2_(conv2_(observed(torch::relu(bn1_(conv1_(h))))))));
    return classifier_(h.flatten(1));
  }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(AuxiliaryHead);

class DartsNetworkImpl : public Network {
 public:
  DartsNetworkImpl(const NetworkOptions& o, std::optional<space::Arch> arch)
      : arch_(std::move(arch)) {
    check_op_order();
    const int c = o.channels > 0 ? o.channels : 36;
    layers_ = o.cells > 0 ? o.cells : 20;
    WSNAS_CHECK_INPUT(c >= 1 && layers_ >= 3 && o.in_channels >= 1 && o.classes >= 1,
                      "darts network: channels >= 1, cells >= 3, input channels and classes >= 1 "
                      "expected");
    WSNAS_CHECK_INPUT(o.input_size % 4 == 0, "darts network: the two reductions halve the ",
                      o.input_size, "x", o.input_size,
                      " images twice; their side must be a multiple of 4");
    const bool affine = arch_ ? true : o.supernet_bn_affine;
    stem_conv_ = register_module(
        "stem_conv", torch::nn::Conv2d(
                         torch::nn::Conv2dOptions(o.in_channels, 3 * c, 3).padding(1).bias(false)));
    stem_bn_ = register_module("stem_bn", BatchNorm2d(3 * c));
    int c_pp = 3 * c, c_p = 3 * c, cur = c, size = o.input_size;
    bool reduction_prev = false;
    for (int i = 0; i < layers_; ++i) {
      const bool reduction = is_reduction(i);
      if (reduction) {
        cur *= 2;
        size /= 2;
      }
      cells_.push_back(register_module(
          "cell" + std::to_string(i),
          Cell(c_pp, c_p, cur, reduction, reduction_prev, affine, arch_ ? &*arch_ : nullptr)));
      reduction_prev = reduction;
      c_pp = c_p;
      c_p = 4 * cur;
      if (o.auxiliary && i == aux_after()) {
        WSNAS_CHECK_INPUT(size == 8, "--aux-weight: DARTS' auxiliary head takes the 8x8 maps of ",
                          "32x32 images; these images are ", o.input_size, "x", o.input_size,
                          " (use --aux-weight 0)");
        aux_ = register_module("auxiliary", AuxiliaryHead(c_p, o.classes));
      }
    }
    classifier_ = register_module("classifier", torch::nn::Linear(c_p, o.classes));
  }

  at::Tensor stem(const at::Tensor& x) override {
    WSNAS_CHECK(x.dim() == 4, "darts network: expected input [N, C, H, W], got ", x.sizes());
    return conv_bn(*stem_conv_, *stem_bn_, x);
  }
  Forward body(const at::Tensor& h, const space::Arch& arch) override {
    WSNAS_ASSERT(!arch_ || arch == *arch_, "a stand-alone network runs only its own genotype");
    Forward f;
    at::Tensor s0 = h, s1 = h;
    for (int i = 0; i < layers_; ++i) {
      auto out = cells_[static_cast<std::size_t>(i)](s0, s1, arch, drop_);
      s0 = s1;
      s1 = out;
      if (!aux_.is_empty() && i == aux_after() && is_training() && at::GradMode::is_enabled())
        f.auxiliary = aux_(s1);
    }
    // DARTS' NetworkCIFAR pools globally; the released supernet's AvgPool2d(7) averages the
    // top-left 7x7 window of the (8x8 on CIFAR) map.
    const auto pooled = arch_ ? s1.mean({2, 3})
                              : s1.narrow(2, 0, std::min<std::int64_t>(7, s1.size(2)))
                                    .narrow(3, 0, std::min<std::int64_t>(7, s1.size(3)))
                                    .mean({2, 3});
    f.output = classifier_(pooled);
    return f;
  }
  const space::Arch* own_arch() const override { return arch_ ? &*arch_ : nullptr; }
  void set_drop_path(double prob, std::uint64_t seed) override {
    WSNAS_CHECK_INPUT(prob >= 0 && prob < 1, "drop-path probability ", prob, " is outside [0, 1)");
    drop_.prob = prob;
    drop_.gen.set_current_seed(seed);
  }

 private:
  bool is_reduction(int i) const { return i == layers_ / 3 || i == 2 * layers_ / 3; }
  int aux_after() const { return 2 * layers_ / 3; }

  int layers_ = 20;
  std::optional<space::Arch> arch_;
  torch::nn::Conv2d stem_conv_{nullptr};
  BatchNorm2d stem_bn_{nullptr};
  std::vector<Cell> cells_;
  AuxiliaryHead aux_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  DropPath drop_;
};

}  // namespace

std::shared_ptr<Network> darts_supernet(const NetworkOptions& options) {
  return std::make_shared<DartsNetworkImpl>(options, std::nullopt);
}

std::shared_ptr<Network> darts_network(const space::Arch& arch, const NetworkOptions& options) {
  DartsSpace().check(arch);
  return std::make_shared<DartsNetworkImpl>(options, arch);
}

}  // namespace wsnas::nn

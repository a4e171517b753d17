#include "wsnas/nn/nb101_model.h"

#include <ATen/core/grad_mode.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "wsnas/core/error.h"
#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/relu_observer.h"

namespace wsnas::nn {

namespace F = torch::nn::functional;
using space::Nb101Cell;

namespace {

// BN of the released code (configs/nb101.py: momentum 0.003 in PyTorch's convention = TF's
// 0.997, NAS-Bench-101's BN_MOMENTUM; eps 1e-5).
constexpr double kBnMomentum = 0.003;
constexpr double kBnEps = 1e-5;

// The released code's conv initialisation (space/nb101/base_ops.py): a normal of std
// sqrt(1 / fan_in), fan_in = k*k*C_in, truncated at two standard deviations by drawing 4
// candidates per weight and keeping the first within range (the first if none is).
void truncated_normal_(at::Tensor w) {
  torch::NoGradGuard no_grad;
  const double std = 1.0 / std::sqrt(static_cast<double>(w.numel() / w.size(0)));
  auto sizes = w.sizes().vec();
  sizes.push_back(4);
  auto candidates = torch::randn(sizes, w.options());
  auto inside = (candidates.abs() < 2).to(torch::kInt);
  auto first = std::get<1>(inside.max(-1, /*keepdim=*/true));
  w.copy_(candidates.gather(-1, first).squeeze(-1).mul_(std));
}

// Conv(no bias) -> BN -> ReLU (NAS-Bench-101's conv_bn_relu; the released code's ConvBnRelu).
class ConvBnReluImpl : public torch::nn::Module {
 public:
  ConvBnReluImpl(int cin, int cout, int kernel) {
    conv_ = register_module(
        "conv", torch::nn::Conv2d(
                    torch::nn::Conv2dOptions(cin, cout, kernel).padding(kernel / 2).bias(false)));
    bn_ = register_module(
        "bn", BatchNorm2d(torch::nn::BatchNorm2dOptions(cout).momentum(kBnMomentum).eps(kBnEps)));
    truncated_normal_(conv_->weight);
  }
  at::Tensor forward(const at::Tensor& x) { return observed(torch::relu(bn_(conv_(x)))); }

 private:
  torch::nn::Conv2d conv_{nullptr};
  BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(ConvBnRelu);

at::Tensor maxpool3x3(const at::Tensor& x) {
  return F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(1).padding(1));
}

// The supernet's cell (space/nb101/network.py OneShotCell): 5 operator vertices of C/2 channels.
class SuperCellImpl : public torch::nn::Module {
 public:
  SuperCellImpl(int cin, int cout) {
    WSNAS_CHECK_INPUT(cout % 2 == 0, "nb101 supernet: channels must be even, got ", cout);
    const int vc = cout / 2;
    for (int t = 1; t <= 5; ++t) {
      const std::string v = "vertex" + std::to_string(t);
      // The projection of the cell input into vertex t. The released code also builds one for
      // the output vertex, never used (github.com/matluster/anonymous-2102 @3825f00
      // space/nb101/network.py:62,76-80); it changes no result, so it is left out here.
      proj_.push_back(register_module(v + "_proj", ConvBnRelu(cin, vc, 1)));
      conv3_.push_back(register_module(v + "_conv3x3", ConvBnRelu(vc, vc, 3)));
      conv1_.push_back(register_module(v + "_conv1x1", ConvBnRelu(vc, vc, 1)));
    }
  }
  at::Tensor forward(const at::Tensor& x, const Nb101Cell& cell) {
    std::vector<at::Tensor> nodes{x};
    for (std::size_t t = 1; t <= 5; ++t) {
      at::Tensor sum;
      if (is_training() && !cell.matrix[0][t]) {
        // The released code runs every vertex's projection on every forward pass and drops the
        // output of those the vertex does not take (space/nb101/network.py:82-86): no gradient,
        // but in training mode (and BN calibration) the projection's BN statistics move. So they
        // do here; in evaluation mode the pass would change nothing and is skipped.
        at::NoGradGuard no_grad;
        proj_[t - 1](x);
      }
      for (std::size_t p = 0; p < t; ++p) {
        if (!cell.matrix[p][t]) continue;
        auto in = p == 0 ? proj_[t - 1](x) : nodes[p];
        sum = sum.defined() ? sum + in : in;
      }
      const int op = static_cast<int>(
          std::find(space::kNb101OpNames.begin(), space::kNb101OpNames.end(), cell.ops[t]) -
          space::kNb101OpNames.begin());
      nodes.push_back(op == 0   ? conv3_[t - 1](sum)
                      : op == 1 ? conv1_[t - 1](sum)
                                : maxpool3x3(sum));
    }
    std::vector<at::Tensor> out;  // the output's parents in increasing order, concatenated
    for (std::size_t p = 1; p <= 5; ++p)
      if (cell.matrix[p][6]) out.push_back(nodes[p]);
    return torch::cat(out, 1);
  }

 private:
  std::vector<ConvBnRelu> proj_, conv3_, conv1_;
};
TORCH_MODULE(SuperCell);

// NAS-Bench-101's module (model_builder.build_module) for one pruned cell.
class CellImpl : public torch::nn::Module {
 public:
  CellImpl(const Nb101Cell& cell, int cin, int cout)
      : cell_(cell), vc_(space::nb101_vertex_channels(cin, cout, cell.matrix)) {
    const std::size_t n = cell_.vertices();
    proj_.resize(n, nullptr);
    ops_.resize(n, nullptr);
    for (std::size_t t = 1; t < n; ++t) {
      const std::string v = "vertex" + std::to_string(t);
      if (cell_.matrix[0][t]) proj_[t] = register_module(v + "_proj", ConvBnRelu(cin, vc_[t], 1));
      if (t + 1 == n) break;
      if (cell_.ops[t] == space::kNb101OpNames[0])
        ops_[t] = register_module(v + "_conv3x3", ConvBnRelu(vc_[t], vc_[t], 3));
      if (cell_.ops[t] == space::kNb101OpNames[1])
        ops_[t] = register_module(v + "_conv1x1", ConvBnRelu(vc_[t], vc_[t], 1));
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    const std::size_t n = cell_.vertices();
    std::vector<at::Tensor> nodes{x}, concat;
    for (std::size_t t = 1; t + 1 < n; ++t) {
      at::Tensor sum;
      for (std::size_t src = 1; src < t; ++src) {  // interior inputs, truncated to vc[t] channels
        if (!cell_.matrix[src][t]) continue;
        auto in = nodes[src].size(1) > vc_[t] ? nodes[src].narrow(1, 0, vc_[t]) : nodes[src];
        sum = sum.defined() ? sum + in : in;
      }
      if (cell_.matrix[0][t]) sum = sum.defined() ? sum + proj_[t](x) : proj_[t](x);
      nodes.push_back(ops_[t].is_empty() ? maxpool3x3(sum) : ops_[t](sum));
      if (cell_.matrix[t][n - 1]) concat.push_back(nodes.back());
    }
    if (concat.empty()) return proj_[n - 1](x);  // only input -> output
    auto out = concat.size() == 1 ? concat[0] : torch::cat(concat, 1);
    if (cell_.matrix[0][n - 1]) out = out + proj_[n - 1](x);
    return out;
  }

 private:
  Nb101Cell cell_;
  std::vector<int> vc_;
  std::vector<ConvBnRelu> proj_, ops_;
};
TORCH_MODULE(Cell);

// Stem, 3 stacks of cells with max-pools between, global average pool, dense. A supernet when
// built without a cell.
class Nb101NetworkImpl : public Network {
 public:
  Nb101NetworkImpl(const NetworkOptions& o, std::optional<Nb101Cell> cell,
                   std::optional<space::Arch> arch)
      : cell_(std::move(cell)), arch_(std::move(arch)) {
    const int stem = o.channels > 0 ? o.channels : 128;
    modules_ = o.cells > 0 ? o.cells : 3;
    WSNAS_CHECK_INPUT(stem >= 2 && o.in_channels >= 1 && o.classes >= 1,
                      "nb101 network: channels >= 2, input channels and classes >= 1 expected");
    stem_ = register_module("stem", ConvBnRelu(o.in_channels, stem, 3));
    int ch = stem;
    for (int stack = 0; stack < kStacks; ++stack) {
      const int out = stack > 0 ? ch * 2 : ch;
      for (int m = 0; m < modules_; ++m) {
        const std::string name = "stack" + std::to_string(stack) + "_cell" + std::to_string(m);
        if (cell_)
          cells_.push_back(register_module(name, Cell(*cell_, ch, out)));
        else
          supercells_.push_back(register_module(name, SuperCell(ch, out)));
        ch = out;
      }
    }
    classifier_ = register_module("classifier", torch::nn::Linear(ch, o.classes));
    torch::nn::init::xavier_uniform_(classifier_->weight);
    torch::nn::init::zeros_(classifier_->bias);
  }
  at::Tensor stem(const at::Tensor& x) override {
    WSNAS_CHECK(x.dim() == 4, "nb101 network: expected input [N, C, H, W], got ", x.sizes());
    return stem_(x);
  }
  Forward body(const at::Tensor& stem_out, const space::Arch& arch) override {
    WSNAS_ASSERT(!arch_ || arch == *arch_, "a stand-alone network runs only its own cell");
    // All cells of the supernet take the same cell (the paper's released code,
    // github.com/matluster/anonymous-2102 @3825f00: cell-independent decision keys,
    // space/nb101/network.py:59,70).
    const Nb101Cell sampled = cell_ ? Nb101Cell{} : space::Nb101Space::cell_of(arch);
    auto h = stem_out;
    std::size_t i = 0;
    for (int stack = 0; stack < kStacks; ++stack) {
      if (stack > 0)
        h = F::max_pool2d(h, F::MaxPool2dFuncOptions(2).stride(2).ceil_mode(true));  // TF 'same'
      for (int m = 0; m < modules_; ++m, ++i) h = cell_ ? cells_[i](h) : supercells_[i](h, sampled);
    }
    return {classifier_(h.mean({2, 3}))};
  }
  const space::Arch* own_arch() const override { return arch_ ? &*arch_ : nullptr; }

 private:
  static constexpr int kStacks = 3;
  int modules_ = 3;
  std::optional<Nb101Cell> cell_;
  std::optional<space::Arch> arch_;
  ConvBnRelu stem_{nullptr};
  std::vector<Cell> cells_;
  std::vector<SuperCell> supercells_;
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace

std::shared_ptr<Network> nb101_supernet(const NetworkOptions& options) {
  return std::make_shared<Nb101NetworkImpl>(options, std::nullopt, std::nullopt);
}

std::shared_ptr<Network> nb101_network(const space::Arch& arch, const NetworkOptions& options) {
  space::Nb101Space().check(arch);
  Nb101Cell cell = space::Nb101Space::cell_of(arch);
  WSNAS_CHECK_INPUT(space::prune_nb101_cell(cell), "nb101 architecture ",
                    space::nb101_cell_string(cell), ": its input does not reach its output");
  return std::make_shared<Nb101NetworkImpl>(options, cell, arch);
}

std::shared_ptr<Network> nb101_cell_network(const Nb101Cell& cell, const NetworkOptions& options) {
  Nb101Cell pruned = cell;
  WSNAS_CHECK_INPUT(space::prune_nb101_cell(pruned), "nb101 cell ", space::nb101_cell_string(cell),
                    ": its input does not reach its output");
  return std::make_shared<Nb101NetworkImpl>(options, pruned, std::nullopt);
}

}  // namespace wsnas::nn

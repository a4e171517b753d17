#include "wsnas/nn/nb201_model.h"

#include <torch/nn/functional/pooling.h>

#include "wsnas/core/error.h"
#include "wsnas/nn/relu_observer.h"

namespace wsnas::nn {

namespace F = torch::nn::functional;
using space::Nb201Op;

// ---- ReLU-Conv-BN ------------------------------------------------------------------------------

ReluConvBnImpl::ReluConvBnImpl(int cin, int cout, int kernel, int stride, bool affine)
    : cin_(cin), cout_(cout), kernel_(kernel), stride_(stride), affine_(affine) {
  reset();
}

void ReluConvBnImpl::reset() {
  conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(cin_, cout_, kernel_)
                                                        .stride(stride_)
                                                        .padding(kernel_ / 2)
                                                        .bias(false)));
  bn_ = register_module("bn", BatchNorm2d(torch::nn::BatchNorm2dOptions(cout_).affine(affine_)));
}

torch::Tensor ReluConvBnImpl::forward(const torch::Tensor& x) {
  return forward_relu(torch::relu(x));
}

torch::Tensor ReluConvBnImpl::forward_relu(const torch::Tensor& relu_x) {
  return conv_bn(*conv_, *bn_, observed(relu_x));
}

// ---- ResNet basic block ------------------------------------------------------------------------

ResNetBlockImpl::ResNetBlockImpl(int cin, int cout) : cin_(cin), cout_(cout) { reset(); }

void ResNetBlockImpl::reset() {
  a_ = register_module("conv_a", ReluConvBn(cin_, cout_, 3, 2, true));
  b_ = register_module("conv_b", ReluConvBn(cout_, cout_, 3, 1, true));
  shortcut_ = register_module(
      "downsample", torch::nn::Conv2d(torch::nn::Conv2dOptions(cin_, cout_, 1).bias(false)));
}

torch::Tensor ResNetBlockImpl::forward(const torch::Tensor& x) {
  // NAS-Bench-201: residual = conv1x1(avgpool2x2(x)); out = residual + conv_b(conv_a(x)).
  auto residual = shortcut_(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).stride(2)));
  return residual + b_(a_(x));
}

// ---- cell --------------------------------------------------------------------------------------

Nb201CellImpl::Nb201CellImpl(int channels, bool affine, bool all_ops, space::Arch arch)
    : channels_(channels), affine_(affine), all_ops_(all_ops), arch_(std::move(arch)) {
  reset();
}

void Nb201CellImpl::reset() {
  ops_.assign(space::kNb201NumEdges, std::vector<ReluConvBn>(space::kNb201NumOps, nullptr));
  for (int e = 0; e < space::kNb201NumEdges; ++e) {
    for (int op : {static_cast<int>(Nb201Op::kConv1x1), static_cast<int>(Nb201Op::kConv3x3)}) {
      if (!all_ops_ && arch_.choices[static_cast<std::size_t>(e)] != op) continue;
      const auto& [to, from] = space::kNb201Edges[static_cast<std::size_t>(e)];
      std::string name = "edge_" + std::to_string(to) + "_" + std::to_string(from) + "_" +
                         space::kNb201OpNames[static_cast<std::size_t>(op)];
      ops_[static_cast<std::size_t>(e)][static_cast<std::size_t>(op)] = register_module(
          name, ReluConvBn(channels_, channels_, op == static_cast<int>(Nb201Op::kConv1x1) ? 1 : 3,
                           1, affine_));
    }
  }
}

torch::Tensor Nb201CellImpl::apply_op(int edge, int op, const torch::Tensor& x,
                                      torch::Tensor& relu_x) {
  switch (static_cast<Nb201Op>(op)) {
    case Nb201Op::kNone:
      // NAS-Bench-201's Zero (and the released code's, space/nb201/ops.py:80): x * 0, in the
      // graph, so the operators before it get zero gradients, as there.
      return x.mul(0.0);
    case Nb201Op::kSkip:
      return x;
    case Nb201Op::kAvgPool3x3:
      // NAS-Bench-201 POOLING: AvgPool2d(3, stride 1, padding 1, count_include_pad=False).
      return F::avg_pool2d(
          x, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
    case Nb201Op::kConv1x1:
    case Nb201Op::kConv3x3: {
      auto& m = ops_[static_cast<std::size_t>(edge)][static_cast<std::size_t>(op)];
      WSNAS_ASSERT(!m.is_empty(), "operator missing on edge ", edge);
      if (!relu_x.defined()) relu_x = torch::relu(x);
      return m->forward_relu(relu_x);
    }
  }
  WSNAS_ASSERT(false, "unknown operator ", op);
}

torch::Tensor Nb201CellImpl::forward(const torch::Tensor& x, const space::Arch* arch) {
  const space::Arch& a = arch ? *arch : arch_;
  WSNAS_ASSERT(a.choices.size() == space::kNb201NumEdges, "cell needs 6 choices");
  WSNAS_ASSERT(all_ops_ || a == arch_, "a stand-alone cell runs only its own architecture");
  constexpr int kNone = static_cast<int>(Nb201Op::kNone);
  // Edges in the official order: node 1 <- 0; node 2 <- 0, 1; node 3 <- 0, 1, 2.
  auto edge_of = [](int to, int from) { return to * (to - 1) / 2 + from; };
  // live[j]: node j's value reaches the output (node 3) through edges that are not `none`.
  bool live[space::kNb201NumNodes] = {false, false, false, true};
  for (int j = space::kNb201NumNodes - 2; j >= 0; --j) {
    for (int k = j + 1; k < space::kNb201NumNodes && !live[j]; ++k)
      live[j] = live[k] && a.choices[static_cast<std::size_t>(edge_of(k, j))] != kNone;
  }
  // Node j sums its inputs from every earlier node. A `none` edge adds zeros (the benchmark's Zero
  // op), so skipping it changes no output; a node whose inputs are all `none` is zero, and
  // operators on it still run as in the benchmark (conv-BN of zeros is not zero in general).
  // Pruned: nodes that cannot reach the output are not computed at all. Only in evaluation mode:
  // in training mode (and BN calibration) the released code runs every edge
  // (space/nb201/network.py:29-33), so dead operators' BN statistics move and their parameters
  // get zero gradients (which starts their weight decay); so they do here.
  const bool prune = prune_ && !is_training();
  std::vector<torch::Tensor> nodes{x};
  std::vector<torch::Tensor> relus(space::kNb201NumNodes);
  for (int node = 1; node < space::kNb201NumNodes; ++node) {
    torch::Tensor sum;
    if (!prune || live[node]) {
      for (int in = 0; in < node; ++in) {
        const int e = edge_of(node, in);
        const int op = a.choices[static_cast<std::size_t>(e)];
        if (prune && op == kNone) continue;
        auto y = apply_op(e, op, nodes[static_cast<std::size_t>(in)],
                          relus[static_cast<std::size_t>(in)]);
        sum = sum.defined() ? sum + y : y;
      }
      if (!sum.defined()) sum = torch::zeros_like(x);
    }
    nodes.push_back(sum);
  }
  return nodes.back();
}

// ---- network -----------------------------------------------------------------------------------

Nb201NetworkImpl::Nb201NetworkImpl(Nb201Options options, std::optional<space::Arch> arch)
    : options_(options), arch_(std::move(arch)) {
  WSNAS_CHECK_INPUT(
      options_.channels >= 1 && options_.cells >= 1 && options_.in_channels >= 1 &&
          options_.classes >= 1,
      "NAS-Bench-201 network: channels, cells, input channels and classes must be >= 1");
  if (arch_) space::Nb201Space().check(*arch_);
  const int C = options_.channels;
  stem_ = register_module(
      "stem", torch::nn::Sequential(
                  torch::nn::Conv2d(
                      torch::nn::Conv2dOptions(options_.in_channels, C, 3).padding(1).bias(false)),
                  BatchNorm2d(C)));
  cells_.clear();
  blocks_.clear();
  const bool supernet = !arch_.has_value();
  const space::Arch cell_arch = arch_ ? *arch_ : space::Arch{};
  int ch = C;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      blocks_.push_back(register_module("reduce" + std::to_string(stage), ResNetBlock(ch, ch * 2)));
      ch *= 2;
    }
    for (int i = 0; i < options_.cells; ++i) {
      cells_.push_back(
          register_module("cell" + std::to_string(stage) + "_" + std::to_string(i),
                          Nb201Cell(ch, options_.cell_bn_affine, supernet, cell_arch)));
    }
  }
  last_bn_ = register_module("lastact_bn", BatchNorm2d(ch));
  classifier_ = register_module("classifier", torch::nn::Linear(ch, options_.classes));
}

torch::Tensor Nb201NetworkImpl::forward(const torch::Tensor& x) {
  WSNAS_ASSERT(arch_.has_value(), "the supernet needs a cell: call forward(x, arch)");
  return Network::forward(x, *arch_).output;
}

torch::Tensor Nb201NetworkImpl::stem(const torch::Tensor& x) {
  WSNAS_CHECK(x.dim() == 4 && x.size(1) == options_.in_channels,
              "NAS-Bench-201 network: expected input [N, ", options_.in_channels, ", H, W], got ",
              x.sizes());
  return stem_->forward(x);
}

void Nb201NetworkImpl::set_pruning(bool on) {
  for (auto& c : cells_) c->set_pruning(on);
}

Forward Nb201NetworkImpl::body(const torch::Tensor& stem_out, const space::Arch& arch) {
  WSNAS_ASSERT(!arch_ || arch == *arch_, "a stand-alone network runs only its own cell");
  auto h = stem_out;
  std::size_t cell = 0;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) h = blocks_[static_cast<std::size_t>(stage - 1)](h);
    for (int i = 0; i < options_.cells; ++i) h = cells_[cell++](h, &arch);
  }
  h = observed(torch::relu(last_bn_(h)));
  h = h.mean({2, 3});  // global average pooling
  return {classifier_(h)};
}

Nb201Network make_nb201_network(const space::Arch& arch, Nb201Options options) {
  return Nb201Network(options, arch);
}

Nb201Network make_nb201_supernet(Nb201Options options) {
  return Nb201Network(options, std::nullopt);
}

namespace {
Nb201Options nb201_options(const NetworkOptions& o) {
  Nb201Options n;
  if (o.channels > 0) n.channels = o.channels;
  if (o.cells > 0) n.cells = o.cells;
  n.in_channels = o.in_channels;
  n.classes = o.classes;
  n.cell_bn_affine = o.supernet_bn_affine;
  return n;
}
}  // namespace

std::shared_ptr<Network> nb201_supernet(const NetworkOptions& options) {
  return make_nb201_supernet(nb201_options(options)).ptr();
}

std::shared_ptr<Network> nb201_network(const space::Arch& arch, const NetworkOptions& options) {
  auto o = nb201_options(options);
  o.cell_bn_affine = true;  // the benchmark trains stand-alone cells with affine BN
  return make_nb201_network(arch, o).ptr();
}

}  // namespace wsnas::nn

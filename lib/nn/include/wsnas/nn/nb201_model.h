#pragma once
/// NAS-Bench-201 networks in LibTorch: the stand-alone network of one cell (the benchmark's
/// `TinyNetwork` with `InferCell`) and the weight-sharing supernet holding every operator on every
/// edge, running one sampled cell per forward (single-path one-shot, Guo et al. 2019).

#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <optional>

#include "wsnas/nn/batch_norm.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/nb201.h"

namespace wsnas::nn {

/// Shape of a NAS-Bench-201 network.
struct Nb201Options {
  int channels = 16;  ///< C (stages have C, 2C, 4C channels)
  int cells = 5;      ///< N cells per stage
  int in_channels = 3;
  int classes = 100;
  /// Affine BN inside cell operators. The stand-alone network uses true, and so does the supernet
  /// of the paper's released code (github.com/matluster/anonymous-2102 @3825f00
  /// configs/nb201.py:18, space/nb201/ops.py:24-25); NAS-Bench-201's own search models use false
  /// (--supernet-bn-affine false).
  bool cell_bn_affine = true;
};

/// ReLU -> Conv(no bias) -> BN, NAS-Bench-201's `ReLUConvBN`.
class ReluConvBnImpl : public torch::nn::Cloneable<ReluConvBnImpl> {
 public:
  ReluConvBnImpl(int cin, int cout, int kernel, int stride, bool affine);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  /// forward(x) given relu(x) (a cell computes each node's ReLU once for all its edges).
  torch::Tensor forward_relu(const torch::Tensor& relu_x);

 private:
  int cin_, cout_, kernel_, stride_;
  bool affine_;
  torch::nn::Conv2d conv_{nullptr};
  BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(ReluConvBn);

/// The residual reduction block between stages (NAS-Bench-201 `ResNetBasicblock`, stride 2).
class ResNetBlockImpl : public torch::nn::Cloneable<ResNetBlockImpl> {
 public:
  ResNetBlockImpl(int cin, int cout);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int cin_, cout_;
  ReluConvBn a_{nullptr}, b_{nullptr};
  torch::nn::Conv2d shortcut_{nullptr};
};
TORCH_MODULE(ResNetBlock);

/// One NAS-Bench-201 cell. With `all_ops` false it holds only the operators of `arch`
/// (stand-alone); with `all_ops` true it holds all five on every edge and forward takes the cell to
/// run.
class Nb201CellImpl : public torch::nn::Cloneable<Nb201CellImpl> {
 public:
  Nb201CellImpl(int channels, bool affine, bool all_ops, space::Arch arch);
  void reset() override;
  /// Runs the fixed cell (stand-alone) or `arch` (supernet).
  torch::Tensor forward(const torch::Tensor& x, const space::Arch* arch = nullptr);
  /// With pruning (the default) a forward pass in evaluation mode skips `none` edges and the
  /// operators into nodes with no path to the cell output: the output is the same (tested).
  /// Training mode always runs every edge, as the released code (BN statistics, zero gradients).
  void set_pruning(bool on) { prune_ = on; }

 private:
  /// Operator `op` of `edge` on node value `x`; `relu_x` holds relu(x) once computed (the
  /// convolutions of every edge leaving a node share it).
  torch::Tensor apply_op(int edge, int op, const torch::Tensor& x, torch::Tensor& relu_x);
  int channels_;
  bool affine_, all_ops_, prune_ = true;
  space::Arch arch_;
  // ops_[edge][op]: parametrised operators (conv 1x1, conv 3x3); others are functional.
  std::vector<std::vector<ReluConvBn>> ops_;
};
TORCH_MODULE(Nb201Cell);

/// The whole network: stem, three stages of cells with ResNet blocks between, BN-ReLU, pool,
/// linear. Built either stand-alone for one cell, or as the supernet (all operators everywhere).
/// The stem (conv-BN) does not depend on the cell.
class Nb201NetworkImpl : public Network {
 public:
  /// `arch` given: the stand-alone network of that cell. Empty: the supernet.
  Nb201NetworkImpl(Nb201Options options, std::optional<space::Arch> arch);
  using Network::forward;
  /// Stand-alone forward (the network's own cell).
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor stem(const torch::Tensor& x) override;
  /// Cells, ResNet blocks and head through one cell choice (the same choice in every cell, as
  /// NAS-Bench-201 shares the cell topology across the network).
  Forward body(const torch::Tensor& h, const space::Arch& arch) override;
  const space::Arch* own_arch() const override { return arch_ ? &*arch_ : nullptr; }

  const Nb201Options& options() const { return options_; }
  bool is_supernet() const { return !arch_.has_value(); }
  /// Pruned evaluation-mode passes (default) or the full ones (every edge, every node; for tests).
  void set_pruning(bool on);

 private:
  Nb201Options options_;
  std::optional<space::Arch> arch_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<Nb201Cell> cells_;
  std::vector<ResNetBlock> blocks_;
  BatchNorm2d last_bn_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(Nb201Network);

/// The stand-alone network of one cell (BN affine everywhere, as the benchmark trains it).
Nb201Network make_nb201_network(const space::Arch& arch, Nb201Options options = {});
/// The supernet (cell BN affine as `options.cell_bn_affine` says).
Nb201Network make_nb201_supernet(Nb201Options options);

/// The registry's makers (NetworkOptions: 0 = C 16, N 5).
std::shared_ptr<Network> nb201_supernet(const NetworkOptions& options);
std::shared_ptr<Network> nb201_network(const space::Arch& arch, const NetworkOptions& options);

}  // namespace wsnas::nn

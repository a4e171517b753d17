#pragma once
/// ProxylessNAS networks in LibTorch (Cai et al., ICLR 2019; the paper's released code,
/// github.com/matluster/anonymous-2102 @3825f00, space/proxyless/network.py and layers.py):
///  - the supernet: first conv 3x3 stride 2 + BN + ReLU6, the fixed first block (MBConv 3x3,
///    expansion 1), 21 searchable blocks each holding its 6 MBConv candidates (`zero`: the block
///    is skipped through its identity shortcut), feature mix 1x1 + BN + ReLU6, global average
///    pooling, linear; a block adds its input when it has stride 1 and equal widths;
///  - the stand-alone network of one architecture (the chosen candidate per block only).
/// Widths at NetworkOptions::width_mult (0: 1.35) with ProxylessNAS' make_divisible; BN eps 1e-3,
/// momentum 0.1; convolutions initialised He fan-out (N(0, sqrt(2 / (k k C_out)))).
/// The classes live in proxyless_model.cpp; this header only makes them.

#include <memory>

#include "wsnas/nn/network.h"

namespace wsnas::nn {

/// The registry's makers (NetworkOptions: width_mult, 0 = 1.35; channels and cells must be 0).
std::shared_ptr<Network> proxyless_supernet(const NetworkOptions& options);
std::shared_ptr<Network> proxyless_network(const space::Arch& arch, const NetworkOptions& options);

}  // namespace wsnas::nn

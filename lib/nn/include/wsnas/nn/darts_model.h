#pragma once
/// DARTS-CIFAR10 networks in LibTorch (Liu et al. 2019, DARTS' model.py and operations.py):
///  - the supernet of the paper's released code (github.com/matluster/anonymous-2102 @3825f00,
///    space/darts/network.py:59-173 and space/darts/ops.py): the 20-cell, C = 36
///    evaluation network with, per (cell, node, slot), one instance of each of the 7 operators,
///    used whatever input the slot takes (ENAS-style), with stride 2 in a reduction cell when the
///    input is a cell input; all normal cells run the normal genotype, both reduction cells the
///    reduction one; the classifier averages the top-left 7x7 window of the last map (the code's
///    AvgPool2d(7), docs/protocol.md);
///  - DARTS' evaluation network of one genotype (NetworkCIFAR: global average pooling).
/// Both: stem conv3x3 3C + BN, reductions at 1/3 and 2/3 of the cells, drop-path on every
/// operator but the identity (Network::set_drop_path), and, with NetworkOptions::auxiliary, the
/// auxiliary head after the second reduction cell (AuxiliaryHeadCIFAR; training only).
/// The classes live in darts_model.cpp; this header only makes them.

#include <memory>

#include "wsnas/nn/network.h"

namespace wsnas::nn {

/// The registry's makers (NetworkOptions: channels = C, 0 = 36; cells = all cells, 0 = 20).
std::shared_ptr<Network> darts_supernet(const NetworkOptions& options);
std::shared_ptr<Network> darts_network(const space::Arch& arch, const NetworkOptions& options);

}  // namespace wsnas::nn

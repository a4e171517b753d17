#pragma once
/// NAS-Bench-101 networks in LibTorch:
///  - the sub-space's supernet (the paper's released code, github.com/matluster/anonymous-2102
///    @3825f00 space/nb101/network.py, base_ops.py): stem conv3x3-BN-ReLU 128, 3 stacks x 3
///    cells with a 2x2 max-pool and doubled channels between stacks, every vertex C/2 channels,
///    a 1x1 projection of the cell input per vertex, vertex inputs summed, the output the
///    concatenation of its two parents; BN momentum 0.003; the released code's initialisation;
///    all 9 cells run the same cell;
///  - NAS-Bench-101's own stand-alone network of any cell (Ying et al. 2019,
///    nasbench/lib/model_builder.py): its channel rule, input projections and truncation, so that
///    its parameters equal the benchmark's `trainable_parameters`.
/// The classes live in nb101_model.cpp; this header only makes them.

#include <memory>

#include "wsnas/nn/network.h"
#include "wsnas/space/nb101.h"

namespace wsnas::nn {

/// The registry's makers (NetworkOptions: channels = stem width, 0 = 128; cells = cells per
/// stack, 0 = 3).
std::shared_ptr<Network> nb101_supernet(const NetworkOptions& options);
std::shared_ptr<Network> nb101_network(const space::Arch& arch, const NetworkOptions& options);
/// The stand-alone network of any NAS-Bench-101 cell (pruned first, as the benchmark does);
/// InputError for a cell whose input does not reach its output.
std::shared_ptr<Network> nb101_cell_network(const space::Nb101Cell& cell,
                                            const NetworkOptions& options);

}  // namespace wsnas::nn

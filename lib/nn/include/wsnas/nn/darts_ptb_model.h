#pragma once
/// DARTS-PTB networks in LibTorch (the paper's released code, github.com/matluster/anonymous-2102
/// @3825f00 space/ptb/network.py; Liu et al. 2019, DARTS' rnn/model.py):
/// a word embedding of size H (850), the DARTS recurrent cell of 8 highway nodes over hidden
/// states of size H, and a decoder tied to the embedding. Every weight is shared by every choice:
/// an architecture only picks which state feeds node i's matrix W_i and which activation follows
/// it, so the supernet and the stand-alone network of any architecture are the same network
/// (20 H^2 + V (H + 1) parameters: 22,960,000 at H = 850, V = 10,000, DARTS' "23M").
/// Training masks (NetworkOptions::rnn_dropout): embedding rows, locked dropout on the embedded
/// input and on the output (one mask per window, shared over time), and the cell's input and
/// hidden masks; drawn from the generator Network::set_drop_path seeds. The hidden state is
/// carried between batches (Network::reset_state, detach_state, state).
/// The class lives in darts_ptb_model.cpp; this header only makes it.

#include <memory>

#include "wsnas/nn/network.h"

namespace wsnas::nn {

/// The registry's makers (NetworkOptions: channels = H, 0 = 850; classes = the vocabulary).
std::shared_ptr<Network> darts_ptb_supernet(const NetworkOptions& options);
std::shared_ptr<Network> darts_ptb_network(const space::Arch& arch, const NetworkOptions& options);

}  // namespace wsnas::nn

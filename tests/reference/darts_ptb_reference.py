#!/usr/bin/python3
"""Independent reference of wsnas's DARTS-PTB recurrent networks, in PyTorch (Debian's python3-torch).

The network is DARTS' RNNModel with one DARTSCell for one genotype, written from DARTS' code (Liu et
al., ICLR 2019; github.com/quark0/darts, rnn/model.py and rnn/genotypes.py as of commit f276dd3,
model.py unchanged since 8876e79), eval mode only (no dropout masks, no embedding dropout):
- DARTSCell.__init__ (model.py 25-28): _W0 [ninp+nhid, 2*nhid], _Ws[i] [nhid, 2*nhid], 8 steps.
- DARTSCell.forward (39-45): loop over time, the new hidden is the next step's h_prev.
- _compute_init_state (51-56): cat([x, h_prev]) @ W0, split into (c0, h0) = first/second nhid
  columns; s0 = h_prev + sigmoid(c0) * (tanh(h0) - h_prev).
- cell (72-88): s_prev = states[pred]; (c, h) = split(s_prev @ Ws[i]); s = s_prev + sigmoid(c) *
  (act(h) - s_prev); output = mean of states[i] for i in genotype.concat = range(1, 9).
- RNNModel (99-111, 131-148): encoder embedding, decoder nn.Linear with weight tied to the
  encoder, logit = decoder(output.view(-1, ninp)) (time-major rows). DARTS then applies
  log_softmax (149); this reference compares the logits before it.
Activation index a of wsnas is DARTS' PRIMITIVES[a + 1] ('none' excluded): 0 tanh, 1 relu,
2 sigmoid, 3 identity. Computation is in float64; the file's float32 outputs are widened to compare.

Usage: darts_ptb_reference.py FILE.h5
FILE holds, per case under /<case>: attributes hidden (H), vocab (V); datasets choices (int64 [16]:
activation of nodes 0..7, then predecessor of nodes 0..7), tokens (int64 [T, N]), hidden0 ([N, H]),
eval_out ([T*N, V] logits), eval_hidden ([N, H] final hidden), and the network's tensors under
/<case>/model: "encoder.weight" [V, H], "w0" [2H, 2H], "w1".."w8" [H, 2H], "decoder_bias" [V].
Prints one line per case, cases sorted: "<case> max_abs_diff <d> tensors <n>", d the max absolute
difference over logits and final hidden state, n the number of model tensors loaded (11).
Exits non-zero, with a message on stderr, when a tensor is missing or has the wrong shape.
"""
import sys
from collections import namedtuple

import h5py
import torch
import torch.nn as nn

Genotype = namedtuple("Genotype", "recurrent concat")  # rnn/genotypes.py
ACTS = ["tanh", "relu", "sigmoid", "identity"]  # PRIMITIVES[1:]
STEPS = 8


class DARTSCell(nn.Module):
    def __init__(self, ninp, nhid, genotype):
        super().__init__()
        self.nhid, self.genotype = nhid, genotype
        self._W0 = nn.Parameter(torch.zeros(ninp + nhid, 2 * nhid))
        self._Ws = nn.ParameterList([nn.Parameter(torch.zeros(nhid, 2 * nhid))
                                     for _ in genotype.recurrent])

    def forward(self, inputs, hidden):  # inputs [T, N, ninp], hidden [1, N, nhid]
        hidden = hidden[0]
        hiddens = []
        for t in range(inputs.size(0)):
            hidden = self.cell(inputs[t], hidden)
            hiddens.append(hidden)
        hiddens = torch.stack(hiddens)
        return hiddens, hiddens[-1].unsqueeze(0)

    def _compute_init_state(self, x, h_prev):
        c0, h0 = torch.split(torch.cat([x, h_prev], dim=-1).mm(self._W0), self.nhid, dim=-1)
        return h_prev + c0.sigmoid() * (h0.tanh() - h_prev)

    @staticmethod
    def _get_activation(name):
        return {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
                "identity": lambda x: x}[name]

    def cell(self, x, h_prev):
        states = [self._compute_init_state(x, h_prev)]
        for i, (name, pred) in enumerate(self.genotype.recurrent):
            s_prev = states[pred]
            c, h = torch.split(s_prev.mm(self._Ws[i]), self.nhid, dim=-1)
            states.append(s_prev + c.sigmoid() * (self._get_activation(name)(h) - s_prev))
        return torch.mean(torch.stack([states[i] for i in self.genotype.concat], -1), -1)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, genotype):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnns = nn.ModuleList([DARTSCell(ninp, ninp, genotype)])
        self.decoder = nn.Linear(ninp, ntoken)
        self.decoder.weight = self.encoder.weight
        self.ninp = ninp

    def forward(self, tokens, hidden):  # returns logits [T*N, V] (DARTS: log_softmax of them)
        output, new_h = self.rnns[0](self.encoder(tokens), hidden[0])
        return self.decoder(output.view(-1, self.ninp)), [new_h]


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        fail("usage: darts_ptb_reference.py FILE.h5")
    f = h5py.File(sys.argv[1], "r")
    for case in sorted(f):
        g = f[case]
        H, V = int(g.attrs["hidden"]), int(g.attrs["vocab"])
        ch = [int(v) for v in g["choices"][()]]
        if len(ch) != 2 * STEPS:
            fail("%s: choices has %d entries, expected %d" % (case, len(ch), 2 * STEPS))
        for i in range(STEPS):
            if not (0 <= ch[i] < len(ACTS) and 0 <= ch[STEPS + i] <= i):
                fail("%s: bad choice for node %d: act %d pred %d" % (case, i, ch[i], ch[STEPS + i]))
        genotype = Genotype([(ACTS[ch[i]], ch[STEPS + i]) for i in range(STEPS)], range(1, STEPS + 1))
        net = RNNModel(V, H, genotype).double()
        # file name -> (DARTS state_dict name, shape)
        names = {"encoder.weight": ("encoder.weight", (V, H)), "w0": ("rnns.0._W0", (2 * H, 2 * H)),
                 "decoder_bias": ("decoder.bias", (V,))}
        for i in range(STEPS):
            names["w%d" % (i + 1)] = ("rnns.0._Ws.%d" % i, (H, 2 * H))
        state = {"decoder.weight": None}
        for k, (key, shape) in names.items():
            if "model" not in g or k not in g["model"]:
                fail("%s: tensor model/%s missing" % (case, k))
            t = g["model"][k][()]
            if tuple(t.shape) != shape:
                fail("%s: tensor %s has shape %s, expected %s" % (case, k, t.shape, shape))
            state[key] = torch.from_numpy(t).double()
        state["decoder.weight"] = state["encoder.weight"]  # tied
        net.load_state_dict(state, strict=True)
        tokens = torch.from_numpy(g["tokens"][()]).long()
        hidden0 = torch.from_numpy(g["hidden0"][()]).double().reshape(1, 1, -1, H)
        net.eval()
        with torch.no_grad():
            logits, hidden = net(tokens, hidden0)
        diffs = []
        for mine, k in ((logits, "eval_out"), (hidden[0][0], "eval_hidden")):
            theirs = torch.from_numpy(g[k][()]).double()
            if theirs.shape != mine.shape:
                fail("%s: %s has shape %s, expected %s" % (case, k, tuple(theirs.shape),
                                                           tuple(mine.shape)))
            diffs.append(float((mine - theirs).abs().max()))
        print(case, "max_abs_diff", max(diffs), "tensors", len(names))


if __name__ == "__main__":
    main()

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
Optionally grad_probe ([T*N, V]) and grad/<tensor> (our gradient of sum(logits * grad_probe) in eval
mode, for each of the model's tensors; the decoder's tied weight counts in encoder.weight).
Prints one line per case, cases sorted: "<case> max_abs_diff <d> tensors <n>", d the max absolute
difference over logits and final hidden state and, with grad_probe, each gradient's max absolute
difference divided by max(1, its largest magnitude); n the number of model tensors loaded (11).
Exits non-zero, with a message on stderr, when a tensor is missing or has the wrong shape.

Timing mode (scripts/bench-compare.sh --space darts-ptb; bench_support.py):
  /usr/bin/python3 tests/reference/darts_ptb_reference.py --bench [bench_ptb's options]
times, in plain PyTorch, the paper's released DARTS-PTB supernet (not the model above: that one is
DARTS' stand-alone network, eval mode only) on the work of build/bin/bench_ptb with the same
options, printing the same lines; see the section "timing mode" below.
"""
import sys
from collections import namedtuple

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
    import h5py  # the test mode only
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
        if "grad_probe" in g:  # the gradient of sum(logits * probe), every tensor (eval mode)
            probe = torch.from_numpy(g["grad_probe"][()]).double()
            net.zero_grad()
            logits, _ = net(tokens, hidden0)
            (logits * probe).sum().backward()
            params = dict(net.named_parameters())  # the tied decoder weight is encoder.weight
            for k, (key, shape) in names.items():
                if "grad" not in g or k not in g["grad"]:
                    fail("%s: tensor grad/%s missing" % (case, k))
                mine = params[key].grad
                theirs = torch.from_numpy(g["grad"][k][()]).double()
                if theirs.shape != mine.shape:
                    fail("%s: grad/%s has shape %s, expected %s" % (case, k, tuple(theirs.shape),
                                                                    tuple(mine.shape)))
                diffs.append(float((mine - theirs).abs().max()) / max(1.0, float(mine.abs().max())))
        print(case, "max_abs_diff", max(diffs), "tensors", len(names))


# ---- timing mode (--bench): the work of bench_ptb ----------------------------------------------
# The paper's released DARTS-PTB supernet, github.com/matluster/anonymous-2102 @3825f00:
#   space/ptb/network.py    Cell (W0 [2H, 2H], 8 x Ws [H, 2H], per-step activation and predecessor
#                           choices, the x / h dropout masks in training), RNNModel (embedding with
#                           word dropout, locked dropouts on its output and on the cell's output,
#                           decoder tied to the embedding); state_bn False (configs/ptb.py)
#   space/ptb/rnn_utils.py  EmbeddingDropout, LockedDropout, create_mask2d
#   configs/ptb.py          H 850, dropouts 0.75 / 0.25 / 0.75 / 0.2 / 0.1, init range 0.04,
#                           batch 256, BPTT 35, SGD lr 40, momentum 0, weight decay 8e-7,
#                           alpha 0, beta (TAR) 1e-3, clip 0.1, eval batch 10
#   trainers/ptb.py         train (lr 40 x L / 35, hidden carried and detached, PtbCriterion, clip,
#                           step) and eval_one_arch (hidden carried, per-window cross-entropy)
#   datasets/ptb.py:52-55   variable BPTT: N(35, 5), mean halved with probability 0.05, in [5, 55]
# NNI's LayerChoice / InputChoice are replaced by an architecture argument [(activation, pred)] * 8;
# the masks are drawn on the model's device (the released code draws them on CUDA).
RELEASED_PTB = dict(dropout=0.75, dropout_rnn_h=0.25, dropout_rnn_x=0.75, dropout_inp=0.2,
                    dropout_emb=0.1, init_range=0.04, bptt=35, max_seq_len_delta=20, lr=40.0,
                    weight_decay=8e-7, beta=1e-3, grad_clip=0.1, eval_batch_size=10)


class EmbeddingDropout(nn.Embedding):  # rnn_utils.py:9-68 (max_norm None, scale None)
    def __init__(self, num_embeddings, embedding_dim, dropout):
        super().__init__(num_embeddings, embedding_dim)
        self.dropout = dropout

    def forward(self, inputs):
        import torch.nn.functional as F
        dropout = self.dropout if self.training else 0
        if dropout:
            mask = self.weight.data.new(self.weight.size(0), 1)
            mask.bernoulli_(1 - dropout)
            mask = mask.expand_as(self.weight) / (1 - dropout)
            masked_weight = self.weight * mask
        else:
            masked_weight = self.weight
        return F.embedding(inputs, masked_weight)


def locked_dropout(x, dropout, training):  # rnn_utils.py:71-82 (LockedDropout.forward)
    if not training or not dropout:
        return x
    m = x.data.new(1, x.size(1), x.size(2)).bernoulli_(1 - dropout)
    return (m / (1 - dropout)).expand_as(x) * x


def create_mask2d(n, d, keep_prob, device):  # rnn_utils.py:85-86
    return torch.floor(torch.rand(n, d, device=device) + keep_prob) / keep_prob


ACT_FNS = [torch.tanh, torch.relu, torch.sigmoid, lambda x: x]  # network.py:26-31, as ACTS


class SupernetCell(nn.Module):  # network.py:9-90
    def __init__(self, n_hidden, steps, init_range, dropout_h, dropout_x):
        super().__init__()
        self.n_hidden, self.dropout_h, self.dropout_x = n_hidden, dropout_h, dropout_x
        self._W0 = nn.Parameter(torch.zeros(2 * n_hidden, 2 * n_hidden))
        self._Ws = nn.ParameterList([nn.Parameter(torch.zeros(n_hidden, 2 * n_hidden))
                                     for _ in range(steps)])
        self._W0.data.uniform_(-init_range, init_range)
        for p in self._Ws:
            p.data.uniform_(-init_range, init_range)

    def forward(self, inputs, hidden, arch):
        n = inputs.size(1)
        if self.training:
            x_mask = create_mask2d(n, inputs.size(2), 1 - self.dropout_x, inputs.device)
            h_mask = create_mask2d(n, hidden.size(1), 1 - self.dropout_h, inputs.device)
        else:
            x_mask = h_mask = None
        hiddens = []
        for t in range(inputs.size(0)):
            hidden = self.cell(inputs[t], hidden, x_mask, h_mask, arch)
            hiddens.append(hidden)
        return torch.stack(hiddens), hidden

    def cell(self, x, h_prev, x_mask, h_mask, arch):
        if self.training:
            xh_prev = torch.cat([x * x_mask, h_prev * h_mask], dim=-1)
        else:
            xh_prev = torch.cat([x, h_prev], dim=-1)
        c0, h0 = torch.split(xh_prev.mm(self._W0), self.n_hidden, dim=-1)
        states = [h_prev + torch.sigmoid(c0) * (torch.tanh(h0) - h_prev)]
        for i, (act, pred) in enumerate(arch):
            s_prev = states[pred]
            ch = (s_prev * h_mask).mm(self._Ws[i]) if self.training else s_prev.mm(self._Ws[i])
            c, h = torch.split(ch, self.n_hidden, dim=-1)
            states.append(s_prev + torch.sigmoid(c) * (ACT_FNS[act](h) - s_prev))
        return torch.mean(torch.stack(states[1:], -1), -1)


class SupernetRNNModel(nn.Module):  # network.py:93-143
    def __init__(self, n_tokens, n_hidden, steps=STEPS, **kw):
        super().__init__()
        a = dict(RELEASED_PTB, **kw)
        self.encoder = EmbeddingDropout(n_tokens, n_hidden, a["dropout_emb"])
        self.rnn = SupernetCell(n_hidden, steps, a["init_range"], a["dropout_rnn_h"],
                                a["dropout_rnn_x"])
        self.decoder = nn.Linear(n_hidden, n_tokens)
        self.decoder.weight = self.encoder.weight
        self.dropout_inp, self.dropout = a["dropout_inp"], a["dropout"]
        self.n_hidden, self.n_tokens = n_hidden, n_tokens
        self.encoder.weight.data.uniform_(-a["init_range"], a["init_range"])
        self.decoder.bias.data.fill_(0)

    def forward(self, inputs, hidden, arch):
        batch_size = inputs.size(1)
        emb = locked_dropout(self.encoder(inputs), self.dropout_inp, self.training)
        rnn_h, hidden = self.rnn(emb, hidden, arch)
        dropped_rnn_h = locked_dropout(rnn_h, self.dropout, self.training)
        logits = self.decoder(dropped_rnn_h.view(-1, self.n_hidden)).view(-1, batch_size,
                                                                          self.n_tokens)
        if self.training:
            return logits, hidden, rnn_h, dropped_rnn_h
        return logits, hidden


def sequence_length(rs, mean, std, low, high):  # datasets/ptb.py:52-55
    if rs.random_sample() > 0.95:
        mean /= 2.
    return min(high, max(low, int(rs.normal(mean, std))))


def bench(argv):
    import argparse
    import random
    import time

    import numpy as np
    import torch.nn.functional as F

    import bench_support as bs

    p = argparse.ArgumentParser(
        prog="darts_ptb_reference.py --bench",
        description="Plain-PyTorch timing of the released DARTS-PTB supernet on the work of "
                    "bench_ptb (same options, same defaults).")
    p.add_argument("--device", default="auto", help="cpu | cuda | auto")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--hidden", type=bs.at_least(1), default=850)
    p.add_argument("--vocab", type=bs.at_least(1), default=10000)
    p.add_argument("--batch", type=bs.at_least(1), default=256)
    p.add_argument("--steps", type=bs.at_least(1), default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--eval-tokens", type=bs.at_least(20), default=73760)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args(argv)
    r = RELEASED_PTB
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    import_mib = bs.rss_mib()
    dev = bs.select_device(a.device)
    torch.manual_seed(0)
    model = SupernetRNNModel(a.vocab, a.hidden).to(dev)
    params = tuple(model.parameters())
    opt = torch.optim.SGD(params, r["lr"], momentum=0., weight_decay=r["weight_decay"])
    rng = random.Random(1)  # the architectures: the released PtbMutator's uniform draws

    def sample():
        return [(rng.randrange(len(ACTS)), rng.randrange(i + 1)) for i in range(STEPS)]

    windows = np.random.RandomState(7)
    model.train()
    hidden = torch.zeros(a.batch, a.hidden, device=dev)
    tokens, train_s = 0, 0.0
    bs.reset_peak(dev)
    for s in range(a.warmup + a.steps):
        L = sequence_length(windows, r["bptt"], 5, 5, r["bptt"] + r["max_seq_len_delta"])
        x = torch.randint(0, a.vocab, (L, a.batch), device=dev)
        y = torch.randint(0, a.vocab, (L, a.batch), device=dev)
        arch = sample()
        bs.sync(dev)
        t0 = time.perf_counter()
        opt.param_groups[0]["lr"] = r["lr"] * L / r["bptt"]
        opt.zero_grad()
        with bs.autocast(dev, a.precision):
            logits, new_hidden, rnn_h, _ = model(x, hidden, arch)
            hidden = new_hidden.detach()
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
            loss = loss + r["beta"] * (rnn_h[1:] - rnn_h[:-1]).pow(2).mean()  # TAR; alpha 0
        loss.backward()
        loss.item()
        nn.utils.clip_grad_norm_(params, r["grad_clip"])
        opt.step()
        bs.sync(dev)
        if s >= a.warmup:
            train_s += time.perf_counter() - t0
            tokens += L * a.batch
    train_peak = bs.peak_mib(dev)

    # Evaluation of one architecture: the validation stream at batch 10, windows of 35.
    model.eval()
    b = r["eval_batch_size"]
    rows = a.eval_tokens // b
    stream = torch.randint(0, a.vocab, (rows, b), device=dev)
    arch = sample()
    eval_s = 0.0
    for _ in range(2):  # the first pass warms up
        bs.sync(dev)
        t0 = time.perf_counter()
        with torch.no_grad(), bs.autocast(dev, a.precision):
            h = torch.zeros(b, a.hidden, device=dev)
            total = 0.0
            for i in range(0, rows - 1, r["bptt"]):
                L = min(r["bptt"], rows - 1 - i)
                logits, h = model(stream[i:i + L], h, arch)
                total += F.cross_entropy(logits.view(-1, logits.size(-1)),
                                         stream[i + 1:i + 1 + L].reshape(-1)).item() * L
        bs.sync(dev)
        eval_s = time.perf_counter() - t0
    print("darts_ptb_reference: darts-ptb supernet (released space/ptb/network.py), H %d, "
          "vocabulary %d, %d parameters, device %s, PyTorch %s eager, %s, %d threads" % (
              a.hidden, a.vocab, sum(q.numel() for q in params), dev, torch.__version__,
              a.precision, torch.get_num_threads()))
    print("  note: variable BPTT windows: the released distribution (datasets/ptb.py:52-55) with "
          "numpy's generator, not wsnas's draws; compare tokens/s")
    print("training: %.0f tokens/s (batch %d, %d steps of variable BPTT, %.1f ms/step)" % (
        tokens / train_s, a.batch, a.steps, 1000.0 * train_s / a.steps))
    print("training memory: peak %.0f MiB (%s)" % (
        train_peak, "CUDA allocator" if dev.type == "cuda" else
        "process resident set, data included; the interpreter and torch import: %.0f MiB" % import_mib))
    print("evaluation: %.2f s per architecture (%d validation tokens, batch 10, BPTT 35)" % (
        eval_s, rows * b))
    return 0


if __name__ == "__main__":
    if "--bench" in sys.argv[1:]:
        sys.exit(bench([x for x in sys.argv[1:] if x != "--bench"]))
    main()

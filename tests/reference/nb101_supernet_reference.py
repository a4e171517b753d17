#!/usr/bin/python3
"""Independent plain-PyTorch reference of the paper's NAS-Bench-101 supernet (the "nb101" space).

Written from the released code of "How does weight sharing help in NAS?",
github.com/matluster/anonymous-2102 @3825f00 (cited below as "released <path>:<line>"):
space/nb101/network.py (OneShotNode, OneShotCell, Nb101Network), space/nb101/base_ops.py
(ConvBnRelu, Conv3x3BnRelu, Conv1x1BnRelu, MaxPool3x3), configs/nb101.py (defaults: 3 stacks,
3 cells per stack, num_parents [0, 1, 1, 1, 2, 2, 2], 128 stem channels, BN momentum 3e-3,
eps 1e-5, affine), trainers/nb101.py (training step, evaluation) and trainers/utils.py:324-373
(set_running_statistics, the BN calibration). NNI's LayerChoice / InputChoice are replaced by a
ModuleList of all candidates and a forward taking a fixed architecture, with the semantics of
NNI's Mutator for boolean masks (nni/nas/pytorch/mutator.py, _select_with_mask and
_tensor_reduction): only the chosen candidates run; one chosen input is used as is, several are
summed (reduction "sum") or concatenated along channels in candidate order ("concat", the
output vertex).

Faithful quirks kept on purpose:
- every intermediate vertex runs its input projection (input_op) on the cell input on every
  forward, even when the cell input is not one of its parents (released network.py:82-83; the
  redundant_op flag of :84-86 is never defined on ConvBnRelu, so it changes nothing): its output
  is dropped but its BN running statistics move in training mode and during calibration;
- every vertex runs, whether or not it reaches the output (network.py:110-115);
- the output vertex also owns an input_op (network.py:62) that no forward ever uses.

Architectures: "<7 rows of the upper-triangular adjacency matrix, 7 digits each, joined by
'.'>|<the 5 intermediate vertices' ops joined by '+'>"; column t of the matrix is vertex t's
input mask (released InputChoice candidates: [cell input, vertex 1, ..., vertex t-1]).

Usage: /usr/bin/python3 tests/reference/nb101_supernet_reference.py FILE.h5
FILE.h5 is the dump written by tests/test_supernet_reference.cpp for space nb101. Prints one line
per architecture group to stdout: "<group> max_rel_diff <d> tensors <n>"; the 10 worst tensors
go to stderr.

Timing mode (scripts/bench-compare.sh --space nb101; bench_support.py):
  /usr/bin/python3 tests/reference/nb101_supernet_reference.py --bench [bench_nb201's options]
builds this supernet with PyTorch's default initialisation, in float32, and times the work of
`bench_nb201 --space nb101` with the same options, printing the same lines.
"""
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from released_bn import rel_diff, set_running_statistics

REL = "github.com/matluster/anonymous-2102 @3825f00"
OPS = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"]  # released network.py:66-70 order
NUM_PARENTS = [0, 1, 1, 1, 2, 2, 2]  # released configs/nb101.py:24
NUM_STACKS = 3  # released configs/nb101.py:22
DEFAULT_CELLS = 3  # released configs/nb101.py:23 (num_modules_per_stack)
DEFAULT_CHANNELS = 128  # released configs/nb101.py:25 (stem_out_channels)
BN_MOMENTUM, BN_EPS = 3e-3, 1e-5  # released configs/nb101.py:27-28 (bn_affine True, :26)


class ConvBnRelu(nn.Module):  # released base_ops.py:16-38
    def __init__(self, cin, cout, kernel_size=1, padding=0):
        super().__init__()
        self.conv_bn_relu = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size, 1, padding, bias=False),
            nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM, affine=True),
            nn.ReLU(inplace=True))

    def forward(self, x):
        return self.conv_bn_relu(x)


class OneShotNode(nn.Module):  # released network.py:54-90 (drop path off: drop_path_prob 0)
    def __init__(self, channels, in_channels, last_node):
        super().__init__()
        self.last_node = last_node
        self.input_op = ConvBnRelu(in_channels, channels, 1)  # :62, built for every vertex
        if not last_node:  # :64-70, the LayerChoice's candidates
            self.op = nn.ModuleList([ConvBnRelu(channels, channels, 3, 1),  # Conv3x3BnRelu
                                     ConvBnRelu(channels, channels, 1, 0),  # Conv1x1BnRelu
                                     nn.MaxPool2d(3, 1, 1)])  # MaxPool3x3, base_ops.py:51-60

    def forward(self, tensors, mask, op):
        if self.last_node:  # :76-80, InputChoice reduction "concat"
            assert not mask[0]
            return select(tensors, mask, torch.cat)
        processed_input_node = self.input_op(tensors[0])  # :82, runs whatever the mask
        input_sum = select([processed_input_node] + tensors[1:], mask, sum)  # :83, "sum"
        return self.op[op](input_sum)  # :87, the LayerChoice runs its chosen candidate only


def select(tensors, mask, reduce):
    """NNI Mutator, boolean mask: _select_with_mask then _tensor_reduction."""
    chosen = [t for t, m in zip(tensors, mask) if m]
    assert chosen, "a vertex without inputs"
    if len(chosen) == 1:
        return chosen[0]
    return torch.cat(chosen, dim=1) if reduce is torch.cat else sum(chosen)


class OneShotCell(nn.Module):  # released network.py:93-115
    def __init__(self, in_channels, out_channels):
        super().__init__()
        vertex_channels = out_channels // NUM_PARENTS[-1]  # :98-101
        self.nodes = nn.ModuleList(
            OneShotNode(vertex_channels, in_channels, t + 1 == len(NUM_PARENTS))
            for t in range(1, len(NUM_PARENTS)))

    def forward(self, x, matrix, ops):
        tensors = [x]
        for t, node in enumerate(self.nodes, start=1):  # every vertex runs
            tensors.append(node(tensors, matrix[:t, t], ops[t - 1] if t < 6 else None))
        return tensors[-1]


class Nb101Network(nn.Module):  # released network.py:118-164 (no auxiliary head, dropout 0)
    def __init__(self, channels, cells, classes):
        super().__init__()
        self.stem_conv = ConvBnRelu(3, channels, 3, 1)  # :123, Conv3x3BnRelu
        layers = []
        in_channels = out_channels = channels
        for stack_num in range(NUM_STACKS):
            if stack_num > 0:  # :132-135
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                out_channels *= 2
            for _ in range(cells):
                layers.append(OneShotCell(in_channels, out_channels))
                in_channels = out_channels
        self.features = nn.ModuleList(layers)
        self.classifier = nn.Linear(out_channels, classes)  # :144

    def forward(self, x, matrix, ops):
        out = self.stem_conv(x)
        for layer in self.features:
            out = layer(out, matrix, ops) if isinstance(layer, OneShotCell) else layer(out)
        out = F.adaptive_avg_pool2d(out, 1).view(x.size(0), -1)  # :158, dropout 0 (:159)
        return self.classifier(out)


def parse_arch(arch):
    rows, ops = arch.split("|")
    matrix = np.array([[int(c) for c in r] for r in rows.split(".")], dtype=bool)
    assert matrix.shape == (7, 7) and not np.tril(matrix).any(), arch
    ops = [OPS.index(o) for o in ops.split("+")]
    assert len(ops) == 5, arch
    return matrix, ops


def name_map(cells):
    """our name -> reference name; also the released-only tensors (see below)."""
    m = {}

    def cbr(ours, ref, bn_only=False):
        if not bn_only:
            m[ours + ".conv.weight"] = ref + ".conv_bn_relu.0.weight"
        for t in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]:
            m[ours + ".bn." + t] = ref + ".conv_bn_relu.1." + t

    cbr("stem", "stem_conv")
    released_only = []
    for s in range(NUM_STACKS):
        for c in range(cells):
            cell = f"features.{s * (cells + 1) + c}"
            for t in range(1, 6):
                node = f"{cell}.nodes.{t - 1}"
                cbr(f"stack{s}_cell{c}.vertex{t}_proj", node + ".input_op")
                cbr(f"stack{s}_cell{c}.vertex{t}_conv3x3", node + ".op.0")
                cbr(f"stack{s}_cell{c}.vertex{t}_conv1x1", node + ".op.1")
            # released network.py:62 builds an input_op for the output vertex too; its forward
            # (:76-80) never calls it, and wsnas has no such tensors.
            released_only.append(f"{cell}.nodes.5.input_op.")
    m["classifier.weight"], m["classifier.bias"] = "classifier.weight", "classifier.bias"
    return m, released_only


def main(path):
    import h5py  # the test mode only
    torch.set_default_dtype(torch.float64)
    f = h5py.File(path, "r")
    assert f.attrs["space"] in ("nb101", b"nb101")
    channels = int(f.attrs["channels"]) or DEFAULT_CHANNELS
    cells = int(f.attrs["cells"]) or DEFAULT_CELLS
    classes, size = int(f.attrs["classes"]), int(f.attrs["input_size"])
    if float(f.attrs["aux_weight"]) != 0:
        raise NotImplementedError("auxiliary head (released network.py:28-51) not referenced")
    model = Nb101Network(channels, cells, classes)
    ref_sd = model.state_dict()
    mapping, released_only = name_map(cells)
    ours_names = set(f["model"].keys())
    assert ours_names == set(mapping), sorted(ours_names ^ set(mapping))
    assert len(set(mapping.values())) == len(mapping), "mapping is not injective"
    unmapped = set(ref_sd) - set(mapping.values())
    assert all(any(k.startswith(p) for p in released_only) for k in unmapped), sorted(unmapped)
    inverse = {v: k for k, v in mapping.items()}
    params = dict(model.named_parameters())
    x, y = torch.from_numpy(f["x"][()]), torch.from_numpy(f["y"][()])
    calib = [torch.from_numpy(f["calib0"][()]), torch.from_numpy(f["calib1"][()])]
    assert x.shape[-1] == size

    def load():
        sd = {k: v.clone() for k, v in ref_sd.items()}  # released-only tensors keep their init
        for ours, ref in mapping.items():
            sd[ref] = torch.from_numpy(f["model"][ours][()]).reshape(ref_sd[ref].shape).to(
                ref_sd[ref].dtype)
        model.load_state_dict(sd, strict=True)
        model.zero_grad(set_to_none=True)

    def buffers_of(group):
        out = []
        for ref, buf in model.named_buffers():
            if ref in inverse:
                assert inverse[ref] in group, f"{inverse[ref]} missing in {group.name}"
                ours = inverse[ref]
                out.append((f"{group.name}/{ours}", group[ours][()], buf.clone()))
        return out

    for case in sorted(k for k in f if re.fullmatch(r"arch\d+", k)):
        g = f[case]
        arch = g.attrs["arch"]
        matrix, ops = parse_arch(arch.decode() if isinstance(arch, bytes) else arch)
        load()
        pairs = []  # (name, ours, reference)
        # training step, released trainers/nb101.py:44-54 (nn.CrossEntropyLoss, no aux)
        model.train()
        out = model(x, matrix, ops)
        loss = F.cross_entropy(out, y)
        loss.backward()
        pairs += [(f"{case}/train_out", g["train_out"][()], out.detach()),
                  (f"{case}/loss", g["loss"][()], loss.detach())]
        grads = g["grad"]
        assert set(grads) <= set(mapping), sorted(set(grads) - set(mapping))
        for ref, p in params.items():
            if ref not in inverse:
                assert p.grad is None, ref  # released-only tensors are never reached
                continue
            ours = inverse[ref]
            if ours not in grads and p.grad is None:
                continue
            a = grads[ours][()] if ours in grads else np.zeros(tuple(p.shape))
            b = p.grad if p.grad is not None else torch.zeros_like(p)
            pairs.append((f"{case}/grad/{ours}", a, b))
        pairs += buffers_of(g["after_train"])
        # calibration, released trainers/utils.py:324-373 (calib0 then calib1)
        set_running_statistics(model, calib, lambda im: model(im, matrix, ops))
        pairs += buffers_of(g["calibrated"])
        # evaluation, released trainers/nb101.py:111-118
        model.eval()
        with torch.no_grad():
            pairs.append((f"{case}/eval_out", g["eval_out"][()], model(x, matrix, ops)))
        rels = sorted(((rel_diff(torch.as_tensor(np.asarray(a)), torch.as_tensor(b)), n)
                       for n, a, b in pairs), reverse=True)
        print(f"{case} max_rel_diff {rels[0][0]:.3e} tensors {len(rels)}")
        for r, n in rels[:10]:
            print(f"  {r:.3e} {n}", file=sys.stderr)


# ---- timing mode (--bench): the work of bench_nb201 --space nb101 ---------------------------------
def arch_string(matrix, ops):
    return "%s|%s" % (".".join("".join(str(int(v)) for v in row) for row in matrix),
                      "+".join(OPS[o] for o in ops))


def bench_space():
    import bench_support

    class Nb101(bench_support.ImageSpace):
        name = "nb101"

        def notes(self, a):
            return ["the released cell (space/nb101/network.py:82-86): every vertex runs its input "
                    "projection on every forward and drops it when the vertex does not take the "
                    "cell input, also in evaluation; wsnas runs those dropped projections only in "
                    "training mode and BN calibration, without autograd (every vertex runs on both "
                    "sides)"]

        def build(self, a):
            return Nb101Network(a.channels or DEFAULT_CHANNELS, a.n or DEFAULT_CELLS, a.classes)

        def parse(self, text):
            return parse_arch(text)

        def sample(self, rng, net):
            # Uniform over the cells this supernet runs (NAS-Bench-1Shot1's): vertex t takes
            # exactly NUM_PARENTS[t] distinct earlier vertices as inputs (the output vertex's
            # concatenation must give the cell's width; it never takes the cell input, :76-80),
            # ops uniform.
            m = np.zeros((7, 7), dtype=bool)
            for t in range(1, 7):
                for j in rng.sample(range(1 if t == 6 else 0, t), NUM_PARENTS[t]):
                    m[j, t] = True
            return m, [rng.randrange(len(OPS)) for _ in range(5)]

        def to_string(self, arch):
            return arch_string(*arch)

        def train_forward(self, net, x, arch):
            return net(x, *arch), None

        def stem(self, net, x):
            return net.stem_conv(x)

        def body(self, net, h, arch):
            matrix, ops = arch
            for layer in net.features:
                h = layer(h, matrix, ops) if isinstance(layer, OneShotCell) else layer(h)
            return net.classifier(F.adaptive_avg_pool2d(h, 1).view(h.size(0), -1))

    return Nb101()


if __name__ == "__main__":
    if "--bench" in sys.argv[1:]:
        import bench_support
        sys.exit(bench_support.run_image(bench_space(), bench_support.bench_argv(sys.argv),
                                         "nb101_supernet_reference"))
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

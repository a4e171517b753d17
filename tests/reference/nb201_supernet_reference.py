#!/usr/bin/python3
"""Independent plain-PyTorch reference of the paper's NAS-Bench-201 supernet.

Written from the released code (github.com/matluster/anonymous-2102 @3825f00), not from wsnas's
C++; only the tensor names of the HDF5 dump were used, to write the name mapping:
  space/nb201/network.py  Cell (4 nodes, node i = sum over j < i of edge j->i), Nb201Network
                          (3x3 conv + BN stem, N cells, ResNet reduction block, N cells,
                          reduction block, N cells, BN + ReLU, global average pool, linear)
  space/nb201/ops.py      OPS / PRIMITIVES, ReLUConvBN, Pooling, Zero, ResNetBasicblock
  space/nb201/mutator.py  a LayerChoice runs only the chosen candidate; the key "j_i" is shared
                          by every cell, so one architecture drives all cells
  configs/nb201.py        defaults: C = 16, N = 5, BN affine, momentum 0.1, running stats
  trainers/nb201.py       training step (CrossEntropyLoss on the logits)
  trainers/utils.py       set_running_statistics (BN calibration) and AverageMeter
NNI's LayerChoice is replaced by a ModuleList of all candidates and a forward that takes the
architecture as a dict {"j_i": index into PRIMITIVES}, as the mutator builds it.
The released Cell computes every node, even one whose only consumers are "none" edges (Zero
multiplies it by 0, ops.py:80): its BNs run, so their running statistics move in training and
are recalibrated by set_running_statistics; its parameters get zero (not None) gradients.
The state_dicts correspond one to one (map_name); neither supernet has extra tensors.

Usage: /usr/bin/python3 tests/reference/nb201_supernet_reference.py FILE.h5
FILE.h5 is written by tests/test_supernet_reference.cpp. Prints one line per architecture,
"archK max_rel_diff R tensors T", on stdout and the 10 worst tensors on stderr.

Timing mode (scripts/bench-compare.sh --space nb201; bench_support.py):
  /usr/bin/python3 tests/reference/nb201_supernet_reference.py --bench [bench_nb201's options]
builds this supernet with PyTorch's default initialisation, in float32, and times the work of
`bench_nb201 --space nb201` with the same options, printing the same lines.
"""
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from released_bn import rel_diff, set_running_statistics

REPO = "github.com/matluster/anonymous-2102 @3825f00"

# REPO space/nb201/ops.py:14
PRIMITIVES = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


class ReLUConvBN(nn.Module):  # REPO space/nb201/ops.py:17-29
    def __init__(self, c_in, c_out, kernel_size, stride, padding, dilation, momentum):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=padding,
                      dilation=dilation, bias=False),
            nn.BatchNorm2d(c_out, affine=True, momentum=momentum, track_running_stats=True))

    def forward(self, x):
        return self.op(x)


class Pooling(nn.Module):  # REPO space/nb201/ops.py:48-66 (avg mode; preprocess only if C changes)
    def __init__(self, c_in, c_out, stride, momentum):
        super().__init__()
        self.preprocess = None if c_in == c_out else \
            ReLUConvBN(c_in, c_out, 1, 1, 0, 1, momentum)
        self.op = nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x):
        if self.preprocess:
            x = self.preprocess(x)
        return self.op(x)


class Zero(nn.Module):  # REPO space/nb201/ops.py:69-87: x * 0, kept in the graph
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.c_in, self.c_out, self.stride = c_in, c_out, stride

    def forward(self, x):
        if self.c_in == self.c_out:
            if self.stride == 1:
                return x.mul(0.)
            return x[:, :, ::self.stride, ::self.stride].mul(0.)
        shape = list(x.shape)
        shape[1] = self.c_out
        return x.new_zeros(shape, dtype=x.dtype, device=x.device)


def make_op(name, c_in, c_out, stride, momentum):  # REPO space/nb201/ops.py:5-12
    if name == "none":
        return Zero(c_in, c_out, stride)
    if name == "avg_pool_3x3":
        return Pooling(c_in, c_out, stride, momentum)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c_in, c_out, 3, stride, 1, 1, momentum)
    if name == "nor_conv_1x1":
        return ReLUConvBN(c_in, c_out, 1, stride, 0, 1, momentum)
    if name == "skip_connect":
        # FactorizedReduce (ops.py:90-113) is never built: cells have stride 1 and C_in == C_out
        assert stride == 1 and c_in == c_out
        return nn.Identity()
    raise ValueError(name)


class LayerChoice(nn.Module):
    """Stand-in for NNI's LayerChoice: all candidates, runs the chosen one
    (REPO space/nb201/mutator.py:86-87)."""

    def __init__(self, candidates):
        super().__init__()
        self.choices = nn.ModuleList(candidates)

    def forward(self, x, index):
        return self.choices[index](x)


class Cell(nn.Module):  # REPO space/nb201/network.py:9-33
    NUM_NODES = 4

    def __init__(self, c_in, c_out, stride, momentum):
        super().__init__()
        self.layers = nn.ModuleList()
        for i in range(self.NUM_NODES):
            node_ops = nn.ModuleList()
            for j in range(i):
                node_ops.append(LayerChoice([make_op(op, c_in, c_out, stride if j == 0 else 1,
                                                     momentum) for op in PRIMITIVES]))
            self.layers.append(node_ops)

    def forward(self, inputs, arch):
        nodes = [inputs]
        for i in range(1, self.NUM_NODES):  # LayerChoice key f"{j}_{i}" (network.py:21)
            nodes.append(sum(self.layers[i][k](nodes[k], arch[f"{k}_{i}"]) for k in range(i)))
        return nodes[-1]


class ResNetBasicblock(nn.Module):  # REPO space/nb201/ops.py:116-142 (stride 2 only here)
    def __init__(self, inplanes, planes, stride, momentum):
        super().__init__()
        assert stride == 2
        self.conv_a = ReLUConvBN(inplanes, planes, 3, stride, 1, 1, momentum)
        self.conv_b = ReLUConvBN(planes, planes, 3, 1, 1, 1, momentum)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(inplanes, planes, kernel_size=1, stride=1, padding=0, bias=False))

    def forward(self, inputs, arch=None):
        basicblock = self.conv_b(self.conv_a(inputs))
        return self.downsample(inputs) + basicblock


class Nb201Network(nn.Module):  # REPO space/nb201/network.py:36-82
    def __init__(self, C=16, N=5, num_labels=10, momentum=0.1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, C, kernel_size=3, padding=1, bias=False),
                                  nn.BatchNorm2d(C, momentum=momentum))
        layer_channels = [C] * N + [C * 2] + [C * 2] * N + [C * 4] + [C * 4] * N
        layer_reductions = [False] * N + [True] + [False] * N + [True] + [False] * N
        c_prev = C
        self.cells = nn.ModuleList()
        for c_curr, reduction in zip(layer_channels, layer_reductions):
            if reduction:
                self.cells.append(ResNetBasicblock(c_prev, c_curr, 2, momentum))
            else:
                self.cells.append(Cell(c_prev, c_curr, 1, momentum))
            c_prev = c_curr
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev, momentum=momentum),
                                     nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_labels)

    def forward(self, inputs, arch):
        feature = self.stem(inputs)
        for cell in self.cells:
            feature = cell(feature, arch)
        out = self.global_pooling(self.lastact(feature))
        return self.classifier(out.view(out.size(0), -1))


def parse_arch(s):
    """NAS-Bench-201 string -> {"j_i": op index}: node i's input from node j; the same encoding
    as nas_201_api str2matrix(...).T in REPO tools/convert_nb201_benchmark.py:29-30."""
    arch = {}
    for i, node in enumerate(s.split("+"), start=1):
        for edge in filter(None, node.split("|")):
            op, j = edge.split("~")
            arch[f"{j}_{i}"] = PRIMITIVES.index(op)
    return arch


def map_name(ours, N):
    """Our LibTorch name -> reference state_dict name."""
    m = re.fullmatch(r"cell(\d)_(\d+)\.edge_(\d)_(\d)_(\w+?)\.(conv|bn)\.(\w+)", ours)
    if m:
        s, k, i, j, op, kind, leaf = m.groups()
        cell = int(s) * (N + 1) + int(k)
        sub = "1" if kind == "conv" else "2"
        return f"cells.{cell}.layers.{i}.{j}.choices.{PRIMITIVES.index(op)}.op.{sub}.{leaf}"
    m = re.fullmatch(r"reduce(\d)\.(conv_a|conv_b)\.(conv|bn)\.(\w+)", ours)
    if m:
        r, conv, kind, leaf = m.groups()
        return f"cells.{int(r) * (N + 1) - 1}.{conv}.op.{'1' if kind == 'conv' else '2'}.{leaf}"
    m = re.fullmatch(r"reduce(\d)\.downsample\.weight", ours)
    if m:
        return f"cells.{int(m.group(1)) * (N + 1) - 1}.downsample.1.weight"
    if ours.startswith("lastact_bn."):
        return "lastact.0." + ours[len("lastact_bn."):]
    if ours.startswith(("stem.", "classifier.")):
        return ours
    raise KeyError(ours)


def main():
    import h5py  # the test mode only
    torch.set_default_dtype(torch.float64)
    f = h5py.File(sys.argv[1], "r")
    at = f.attrs
    C = int(at["channels"]) or 16  # defaults: REPO configs/nb201.py:8-9
    N = int(at["cells"]) or 5
    classes = int(at["classes"]) or 10
    assert float(at["aux_weight"]) == 0.0
    model = Nb201Network(C, N, classes, momentum=0.1)  # bn_momentum: configs/nb201.py:17
    ref_sd = model.state_dict()
    ours = {k: torch.from_numpy(f["model"][k][()]) for k in f["model"]}
    to_ref = {k: map_name(k, N) for k in ours}
    to_ours = {v: k for k, v in to_ref.items()}
    assert len(to_ours) == len(to_ref), "mapping is not injective"
    assert set(to_ours) == set(ref_sd), (set(ref_sd) ^ set(to_ours))
    init = {r: ours[o].reshape(ref_sd[r].shape).to(ref_sd[r].dtype) for r, o in to_ours.items()}
    params = dict(model.named_parameters())
    x, y = torch.from_numpy(f["x"][()]), torch.from_numpy(f["y"][()])
    calib = [torch.from_numpy(f["calib0"][()]), torch.from_numpy(f["calib1"][()])]

    for group in sorted(k for k in f if re.fullmatch(r"arch\d+", k)):
        g = f[group]
        arch = parse_arch(g.attrs["arch"])
        model.load_state_dict(init, strict=True)
        model.zero_grad(set_to_none=True)
        results = []

        def cmp(name, a, b):
            results.append((rel_diff(torch.as_tensor(a), b.detach()), name))

        model.train()
        out = model(x, arch)
        loss = F.cross_entropy(out, y)  # nn.CrossEntropyLoss, REPO trainers/nb201.py:39,127
        loss.backward()
        cmp("train_out", g["train_out"][()], out)
        cmp("loss", g["loss"][()], loss.reshape(1))
        for o in set(g["grad"]) - set(to_ref):
            raise KeyError(f"{group}: gradient of unknown tensor {o}")
        for r, p in params.items():
            o = to_ours[r]
            grad = p.grad if p.grad is not None else torch.zeros_like(p)
            ours_grad = g["grad"][o][()] if o in g["grad"] else torch.zeros_like(p)
            cmp("grad/" + o, ours_grad, grad)
        buffers = dict(model.named_buffers())
        for r, b in buffers.items():
            cmp("after_train/" + to_ours[r], g["after_train"][to_ours[r]][()], b)

        set_running_statistics(model, calib, lambda x: model(x, arch))
        for r, b in buffers.items():
            cmp("calibrated/" + to_ours[r], g["calibrated"][to_ours[r]][()], b)
        model.eval()
        with torch.no_grad():
            cmp("eval_out", g["eval_out"][()], model(x, arch))

        results.sort(reverse=True)
        print(f"{group} max_rel_diff {results[0][0]:.3e} tensors {len(results)}")
        print(f"{group} {g.attrs['arch']} worst:", file=sys.stderr)
        for rel, name in results[:10]:
            print(f"  {rel:.3e} {name}", file=sys.stderr)


# ---- timing mode (--bench): the work of bench_nb201 --space nb201 ---------------------------------
def arch_string(arch):
    """{"j_i": op} -> the NAS-Bench-201 string (parse_arch's inverse)."""
    return "|" + "|+|".join("|".join("%s~%d" % (PRIMITIVES[arch["%d_%d" % (j, i)]], j) for j in range(i))
                            for i in range(1, Cell.NUM_NODES)) + "|"


def output_reachable(arch):
    """The cell input reaches node 3 through edges that are not `none`."""
    live = {0}
    for i in range(1, Cell.NUM_NODES):
        if any(j in live and arch["%d_%d" % (j, i)] != 0 for j in range(i)):
            live.add(i)
    return Cell.NUM_NODES - 1 in live


def bench_space():
    import bench_support

    class Nb201(bench_support.ImageSpace):
        name = "nb201"

        def notes(self, a):
            return ["the released cell (space/nb201/network.py): every edge runs in evaluation too "
                    "(`none` computes x * 0, nodes that cannot reach the output are computed); wsnas "
                    "skips both in evaluation mode (same outputs) and runs every edge in training, as "
                    "released"]

        def build(self, a):
            return Nb201Network(a.channels or 16, a.n or 5, a.classes, momentum=0.1)

        def parse(self, text):
            return parse_arch(text)

        def sample(self, rng, net):
            while True:  # uniform over the cells whose output the input reaches
                arch = {"%d_%d" % (j, i): rng.randrange(len(PRIMITIVES))
                        for i in range(1, Cell.NUM_NODES) for j in range(i)}
                if output_reachable(arch):
                    return arch

        def to_string(self, arch):
            return arch_string(arch)

        def train_forward(self, net, x, arch):
            return net(x, arch), None

        def stem(self, net, x):
            return net.stem(x)

        def body(self, net, h, arch):
            for cell in net.cells:
                h = cell(h, arch)
            out = net.global_pooling(net.lastact(h))
            return net.classifier(out.view(out.size(0), -1))

    return Nb201()


if __name__ == "__main__":
    if "--bench" in sys.argv[1:]:
        import bench_support
        sys.exit(bench_support.run_image(bench_space(), bench_support.bench_argv(sys.argv),
                                         "nb201_supernet_reference"))
    main()

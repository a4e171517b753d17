#!/usr/bin/python3
"""Independent reference of wsnas's DARTS-CIFAR10 supernet, in plain PyTorch (Debian's python3).

The supernet is the paper's ENAS-style DARTS supernet, written from its released code
(github.com/matluster/anonymous-2102 @3825f00): space/darts/network.py (DartsNetwork, Cell, Node,
LayerWithInputChoice, AuxiliaryHead, the classifier's AvgPool2d(7)), space/darts/ops.py (the
operators, DynamicConv2d taking its stride at call time), space/darts/mutator.py:70-74 (a slot runs
its chosen op on its chosen input with stride 2 iff the cell reduces and the input is 0 or 1),
configs/darts.py:10-13 (defaults: 10 labels, 36 channels, aux_weight 0.4, 20 layers),
trainers/darts_cifar.py:53-54 with trainers/utils.py:232-245 (loss = CE + aux_weight * CE_aux) and
trainers/utils.py:324-373 (BN calibration, set_running_statistics). NNI's mutable/mutator is
replaced by a plain module holding all 7 candidates (nn.ModuleDict) and a forward taking the fixed
architecture, a DARTS Genotype(...) string. Drop-path (DropPath_, prob 0 in the dump) is omitted.
Every tensor of ours maps to one released tensor (map_name); the released supernet alone has the
skip_connect FactorizedReduce of every normal-cell slot (7 tensors per slot, never reachable: see
unreachable_in_released), which is left at its initial values and checked to get no gradient.

Usage: darts_supernet_reference.py FILE.h5   (FILE written by tests/test_supernet_reference.cpp)
Prints one line per /archN group: "archN max_rel_diff <rel> tensors <n>"; the 10 worst tensors go
to stderr.

Timing mode (scripts/bench-compare.sh --space darts; bench_support.py):
  /usr/bin/python3 tests/reference/darts_supernet_reference.py --bench [bench_nb201's options]
builds this supernet with PyTorch's default initialisation, in float32, and times the work of
`bench_nb201 --space darts` with the same options, printing the same lines. There drop-path is
the released DropPath_ (ops.py:128-139: on every slot's output but the stride-1 skip_connect, in
training mode) and --aux-weight 0 leaves the auxiliary head out (wsnas does not build it).
"""
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from released_bn import rel_diff, set_running_statistics

REPO = "github.com/matluster/anonymous-2102 @3825f00"
PRIMITIVES = ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
              "dil_conv_3x3", "dil_conv_5x5"]  # space/darts/network.py:11-19


# ---- operators: space/darts/ops.py ----------------------------------------------------------
class DynamicConv2d(nn.Conv2d):  # ops.py:18-21
    def forward(self, x, stride):
        return F.conv2d(x, self.weight, self.bias, stride, self.padding, self.dilation,
                        self.groups)


class DynamicStrideModule(nn.Module):  # ops.py:24-36 (the stride goes to op[1] only)
    def forward(self, x, stride):
        for i in range(len(self.op)):
            x = self.op[i](x, stride) if i == 1 else self.op[i](x)
        return x


class FactorizedReduce(nn.Module):  # ops.py:39-52
    def __init__(self, c_in, c_out):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


class Pool(nn.Module):  # ops.py:55-72 (no BN)
    def __init__(self, pool_type):
        super().__init__()
        self.pool_type = pool_type

    def forward(self, x, stride):
        if self.pool_type == "max":
            return F.max_pool2d(x, 3, stride, 1)
        return F.avg_pool2d(x, 3, stride, 1, count_include_pad=False)


class DilConv(DynamicStrideModule):  # ops.py:88-96
    def __init__(self, c, k, padding, dilation):
        super().__init__()
        self.op = nn.ModuleList([
            nn.ReLU(),
            DynamicConv2d(c, c, k, 1, padding, dilation=dilation, groups=c, bias=False),
            nn.Conv2d(c, c, 1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(c)])


class SepConv(DynamicStrideModule):  # ops.py:99-111
    def __init__(self, c, k, padding):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            DynamicConv2d(c, c, k, stride=1, padding=padding, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, k, stride=1, padding=padding, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c))


class SkipConnection(FactorizedReduce):  # ops.py:114-123: identity at stride 1
    def forward(self, x, stride):
        return super().forward(x) if stride > 1 else x


OPS = {  # ops.py:6-15
    "avg_pool_3x3": lambda c: Pool("avg"),
    "max_pool_3x3": lambda c: Pool("max"),
    "skip_connect": lambda c: SkipConnection(c, c),
    "sep_conv_3x3": lambda c: SepConv(c, 3, 1),
    "sep_conv_5x5": lambda c: SepConv(c, 5, 2),
    "dil_conv_3x3": lambda c: DilConv(c, 3, 2, 2),
    "dil_conv_5x5": lambda c: DilConv(c, 5, 4, 2),
}


class ReLUConvBN(nn.Module):  # ops.py:142-152
    def __init__(self, c_in, c_out):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, 1, bias=False),
                                nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.op(x)


# ---- network: space/darts/network.py -----------------------------------------------------------
class AuxiliaryHead(nn.Module):  # network.py:24-56, CIFAR branch (input 8x8)
    def __init__(self, c, num_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),  # in place on the cell output, as released (harmless: the
            # next cells see it only through their preprocess ReLU)
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True))
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


class LayerWithInputChoice(nn.Module):  # network.py:59-70 + mutator.py:70-74
    drop_prob = 0.0  # the timing mode's drop-path (DropPath_, ops.py:128-139); 0 in the test

    def __init__(self, channels, n_inputs, reduction_indices):
        super().__init__()
        self.strides = [2 if i in reduction_indices else 1 for i in range(n_inputs)]
        self.choices = nn.ModuleDict({name: OPS[name](channels) for name in PRIMITIVES})

    def forward(self, inputs, choice):
        op, inp = choice
        out = self.choices[op](inputs[inp], self.strides[inp])
        # DropPath_ closes Pool, DilConv, SepConv (ops.py:36, 72) and the strided SkipConnection
        # (:122); the stride-1 skip_connect returns x untouched (:123).
        if self.training and self.drop_prob > 0 and not (op == "skip_connect" and
                                                         self.strides[inp] == 1):
            keep = 1.0 - self.drop_prob
            mask = torch.empty(out.size(0), 1, 1, 1, dtype=out.dtype, device=out.device)
            out = out.div(keep).mul(mask.bernoulli_(keep))
        return out


class Node(nn.Module):  # network.py:73-82
    def __init__(self, c, n_prev_nodes, reduction_indices):
        super().__init__()
        self.op0 = LayerWithInputChoice(c, n_prev_nodes, reduction_indices)
        self.op1 = LayerWithInputChoice(c, n_prev_nodes, reduction_indices)

    def forward(self, inputs, choices):
        return self.op0(inputs, choices[0]) + self.op1(inputs, choices[1])


class Cell(nn.Module):  # network.py:85-110
    def __init__(self, c_pp, c_p, c, reduction, reduction_prev):
        super().__init__()
        self.cell_type = "reduce" if reduction else "normal"
        self.preprocess0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c)
        self.preprocess1 = ReLUConvBN(c_p, c)
        self.nodes = nn.ModuleList(Node(c, i, [0, 1] if reduction else []) for i in range(2, 6))

    def forward(self, s0, s1, genotype):
        pairs = genotype[self.cell_type]
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for j, node in enumerate(self.nodes):
            states.append(node(states, pairs[2 * j:2 * j + 2]))
        return torch.cat(states[2:], dim=1)  # all 4 intermediate nodes


class DartsNetwork(nn.Module):  # network.py:113-177, CIFAR branch
    run_auxiliary = True  # released: in every training-mode forward; the timing mode may clear it

    def __init__(self, c, layers, num_labels):
        super().__init__()
        self._layers = layers
        self.stem = nn.Sequential(nn.Conv2d(3, 3 * c, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(3 * c))
        c_pp, c_p, c_cur = 3 * c, 3 * c, c
        reduction_prev = False
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in [layers // 3, 2 * layers // 3]
            if reduction:
                c_cur *= 2
            self.cells.append(Cell(c_pp, c_p, c_cur, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, 4 * c_cur
            if i == 2 * layers // 3:
                c_aux = c_p
        self.auxiliary_head = AuxiliaryHead(c_aux, num_labels)
        self.global_pooling = nn.AvgPool2d(7)  # network.py:158
        self.classifier = nn.Linear(c_p, num_labels)

    def forward(self, x, genotype):
        s0 = s1 = self.stem(x)
        logits_aux = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, genotype)
            if i == 2 * self._layers // 3 and self.training and self.run_auxiliary:
                logits_aux = self.auxiliary_head(s1)
        out = self.global_pooling(s1)
        logits = self.classifier(out.view(out.size(0), -1))
        return (logits, logits_aux) if self.training else logits


def parse_genotype(text):
    """Genotype(normal=[(op, input) x 8], ..., reduce=[...]) -> {"normal": pairs, "reduce": ...};
    pairs 2k, 2k+1 are slots op0, op1 of node k + 2."""
    out = {}
    for kind in ("normal", "reduce"):
        body = re.search(kind + r"=\[(.*?)\]", text).group(1)
        out[kind] = [(op, int(i)) for op, i in re.findall(r"\('(\w+)',\s*(\d+)\)", body)]
        assert len(out[kind]) == 8 and all(op in PRIMITIVES for op, _ in out[kind]), text
    return out


# ---- name mapping: ours (LibTorch names in the dump) -> reference ------------------------------
SUB = {"sep_conv": {"dw1": "op.1", "pw1": "op.2", "bn1": "op.3", "dw2": "op.5", "pw2": "op.6",
                    "bn2": "op.7"},
       "dil_conv": {"dw": "op.1", "pw": "op.2", "bn": "op.3"},
       "skip_connect": {"conv1": "conv_1", "conv2": "conv_2", "bn": "bn"},
       "preprocess": {"conv": "op.1", "bn": "op.2"},  # ReLUConvBN; FactorizedReduce: below
       "auxiliary": {"conv1": "features.2", "bn1": "features.3", "conv2": "features.5",
                     "bn2": "features.6", "classifier": "classifier"}}


def map_name(ours, group):
    m = re.fullmatch(r"cell(\d+)\.node(\d)_slot(\d)\.(\w+)\.(\w+)\.(\w+)", ours)
    if m:
        cell, node, slot, op, mod, leaf = m.groups()
        sub = SUB[op[:8] if op.startswith(("sep_conv", "dil_conv")) else op][mod]
        return "cells.%s.nodes.%d.op%s.choices.%s.%s.%s" % (cell, int(node) - 2, slot, op, sub,
                                                           leaf)
    m = re.fullmatch(r"cell(\d+)\.(preprocess\d)\.(\w+)\.(\w+)", ours)
    if m:
        factorized = "cell%s.%s.conv1.weight" % (m[1], m[2]) in group
        sub = SUB["skip_connect" if factorized else "preprocess"][m[3]]
        return "cells.%s.%s.%s.%s" % (m[1], m[2], sub, m[4])
    m = re.fullmatch(r"auxiliary\.(\w+)\.(\w+)", ours)
    if m:
        return "auxiliary_head.%s.%s" % (SUB["auxiliary"][m[1]], m[2])
    m = re.fullmatch(r"stem_(conv|bn)\.(\w+)", ours)
    if m:
        return "stem.%d.%s" % (0 if m[1] == "conv" else 1, m[2])
    assert ours.startswith("classifier."), ours
    return ours


def unreachable_in_released(net, ref_name):
    """Tensors the released supernet creates but no forward can touch, which ours does not have:
    the SkipConnection (a FactorizedReduce, ops.py:114-117, built for every slot by
    network.py:66-67) of normal cells, where every stride is 1 (network.py:65, 102) so it is the
    identity (ops.py:120-123)."""
    m = re.fullmatch(r"cells\.(\d+)\.nodes\.\d\.op\d\.choices\.skip_connect\..*", ref_name)
    return m is not None and net.cells[int(m[1])].cell_type == "normal"


def load(net, model_group):
    own = net.state_dict()
    state, seen = {}, set()
    for ours in model_group:
        ref = map_name(ours, model_group)
        assert ref in own and ref not in seen, (ours, ref)
        seen.add(ref)
        state[ref] = torch.from_numpy(model_group[ours][()]).reshape(own[ref].shape)
    missing = [k for k in own if k not in state]
    assert all(unreachable_in_released(net, k) for k in missing), missing
    for k in missing:  # keep their initial values: never read
        state[k] = own[k]
    net.load_state_dict(state, strict=True)


def run_case(f, case, attrs):
    g = f[case]
    genotype = parse_genotype(g.attrs["arch"])
    net = DartsNetwork(int(attrs["channels"]) or 36, int(attrs["cells"]) or 20,
                       int(attrs["classes"]) or 10)
    load(net, f["model"])
    ref_of = {ours: map_name(ours, f["model"]) for ours in f["model"]}
    params = dict(net.named_parameters())
    buffers = dict(net.named_buffers())
    x, y = torch.from_numpy(f["x"][()]), torch.from_numpy(f["y"][()])
    results = []

    def cmp(label, ours, ref):
        results.append((rel_diff(torch.as_tensor(ours), ref.detach()), label))

    net.train()
    logits, logits_aux = net(x, genotype)
    loss = F.cross_entropy(logits, y)  # + aux_weight * CE(aux): trainers/utils.py:241-244
    if float(attrs["aux_weight"]) > 0:
        loss = loss + float(attrs["aux_weight"]) * F.cross_entropy(logits_aux, y)
    loss.backward()
    cmp("train_out", g["train_out"][()], logits)
    if "train_aux" in g:
        cmp("train_aux", g["train_aux"][()], logits_aux)
    cmp("loss", g["loss"][()], loss.reshape(1))
    for ours, ref in ref_of.items():
        if ref not in params:
            continue
        grad = params[ref].grad
        grad = torch.zeros_like(params[ref]) if grad is None else grad
        mine = g["grad"][ours][()] if ours in g["grad"] else torch.zeros_like(grad)
        cmp("grad/" + ours, mine, grad)
    assert all(p.grad is None for k, p in params.items() if unreachable_in_released(net, k))
    for ours, ref in ref_of.items():
        if ref in buffers:
            cmp("after_train/" + ours, g["after_train"][ours][()], buffers[ref])

    set_running_statistics(net, [torch.from_numpy(f["calib0"][()]),
                                 torch.from_numpy(f["calib1"][()])],
                           lambda x: net(x, genotype))
    for ours, ref in ref_of.items():
        # The released calibration also runs the auxiliary head (train mode, network.py:169-171),
        # ours computes it only when gradients are enabled; the head is not used in evaluation,
        # so its buffers are left out of the calibrated/* comparison.
        if ref in buffers and not ours.startswith("auxiliary."):
            cmp("calibrated/" + ours, g["calibrated"][ours][()], buffers[ref])
    net.eval()
    with torch.no_grad():
        cmp("eval_out", g["eval_out"][()], net(x, genotype))
    return results


def main():
    import h5py  # the test mode only
    torch.set_default_dtype(torch.float64)
    with h5py.File(sys.argv[1], "r") as f:
        attrs = dict(f.attrs)
        assert attrs["space"] in ("darts", b"darts") and int(attrs["input_size"]) in (0, 32)
        for case in sorted(k for k in f if re.fullmatch(r"arch\d+", k)):
            results = run_case(f, case, attrs)
            print("%s max_rel_diff %.3e tensors %d" % (case, max(r for r, _ in results),
                                                        len(results)))
            for r, label in sorted(results, reverse=True)[:10]:
                print("  %s %-70s %.3e" % (case, label, r), file=sys.stderr)


# ---- timing mode (--bench): the work of bench_nb201 --space darts ---------------------------------
def genotype_string(genotype):
    def pairs(kind):
        return "[" + ", ".join("('%s', %d)" % p for p in genotype[kind]) + "]"
    return ("Genotype(normal=%s, normal_concat=[2, 3, 4, 5], reduce=%s, reduce_concat=[2, 3, 4, 5])"
            % (pairs("normal"), pairs("reduce")))


def bench_space():
    import bench_support

    class Darts(bench_support.ImageSpace):
        name = "darts"
        has_auxiliary = True
        has_drop_path = True

        def notes(self, a):
            out = ["the released supernet (space/darts/network.py): also holds a FactorizedReduce "
                   "skip_connect in every normal-cell slot, never run; global pooling AvgPool2d(7)"]
            if a.aux_weight > 0:
                out.append("auxiliary head: runs in every training-mode forward, BN calibration "
                           "included (released network.py:169-171); wsnas runs it only with gradients")
            if a.drop_path > 0:
                out.append("drop-path %g: the released DropPath_ (a torch.empty(N,1,1,1).bernoulli_ "
                           "mask per slot, also in BN calibration, which runs in training mode; wsnas "
                           "the same)" % a.drop_path)
            return out

        def build(self, a):
            if a.input_size != 32:  # wsnas pools the top-left 7x7 window of any size
                sys.exit("--input-size %d: the released CIFAR supernet's AvgPool2d(7) and "
                         "auxiliary head take 32x32 images" % a.input_size)
            net = DartsNetwork(a.channels or 36, a.n or 20, a.classes)
            if not a.aux_weight > 0:
                net.auxiliary_head = None  # wsnas builds no head without --aux-weight
            return net

        def set_auxiliary(self, net, on):
            net.run_auxiliary = on

        def set_drop_path(self, net, prob):
            for m in net.modules():  # as the released DartsNetwork.drop_path_prob (:179-182)
                if isinstance(m, LayerWithInputChoice):
                    m.drop_prob = prob

        def parse(self, text):
            return parse_genotype(text)

        def sample(self, rng, net):
            return {kind: [(PRIMITIVES[rng.randrange(len(PRIMITIVES))], rng.randrange(node))
                           for node in range(2, 6) for _ in range(2)]
                    for kind in ("normal", "reduce")}

        def to_string(self, arch):
            return genotype_string(arch)

        def train_forward(self, net, x, arch):
            return net(x, arch)

        def stem(self, net, x):
            return net.stem(x)

        def body(self, net, h, arch):
            s0 = s1 = h
            for i, cell in enumerate(net.cells):
                s0, s1 = s1, cell(s0, s1, arch)
                if i == 2 * net._layers // 3 and net.training and net.run_auxiliary:
                    net.auxiliary_head(s1)  # calibration: the released forward runs the head
            out = net.global_pooling(s1)
            return net.classifier(out.view(out.size(0), -1))

    return Darts()


if __name__ == "__main__":
    if "--bench" in sys.argv[1:]:
        import bench_support
        sys.exit(bench_support.run_image(bench_space(), bench_support.bench_argv(sys.argv),
                                         "darts_supernet_reference"))
    main()

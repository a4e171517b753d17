"""Independent plain-PyTorch reference of the released ProxylessNAS (GPU setting) supernet.

Written from the structure of the paper's released code,
github.com/matluster/anonymous-2102 @3825f00:
  space/proxyless/network.py   (ProxylessNASSuperNet, ProxylessNASNet.forward)
  space/proxyless/layers.py    (ConvLayer, IdentityLayer, LinearLayer, MBInvertedConvLayer,
                                ZeroLayer, MobileInvertedResidualBlock)
  space/proxyless/utils.py     (make_divisible, get_same_padding)
  space/proxyless/mutator.py   (LayerChoice keys stage%d_cell%d; one candidate runs per block)
  configs/proxyless.py         (defaults: width_mult 1.35, width/cell/stride stages, BN momentum
                                0.1, eps 1e-3, ops_order weight_bn_act, dropout 0, 1000 labels)
  trainers/utils.py:324-373    (set_running_statistics, the BN calibration)
NNI's LayerChoice is replaced by a ModuleList of all candidates whose `chosen` index is set from
a fixed architecture (NNI's Mutator with a one-hot bool mask runs only the chosen candidate and
returns its output unchanged).

It loads the weights dumped by tests/test_supernet_reference.cpp, replays every arch group
(training forward + backward, BN buffers, calibration, eval forward) and prints one line per
group: `archN max_rel_diff <rel> tensors <count>` (stdout); the 10 worst tensors go to stderr.

Usage: /usr/bin/python3 tests/reference/proxyless_supernet_reference.py FILE.h5

Timing mode (scripts/bench-compare.sh --space proxyless; bench_support.py):
  /usr/bin/python3 tests/reference/proxyless_supernet_reference.py --bench [bench_nb201's options]
builds this supernet with PyTorch's default initialisation, in float32, and times the work of
`bench_nb201 --space proxyless` with the same options, printing the same lines.
"""
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

from released_bn import rel_diff, set_running_statistics

# space/proxyless/network.py:14-21; "Zero" is appended where allowed (network.py:133-135).
PRIMITIVES = ["3x3_MBConv3", "3x3_MBConv6", "5x5_MBConv3", "5x5_MBConv6",
              "7x7_MBConv3", "7x7_MBConv6"]
# configs/proxyless.py:10-21 (released defaults).
DEFAULTS = dict(width_mult=1.35, width_stages=[24, 40, 80, 96, 192, 320],
                n_cell_stages=[4, 4, 4, 4, 4, 1], stride_stages=[2, 2, 2, 1, 2, 1],
                bn_momentum=0.1, bn_epsilon=1e-3, num_labels=1000, dropout_rate=0.)


def make_divisible(v, divisor, min_val=None):
    """space/proxyless/utils.py:28-41."""
    if min_val is None:
        min_val = divisor
    new_v = max(min_val, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvLayer(nn.Module):
    """layers.py:22-127 with ops_order weight_bn_act, use_bn, relu6, no dropout/shuffle/bias."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.bn = nn.BatchNorm2d(out_channels)  # layers.py:40 (bn after weight)
        self.activation = nn.ReLU6(inplace=True)  # layers.py:47
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride,  # layers.py:120
                              padding=kernel_size // 2, bias=False)

    def forward(self, x):  # layers.py:72-87: weight, bn, act
        return self.activation(self.bn(self.conv(x)))


class IdentityLayer(nn.Module):
    """layers.py:253-259: no bn, no activation, weight_call is identity."""

    def forward(self, x):
        return x


class LinearLayer(nn.Module):
    """layers.py:273-344 with bias, no bn, no activation, dropout_rate 0."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, True)  # layers.py:314

    def forward(self, x):
        return self.linear(x)


class MBInvertedConvLayer(nn.Module):
    """layers.py:364-408."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, expand_ratio=6):
        super().__init__()
        if expand_ratio > 1:  # layers.py:376-385
            feature_dim = round(in_channels * expand_ratio)
            self.inverted_bottleneck = nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(in_channels, feature_dim, 1, 1, 0, bias=False)),
                ("bn", nn.BatchNorm2d(feature_dim)),
                ("relu", nn.ReLU6(inplace=True)),
            ]))
        else:
            feature_dim = in_channels
            self.inverted_bottleneck = None
        pad = kernel_size // 2  # layers.py:388-393
        self.depth_conv = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(feature_dim, feature_dim, kernel_size, stride, pad,
                               groups=feature_dim, bias=False)),
            ("bn", nn.BatchNorm2d(feature_dim)),
            ("relu", nn.ReLU6(inplace=True)),
        ]))
        self.point_linear = nn.Sequential(OrderedDict([  # layers.py:396-401 (no activation)
            ("conv", nn.Conv2d(feature_dim, out_channels, 1, 1, 0, bias=False)),
            ("bn", nn.BatchNorm2d(out_channels)),
        ]))

    def forward(self, x):  # layers.py:403-408
        if self.inverted_bottleneck:
            x = self.inverted_bottleneck(x)
        x = self.depth_conv(x)
        return self.point_linear(x)


class ZeroLayer(nn.Module):
    """layers.py:425-434: a fresh zero tensor, not connected to the autograd graph."""

    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        n, c, h, w = x.size()
        return torch.zeros((n, c, h // self.stride, w // self.stride), device=x.device)


class Choice(nn.ModuleList):
    """Stand-in for NNI's LayerChoice (network.py:140-143): runs only candidate `chosen`."""

    chosen = None

    def forward(self, x):
        return self[self.chosen](x)


class MobileInvertedResidualBlock(nn.Module):
    """layers.py:447-457."""

    def __init__(self, mobile_inverted_conv, shortcut):
        super().__init__()
        self.mobile_inverted_conv = mobile_inverted_conv
        self.shortcut = shortcut

    def forward(self, x):
        conv_x = self.mobile_inverted_conv(x)
        if self.shortcut is not None:
            return conv_x + self.shortcut(x)
        return conv_x


def layer_from_name(name, in_c, out_c, stride):
    """layers.py:496-524 (only the names the supernet uses)."""
    if name == "Zero":
        return ZeroLayer(stride)
    k, e = int(name[0]), int(name[-1])  # "KxK_MBConvE"
    return MBInvertedConvLayer(in_c, out_c, k, stride, e)


class ProxylessNASSuperNet(nn.Module):
    """network.py:108-157 (constructor) and network.py:33-42 (forward)."""

    def __init__(self, width_mult, num_labels):
        super().__init__()
        a = DEFAULTS
        input_width = make_divisible(32 * width_mult, 8)  # network.py:110
        first_cell_width = make_divisible(16 * width_mult, 8)  # network.py:111
        self.first_conv = ConvLayer(3, input_width, 3, stride=2)  # network.py:114-116
        blocks = [MobileInvertedResidualBlock(  # network.py:119-121: fixed MBConv1, no shortcut
            layer_from_name("3x3_MBConv1", input_width, first_cell_width, 1), None)]
        input_width = first_cell_width
        for k, (width, n_cell, s) in enumerate(zip(a["width_stages"], a["n_cell_stages"],
                                                   a["stride_stages"])):
            width = make_divisible(width * width_mult, 8)  # network.py:127
            for i in range(n_cell):
                stride = s if i == 0 else 1
                if stride == 1 and input_width == width:  # network.py:133-138
                    candidates, shortcut = PRIMITIVES + ["Zero"], IdentityLayer()
                else:
                    candidates, shortcut = PRIMITIVES, None
                conv_op = Choice([layer_from_name(c, input_width, width, stride)
                                  for c in candidates])
                blocks.append(MobileInvertedResidualBlock(conv_op, shortcut))
                input_width = width
        self.blocks = nn.ModuleList(blocks)
        # network.py:149: 1280 unless width_mult > 1
        last_width = make_divisible(1280 * width_mult, 8) if width_mult > 1 else 1280
        self.feature_mix_layer = ConvLayer(input_width, last_width, kernel_size=1)
        self.global_avg_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = LinearLayer(last_width, num_labels)  # network.py:153
        for m in self.modules():  # network.py:156, 66-71
            if isinstance(m, nn.BatchNorm2d):
                m.momentum, m.eps = a["bn_momentum"], a["bn_epsilon"]

    def set_arch(self, arch):
        ops = arch.split("|")
        assert len(ops) == len(self.blocks) - 1
        for block, op in zip(self.blocks[1:], ops):
            name = "Zero" if op == "zero" else op
            assert name in PRIMITIVES or (name == "Zero" and block.shortcut is not None), op
            block.mobile_inverted_conv.chosen = (PRIMITIVES + ["Zero"]).index(name)

    def forward(self, x):
        x = self.first_conv(x)
        for block in self.blocks:
            x = block(x)
        x = self.feature_mix_layer(x)
        x = self.global_avg_pooling(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


def ref_name(ours):
    """Our dumped tensor name -> reference state_dict name."""
    sub = {"expand": "inverted_bottleneck", "depthwise": "depth_conv", "project": "point_linear"}
    head, rest = ours.split(".", 1)
    if head == "first_conv":
        return ours
    if head == "feature_mix":
        return "feature_mix_layer." + rest
    if head == "classifier":
        return "classifier.linear." + rest
    part, rest = rest.split(".", 1)
    if head == "first_block":
        return "blocks.0.mobile_inverted_conv.%s.%s" % (sub[part], rest)
    assert head.startswith("block"), ours
    idx, op = head[len("block"):].split("_", 1)
    return "blocks.%d.mobile_inverted_conv.%d.%s.%s" % (
        int(idx) + 1, PRIMITIVES.index(op), sub[part], rest)


def main(path):
    import h5py  # the test mode only
    torch.set_default_dtype(torch.float64)
    f = h5py.File(path, "r")
    width_mult = float(f.attrs["width_mult"]) or DEFAULTS["width_mult"]
    classes = int(f.attrs["classes"]) or DEFAULTS["num_labels"]
    assert str(f.attrs["space"]) == "proxyless" and float(f.attrs["aux_weight"]) == 0
    model = ProxylessNASSuperNet(width_mult, classes)

    ours = {k: torch.from_numpy(f["model"][k][()]) for k in f["model"]}
    mapping = {k: ref_name(k) for k in ours}
    ref_sd = model.state_dict()
    assert len(set(mapping.values())) == len(mapping), "mapping is not injective"
    missing = set(ref_sd) - set(mapping.values())
    extra = set(mapping.values()) - set(ref_sd)
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])
    init_sd = {mapping[k]: v.reshape(ref_sd[mapping[k]].shape).to(ref_sd[mapping[k]].dtype)
               for k, v in ours.items()}
    inv = {v: k for k, v in mapping.items()}
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())

    x, y = torch.from_numpy(f["x"][()]), torch.from_numpy(f["y"][()]).long()
    calib = [torch.from_numpy(f["calib0"][()]), torch.from_numpy(f["calib1"][()])]

    for g in sorted(k for k in f if k.startswith("arch")):
        grp = f[g]
        res = []

        def cmp(tag, a, b):
            res.append((rel_diff(torch.from_numpy(a[()]) if not torch.is_tensor(a) else a, b),
                        tag))

        model.load_state_dict(init_sd, strict=True)
        model.zero_grad(set_to_none=True)
        model.set_arch(grp.attrs["arch"])
        model.train()
        out = model(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        cmp("train_out", grp["train_out"], out.detach())
        cmp("loss", grp["loss"], loss.detach().reshape(1))
        for ref, p in params.items():  # every gradient, both directions
            ref_g = p.grad if p.grad is not None else torch.zeros_like(p)
            if inv[ref] in grp["grad"]:
                cmp("grad/" + inv[ref], grp["grad"][inv[ref]], ref_g)
            else:
                cmp("grad/" + inv[ref] + " (ours: none)", torch.zeros_like(p), ref_g)
        assert all(k in mapping and mapping[k] in params for k in grp["grad"])
        for ref, b in buffers.items():
            cmp("after_train/" + inv[ref], grp["after_train"][inv[ref]], b.detach())

        set_running_statistics(model, calib, model)
        for ref, b in buffers.items():
            cmp("calibrated/" + inv[ref], grp["calibrated"][inv[ref]], b.detach())
        model.eval()
        with torch.no_grad():
            cmp("eval_out", grp["eval_out"], model(x))

        res.sort(key=lambda t: -t[0])
        print("%s max_rel_diff %.3e tensors %d" % (g, res[0][0], len(res)))
        for r, tag in res[:10]:
            print("  %s %.3e %s" % (g, r, tag), file=sys.stderr)
        train = [t for t in res if not t[1].startswith(("calibrated/", "eval_out"))]
        print("  %s training phase only: worst %.3e %s (%d tensors)"
              % (g, train[0][0], train[0][1], len(train)), file=sys.stderr)


# ---- timing mode (--bench): the work of bench_nb201 --space proxyless ----------------------------
def bench_space():
    import bench_support

    class Proxyless(bench_support.ImageSpace):
        name = "proxyless"
        has_width_mult = True
        has_channels = False

        def notes(self, a):
            return ["the released supernet (space/proxyless/network.py): a `zero` block runs "
                    "ZeroLayer (a fresh zero tensor) plus the identity shortcut; wsnas skips the "
                    "block (same output)"]

        def build(self, a):
            return ProxylessNASSuperNet(a.width_mult or DEFAULTS["width_mult"], a.classes)

        def parse(self, text):
            ops = text.split("|")
            assert len(ops) == 21, text
            return ops

        def sample(self, rng, net):
            return [rng.choice(PRIMITIVES + (["zero"] if block.shortcut is not None else []))
                    for block in net.blocks[1:]]

        def to_string(self, arch):
            return "|".join(arch)

        def train_forward(self, net, x, arch):
            net.set_arch("|".join(arch))
            return net(x), None

        def stem(self, net, x):  # wsnas's stem: the first conv and the fixed first block
            return net.blocks[0](net.first_conv(x))

        def body(self, net, h, arch):
            net.set_arch("|".join(arch))
            for block in net.blocks[1:]:
                h = block(h)
            h = net.global_avg_pooling(net.feature_mix_layer(h))
            return net.classifier(h.view(h.size(0), -1))

    return Proxyless()


if __name__ == "__main__":
    if "--bench" in sys.argv[1:]:
        import bench_support
        sys.exit(bench_support.run_image(bench_space(), bench_support.bench_argv(sys.argv),
                                         "proxyless_supernet_reference"))
    main(sys.argv[1])

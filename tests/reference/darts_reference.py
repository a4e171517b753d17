#!/usr/bin/python3
"""Independent reference of wsnas's DARTS-CIFAR10 networks, in PyTorch (Debian's python3-torch).

The network is DARTS' NetworkCIFAR for one genotype, written from DARTS' code (Liu et al., ICLR
2019; github.com/quark0/darts, cnn/model.py and cnn/operations.py): every operator built for its
fixed stride (stride 2 for the inputs 0 and 1 of a reduction cell), the auxiliary head
AuxiliaryHeadCIFAR, global average pooling. The supernet's path of a genotype is, by the paper's
weight sharing (its released code, github.com/matluster/anonymous-2102 @3825f00
space/darts/network.py:59-70, ENAS-style: one operator instance per (cell, node, slot), used at
whatever stride the input needs), this same network carrying the supernet's weights of the chosen
operators, with the released code's classifier pooling (AvgPool2d(7), space/darts/network.py:158).

Usage: darts_reference.py FILE.h5
FILE holds, per case under /<case>: attributes channels, layers, classes, pool7 (0/1); datasets
choices (the 32 decisions, wsnas's order), x (input), eval_out, and optionally train_out and
train_aux (training mode, no drop-path), and the network's tensors under /<case>/model.
Prints one line per case: "<case> max_abs_diff <d> tensors <n>".
"""
import sys

import h5py
import torch
import torch.nn as nn

OPS = ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
       "dil_conv_3x3", "dil_conv_5x5"]


def decision(cell, node, slot, op):  # wsnas's decision order (space/darts.h)
    return ((cell * 4 + (node - 2)) * 2 + slot) * 2 + (1 if op else 0)


class ReLUConvBN(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(torch.relu(x)))


class FactorizedReduce(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout // 2, 1, stride=2, bias=False)
        self.conv2 = nn.Conv2d(cin, cout // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = torch.relu(x)
        return self.bn(torch.cat([self.conv1(x), self.conv2(x[:, :, 1:, 1:])], dim=1))


class SepConv(nn.Module):
    def __init__(self, c, k, stride, pad):
        super().__init__()
        self.dw1 = nn.Conv2d(c, c, k, stride=stride, padding=pad, groups=c, bias=False)
        self.pw1 = nn.Conv2d(c, c, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.dw2 = nn.Conv2d(c, c, k, stride=1, padding=pad, groups=c, bias=False)
        self.pw2 = nn.Conv2d(c, c, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        x = self.bn1(self.pw1(self.dw1(torch.relu(x))))
        return self.bn2(self.pw2(self.dw2(torch.relu(x))))


class DilConv(nn.Module):
    def __init__(self, c, k, stride, pad, dilation):
        super().__init__()
        self.dw = nn.Conv2d(c, c, k, stride=stride, padding=pad, dilation=dilation, groups=c,
                            bias=False)
        self.pw = nn.Conv2d(c, c, 1, bias=False)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.pw(self.dw(torch.relu(x))))


def make_op(name, c, stride):  # DARTS' OPS table
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == "sep_conv_3x3":
        return SepConv(c, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(c, 5, stride, 2)
    if name == "dil_conv_3x3":
        return DilConv(c, 3, stride, 2, 2)
    if name == "dil_conv_5x5":
        return DilConv(c, 5, stride, 4, 2)
    raise ValueError(name)


class Slot(nn.Module):
    def __init__(self, name, c, stride):
        super().__init__()
        self.name = name
        self.add_module(name, make_op(name, c, stride))

    def forward(self, x):
        return getattr(self, self.name)(x)


class Cell(nn.Module):
    def __init__(self, choices, c_pp, c_p, c, reduction, reduction_prev):
        super().__init__()
        self.preprocess0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c)
        self.preprocess1 = ReLUConvBN(c_p, c)
        kind = 1 if reduction else 0
        self.inputs = []
        for node in range(2, 6):
            for slot in range(2):
                op = OPS[choices[decision(kind, node, slot, True)]]
                inp = choices[decision(kind, node, slot, False)]
                stride = 2 if reduction and inp < 2 else 1
                self.add_module("node%d_slot%d" % (node, slot), Slot(op, c, stride))
                self.inputs.append(inp)

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(2, 6):
            h = [getattr(self, "node%d_slot%d" % (node, s))(states[self.inputs[(node - 2) * 2 + s]])
                 for s in range(2)]
            states.append(h[0] + h[1])
        return torch.cat(states[2:], dim=1)


class AuxiliaryHeadCIFAR(nn.Module):
    def __init__(self, c, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 128, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(128)
        self.conv2 = nn.Conv2d(128, 768, 2, bias=False)
        self.bn2 = nn.BatchNorm2d(768)
        self.classifier = nn.Linear(768, classes)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.relu(x), 5, stride=3, padding=0,
                                     count_include_pad=False)
        x = torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))
        return self.classifier(x.view(x.size(0), -1))


class NetworkCIFAR(nn.Module):
    def __init__(self, choices, c, layers, classes, auxiliary, pool7):
        super().__init__()
        self.layers, self.pool7 = layers, pool7
        self.stem_conv = nn.Conv2d(3, 3 * c, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(3 * c)
        c_pp, c_p, cur = 3 * c, 3 * c, c
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                cur *= 2
            self.add_module("cell%d" % i, Cell(choices, c_pp, c_p, cur, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, 4 * cur
            if i == 2 * layers // 3 and auxiliary:
                self.auxiliary = AuxiliaryHeadCIFAR(c_p, classes)
        self.has_aux = auxiliary
        self.classifier = nn.Linear(c_p, classes)

    def forward(self, x):
        s0 = s1 = self.stem_bn(self.stem_conv(x))
        aux = None
        for i in range(self.layers):
            s0, s1 = s1, getattr(self, "cell%d" % i)(s0, s1)
            if i == 2 * self.layers // 3 and self.has_aux and self.training:
                aux = self.auxiliary(s1)
        pooled = nn.functional.avg_pool2d(s1, 7) if self.pool7 else s1.mean((2, 3), keepdim=True)
        return self.classifier(pooled.view(pooled.size(0), -1)), aux


def main():
    f = h5py.File(sys.argv[1], "r")
    for case in f:
        g = f[case]
        a = g.attrs
        choices = [int(v) for v in g["choices"][()]]
        net = NetworkCIFAR(choices, int(a["channels"]), int(a["layers"]), int(a["classes"]),
                           "train_aux" in g, bool(a["pool7"]))
        own = net.state_dict()
        # A supernet file holds more tensors (every operator); the path takes those it names.
        state = {k: torch.from_numpy(g["model"][k][()]).reshape(own[k].shape) for k in own}
        net.load_state_dict(state, strict=True)
        x = torch.from_numpy(g["x"][()])
        net.eval()
        with torch.no_grad():
            out, _ = net(x)
        diffs = [float((out - torch.from_numpy(g["eval_out"][()])).abs().max())]
        if "train_out" in g:
            net.train()
            with torch.no_grad():
                out, aux = net(x)
            diffs.append(float((out - torch.from_numpy(g["train_out"][()])).abs().max()))
            diffs.append(float((aux - torch.from_numpy(g["train_aux"][()])).abs().max()))
        print(case, "max_abs_diff", max(diffs), "tensors", len(own))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Independent PyTorch reference of the zero-cost scorers (tests/test_zero_cost.cpp).

Each scorer is written from the zero-cost-nas code (Abdelfattah et al., "Zero-Cost Proxies for
Lightweight NAS", ICLR 2021; github.com/mohsaied/zero-cost-nas @ca61347, foresight/pruners/), not
from wsnas's C++:
  measures/__init__.py:19-33  every measure scores its own copy of the network (copynet); with
                              bn=False (synflow only) BatchNorm's forward is replaced by the
                              identity, predictive.py:29-35
  p_utils.py:61-70            the per-layer arrays cover nn.Conv2d and nn.Linear modules' weights
  predictive.py:124-141       the score is the sum of every layer array (jacob_cov: its value)
  measures/grad_norm.py       sum over layers of ||weight.grad||
  measures/snip.py            a weight_mask of ones per layer, weight * mask in the forward,
                              score |mask.grad|
  measures/grasp.py           g = grad of a first pass (data); z = sum g * grad of a second pass
                              built with create_graph; z.backward(); score -weight * weight.grad
  measures/synflow.py         every state_dict entry abs_(), double, input ones [1, C, H, W],
                              sum(output).backward(), score |weight * weight.grad|
  measures/jacob_cov.py       x.grad of y.backward(ones_like(y)), rows per image; numpy corrcoef,
                              eig; -sum(log(v + k) + 1 / (v + k)), k = 1e-5
The networks are the released supernets of nb201_supernet_reference.py and
darts_supernet_reference.py (themselves written from github.com/matluster/anonymous-2102), run in
training mode through one architecture, in float64.

Usage: /usr/bin/python3 tests/reference/zero_cost_reference.py FILE.h5
Prints "archK/scorer rel_diff R values 1" per (architecture, scorer).
"""
import copy
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import darts_supernet_reference as darts
import nb201_supernet_reference as nb201


def layers(net):  # p_utils.py:61-70
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def total(arrays):  # predictive.py:124-141 (in float64 here)
    return float(sum(torch.sum(a).item() for a in arrays))


def grad_norm(net, forward, x, y):  # measures/grad_norm.py:24-37
    net.zero_grad()
    F.cross_entropy(forward(x), y).backward()
    return total([l.weight.grad.norm() if l.weight.grad is not None else torch.zeros_like(l.weight)
                  for l in layers(net)])


def snip_conv(self, x):  # measures/snip.py:26-28
    return F.conv2d(x, self.weight * self.weight_mask, self.bias, self.stride, self.padding,
                    self.dilation, self.groups)


def snip_dynamic_conv(self, x, stride):  # the same, for the released DARTS supernet's
    return F.conv2d(x, self.weight * self.weight_mask, self.bias, stride, self.padding,  # strided
                    self.dilation, self.groups)  # DynamicConv2d (anonymous-2102 ops.py:18-21)


def snip_linear(self, x):  # measures/snip.py:30-31
    return F.linear(x, self.weight * self.weight_mask, self.bias)


def snip(net, forward, x, y):  # measures/snip.py:33-67
    for l in layers(net):
        l.weight_mask = nn.Parameter(torch.ones_like(l.weight))
        l.weight.requires_grad = False
        f = snip_linear if isinstance(l, nn.Linear) else \
            snip_dynamic_conv if isinstance(l, darts.DynamicConv2d) else snip_conv
        l.forward = types.MethodType(f, l)
    net.zero_grad()
    F.cross_entropy(forward(x), y).backward()
    return total([torch.abs(l.weight_mask.grad) if l.weight_mask.grad is not None
                  else torch.zeros_like(l.weight) for l in layers(net)])


def grasp(net, forward, x, y):  # measures/grasp.py:26-88 (T = 1, num_iters = 1, split_data = 1)
    weights = [l.weight for l in layers(net)]
    net.zero_grad()
    grad_w = list(torch.autograd.grad(F.cross_entropy(forward(x), y), weights, allow_unused=True))
    grad_f = torch.autograd.grad(F.cross_entropy(forward(x), y), weights, create_graph=True,
                                 allow_unused=True)
    z = 0
    for gw, gf in zip(grad_w, grad_f):
        if gw is not None:
            z += (gw.data * gf).sum()
    z.backward()
    return total([-l.weight.data * l.weight.grad if l.weight.grad is not None
                  else torch.zeros_like(l.weight) for l in layers(net)])


def synflow(net, forward, x, y):  # measures/synflow.py:23-64, bn=False
    for l in net.modules():  # predictive.py:29-35
        if isinstance(l, (nn.BatchNorm2d, nn.BatchNorm1d)):
            l.forward = types.MethodType(lambda self, v: v, l)
    with torch.no_grad():
        for _, p in net.state_dict().items():
            p.abs_()
    net.zero_grad()
    net.double()
    ones = torch.ones([1] + list(x[0, :].shape)).double()
    torch.sum(forward(ones)).backward()
    return total([torch.abs(l.weight * l.weight.grad) if l.weight.grad is not None
                  else torch.zeros_like(l.weight) for l in layers(net)])


def jacob_cov(net, forward, x, y):  # measures/jacob_cov.py:22-57
    x = x.clone()
    x.requires_grad_(True)
    out = forward(x)
    out.backward(torch.ones_like(out))
    jacob = x.grad.detach().reshape(x.size(0), -1).cpu().numpy()
    v, _ = np.linalg.eig(np.corrcoef(jacob))
    k = 1e-5
    return float(np.real(-np.sum(np.log(v + k) + 1. / (v + k))))


def naswot(net, forward, x, y):
    """Mellor et al., ICML 2021; github.com/BayesWatch/nas-without-training @b3a82a6
    score_networks.py:50-56 (a forward and backward of the batch), 98-123 (the hooks), 146-148 (a
    second forward fills K), scores.py:7-9 (slogdet). The hooks go on nn.ReLU and nn.ReLU6 modules:
    the released `'ReLU' in str(type(module))` also matches containers named ReLU... (our
    decisions.md, "NASWOT's units")."""
    K = np.zeros((x.size(0), x.size(0)))
    # Scored networks have no auxiliary head (wsnas-score builds none; the test's C++ side runs
    # without gradients, where ours does not compute it). The released DARTS head runs in every
    # training-mode forward, and its first ReLU, in place on the cell output the classifier reads,
    # is reached by the backward pass: it would count here.
    net.run_auxiliary = False

    def forward_hook(module, inp, out):
        nonlocal K
        if not getattr(module, "visited_backwards", False):
            return
        inp = inp[0] if isinstance(inp, tuple) else inp
        inp = inp.view(inp.size(0), -1)
        c = (inp > 0).double()
        K = K + (c @ c.t()).numpy() + ((1. - c) @ (1. - c.t())).numpy()

    def backward_hook(module, inp, out):
        module.visited_backwards = True

    for m in net.modules():
        if isinstance(m, (nn.ReLU, nn.ReLU6)):
            m.register_forward_hook(forward_hook)
            m.register_backward_hook(backward_hook)  # as released (score_networks.py:123)
    net.zero_grad()
    x1 = x.clone().requires_grad_(True)
    out = forward(x1)
    out.backward(torch.ones_like(out))
    forward(x.clone())
    return float(np.linalg.slogdet(K)[1])


SCORERS = {"grad_norm": grad_norm, "snip": snip, "grasp": grasp, "synflow": synflow,
           "jacob_cov": jacob_cov, "naswot": naswot}


def build(f):
    at = f.attrs
    space = at["space"].decode() if isinstance(at["space"], bytes) else str(at["space"])
    C, N, classes = int(at["channels"]), int(at["cells"]), int(at["classes"])
    if space == "nb201":
        net = nb201.Nb201Network(C, N, classes, momentum=0.1)
        ref_sd = net.state_dict()
        state = {nb201.map_name(k, N): torch.from_numpy(f["model"][k][()]) for k in f["model"]}
        assert set(state) == set(ref_sd), set(state) ^ set(ref_sd)
        net.load_state_dict({k: v.reshape(ref_sd[k].shape) for k, v in state.items()})
        return net, lambda text: (lambda m, v: m(v, nb201.parse_arch(text)))
    assert space == "darts", space
    net = darts.DartsNetwork(C, N, classes)
    darts.load(net, f["model"])
    # In training mode the released network returns (logits, auxiliary logits): the logits
    # are scored.
    return net, lambda text: (lambda m, v: m(v, darts.parse_genotype(text))[0])


def main():
    import h5py
    torch.set_default_dtype(torch.float64)
    with h5py.File(sys.argv[1], "r") as f:
        net, forward_of = build(f)
        x, y = torch.from_numpy(f["x"][()]), torch.from_numpy(f["y"][()])
        for case in sorted(k for k in f if k.startswith("arch")):
            g = f[case]
            text = g.attrs["arch"]
            text = text.decode() if isinstance(text, bytes) else str(text)
            run = forward_of(text)
            for name, scorer in SCORERS.items():
                m = copy.deepcopy(net)  # copynet, predictive.py:29-35
                m.train()
                ref = scorer(m, lambda v: run(m, v), x, y)
                ours = float(g.attrs[name])
                rel = abs(ours - ref) / max(abs(ours), abs(ref), 1e-300)
                if not np.isfinite(ref) or not np.isfinite(ours):
                    rel = float("inf")
                print("%s/%s rel_diff %.3e values 1" % (case, name, rel))
                print("  %s %s ours %.12g reference %.12g" % (case, name, ours, ref),
                      file=sys.stderr)


if __name__ == "__main__":
    main()

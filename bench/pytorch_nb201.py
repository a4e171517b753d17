#!/usr/bin/python3
"""The reference side of bench_nb201: a NAS-Bench-201 supernet as research code runs it, in plain
PyTorch eager (default memory layout), timed on the same work as `bench_nb201 --archs FILE`:
single-path training steps cycling through the listed cells, then each cell evaluated (BN
calibration, then validation batches). Written from the paper's description and the released
code's structure (github.com/matluster/anonymous-2102 @3825f00 space/nb201/network.py and
space/nb201/ops.py: stem, 3 stages of 5 cells, ResNet blocks, every edge holding its 5 operators,
only the chosen one executed; `none` = x * 0). Needs Debian's python3-torch
(scripts/bench-compare.sh installs it).

  /usr/bin/python3 bench/pytorch_nb201.py --archs cells.txt --threads 1 --batch 64 --steps 5
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def parse(arch):
    """'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' -> 6 operator indices in edge order."""
    out = []
    for node in arch.strip().strip("|").split("|+|"):
        for edge in node.split("|"):
            out.append(OPS.index(edge.split("~")[0]))
    return out


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, k, stride):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, bias=False),
                                nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.op(x)


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


class Pool(nn.Module):
    def forward(self, x):
        return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)


class Cell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.edges = nn.ModuleList([nn.ModuleList([Zero(), nn.Identity(), ReLUConvBN(c, c, 1, 1),
                                                   ReLUConvBN(c, c, 3, 1), Pool()]) for _ in range(6)])

    def forward(self, x, arch):
        nodes = [x]
        e = 0
        for i in range(1, 4):
            s = 0
            for j in range(i):
                s = s + self.edges[e][arch[e]](nodes[j])
                e += 1
            nodes.append(s)
        return nodes[-1]


class ResBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = ReLUConvBN(c_in, c_out, 3, 2)
        self.b = ReLUConvBN(c_out, c_out, 3, 1)
        self.down = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x):
        return self.down(x) + self.b(self.a(x))


class Supernet(nn.Module):
    def __init__(self, c=16, n=5, classes=100):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers, ch = [], c
        for stage in range(3):
            if stage:
                layers.append(ResBlock(ch, ch * 2))
                ch *= 2
            layers += [Cell(ch) for _ in range(n)]
        self.layers = nn.ModuleList(layers)
        self.last = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU())
        self.fc = nn.Linear(ch, classes)

    def forward(self, x, arch):
        h = self.stem(x)
        for m in self.layers:
            h = m(h, arch) if isinstance(m, Cell) else m(h)
        return self.fc(self.last(h).mean((2, 3)))


def calibrate(net, arch, batches):
    """The released code's bn_sanitize: average of per-batch statistics (anonymous-2102
    trainers/utils.py:324-373),
    here through PyTorch's cumulative moving average (momentum None)."""
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    net.train()
    with torch.no_grad():
        for x in batches:
            net(x, arch)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--archs", required=True, help="one NAS-Bench-201 string per line (as bench_nb201 --archs)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--calib-batch", type=int, default=400)
    p.add_argument("--calib-steps", type=int, default=25)
    p.add_argument("--eval-images", type=int, default=10000)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--n", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    archs = [parse(l) for l in open(a.archs) if l.strip() and not l.startswith("#")]
    net = Supernet(a.channels, a.n)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    x = torch.randn(a.batch, 3, 32, 32)
    y = torch.randint(0, 100, (a.batch,))

    def step(i):
        opt.zero_grad()
        loss = F.cross_entropy(net(x, archs[i % len(archs)]), y)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    net.train()
    for i in range(a.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(a.steps):
        step(a.warmup + i)
    train_s = time.perf_counter() - t0

    calib = [torch.randn(a.calib_batch, 3, 32, 32)] * a.calib_steps
    val = [torch.randn(min(500, a.eval_images - d), 3, 32, 32) for d in range(0, a.eval_images, 500)]
    per_cell = []
    for arch in archs:
        t1 = time.perf_counter()
        calibrate(net, arch, calib)
        net.eval()
        with torch.no_grad():
            correct = sum(int(net(v, arch).argmax(1).sum()) for v in val)
        per_cell.append(time.perf_counter() - t1)
    print(f"pytorch_nb201: PyTorch {torch.__version__} eager, default layout, C={a.channels} N={a.n}, "
          f"{torch.get_num_threads()} threads")
    print(f"supernet training: batch {a.batch}, {1000 * train_s / a.steps:.2f} ms/step, "
          f"{a.batch * a.steps / train_s:.0f} images/s ({a.steps} steps, cycling --archs)")
    print(f"evaluation: {sum(per_cell) / len(per_cell):.3f} s/arch (BN calibration {a.calib_steps} x {a.calib_batch}, "
          f"then {a.eval_images} validation images; {len(per_cell)} archs)")
    for i, (arch, s) in enumerate(zip(archs, per_cell)):
        print(f"  arch {i}: {s:.3f} s")


if __name__ == "__main__":
    main()

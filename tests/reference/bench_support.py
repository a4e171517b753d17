"""What the --bench modes of tests/reference/*_reference.py share: the options, the timed loops and
the printed lines of build/bin/bench_nb201 (image supernets) and build/bin/bench_ptb (DARTS-PTB),
so that scripts/bench-compare.sh runs both sides on the same work with the same options.

Image supernets (run_image): `--archs FILE` cycles training through the listed architectures and
scores each one, else uniform draws (the reference's own sampler, seed 0: not wsnas's draws).
Training step: the supernet's training forward on a fixed random batch, cross-entropy (+
aux-weight x the auxiliary head's), backward, clip_grad_norm 5, SGD lr 0.05, momentum 0.9,
Nesterov, weight decay 5e-4 (as bench_nb201). Evaluation per architecture: BN calibration
(calib-steps x calib-batch, the released set_running_statistics, released_bn.py), then
eval-images validation images in batches of 500 (the stem computed once for all architectures
with --cache-stem true, as wsnas). Peak memory: resource.getrusage(RUSAGE_SELF).ru_maxrss after
training on CPU (the Python interpreter and the torch import included),
torch.cuda.max_memory_allocated on CUDA.

A space plugs in as an ImageSpace (below). Imported by the reference scripts, which live next to
this file (their directory is sys.path[0]).
"""
import argparse
import contextlib
import random
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from released_bn import set_running_statistics


# ---- small helpers ---------------------------------------------------------------------------
def parse_bool(text):
    """boost::program_options' spellings of a bool."""
    t = text.strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError("expected true or false, got %r" % text)


def at_least(low):
    def check(text):
        v = int(text)
        if v < low:
            raise argparse.ArgumentTypeError("%d: expected at least %d" % (v, low))
        return v
    return check


def rss_mib():
    """Peak resident set of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def select_device(spec):
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(spec)
    if dev.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device %s: CUDA is not available to this PyTorch" % spec)
    return dev


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def autocast(dev, precision):
    if precision == "bf16":
        return torch.autocast(device_type=dev.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def reset_peak(dev):
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)


def peak_mib(dev):
    if dev.type == "cuda":
        return torch.cuda.max_memory_allocated(dev) / 2.0 ** 20
    return rss_mib()


def read_archs(path):
    """A plain list: one architecture per line; blank lines and # comments skipped (bench_nb201
    also reads CSV tables and indices; these references do not)."""
    out = []
    with open(path) as f:
        for line in f:
            t = line.strip()
            if t and not t.startswith("#"):
                out.append(t)
    if not out:
        sys.exit("--archs %s: no architectures" % path)
    if out[0] in ("arch", "index") or out[0].startswith(("arch,", "index,")):
        sys.exit("--archs %s: a CSV table; the reference reads plain lists only" % path)
    return out


def bench_argv(argv):
    """argv without the --bench switch, or None when it is absent (the test mode)."""
    if "--bench" not in argv[1:]:
        return None
    return [a for a in argv[1:] if a != "--bench"]


# ---- image supernets -------------------------------------------------------------------------
class ImageSpace:
    """One image space's supernet, as a reference script builds and runs it."""

    name = "?"
    # Options of bench_nb201 this reference honours beyond the common ones.
    has_width_mult = False
    has_auxiliary = False
    has_drop_path = False
    has_channels = True  # --channels / --n

    def notes(self, a):
        """Lines on how this reference's work differs from wsnas's, printed in the header."""
        return []

    def build(self, a):
        raise NotImplementedError

    def parse(self, text):
        raise NotImplementedError

    def sample(self, rng, net):
        """A uniform draw (rng: random.Random) of an architecture that the supernet can run."""
        raise NotImplementedError

    def to_string(self, arch):
        raise NotImplementedError

    def set_drop_path(self, net, prob):
        pass

    def set_auxiliary(self, net, on):
        pass

    def train_forward(self, net, x, arch):
        """Training mode: (logits, auxiliary logits or None)."""
        raise NotImplementedError

    def stem(self, net, x):
        raise NotImplementedError

    def body(self, net, h, arch):
        """From the stem's output to the logits (evaluation and BN calibration)."""
        raise NotImplementedError

    def forward(self, net, x, arch):
        return self.body(net, self.stem(net, x), arch)


def image_parser(prog, space):
    p = argparse.ArgumentParser(
        prog=prog + " --bench",
        description="Plain-PyTorch timing of the %s supernet on the work of "
                    "`bench_nb201 --space %s` (same options, same defaults)." % (space.name, space.name))
    p.add_argument("--device", default="auto", help="cpu | cuda | auto")
    p.add_argument("--space", default=space.name, help="must be %s (accepted for symmetry)" % space.name)
    p.add_argument("--archs", default="", help="fixed architectures, one per line: training cycles "
                   "through them, evaluation scores each; default: uniform draws (own sampler, seed 0)")
    p.add_argument("--batch", type=at_least(1), default=256)
    p.add_argument("--steps", type=at_least(1), default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--cells", type=at_least(1), default=3, help="architectures to evaluate (without --archs)")
    p.add_argument("--calib-batch", type=int, default=400)
    p.add_argument("--calib-steps", type=int, default=25)
    p.add_argument("--eval-images", type=int, default=10000)
    p.add_argument("--cache-stem", type=parse_bool, default=True, help="stem computed once for all architectures")
    p.add_argument("--channels", type=int, default=0, help="0: the space's")
    p.add_argument("--n", type=int, default=0, help="cells per stage (0: the space's)")
    p.add_argument("--classes", type=at_least(1), default=100)
    p.add_argument("--input-size", type=at_least(8), default=32)
    p.add_argument("--width-mult", type=float, default=0.0)
    p.add_argument("--aux-weight", type=float, default=0.0)
    p.add_argument("--drop-path", type=float, default=0.0)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: its default)")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--memory-format", default="auto", choices=["auto", "channels-last", "contiguous"],
                   help="auto: contiguous (PyTorch's default layout, as research code runs it)")
    return p


def check_image_options(p, a, space):
    if a.space != space.name:
        p.error("--space %s: this reference is the %s supernet" % (a.space, space.name))
    if not space.has_width_mult and a.width_mult > 0:
        p.error("--width-mult: the %s supernet has no width multiplier" % space.name)
    if not space.has_auxiliary and a.aux_weight > 0:
        p.error("--aux-weight: this reference has no auxiliary head for %s" % space.name)
    if not space.has_drop_path and a.drop_path > 0:
        p.error("--drop-path: this reference has no drop-path for %s" % space.name)
    if not 0 <= a.drop_path < 1:
        p.error("--drop-path %g is outside [0, 1)" % a.drop_path)
    if not space.has_channels and (a.channels or a.n):
        p.error("--channels / --n: the %s supernet's widths and blocks are fixed (must be 0)" % space.name)


def run_image(space, argv, prog):
    p = image_parser(prog, space)
    a = p.parse_args(argv)
    check_image_options(p, a, space)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    import_mib = rss_mib()
    dev = select_device(a.device)
    torch.manual_seed(0)
    rng = random.Random(0)
    net = space.build(a).to(dev)
    channels_last = a.memory_format == "channels-last"
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    space.set_auxiliary(net, a.aux_weight > 0)
    space.set_drop_path(net, a.drop_path)
    fixed = [space.parse(t) for t in read_archs(a.archs)] if a.archs else []
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    s = a.input_size
    x = torch.randn(a.batch, 3, s, s, device=dev).contiguous(memory_format=fmt)
    y = torch.randint(0, a.classes, (a.batch,), device=dev)
    counter = [0]

    def next_arch():
        if not fixed:
            return space.sample(rng, net)
        arch = fixed[counter[0] % len(fixed)]
        counter[0] += 1
        return arch

    def step():
        arch = next_arch()
        opt.zero_grad()
        with autocast(dev, a.precision):
            logits, aux = space.train_forward(net, x, arch)
            loss = F.cross_entropy(logits, y)
            if aux is not None and a.aux_weight > 0:
                loss = loss + F.cross_entropy(aux, y) * a.aux_weight
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    net.train()
    reset_peak(dev)
    for _ in range(a.warmup):
        step()
    sync(dev)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync(dev)
    train_s = time.perf_counter() - t0
    train_peak = peak_mib(dev)

    # Evaluation: calibration and validation batches prepared once (as bench_nb201).
    eval_archs = fixed if fixed else [space.sample(rng, net) for _ in range(a.cells)]
    calib_x = torch.randn(a.calib_batch, 3, s, s, device=dev).contiguous(memory_format=fmt)
    val = [torch.randn(min(500, a.eval_images - d), 3, s, s, device=dev).contiguous(memory_format=fmt)
           for d in range(0, a.eval_images, 500)]
    t_stem = time.perf_counter()
    if a.cache_stem:
        calib_h = []
        with autocast(dev, a.precision):
            set_running_statistics(net, [calib_x] * a.calib_steps,
                                   lambda im: calib_h.append(space.stem(net, im)))
        net.eval()
        with torch.no_grad(), autocast(dev, a.precision):
            val_h = [space.stem(net, v) for v in val]

        def run(h, arch):
            return space.body(net, h, arch)
    else:
        calib_h, val_h = [calib_x] * a.calib_steps, val

        def run(im, arch):
            return space.forward(net, im, arch)
    sync(dev)
    stem_s = time.perf_counter() - t_stem
    per_arch = []
    for arch in eval_archs:
        sync(dev)
        t1 = time.perf_counter()
        with autocast(dev, a.precision):
            set_running_statistics(net, calib_h, lambda h: run(h, arch))
            net.eval()
            with torch.no_grad():
                correct = torch.zeros((), dtype=torch.long, device=dev)
                for v in val_h:
                    correct += run(v, arch).argmax(1).sum()
        correct.item()
        sync(dev)
        per_arch.append(time.perf_counter() - t1)

    params = sum(p.numel() for p in net.parameters())
    print("%s: space %s, device %s, PyTorch %s eager, C=%s N=%s width %s, %d-class head, %dx%dx3, "
          "%s, %s, %d threads" % (
              prog, space.name, dev, torch.__version__, a.channels or "default", a.n or "default",
              a.width_mult or "default", a.classes, s, s, a.precision,
              "channels-last" if channels_last else "contiguous", torch.get_num_threads()))
    notes = list(space.notes(a))
    notes.append("BN calibration: the released set_running_statistics (forward hooks averaging every "
                 "BN input's batch mean and variance, trainers/utils.py:324-373)")
    if a.memory_format == "auto" and dev.type == "cpu":
        notes.append("memory format: contiguous, PyTorch's default (wsnas's auto is channels-last on "
                     "CPU; pass --memory-format to both to align them)")
    if not fixed:
        notes.append("architectures: this reference's own uniform draws (seed 0), not wsnas's")
    for n in notes:
        print("  note: " + n)
    print("supernet training: batch %d, %.2f ms/step, %.0f images/s (%d steps%s)" % (
        a.batch, 1000.0 * train_s / a.steps, a.batch * a.steps / train_s, a.steps,
        ", cycling --archs" if fixed else ", uniform draws"))
    print("training memory: peak %.0f MiB per replica (%s; %d parameters%s)" % (
        train_peak,
        "CUDA allocator" if dev.type == "cuda" else
        "process resident set, data included; the interpreter and torch import: %.0f MiB" % import_mib,
        params, ", auxiliary head included" if a.aux_weight > 0 else ""))
    print("evaluation: %.3f s/arch (BN calibration %d x %d, then %d validation images; %d archs; "
          "stem %s)" % (sum(per_arch) / len(per_arch), a.calib_steps, a.calib_batch, a.eval_images,
                        len(per_arch), "cached, once %.6f s" % stem_s if a.cache_stem else "per arch"))
    for i, (arch, t) in enumerate(zip(eval_archs, per_arch)):
        print("  arch %d %s: %.3f s" % (i, space.to_string(arch), t))
    return 0

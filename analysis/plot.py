#!/usr/bin/python3
"""Figures of wsnas analysis files, as the paper draws them.

    /usr/bin/python3 analysis/plot.py ANALYSIS.h5 OUT_DIR [--name NAME]

Reads a file written by `wsnas-analyze ... --out-h5` (kind 'analysis') and writes NAME.png and
NAME.svg (NAME defaults to the analysis) into OUT_DIR, then prints their paths:

  ranking  top-k of the supernet against the exact random top-k, with the best ground truth
           (paper Fig. 1's right-hand panels; bootstrap intervals as error bars when present)
  bias     per decision, the shift of each option between supernet rank and ground-truth rank,
           the most biased option marked and p-values on the bars (paper Fig. 4)
  mutual   the Spearman matrix among supernets, size and ground truth (paper Fig. 3 and 7)
  tricks   each supernet's Corr-BL and Corr-GT, and its top-10 (paper Table 3)
  budgets  per training budget: Spearman and Kendall, top-10 against random top-10, and the mean
           supernet score (paper Fig. 1 and 8)
  density  per random 1/k sub-space: top-10 of weight sharing against random search, and the
           Spearman (paper Fig. 2)
  pruning  the same per best 1/k of the space (paper Fig. 5)
           (budgets, density, pruning: the mean over seeds, min/max over seeds as a band, and
           bootstrap intervals as error bars when the file has them)

Uses Debian's python3-matplotlib and python3-h5py (scripts/install-deps.sh installs both).
Exit status 2 with one line on stderr for a file that is not an analysis file.
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

WIDTH, HEIGHT, DPI = 8.0, 5.0, 100  # every figure is 800 x 500 pixels


def fail(message):
    print("plot.py: error: " + message, file=sys.stderr)
    sys.exit(2)


def strings(dataset):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in dataset[()]]


def plot_ranking(f, ax):
    ks = list(f["topk/k"][()])
    top, rnd = f["topk/top_k"][()], f["topk/random_top_k"][()]
    best = f["correlation"].attrs["best_truth"]
    x = range(len(ks))
    if "top_k_ci_low" in f["topk"]:
        lo, hi = f["topk/top_k_ci_low"][()], f["topk/top_k_ci_high"][()]
        ax.errorbar(x, top, yerr=[top - lo, hi - top], fmt="o-", capsize=4, label="weight sharing top-k")
    else:
        ax.plot(x, top, "o-", label="weight sharing top-k")
    ax.plot(x, rnd, "s--", label="random search (expected)")
    ax.axhline(best, color="grey", linestyle=":", label="best ground truth")
    ax.set_xticks(list(x))
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel("k")
    ax.set_ylabel("ground truth of the pick")
    c = f["correlation"].attrs
    ax.set_title("top-k (Spearman %.3f, Kendall tau %.3f, %d architectures)"
                 % (c["spearman"], c["kendall_tau_b"], c["n"]))
    ax.legend()


def plot_bias(f, ax):
    decisions, options = strings(f["bias/decision"]), strings(f["bias/option"])
    shift, p, most = f["bias/shift"][()], f["bias/p_value"][()], f["bias/most_biased"][()]
    names = sorted(set(options), key=options.index)
    order = list(dict.fromkeys(decisions))
    width = 0.8 / max(1, len(names))
    for j, name in enumerate(names):
        xs, ys = [], []
        for i in range(len(decisions)):
            if options[i] == name:
                xs.append(order.index(decisions[i]) + (j - (len(names) - 1) / 2) * width)
                ys.append(shift[i])
        ax.bar(xs, ys, width=width, label=name)
    for i in range(len(decisions)):
        if most[i]:
            x = order.index(decisions[i]) + (names.index(options[i]) - (len(names) - 1) / 2) * width
            ax.annotate("p=%.1g" % p[i], (x, shift[i]), ha="center",
                        va="bottom" if shift[i] >= 0 else "top", fontsize=7)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels(order, rotation=20, fontsize=8)
    ax.set_ylabel("supernet rank - ground-truth rank\n(< 0: favoured by the supernet)")
    ax.set_title("bias by decision (%d architectures)" % f["bias"].attrs["architectures"])
    ax.legend(fontsize=7)


def plot_mutual(f, ax):
    names = [os.path.basename(n) for n in strings(f["mutual/names"])]
    m = f["mutual/spearman"][()]
    image = ax.imshow(m, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.figure.colorbar(image, ax=ax, label="Spearman")
    ax.set_xticks(range(len(names)))
    ax.set_yticks(range(len(names)))
    short = [n if len(n) <= 28 else "..." + n[-25:] for n in names]
    ax.set_xticklabels(short, rotation=30, ha="right", fontsize=7)
    ax.set_yticklabels(short, fontsize=7)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, "%.2f" % m[i, j], ha="center", va="center", fontsize=7)
    ax.set_title("Spearman among inputs (%d architectures)" % f["mutual"].attrs["architectures"])


def plot_tricks(f, ax):
    names = [os.path.basename(n) for n in strings(f["tricks/supernet"])]
    bl, gt, top = f["tricks/corr_bl"][()], f["tricks/corr_gt"][()], f["tricks/top_k"][()]
    x = range(len(names))
    ax.bar([i - 0.2 for i in x], bl, width=0.4, label="Corr-BL (vs baseline)")
    ax.bar([i + 0.2 for i in x], gt, width=0.4, label="Corr-GT (vs ground truth)")
    for i in x:
        ax.annotate("top-%d %.2f" % (f["tricks"].attrs["k"], top[i]), (i + 0.2, gt[i]), ha="center",
                    va="bottom", fontsize=7)
    ax.set_xticks(list(x))
    ax.set_xticklabels(names, rotation=20, ha="right", fontsize=7)
    ax.set_ylabel("Spearman")
    ax.set_ylim(min(0, min(bl), min(gt)) - 0.05, 1.1)
    ax.set_title("tricks against the baseline [%s] (%d architectures)"
                 % (names[0], f["tricks"].attrs["architectures"]))
    ax.legend(fontsize=7)


SWEEPS = ("budgets", "density", "pruning")
SWEEP_DATA = ("x", "seed", "k", "spearman", "spearman_ci_low", "spearman_ci_high", "kendall_tau_b",
              "kendall_tau_b_ci_low", "kendall_tau_b_ci_high", "top_k", "top_k_ci_low",
              "top_k_ci_high", "random_top_k", "best_truth", "mean_score")
# What each kind of analysis file must hold (docs/results-format.md).
REQUIRED = {"topk": ("k", "top_k", "random_top_k"),
            "bias": ("decision", "option", "shift", "p_value", "most_biased"),
            "mutual": ("names", "spearman"),
            "tricks": ("supernet", "corr_bl", "corr_gt", "top_k")}
REQUIRED.update({k: SWEEP_DATA for k in SWEEPS})


def by_x(xs, values):
    """Mean, min and max of `values` over the rows of each distinct x (the seeds)."""
    import math
    out = {}
    for x, v in zip(xs, values):
        if not math.isnan(v):
            out.setdefault(x, []).append(v)
    keys = sorted(out)
    return (keys, [sum(out[k]) / len(out[k]) for k in keys], [min(out[k]) for k in keys],
            [max(out[k]) for k in keys])


def plot_sweep(f, fig, kind):
    g = f[kind]
    xs = list(g["x"][()])
    ks = list(g["k"][()])
    j = ks.index(10) if 10 in ks else len(ks) - 1
    panels = 3 if kind == "budgets" else 2
    axes = fig.subplots(1, panels)
    xlabel = "training epochs" if kind == "budgets" else (
        "k (random 1/k of the space)" if kind == "density" else "k (best 1/k of the space)")

    def line(ax, values, style, label, lo=None, hi=None):
        keys, mean, mn, mx = by_x(xs, values)
        ax.plot(keys, mean, style, label=label)
        if any(a != b for a, b in zip(mn, mx)):
            ax.fill_between(keys, mn, mx, alpha=0.25)
        if lo is not None and len(set(xs)) == len(xs) and not all(v != v for v in lo):
            ax.errorbar(keys, mean, yerr=[[m - l for m, l in zip(mean, by_x(xs, lo)[1])],
                                          [h - m for m, h in zip(mean, by_x(xs, hi)[1])]],
                        fmt="none", capsize=3, color=ax.lines[-1].get_color())

    ax = axes[0]
    line(ax, g["spearman"][()], "o-", "Spearman", g["spearman_ci_low"][()], g["spearman_ci_high"][()])
    line(ax, g["kendall_tau_b"][()], "s--", "Kendall tau-b", g["kendall_tau_b_ci_low"][()],
         g["kendall_tau_b_ci_high"][()])
    ax.set_ylabel("rank correlation with ground truth")
    ax.set_title("correlation")
    ax = axes[1]
    top = g["top_k"][()][:, j]
    line(ax, top, "o-", "weight sharing top-%d" % ks[j], g["top_k_ci_low"][()][:, j],
         g["top_k_ci_high"][()][:, j])
    line(ax, g["random_top_k"][()][:, j], "s--", "random search top-%d" % ks[j])
    ax.axhline(max(g["best_truth"][()]), color="grey", linestyle=":", label="best ground truth")
    ax.set_ylabel("ground truth of the pick")
    ax.set_title("top-%d" % ks[j])
    if panels == 3:
        ax = axes[2]
        line(ax, g["mean_score"][()], "o-", "mean supernet score")
        ax.set_ylabel("mean supernet score")
        ax.set_title("average score")
    for ax in axes:
        if min(xs) > 0 and max(xs) / min(xs) >= 4:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.legend(fontsize=7)
    fig.suptitle("%s: %d supernets" % (kind, len(xs)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("analysis")
    parser.add_argument("out_dir")
    parser.add_argument("--name")
    args = parser.parse_args()
    try:
        f = h5py.File(args.analysis, "r")
    except OSError as e:
        fail("file '%s': cannot open as HDF5 (%s)" % (args.analysis, e))
    kind = f.attrs.get("kind", b"")
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    if kind != "analysis":
        fail("file '%s': expected a wsnas 'analysis' file (wsnas-analyze --out-h5), found kind '%s'"
             % (args.analysis, kind or "(none)"))
    draws = [("bias", plot_bias), ("mutual", plot_mutual), ("tricks", plot_tricks),
             ("topk", plot_ranking)] + [(k, None) for k in SWEEPS]
    for group, draw in draws:
        if group in f:
            name = args.name or {"topk": "ranking"}.get(group, group)
            break
    else:
        fail("file '%s': no /topk, /bias, /mutual, /tricks, /budgets, /density or /pruning group"
             % args.analysis)
    for member in REQUIRED[group]:
        if member not in f[group]:
            fail("file '%s': malformed /%s: no '%s' (docs/results-format.md)"
                 % (args.analysis, group, member))
    if group == "topk" and "correlation" not in f:
        fail("file '%s': malformed: /topk without /correlation" % args.analysis)
    os.makedirs(args.out_dir, exist_ok=True)
    fig = plt.figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    try:
        if draw is None:
            plot_sweep(f, fig, group)
        else:
            draw(f, fig.subplots())
    except (KeyError, ValueError, IndexError, TypeError) as e:
        fail("file '%s': cannot draw /%s: %s" % (args.analysis, group, str(e).replace("\n", " ")))
    fig.tight_layout()
    for ext in ("png", "svg"):
        path = os.path.join(args.out_dir, name + "." + ext)
        fig.savefig(path, dpi=DPI)
        print(path)


if __name__ == "__main__":
    main()

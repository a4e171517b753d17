#!/usr/bin/python3
"""Figures of wsnas analysis files, as the paper draws them, with our intervals.

    /usr/bin/python3 analysis/plot.py ANALYSIS.h5 OUT_DIR [--name NAME] [--decision DECISION]
    /usr/bin/python3 analysis/plot.py --csv TABLE.csv --x COLUMN --y COLUMN OUT_DIR [--name NAME]
                                      [--title T] [--x-label L] [--y-label L]

Reads a file written by `wsnas-analyze ... --out-h5` (kind 'analysis') and writes NAME.png and
NAME.svg (NAME defaults to the analysis) into OUT_DIR, then prints their paths. Figures are 800 x
500 pixels; a Spearman matrix too large for that grows the figure. No text is smaller than 9 pt.

  ranking  top-k of the supernet against the exact random top-k, with the best ground truth
           (paper Fig. 1's right-hand panels; bootstrap intervals as error bars when present)
  bias     per decision, the shift of each option between supernet rank and ground-truth rank,
           with the number of architectures under each bar; options held by fewer than 5
           architectures greyed out, the most biased of the rest outlined with its p-value.
           When the file has /bias/per_arch, a first panel draws paper Fig. 4: supernet score
           against ground truth, one colour per option of one decision (--decision, else the
           file's /bias attribute 'decision', else the decision with the largest shift), its
           most biased option on top
  mutual   the Spearman matrix among supernets, size and ground truth (paper Fig. 3 and 7), short
           labels (/mutual/labels when present), bootstrap intervals in the cells when present
  tricks   each supernet's Corr-BL and Corr-GT, and its top-10 (paper Table 3)
  budgets  per training budget: Spearman and Kendall, top-k against random top-k for every k of
           the file, and the mean supernet score against the mean ground truth, dotted (paper
           Fig. 1 and 8); a reference line where /budgets has `reference_value`
  density  per random 1/k sub-space: top-10 of weight sharing against random search, and the
           Spearman (paper Fig. 2)
  pruning  the same per best 1/k of the space (paper Fig. 5)
  search   (a wsnas-search file, kind 'search') per strategy the ground truth of the best
           architecture so far after each fitness evaluation, mean over seeds with a 95%
           bootstrap interval, and the table's best as a line (docs/search.md)
           (budgets, density, pruning: the mean over seeds, min/max over seeds as a band, and
           bootstrap intervals as error bars when the file has them)
  distribution  each architecture's ground truth against its size, or valid against test
           perplexity (paper Fig. 6): /distribution/x and /y of an analysis file, or two columns
           of a CSV table (--csv, .csv or .csv.gz)

Axis labels name the metric and its unit: from the group's `score_label`/`truth_label`
attributes when present, else from the column names the provenance records.
Uses Debian's python3-matplotlib, python3-numpy and python3-h5py (scripts/install-deps.sh).
Exit status 2 with one line on stderr for a file that is not an analysis file (or a table
without the columns).
"""
import argparse
import csv
import gzip
import math
import os
import re
import sys
import textwrap

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker, transforms  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

WIDTH, HEIGHT, DPI = 8.0, 5.0, 100  # every figure is 800 x 500 pixels (a large matrix: more)
FONT = 9  # points; no text is smaller
MIN_ARCHS = 5  # options held by fewer architectures are greyed out and never "most biased"
GREY = "#c8c8c8"
CHAR_PT = 0.6 * FONT  # the width of a character at 9 pt, about
CHAR_PX = CHAR_PT * DPI / 72
YLABEL_SHIFT = "mean rank shift, supernet − ground truth\n(ranks as fractions: 0 best, 1 worst)"
plt.rcParams.update({"font.size": FONT, "axes.titlesize": 10, "axes.labelsize": FONT,
                     "legend.fontsize": FONT, "xtick.labelsize": FONT, "ytick.labelsize": FONT,
                     "figure.titlesize": 11, "svg.hashsalt": "wsnas"})


class Refusal(Exception):
    """An input plot.py cannot draw; main() prints it as one line and exits 2."""


def fail(message):
    print("plot.py: error: " + message, file=sys.stderr)
    sys.exit(2)


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def strings(dataset):
    return [text(v) for v in dataset[()]]


def attr(obj, name, default=None):
    """An attribute as str/number, or default when absent."""
    if obj is None or name not in obj.attrs:
        return default
    v = obj.attrs[name]
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    return v.item() if isinstance(v, np.generic) else v


def finite(values):
    a = np.asarray(values, dtype=float).ravel()
    return a[np.isfinite(a)]


def p_text(p):
    """p-values as the tables print them: p<1e-300 below double's range, else two digits."""
    if p is None or p != p:
        return "p n/a"
    if p < 1e-300:
        return "p<1e-300"
    return "p=%.2g" % p


# --- metric names, units and short labels -----------------------------------------------------

NATS = re.compile(r"^(CIFAR100|CIFAR10|ImageNet16120|ImageNet)(Train|Valid|Test)(Accuracy|Loss)"
                  r"(\d+)Epochs$")
DATASETS = {"CIFAR10": "CIFAR-10", "CIFAR100": "CIFAR-100", "ImageNet": "ImageNet16-120",
            "ImageNet16120": "ImageNet16-120"}
WORDS = {"valid": "validation", "ppl": "perplexity", "acc": "accuracy", "top1": "top-1 accuracy",
         "top5": "top-5 accuracy", "params": "parameters", "flops": "FLOPs", "num": "number of"}


def split_name(name):
    """'file:column' -> (file, column); a bare name (params, flops) -> (None, name)."""
    if ":" in name:
        file, column = name.rsplit(":", 1)
        return file, column
    return None, name


def stem(path):
    base = os.path.basename(path)
    for ext in (".gz", ".csv", ".h5", ".hdf5", ".tsv"):
        if base.endswith(ext):
            base = base[:-len(ext)]
    return base


def metric(column):
    """A readable metric name of a column: CIFAR100TestAccuracy200Epochs -> CIFAR-100 test
    accuracy; valid_ppl -> validation perplexity; accuracy_seed43 -> accuracy (seed 43)."""
    m = NATS.match(column)
    if m:
        split = {"Valid": "validation"}.get(m.group(2), m.group(2).lower())
        return "%s %s %s" % (DATASETS[m.group(1)], split, m.group(3).lower())
    seed = re.search(r"_seed(\d+)$", column)
    base = column[:seed.start()] if seed else column
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", base).replace("_", " ").replace("-", " ").split()
    words = [WORDS.get(w.lower(), w if w.isupper() else w.lower()) for w in words]
    out = " ".join(words) or column
    return out + (" (seed %s)" % seed.group(1) if seed else "")


def is_fraction(values):
    v = finite(values)
    return len(v) > 0 and v.min() >= 0 and v.max() <= 1


def unit_label(name):
    """Metric name plus unit: accuracies in %, sizes in engineering notation on the ticks."""
    low = name.lower()
    if "accuracy" in low and "(%)" not in low:
        return name + " (%)"
    if low in ("parameters", "flops"):
        return name + (" (multiply-adds)" if low == "flops" else "")
    return name


def format_axis(axis, label, values):
    """Tick format matching the label: a fraction shown as %, a count in engineering notation."""
    v = finite(values)
    if len(v) == 0:
        return
    if "%" in label and is_fraction(v):  # a fraction on a % axis: ticks x 100
        axis.set_major_formatter(ticker.FuncFormatter(lambda t, _: "%g" % round(100 * t, 6)))
    elif np.abs(v).max() >= 1e4:
        axis.set_major_formatter(ticker.EngFormatter(sep=""))


def provenance(f, name):
    return attr(f.get("provenance"), name)


def column_of(value):
    """The column of a provenance 'file:column' (the first when several, space-separated)."""
    if not value:
        return None
    return split_name(value if value.count(":") == 1 else value.split(" ")[0])[1]


KINDS = ("accuracy", "perplexity", "loss", "error", "parameters", "FLOPs")


def kind_of(label):
    """The kind of metric a label names (accuracy, perplexity, ...), or None."""
    return next((w for w in KINDS if w in label), None)


def truth_label(f, group, report=True):
    """The ground truth's axis label: /GROUP attribute truth_label, else from the provenance's
    truth_report (report=True: what top-k reports) or truth column."""
    label = attr(group, "truth_label")
    if label:
        return label
    column = provenance(f, "truth_report") if report else None
    column = column or column_of(provenance(f, "truth"))
    name = metric(column) if column else "ground truth"
    label = unit_label(name) if kind_of(name) else (
        "ground truth" if name in ("truth", "ground truth") else "ground truth: " + name)
    if not higher_is_better(f, group):
        label += ", lower is better"
    return label


def score_label(f, group):
    """The supernet score's axis label: /GROUP attribute score_label, else from the scores'
    columns (/GROUP/scores or the provenance's scores)."""
    label = attr(group, "score_label")
    if label:
        return label
    names = [split_name(n)[1] for n in strings(group["scores"])] if "scores" in group else []
    columns = set(names) or {column_of(provenance(f, "scores"))} - {None}
    if len(columns) != 1:  # several columns: their common kind of metric, if any
        kinds = {kind_of(metric(c)) for c in columns}
        return unit_label("supernet " + kinds.pop()) if len(kinds) == 1 and None not in kinds \
            else "supernet score"
    name = metric(columns.pop())
    if not kind_of(name):
        return "supernet score" if name == "score" else "supernet score: " + name
    if name in ("accuracy", "loss", "top-1 accuracy", "top-5 accuracy", "error"):
        name = "supernet " + name
    return unit_label(name)


def higher_is_better(f, group):
    for obj in (group, f.get("correlation")):
        v = attr(obj, "higher_is_better")
        if v is not None:
            return bool(v)
    return True


def wrap(label, width=16):
    """Wraps at spaces only: never cuts a word."""
    return "\n".join(textwrap.wrap(label, width, break_long_words=False, break_on_hyphens=False))


def short_labels(names, truth=None):
    """Short labels of mutual's inputs: the part that tells them apart (the file's stem when every
    supernet has the same column, else the column's metric), the ground truth as 'GT ...'."""
    parts = [split_name(n) for n in names]
    scores = [p for n, p in zip(names, parts) if p[0] is not None and n != truth]
    same_column = len({c for _, c in scores}) == 1 and len({fl for fl, _ in scores}) > 1
    same_file = len({stem(fl) for fl, _ in scores}) <= 1
    out = []
    for name, (file, column) in zip(names, parts):
        if file is None:
            label = {"params": "params (P)", "flops": "FLOPs"}.get(column, metric(column))
        elif name == truth:
            label = "GT: " + metric(column)
        elif same_column:
            label = stem(file)
        elif same_file:
            label = metric(column)
        else:
            label = stem(file) + " " + metric(column)
        out.append(label)
    return out


# --- the figures -------------------------------------------------------------------------------

def plot_ranking(f, fig):
    ax = fig.subplots()
    ks = list(f["topk/k"][()])
    top, rnd = f["topk/top_k"][()], f["topk/random_top_k"][()]
    c = f["correlation"].attrs
    best = f["correlation"].attrs["best_truth"]
    label = truth_label(f, f["topk"])
    x = range(len(ks))
    if "top_k_ci_low" in f["topk"]:
        lo, hi = f["topk/top_k_ci_low"][()], f["topk/top_k_ci_high"][()]
        level = attr(f["correlation"], "bootstrap_level", 0.95)
        ax.errorbar(x, top, yerr=[top - lo, hi - top], fmt="o-", capsize=4,
                    label="weight sharing top-k (%d%% bootstrap interval)" % round(100 * level))
    else:
        ax.plot(x, top, "o-", label="weight sharing top-k")
    ax.plot(x, rnd, "s--", label="random search top-k (expected)")
    ax.axhline(best, color="green", linestyle="-.", label="best ground truth")
    ax.set_xticks(list(x))
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel("k (architectures picked by supernet score)")
    ax.set_ylabel(label)
    format_axis(ax.yaxis, label, list(top) + [best])

    def ci(name):
        if name + "_ci_low" in c and np.isfinite(c[name + "_ci_low"]):
            return " [%.3f, %.3f]" % (c[name + "_ci_low"], c[name + "_ci_high"])
        return ""
    ax.set_title("top-k: Spearman's ρ %.3f%s, Kendall's τ-b %.3f%s\n%d architectures"
                 % (c["spearman"], ci("spearman"), c["kendall_tau_b"], ci("kendall_tau_b"),
                    c["n"]))
    ax.legend(loc="best")


def option_colours(names):
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


def plot_bias(f, fig, decision=None):
    b = f["bias"]
    decisions, options = strings(b["decision"]), strings(b["option"])
    shift, p, most = b["shift"][()], b["p_value"][()], b["most_biased"][()]
    n = b["archs"][()]
    order = list(dict.fromkeys(decisions))
    rows = {d: [i for i in range(len(decisions)) if decisions[i] == d] for d in order}
    # The most biased option of each decision among those held by MIN_ARCHS or more: the file's
    # mark when it qualifies, else the largest |shift| of the rest (none when none qualifies, nor
    # in a decision of one option, nor for a shift of 0).
    marked = {}
    for d, rs in rows.items():
        ok = [i for i in rs if n[i] >= MIN_ARCHS and np.isfinite(shift[i]) and shift[i] != 0
              and len(rs) > 1]
        file_mark = [i for i in ok if most[i]]
        if file_mark:
            marked[d] = file_mark[0]
        elif ok:
            marked[d] = max(ok, key=lambda i: abs(shift[i]))
    colours = option_colours(list(dict.fromkeys(options)))
    if decision is None and "decision" in b.attrs:  # the analysis's own choice (a study's key)
        decision = b.attrs["decision"]
        decision = decision.decode() if isinstance(decision, bytes) else str(decision)
    if decision is not None and decision not in rows:
        raise Refusal("no decision '%s' in /bias (decisions: %s)" % (decision, ", ".join(order)))
    per_arch = b.get("per_arch")
    if decision is None and marked:
        decision = max(marked, key=lambda d: abs(shift[marked[d]]))
    if per_arch is not None and decision is not None:
        scatter_ax, ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.55]})
        shown_in_scatter = draw_bias_scatter(f, per_arch, scatter_ax, order, rows, decision,
                                             options, n, p, marked, colours)
    else:
        ax, shown_in_scatter = fig.subplots(), set()
    draw_bias_bars(b, ax, order, rows, options, shift, p, n, marked, colours, decision,
                   shown_in_scatter)


def draw_bias_scatter(f, g, ax, order, rows, decision, options, n, p, marked, colours):
    for member in ("score", "truth", "option_row"):
        if member not in g:
            raise Refusal("malformed /bias/per_arch: no '%s' (docs/results-format.md)" % member)
    score, truth, option_row = g["score"][()], g["truth"][()], g["option_row"][()]
    if option_row.ndim != 2 or option_row.shape != (len(score), len(order)) \
            or len(truth) != len(score):
        raise Refusal("malformed /bias/per_arch: option_row is %s, expected (%d, %d)"
                      % (option_row.shape, len(score), len(order)))
    column = option_row[:, order.index(decision)]
    mark = marked.get(decision)
    shown = set()
    for i in sorted(rows[decision], key=lambda i: i == mark):  # the most biased drawn last
        sel = column == i
        few = n[i] < MIN_ARCHS
        label = "%s (n=%d)" % (options[i], sel.sum())
        big = len(score) > 2000
        ax.scatter(score[sel], truth[sel], s=(6 if i == mark else 4) if big else 22,
                   color=GREY if few else colours[options[i]],
                   alpha=(0.55 if big else 0.9) if i == mark else (0.35 if big else 0.7),
                   edgecolors="black" if i == mark and not big else "none", linewidths=0.5,
                   zorder=3 if i == mark else 2, label=label, rasterized=big)
        shown.add(options[i])
    handles, labels = ax.get_legend_handles_labels()
    first = list(range(len(labels)))  # the most biased (drawn last) first
    if mark in rows[decision]:
        first = first[-1:] + first[:-1]
    # Under the panel (and its y labels), so that it hides no point: two columns when they fit.
    legend = fitted_legend(ax, [handles[j] for j in first], [labels[j] for j in first], 2, 0.2,
                           loc="upper left", **under(ax, -0.2), markerscale=1.5,
                           handletextpad=0.2, borderpad=0.3, labelspacing=0.25,
                           columnspacing=0.8)
    for h in getattr(legend, "legend_handles", None) or legend.legendHandles:
        h.set_alpha(1)
    xlabel, ylabel = score_label(f, f["bias"]), truth_label(f, f["bias"], report=False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    format_axis(ax.xaxis, xlabel, score)
    format_axis(ax.yaxis, ylabel, truth)
    ax.set_title("grouped by %s\n%s" % (decision, "most biased: %s (%s)" % (
        options[mark], p_text(p[mark])) if mark is not None else "no option held by %d or more"
        % MIN_ARCHS))
    return shown


def under(ax, x=0.5):
    """Where a legend under a panel goes: below its tick labels and x label."""
    return {"bbox_to_anchor": (x, 0),
            "bbox_transform": transforms.offset_copy(ax.transAxes, ax.figure, y=-2.9 * FONT - 3,
                                                     units="points")}


def fitted_legend(ax, handles, labels, ncol, slack=0.0, **kw):
    """A legend of at most ncol columns, fewer when it would be wider than the panel (and
    `slack` of its width more)."""
    for n in range(min(ncol, len(handles)), 0, -1):
        legend = ax.legend(handles, labels, ncol=n, **kw)
        ax.figure.canvas.draw()
        if legend.get_window_extent().width <= (1 + slack) * ax.get_window_extent().width:
            break
    return legend


def draw_bias_bars(b, ax, order, rows, options, shift, p, n, marked, colours, chosen,
                   in_legend):
    ax.set_ylabel(YLABEL_SHIFT)
    ax.set_title("rank shift per option")
    ax.figure.tight_layout()  # to measure the panel's width in pixels
    width_px = ax.get_window_extent().width
    # At most as many bars as fit at 11 pixels each (a count rotated at 9 pt): else the
    # decisions with the largest shift.
    capacity = max(1, int(width_px / 11))
    keep = list(order)
    if sum(len(rows[d]) + 1 for d in keep) - 1 > capacity:
        ranked = sorted(order, key=lambda d: (d != chosen, -abs(shift[marked[d]]) if d in marked
                                              else 0))  # the scatter's decision first
        keep, used = [], -1
        for d in ranked:
            if used + len(rows[d]) + 1 <= capacity or not keep:
                keep.append(d)
                used += len(rows[d]) + 1
        keep = [d for d in order if d in keep]
    slot_px = width_px / max(1, sum(len(rows[d]) + 1 for d in keep) - 0.4)
    names = list(dict.fromkeys(options[i] for d in keep for i in rows[d]))
    by_legend = len(names) <= 8  # few option names: a legend; else each bar names its option
    x, ticks, labels, centres, notes = 0, [], [], [], []
    for d in keep:
        start = x
        for i in rows[d]:
            few = n[i] < MIN_ARCHS
            ax.bar(x, shift[i], width=0.85, color=GREY if few else colours[options[i]],
                   edgecolor="black" if marked.get(d) == i else "none",
                   linewidth=2 if marked.get(d) == i else 0)
            if marked.get(d) == i:
                notes.append((x, i))
            ticks.append(x)
            labels.append("%d" % n[i] if by_legend else "%s  %d" % (options[i], n[i]))
            x += 1
        centres.append((start + x - 1) / 2)
        x += 1
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, rotation=90)
    ax.tick_params(axis="x", length=2, pad=2)
    ax.set_xlim(-0.8, x - 1.2)
    # The decision under its bars, below the counts (or option names); on two staggered rows
    # when a word is wider than its group.
    below = max(len(s) for s in labels) * CHAR_PT + 6
    texts = {d: wrap(d, max(4, int((len(rows[d]) + 0.6) * slot_px / CHAR_PX))) for d in keep}
    stagger = any(max(len(w) for w in texts[d].split()) * CHAR_PX > (len(rows[d]) + 0.6) * slot_px
                  for d in keep)
    if stagger:
        texts = {d: wrap(d, max(4, int(2 * (len(rows[d]) + 0.6) * slot_px / CHAR_PX)))
                 for d in keep}
    lines = max(t.count("\n") + 1 for t in texts.values())
    for j, (d, c) in enumerate(zip(keep, centres)):
        ax.annotate(texts[d], (c, 0), xycoords=("data", "axes fraction"),
                    xytext=(0, -(below + (j % 2) * lines * 1.2 * FONT * stagger)),
                    textcoords="offset points", ha="center", va="top", annotation_clip=False,
                    fontweight="bold" if d == chosen and in_legend else "normal")
    title = "rank shift per option (< 0: favoured by the supernet), n under each bar"
    if len(keep) < len(order):
        title += ": the %d of %d decisions with the largest shift" % (len(keep), len(order))
    else:
        title += " (%d architectures)" % b.attrs["architectures"]
    ax.set_title(wrap(title, int(width_px / (0.55 * 10 * DPI / 72))))
    handles = [Patch(facecolor=colours[nm], label=nm) for nm in names
               if by_legend and nm not in in_legend]
    if any(d in marked for d in keep):
        handles.append(Patch(facecolor="white", edgecolor="black", linewidth=2,
                             label="most biased (Mann-Whitney U)"))
    if any(n[i] < MIN_ARCHS for d in keep for i in rows[d]):
        handles.append(Patch(facecolor=GREY, label="n < %d" % MIN_ARCHS))
    legend = fitted_legend(ax, handles, [h.get_label() for h in handles], 3,
                           loc="upper center", framealpha=0.85, handlelength=1.2, borderpad=0.3,
                           labelspacing=0.25, columnspacing=1.0)
    # The y range: the bars, a line of p-values past them, the legend above all.
    ax.figure.tight_layout()
    height = ax.get_window_extent().height
    legend_px = legend.get_window_extent().height + 4
    values = [shift[i] for d in keep for i in rows[d] if np.isfinite(shift[i])] + [0.0]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0

    def limits(levels_up, levels_down):  # levels of p-values (12 pt each) past the bars
        top = (4 + 12 * levels_up) * DPI / 72 + legend_px
        bottom = (4 + 12 * levels_down) * DPI / 72
        scale = span / max(20.0, height - top - bottom)
        return lo - bottom * scale, hi + top * scale, scale
    y0, y1, scale = limits(1, 1)
    # p-values of neighbouring bars on the same side that would overlap: one line further out.
    placed, ups, downs = [], [0], [0]
    for at, i in notes:
        ha = "left" if at < 2 else "right" if at > x - 4 else "center"
        w = len(p_text(p[i])) * CHAR_PX
        left = at * slot_px - {"left": 0.45 * slot_px, "right": w - 0.45 * slot_px,
                               "center": w / 2}[ha]
        up = shift[i] >= 0
        level = 0
        while any(u == up and lv == level and left < right and x0 < left + w and
                  abs(shift[i] - sh) / scale < 14 for x0, right, u, lv, sh in placed):
            level += 1
        placed.append((left, left + w, up, level, shift[i]))
        (ups if up else downs).append(level)
        off = 3 + 12 * level
        ax.annotate(p_text(p[i]), (at + {"left": -0.45, "right": 0.45, "center": 0}[ha], shift[i]),
                    xytext=(0, off if up else -off), textcoords="offset points", ha=ha,
                    va="bottom" if up else "top")
    y0, y1, _ = limits(1 + max(ups), 1 + max(downs))
    ax.set_ylim(y0, y1)


def cell_colour(rgba):
    """White text on a dark cell, black on a light one (relative luminance, sRGB)."""
    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgba[:3]
    return "white" if 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b) < 0.25 else "black"


def two(v):
    """Two decimals, without a minus sign on a value that rounds to zero."""
    return ("%.2f" % v).replace("-0.00", "0.00")


def plot_mutual(f, fig):
    g = f["mutual"]
    names = strings(g["names"])
    m = g["spearman"][()]
    if "labels" in g:
        labels = strings(g["labels"])
    elif "labels" in g.attrs:
        labels = [text(v) for v in np.atleast_1d(g.attrs["labels"])]
    else:
        labels = short_labels(names, provenance(f, "truth"))
    if len(labels) != len(names):
        raise Refusal("malformed /mutual: %d labels for %d names" % (len(labels), len(names)))
    labels = [wrap(lb, 18) for lb in labels]
    ci = "spearman_ci_low" in g and np.isfinite(g["spearman_ci_low"][()]).any()
    k = len(names)
    # Each cell holds its text at 9 pt: about 0.5 in, 0.95 in with an interval under the value.
    cell = 0.95 if ci else 0.5
    ax = fig.subplots()
    image = ax.imshow(m, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.figure.colorbar(image, ax=ax, label="Spearman's ρ", fraction=0.05, pad=0.03)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(labels, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticklabels(labels)
    for i in range(k):
        for j in range(k):
            v = m[i, j]
            s = "n/a" if v != v else two(v)
            low, high = (g["spearman_ci_low"][i, j], g["spearman_ci_high"][i, j]) if ci else (0, 0)
            if ci and i != j and np.isfinite(low):
                s += "\n[%s, %s]" % (two(low), two(high))
            ax.text(j, i, s, ha="center", va="center", linespacing=1.1,
                    color="black" if v != v else cell_colour(image.cmap(image.norm(v))))
    title = "Spearman's ρ among inputs (%d architectures)" % g.attrs["architectures"]
    if ci:
        title += "\n[%d%% bootstrap interval]" % round(100 * attr(g, "bootstrap_level", 0.95))
    ax.set_title(title)
    grow_to_fit(fig, ax, k * cell * DPI)


def grow_to_fit(fig, ax, side_px):
    """Grows the figure (never below 800 x 500) until the matrix is side_px square and no label
    is cut."""
    for _ in range(4):
        fig.tight_layout()
        fig.canvas.draw()
        w, h = fig.get_size_inches()
        box = ax.get_position(original=True)  # the space tight_layout left (before the aspect)
        tight = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
        over_w = max(0.0, -tight.x0) + max(0.0, tight.x1 - w)
        over_h = max(0.0, -tight.y0) + max(0.0, tight.y1 - h)
        grow_w = max(0.0, side_px - box.width * w * DPI) / DPI + over_w
        grow_h = max(0.0, side_px - box.height * h * DPI) / DPI + over_h
        if grow_w < 0.02 and grow_h < 0.02:
            return
        fig.set_size_inches(w + grow_w + (0.1 if grow_w else 0),
                            h + grow_h + (0.1 if grow_h else 0))


def plot_tricks(f, fig):
    ax = fig.subplots()
    g = f["tricks"]
    full = strings(g["supernet"])
    names = [wrap(s, 16) for s in short_labels(full)]
    bl, gt, top = g["corr_bl"][()], g["corr_gt"][()], g["top_k"][()]
    x = np.arange(len(names))

    def err(name, v):
        if name + "_ci_low" not in g or not np.isfinite(g[name + "_ci_low"][()]).any():
            return None
        return [v - g[name + "_ci_low"][()], g[name + "_ci_high"][()] - v]
    ax.bar(x - 0.2, bl, width=0.4, yerr=err("corr_bl", bl), capsize=3,
           label="Corr-BL (with the baseline)")
    ax.bar(x + 0.2, gt, width=0.4, yerr=err("corr_gt", gt), capsize=3,
           label="Corr-GT (with the ground truth)")
    tl = truth_label(f, g)
    for i in x:
        ax.annotate("top-%d\n%s" % (g.attrs["k"], ("%.2f%%" % (100 * top[i])) if is_fraction(top)
                                    else "%.2f" % top[i]),
                    (i + 0.2, max(gt[i], 0)), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom")
    ax.set_xticks(list(x))
    ax.set_xticklabels(names, rotation=20 if len(names) > 4 else 0,
                       ha="right" if len(names) > 4 else "center")
    ax.set_ylabel("Spearman's ρ")
    ax.set_ylim(min(0, np.nanmin(bl), np.nanmin(gt)) - 0.05, 1.45)  # the legend above 1.2
    ax.set_title(wrap("tricks against the baseline, %s (%d architectures); top-%d: %s"
                      % (short_labels(full)[0], g.attrs["architectures"], g.attrs["k"], tl), 100))
    ax.legend(loc="upper center", ncol=2)
    ax.set_yticks([t for t in ax.get_yticks() if t <= 1.0001])


SWEEPS = ("budgets", "density", "pruning")
SWEEP_DATA = ("x", "seed", "k", "spearman", "spearman_ci_low", "spearman_ci_high", "kendall_tau_b",
              "kendall_tau_b_ci_low", "kendall_tau_b_ci_high", "top_k", "top_k_ci_low",
              "top_k_ci_high", "random_top_k", "best_truth", "mean_score")
# What each kind of analysis file must hold (docs/results-format.md).
REQUIRED = {"topk": ("k", "top_k", "random_top_k"),
            "bias": ("decision", "option", "archs", "shift", "p_value", "most_biased"),
            "mutual": ("names", "spearman"),
            "tricks": ("supernet", "corr_bl", "corr_gt", "top_k"),
            "distribution": ("x", "y")}
REQUIRED.update({k: SWEEP_DATA for k in SWEEPS})


def by_x(xs, values):
    """Mean, min and max of `values` over the rows of each distinct x (the seeds)."""
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
    hib = higher_is_better(f, g)
    x_name = attr(g, "x_name") or ("epochs" if kind == "budgets" else "k")
    xlabel = {"epochs": "training epochs"}.get(x_name, x_name)
    # No correlation line without ground truths (the paper's ProxylessNAS): no panel for it.
    has_corr = len(finite(g["spearman"][()])) > 0
    if kind == "budgets":  # Fig. 1 and 8: correlation, mean score; top-k for every k
        grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.35])
        corr_ax = fig.add_subplot(grid[0, 0]) if has_corr else None
        mean_ax = fig.add_subplot(grid[1, 0] if has_corr else grid[:, 0])
        top_ax = fig.add_subplot(grid[:, 1])
        shown = list(range(len(ks)))
    else:  # Fig. 2 and 5: correlation and top-10
        corr_ax, top_ax = fig.subplots(1, 2) if has_corr else (None, fig.subplots())
        mean_ax = None
        shown = [ks.index(10) if 10 in ks else len(ks) - 1]
    axes = [ax for ax in (corr_ax, mean_ax, top_ax) if ax is not None]
    one_per_x = len(set(xs)) == len(xs)

    def line(ax, values, style, label, lo=None, hi=None, colour=None, band=True):
        keys, mean, mn, mx = by_x(xs, values)
        if not keys:
            return
        drawn = ax.plot(keys, mean, style, label=label, color=colour)[0]
        if band and any(a != b for a, b in zip(mn, mx)):
            ax.fill_between(keys, mn, mx, alpha=0.2, color=drawn.get_color(), linewidth=0)
        if lo is not None and one_per_x and not all(v != v for v in lo):
            low, high = by_x(xs, lo), by_x(xs, hi)
            if low[0] == keys and high[0] == keys:
                ax.errorbar(keys, mean, yerr=[[m - l for m, l in zip(mean, low[1])],
                                              [h - m for m, h in zip(mean, high[1])]],
                            fmt="none", capsize=3, color=drawn.get_color())

    # Correlation (black lines, as the paper).
    if corr_ax is not None:
        line(corr_ax, g["spearman"][()], "o-", "Spearman's ρ", g["spearman_ci_low"][()],
             g["spearman_ci_high"][()], colour="black")
        line(corr_ax, g["kendall_tau_b"][()], "s--", "Kendall's τ-b",
             g["kendall_tau_b_ci_low"][()], g["kendall_tau_b_ci_high"][()], colour="dimgrey")
        corr_ax.set_ylabel("rank correlation\nwith ground truth")
        corr_ax.legend(loc="best")
        corr_ax.set_title("correlation")

    # Top-k: weight sharing solid, random search dashed, one colour per k.
    tl = truth_label(f, g)
    top, rnd = g["top_k"][()], g["random_top_k"][()]
    lo, hi = g["top_k_ci_low"][()], g["top_k_ci_high"][()]
    colours = (["tab:blue"] if len(shown) == 1 else
               list(plt.get_cmap("viridis")(np.linspace(0, 0.9, len(shown)))))
    for c, j in zip(colours, shown):
        line(top_ax, top[:, j], "o-", None, lo[:, j], hi[:, j], colour=c)
        line(top_ax, rnd[:, j], "s--" if len(shown) == 1 else "--", None,
             colour="tab:red" if len(shown) == 1 else c, band=len(shown) == 1)
    best_values = finite(g["best_truth"][()])
    best = (max if hib else min)(best_values) if len(best_values) else None
    if best is not None:
        top_ax.axhline(best, color="green", linestyle="-.")
    ref, ref_label = attr(g, "reference_value"), attr(g, "reference_label", "reference")
    if ref is not None and np.isfinite(ref):
        top_ax.axhline(ref, color="tab:purple", linestyle=(0, (6, 2, 1, 2, 1, 2)), linewidth=1.2)
    handles = []
    if len(shown) == 1:
        handles += [Line2D([], [], color="tab:blue", marker="o", label="weight sharing top-%d"
                           % ks[shown[0]]),
                    Line2D([], [], color="tab:red", marker="s", linestyle="--",
                           label="random search top-%d" % ks[shown[0]])]
    else:
        handles += [Line2D([], [], color=c, linewidth=4, label="k = %d" % ks[j])
                    for c, j in zip(colours, shown)]
        handles += [Line2D([], [], color="black", label="weight sharing top-k"),
                    Line2D([], [], color="black", linestyle="--", label="random top-k")]
    if best is not None:
        handles.append(Line2D([], [], color="green", linestyle="-.", label="best ground truth"))
    if ref is not None and np.isfinite(ref):
        handles.append(Line2D([], [], color="tab:purple", linestyle=(0, (6, 2, 1, 2, 1, 2)),
                              label=ref_label))
    # The legends in a band of their own at the worse end of the values, so that they hide none.
    loc = "lower center" if hib else "upper center"
    legend = fitted_legend(top_ax, handles, [wrap(h.get_label(), 28) for h in handles], 3,
                           loc=loc, framealpha=0.85, handlelength=1.8, columnspacing=0.8,
                           labelspacing=0.25, borderpad=0.3)
    bands = [(top_ax, legend, [top[:, shown], rnd[:, shown], lo[:, shown], hi[:, shown],
                               [best if best is not None else np.nan,
                                ref if ref is not None else np.nan]], hib)]
    top_ax.set_ylabel(tl)
    top_ax.set_title("top-k (best ground truth among the k picked)" if len(shown) > 1
                     else "top-%d" % ks[shown[0]])
    format_axis(top_ax.yaxis, tl, top)

    # Mean supernet score against the mean ground truth, dotted (Fig. 8), on one axis when
    # both are the same kind of metric (a fraction shown in % next to a percentage).
    if mean_ax is not None:
        sl = score_label(f, g)
        ms = np.asarray(g["mean_score"][()], dtype=float)
        mt = np.asarray(g["mean_truth"][()], dtype=float) if "mean_truth" in g else None
        family = [kind_of(lb) for lb in (sl, tl)]
        same = family[0] is not None and family[0] == family[1]
        scale_truth = scale_score = 1.0
        if same and family[0] == "accuracy" and mt is not None and len(finite(mt)) \
                and len(finite(ms)):
            if is_fraction(ms) and not is_fraction(mt):
                scale_score = 100.0
            elif is_fraction(mt) and not is_fraction(ms):
                scale_truth = 100.0
        line(mean_ax, ms * scale_score, "o-", "supernet")
        if mt is not None and len(finite(mt)):
            line(mean_ax, mt * scale_truth, ":", "ground truth", colour="black")
        if ref is not None and np.isfinite(ref):
            mean_ax.axhline(ref * scale_truth, color="tab:purple",
                            linestyle=(0, (6, 2, 1, 2, 1, 2)), linewidth=1.2,
                            label=wrap(ref_label, 28))
        if same:
            ylabel = "mean " + family[0] + (" (%)" if family[0] == "accuracy" else "")
        else:
            ylabel = "mean score, mean ground truth"
        mean_ax.set_ylabel(wrap(ylabel, 32))
        format_axis(mean_ax.yaxis, ylabel, list(ms * scale_score) +
                    (list(mt * scale_truth) if mt is not None else []))
        handles, labels = mean_ax.get_legend_handles_labels()
        legend = fitted_legend(mean_ax, handles, labels, 3,
                               loc="lower center" if hib else "upper center", framealpha=0.85,
                               columnspacing=0.8, handlelength=1.8)
        bands.append((mean_ax, legend, [ms * scale_score] + (
            [mt * scale_truth] if mt is not None else []) + (
            [[ref * scale_truth]] if ref is not None else []), hib))
        mean_ax.set_title("average" if same or sl == "supernet score" else
                          wrap("average (score: %s)" % sl, 40))
    log = min(xs) > 0 and max(xs) / min(xs) >= 4
    for ax in axes:
        if log:
            ax.set_xscale("log", base=2)
        if log or len(set(xs)) <= 8:  # a tick at each x
            ax.set_xticks(sorted(set(xs)))
            ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: "%g" % v))
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        if not (ax is corr_ax and mean_ax is not None):  # budgets: the panel below says it
            ax.set_xlabel(xlabel if not log else xlabel[:-1] + "; log scale)"
                          if xlabel.endswith(")") else xlabel + " (log scale)")
    fig.tight_layout()
    fig.canvas.draw()
    for ax, legend, values, at_bottom in bands:
        v = finite(np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in values]))
        if not len(v):
            continue
        low, high = v.min(), v.max()
        span = (high - low) or abs(high) or 1.0
        pad = 0.06 * span
        band = legend.get_window_extent().height + 8
        scale = (span + 2 * pad) / max(20.0, ax.get_window_extent().height - band)
        ax.set_ylim((low - pad - band * scale, high + pad) if at_bottom else
                    (low - pad, high + pad + band * scale))
    archs = sorted(set(int(a) for a in g["archs"][()])) if "archs" in g else []
    fig.suptitle("%s: %d supernets%s%s"
                 % (kind, len(xs), "" if not archs else " (%s architectures%s)" % (
                     "%d" % archs[0] if len(archs) == 1 else "%d to %d" % (archs[0], archs[-1]),
                     " each" if len(archs) == 1 else ""),
                    "; min/max over seeds as bands" if not one_per_x else "")
                 + ("" if has_corr else "; no correlation: too few ground truths"))


# --- distribution (Fig. 6): from an analysis file or from a table ------------------------------

def rankdata(v):
    """Average ranks (ties share the mean of their positions), as scipy.stats.rankdata."""
    v = np.asarray(v, dtype=float)
    order = np.argsort(v, kind="mergesort")
    s = v[order]
    r = np.empty(len(v))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def draw_distribution(fig, x, y, x_label, y_label, title=None):
    ax = fig.subplots()
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    ax.scatter(x, y, s=16 if len(x) < 2000 else 4, alpha=0.7, edgecolors="none")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    format_axis(ax.xaxis, x_label, x)
    format_axis(ax.yaxis, y_label, y)
    rho = np.corrcoef(rankdata(x), rankdata(y))[0, 1] if len(x) > 2 else float("nan")
    stats = "%d architectures, Spearman's ρ %.3f" % (len(x), rho)
    ax.set_title(title + "\n" + stats if title else stats)
    ax.grid(alpha=0.3)


def plot_distribution(f, fig):
    g = f["distribution"]
    x, y = g["x"][()], g["y"][()]
    if x.shape != y.shape:
        raise Refusal("malformed /distribution: x is %s, y is %s" % (x.shape, y.shape))
    xl = attr(g, "x_label") or unit_label(metric(attr(g, "x_name", "x")))
    yl = attr(g, "y_label") or unit_label(metric(attr(g, "y_name", "y")))
    draw_distribution(fig, x, y, xl, yl, attr(g, "title"))


def read_table(path, columns):
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", newline="") as stream:
            reader = csv.DictReader(stream)
            header = reader.fieldnames or []
            for c in columns:
                if c not in header:
                    raise Refusal("no column '%s' (columns: %s)" % (c, ", ".join(header)))
            out = [[] for _ in columns]
            for row in reader:
                try:
                    values = [float(row[c]) for c in columns]
                except (TypeError, ValueError):
                    continue  # an empty cell (no rerun) or a non-number: left out
                for o, v in zip(out, values):
                    o.append(v)
            return out
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise Refusal("cannot read as a CSV table (%s)" % str(e).replace("\n", " "))


def save(fig, out_dir, name):
    os.makedirs(out_dir, exist_ok=True)
    fig.tight_layout()
    for ext in ("png", "svg"):
        path = os.path.join(out_dir, name + "." + ext)
        fig.savefig(path, dpi=DPI)
        print(path)


def plot_search(f, fig):
    """wsnas-search's file: per strategy, the best so far after each evaluation (its ground truth,
    else its fitness), the mean over seeds and a 95% percentile bootstrap interval of that mean over
    the seeds (1000 resamples, numpy seed 0); the truth table's best as a line."""
    import numpy as np
    t = f["trajectory"]
    strategy = [s.decode() if isinstance(s, bytes) else str(s) for s in t["strategy"][()]]
    seed, evaluation = t["seed"][()], t["evaluation"][()]
    truth = t["best_truth"][()]
    use_truth = not np.all(np.isnan(truth))
    y_all = truth if use_truth else t["best_fitness"][()]
    budget = int(f.attrs["budget"])
    ax = fig.add_subplot(1, 1, 1)
    rng = np.random.RandomState(0)
    for name in dict.fromkeys(strategy):  # in the file's order
        rows = [i for i, s in enumerate(strategy) if s == name]
        seeds = sorted(set(int(seed[i]) for i in rows))
        y = np.full((len(seeds), budget), np.nan)
        for i in rows:
            y[seeds.index(int(seed[i])), int(evaluation[i]) - 1] = y_all[i]
        x = np.arange(1, budget + 1)
        mean = y.mean(axis=0)
        drawn = ax.plot(x, mean, label="%s (%d seeds)" % (name, len(seeds)))[0]
        if len(seeds) > 1:
            pick = rng.randint(0, len(seeds), size=(1000, len(seeds)))
            means = y[pick].mean(axis=1)
            low, high = np.percentile(means, [2.5, 97.5], axis=0)
            ax.fill_between(x, low, high, alpha=0.2, color=drawn.get_color(), linewidth=0)
    best = f.attrs.get("truth_best", float("nan"))
    if use_truth and not math.isnan(float(best)):
        ax.axhline(float(best), color="green", linestyle="-.", label="best in the table")
    ax.set_xlabel("fitness evaluations")
    ax.set_ylabel("ground truth of the best so far" if use_truth else "best fitness so far")
    ax.set_title("search on %s (mean over seeds, 95%% interval)" % attr_text(f, "space"))
    ax.legend(loc="lower right")
    ax.grid(True, alpha=0.3)


def attr_text(f, name):
    v = f.attrs.get(name, b"")
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        usage="%(prog)s ANALYSIS.h5 OUT_DIR [--name NAME] [--decision DECISION]\n"
              "       %(prog)s --csv TABLE --x COLUMN --y COLUMN OUT_DIR [--name NAME] "
              "[--title TITLE] [--x-label L] [--y-label L]")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="ANALYSIS.h5 OUT_DIR: an analysis file and the folder of its figure "
                             "(with --csv: OUT_DIR only)")
    parser.add_argument("--name", help="file name of the figure, without extension")
    parser.add_argument("--decision", help="bias: the decision whose options colour the scatter")
    parser.add_argument("--csv", metavar="TABLE", help="distribution of two columns of a table")
    parser.add_argument("--x", help="--csv: the column on the x axis (e.g. params)")
    parser.add_argument("--y", help="--csv: the column on the y axis (e.g. accuracy)")
    parser.add_argument("--title", help="--csv: a title above the statistics")
    parser.add_argument("--x-label", help="--csv: the x axis label (default: from the column)")
    parser.add_argument("--y-label", help="--csv: the y axis label (default: from the column)")
    args = parser.parse_args()
    fig = plt.figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    if args.csv:
        if len(args.paths) != 1 or not args.x or not args.y:
            parser.error("--csv TABLE takes --x COLUMN --y COLUMN and one OUT_DIR")
        try:
            x, y = read_table(args.csv, [args.x, args.y])
        except Refusal as e:
            fail("file '%s': %s" % (args.csv, e))
        draw_distribution(fig, x, y, args.x_label or unit_label(metric(args.x)),
                          args.y_label or unit_label(metric(args.y)), args.title)
        save(fig, args.paths[0], args.name or "distribution")
        return
    if len(args.paths) != 2:
        parser.error("expected ANALYSIS.h5 OUT_DIR")
    analysis, out_dir = args.paths
    try:
        f = h5py.File(analysis, "r")
    except OSError as e:
        fail("file '%s': cannot open as HDF5 (%s)" % (analysis, e))
    kind = f.attrs.get("kind", b"")
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    if kind == "search":
        try:
            plot_search(f, fig)
        except (KeyError, ValueError, IndexError, TypeError) as e:
            fail("file '%s': cannot draw the search: %s" % (analysis, str(e).replace("\n", " ")))
        save(fig, out_dir, args.name or "search")
        return
    if kind != "analysis":
        fail("file '%s': expected a wsnas 'analysis' file (wsnas-analyze --out-h5), found kind '%s'"
             % (analysis, kind or "(none)"))
    draws = [("bias", lambda f, fig: plot_bias(f, fig, args.decision)), ("mutual", plot_mutual),
             ("tricks", plot_tricks), ("topk", plot_ranking)] + [(k, None) for k in SWEEPS] + \
        [("distribution", plot_distribution)]
    for group, draw in draws:
        if group in f:
            name = args.name or {"topk": "ranking"}.get(group, group)
            break
    else:
        fail("file '%s': no /topk, /bias, /mutual, /tricks, /budgets, /density or /pruning group "
             "(nor /distribution)" % analysis)
    for member in REQUIRED[group]:
        if member not in f[group]:
            fail("file '%s': malformed /%s: no '%s' (docs/results-format.md)"
                 % (analysis, group, member))
    if group == "topk" and "correlation" not in f:
        fail("file '%s': malformed: /topk without /correlation" % analysis)
    try:
        if draw is None:
            plot_sweep(f, fig, group)
        else:
            draw(f, fig)
    except Refusal as e:
        fail("file '%s': %s" % (analysis, e))
    except (KeyError, ValueError, IndexError, TypeError) as e:
        fail("file '%s': cannot draw /%s: %s" % (analysis, group, str(e).replace("\n", " ")))
    save(fig, out_dir, name)


if __name__ == "__main__":
    main()

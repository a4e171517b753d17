#!/usr/bin/env python3
"""Write the NAS-Bench-201 ground truth with validation accuracies, from NATS-Bench's release.

Run once, where the official topology benchmark (NATS-tss-v1_0-3ffb9-simple, github.com/D-X-Y/
NATS-Bench, MIT) is untarred into $TORCH_HOME (default ~/.torch):

    pip install nats_bench
    python3 scripts/nats-bench-table.py --out nats_bench_valid.csv.gz
    python3 scripts/nats-bench-table.py --check nats_bench_valid.csv.gz  # vs data/nb201/

One row per cell, all 15,625 in the official index order (row i = index i), accuracies in %,
200-epoch training (hp='200'), final epoch, mean over the benchmark's seeds (is_random=False):
  CIFAR10ValidAccuracy200Epochs   'cifar10-valid' 'valid-accuracy': trained on the 25k "train"
                                  half of the CIFAR-10 training set, evaluated on the other 25k
  CIFAR10TestAccuracy200Epochs    'cifar10' 'test-accuracy': trained on all 50k, evaluated on the
                                  10k test set ("ori-test"); the same call as nats_bench.csv's
                                  column (v-tao/nats-bench-landscape, nats_bench_fitness_data.ipynb)
  CIFAR100Valid/TestAccuracy200Epochs  'cifar100' 'valid-accuracy' / 'test-accuracy': the
                                  "x-valid" / "x-test" halves (5k each) of the CIFAR-100 test set
  ImageNetValid/TestAccuracy200Epochs  'ImageNet16-120', likewise ("x-valid" / "x-test", 3k each)
The paper's NB-201 ground truth is CIFAR-100: select by its Valid column, report its Test column.
CIFAR-10 has no validation split in the 'cifar10' setting, so its Valid column comes from the
'cifar10-valid' runs (half the training data), as in the NAS-Bench-201 paper's tables.
Citations "file:line" are to nats_bench v1.8 (commit 1d4a304 of github.com/D-X-Y/NATS-Bench).
"""
import argparse
import csv
import gzip
import io
import os
import sys
import tempfile

PROG = "nats-bench-table.py"
BASE = "NATS-tss-v1_0-3ffb9"  # api_topology.py:30 (ALL_BASE_NAMES)
COUNT = 15625
# (column, nats_bench dataset, key of get_more_info's dict), api_topology.py:248-360:
#  'cifar10-valid': valid = 'x-valid' (:284-287), 'cifar10': test = 'ori-test' (:308-311),
#  other datasets: test = 'x-test' (:312-315), valid = 'x-valid' (:318-321); keys set at :333-350.
COLUMNS = [
    ("CIFAR10ValidAccuracy200Epochs", "cifar10-valid", "valid-accuracy"),
    ("CIFAR10TestAccuracy200Epochs", "cifar10", "test-accuracy"),
    ("CIFAR100ValidAccuracy200Epochs", "cifar100", "valid-accuracy"),
    ("CIFAR100TestAccuracy200Epochs", "cifar100", "test-accuracy"),
    ("ImageNetValidAccuracy200Epochs", "ImageNet16-120", "valid-accuracy"),
    ("ImageNetTestAccuracy200Epochs", "ImageNet16-120", "test-accuracy"),
]
HEADER = ["index", "ArchitectureString"] + [c for c, _, _ in COLUMNS]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    print("%s: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


def default_benchmark():
    # As nats_bench does with fast_mode=True and no path: api_topology.py:102-106 and
    # get_torch_home, api_utils.py:49-59 ($TORCH_HOME, else $HOME/.torch).
    home = os.environ.get("TORCH_HOME") or os.path.join(os.path.expanduser("~"), ".torch")
    return os.path.join(home, BASE + "-simple")


def table_rows(api, indices):
    for index in indices:
        row = [index, api.arch(index)]  # the official string: api_utils.py:180-188
        infos = {}
        for _, dataset, key in COLUMNS:
            if dataset not in infos:
                # hp='200' selects the 200-epoch runs (api_topology.py:265); iepoch=None is the
                # last epoch (api_utils.py:1317-1320); is_random=False averages the seeds of that
                # dataset (api_utils.py:885-905, get_metrics).
                infos[dataset] = api.get_more_info(index, dataset, hp="200", is_random=False)
            value = infos[dataset].get(key)
            if value is None:
                raise RuntimeError("index %d: no %r for %s" % (index, key, dataset))
            row.append(float(value))
        # fast_mode loads each cell's file into arch2infos_dict and keeps it (api_utils.py:391-396,
        # 331-336), about 5 MB a cell: drop it so 15,625 cells fit in memory.
        getattr(api, "arch2infos_dict", {}).pop(index, None)
        getattr(api, "evaluated_indexes", set()).discard(index)
        yield row


def open_text(path, mode):
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8", newline="")
    return open(path, mode, encoding="utf-8", newline="")


def write_table(path, rows):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".nats-bench-table-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as raw:
            sink = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if path.endswith(".gz") else raw
            with io.TextIOWrapper(sink, encoding="utf-8", newline="") as text:
                writer = csv.writer(text, lineterminator="\n")
                writer.writerow(HEADER)
                for row in rows:
                    writer.writerow(row)
                    if row[0] % 1000 == 999:
                        print("%s: %d/%d cells" % (PROG, row[0] + 1, COUNT), file=sys.stderr)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def check(path, reference):
    with open_text(path, "r") as f:
        ours = list(csv.DictReader(f))
    with open_text(reference, "r") as f:
        theirs = list(csv.DictReader(f))
    if len(ours) != len(theirs):
        print("row counts differ: %d vs %d" % (len(ours), len(theirs)))
        return 1
    bad = sum(a["ArchitectureString"] != b["ArchitectureString"] for a, b in zip(ours, theirs))
    print("rows %d, architecture strings differing %d" % (len(ours), bad))
    worst = 0.0
    for column, _, _ in COLUMNS:
        if column in theirs[0]:
            diff = max(abs(float(a[column]) - float(b[column])) for a, b in zip(ours, theirs))
            worst = max(worst, diff)
            print("%s: max abs difference %.3g" % (column, diff))
    return 0 if bad == 0 and worst < 1e-6 else 1


def main():
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--benchmark", default=None,
                        help="NATS-tss-v1_0-3ffb9-simple directory or .pickle.pbz2 file "
                             "(default: $TORCH_HOME/NATS-tss-v1_0-3ffb9-simple)")
    parser.add_argument("--out", default="nats_bench_valid.csv.gz",
                        help="table to write, .csv or .csv.gz (default: %(default)s)")
    parser.add_argument("--check", metavar="FILE",
                        help="compare FILE's test columns with --reference; writes nothing")
    parser.add_argument("--reference", default=os.path.join(REPO, "data/nb201/nats_bench.csv.gz"),
                        help="test-only table for --check (default: %(default)s)")
    args = parser.parse_args()
    if args.check:
        for path in (args.check, args.reference):
            if not os.path.isfile(path):
                fail("no such table: %s" % path)
        return check(args.check, args.reference)
    try:
        from nats_bench import create
    except ImportError:
        fail("the nats_bench package is missing: pip install nats_bench")
    benchmark = args.benchmark or default_benchmark()
    if not os.path.exists(benchmark):
        fail("no NATS-Bench topology benchmark at %s: untar %s-simple.tar there or pass "
             "--benchmark" % (benchmark, BASE))
    # fast_mode=True takes the directory, fast_mode=False the single file: api_topology.py:133-148.
    api = create(benchmark, "tss", fast_mode=os.path.isdir(benchmark), verbose=False)
    if len(api) != COUNT:
        fail("%s has %d cells, not %d" % (benchmark, len(api), COUNT))
    write_table(args.out, table_rows(api, range(COUNT)))
    print("%s: wrote %s (%d cells)" % (PROG, args.out, COUNT), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

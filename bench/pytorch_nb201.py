#!/usr/bin/python3
"""The reference side of bench_nb201 for NAS-Bench-201, kept under its old name: it runs
tests/reference/nb201_supernet_reference.py --bench (the independent reference of the paper's
released supernet, github.com/matluster/anonymous-2102 @3825f00, in plain PyTorch eager with the
default layout, as research code runs it) with the same arguments; see that script and
tests/reference/bench_support.py for the work timed. scripts/bench-compare.sh runs it beside
bench_nb201 (and the other spaces' references).

  /usr/bin/python3 bench/pytorch_nb201.py --archs cells.txt --threads 1 --batch 64 --steps 5
"""
import os
import sys

script = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests", "reference",
                      "nb201_supernet_reference.py")
os.execv(sys.executable, [sys.executable, os.path.normpath(script), "--bench"] + sys.argv[1:])

#!/usr/bin/env bash
# The README's main command, scripts/demo.sh, end to end at a tiny size (CTest label `demo`):
# the same script, study runner and stages as the real demo (mpirun -np 2 on Fashion-MNIST), with
# a study file cut to seconds; then a second run, which must resume (redo nothing) and print the
# same table.
#   tests/test_demo.sh BUILD_DIR
set -uo pipefail
build=$(realpath "${1:?usage: $0 BUILD_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d /tmp/wsnas-demo-XXXXXX)
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
mkdir -p "$tmp/cfg"
printf 'dataset = fashion-mnist\nprotocol = holdout:10000\nlimit-train = 512\nlimit-eval = 200\nchannels = 4\ncells = 1\n' > "$tmp/cfg/data.ini"
printf 'batch-size = 64\nbn-calib-batch = 64\nbn-calib-steps = 2\ngpus = 2\n' > "$tmp/cfg/supernet.ini"
printf 'batch-size = 64\nepochs = 1\nlr = 0.1\ngrad-clip = 0\n' > "$tmp/cfg/groundtruth.ini"
# The demo's own study file with the tiny configs and 4 cells in place of the demo's sizes.
sed -e 's#^supernet-config = .*#supernet-config = data.ini supernet.ini#' \
    -e 's#^evaluate-config = .*#evaluate-config = supernet.ini#' \
    -e 's#^groundtruth-config = .*#groundtruth-config = data.ini groundtruth.ini#' \
    -e 's#^archs = .*#archs = 4#' -e 's#^budgets = .*#budgets = 2#' -e 's#^bootstrap = .*#bootstrap = 100#' \
    "$root/configs/studies/demo.ini" > "$tmp/cfg/study.ini"
run_demo() {
  WSNAS_SKIP_BUILD=1 WSNAS_BUILD_DIR="$build" WSNAS_DEMO_STUDY="$tmp/cfg/study.ini" OMP_NUM_THREADS=1 \
    "$root/scripts/demo.sh" "$tmp/study" > "$1" 2>&1
}
run_demo "$tmp/first.log"
check "the demo ran (exit 0)" test $? -eq 0
check "the study file is the demo's (same analyses)" grep -q '^  analyses = ranking, bias, mutual' "$tmp/first.log"
check "it printed the plan" grep -q '^  supernet/baseline-e2-s0$' "$tmp/first.log"
check "it printed the analysis table" grep -q 'Spearman (score, truth)' "$tmp/first.log"
check "with top-k against random top-k and their intervals" grep -qE '^ +1 +[0-9.]+ +[0-9.]+  \[[0-9.]+, [0-9.]+\]$' "$tmp/first.log"
check "the supernet trained under mpirun -np 2" grep -q 'over 2 replicas on 2 ranks' "$tmp/first.log"
check "every run ran" grep -q 'wsnas-study: 7 runs: 7 ran, 0 done already' "$tmp/first.log"
check "the ground-truth farm printed done/total with an ETA" \
  grep -qE 'wsnas-groundtruth: [1-3]/4 architectures finished \(all ranks\), ETA [0-9:]+ at this run' "$tmp/first.log"
for fig in ranking bias mutual; do
  check "figure $fig listed at the end" grep -q "^  $tmp/study/figures/$fig.png$" "$tmp/first.log"
done
check "the figures are 800x500 PNG and non-empty SVG" /usr/bin/python3 - "$tmp/study/figures" <<'PY'
import os, struct, sys
d = sys.argv[1]
for name in ("ranking", "bias", "mutual"):
    png = open(os.path.join(d, name + ".png"), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", name
    assert struct.unpack(">II", png[16:24]) == (800, 500), (name, struct.unpack(">II", png[16:24]))
    assert os.path.getsize(os.path.join(d, name + ".svg")) > 1000, name
PY
check "the study's HDF5 files open with h5py in the documented layout" /usr/bin/python3 - "$tmp/study" <<'PY'
import sys, h5py
s = sys.argv[1]
kinds = {"supernets/baseline-e2-s0/supernet.h5": "supernet", "supernets/baseline-e2-s0/epoch_0002.h5": "supernet",
         "evaluations/baseline-e2-s0.h5": "evaluation", "groundtruth/groundtruth.h5": "groundtruth",
         "analysis/ranking.h5": "analysis", "analysis/bias.h5": "analysis", "analysis/mutual.h5": "analysis"}
for path, kind in kinds.items():
    f = h5py.File(f"{s}/{path}", "r")
    assert f.attrs["schema"] == "wsnas" and f.attrs["kind"] == kind, path
assert h5py.File(f"{s}/evaluations/baseline-e2-s0.h5", "r")["results"].attrs["rows"] == 4
r = h5py.File(f"{s}/analysis/ranking.h5", "r")
assert r["correlation"].attrs["n"] == 4 and r["correlation"].attrs["bootstrap_resamples"] == 100
m = h5py.File(f"{s}/analysis/mutual.h5", "r")
assert m["mutual/spearman"].shape == (4, 4)  # the supernet, ground truth, params, FLOPs
PY
check "h5dump reads the evaluation" sh -c "h5dump -H '$tmp/study/evaluations/baseline-e2-s0.h5' | grep -q 'DATASET \"accuracy\"'"
cp "$tmp/study/analysis/ranking.csv" "$tmp/analysis-first.csv"
run_demo "$tmp/second.log"
check "the second run succeeded" test $? -eq 0
check "nothing was rerun" grep -q 'wsnas-study: 7 runs: 0 ran, 7 done already' "$tmp/second.log"
check "no app was started" sh -c "! grep -q ' done in ' '$tmp/second.log'"
check "the same table" cmp -s "$tmp/study/analysis/ranking.csv" "$tmp/analysis-first.csv"
echo "$failures failure(s)"
[ $failures -eq 0 ]

#!/usr/bin/env bash
# The README's main command, scripts/demo.sh, end to end at a tiny size (CTest label `demo`):
# the same script and stages as the real demo (mpirun -np 2 on Fashion-MNIST), with configs cut
# to seconds; then a second run, which must resume (redo nothing) and print the same table.
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
printf 'dataset = fashion-mnist\nprotocol = holdout:10000\nlimit-train = 512\nlimit-eval = 200\nchannels = 4\ncells = 1\n' > "$tmp/cfg/study.ini"
printf 'batch-size = 64\nepochs = 2\nbn-calib-batch = 64\nbn-calib-steps = 2\ngpus = 2\n' > "$tmp/cfg/supernet.ini"
printf 'batch-size = 64\nepochs = 1\nlr = 0.1\ngrad-clip = 0\n' > "$tmp/cfg/groundtruth.ini"
run_demo() {
  WSNAS_SKIP_BUILD=1 WSNAS_BUILD_DIR="$build" WSNAS_DEMO_CONFIGS="$tmp/cfg" WSNAS_DEMO_CELLS=4 OMP_NUM_THREADS=1 \
    "$root/scripts/demo.sh" "$tmp/study" > "$1" 2>&1
}
run_demo "$tmp/first.log"
check "the demo ran (exit 0)" test $? -eq 0
check "it printed the analysis table" grep -q 'Spearman (score, truth)' "$tmp/first.log"
check "with top-k against random top-k" grep -qE '^ +1 +[0-9.]+ +[0-9.]+$' "$tmp/first.log"
check "the supernet trained under mpirun -np 2" grep -q 'over 2 replicas on 2 ranks' "$tmp/first.log"
check "the study's HDF5 files open with h5py in the documented layout" /usr/bin/python3 - "$tmp/study" <<'PY'
import sys, h5py
s = sys.argv[1]
kinds = {"supernet/supernet.h5": "supernet", "supernet/epoch_0002.h5": "supernet", "evaluation.h5": "evaluation",
         "groundtruth/groundtruth.h5": "groundtruth", "analysis.h5": "analysis"}
for path, kind in kinds.items():
    f = h5py.File(f"{s}/{path}", "r")
    assert f.attrs["schema"] == "wsnas" and f.attrs["kind"] == kind, path
assert h5py.File(f"{s}/evaluation.h5", "r")["results"].attrs["rows"] == 4
assert h5py.File(f"{s}/analysis.h5", "r")["correlation"].attrs["n"] == 4
PY
check "h5dump reads the evaluation" sh -c "h5dump -H '$tmp/study/evaluation.h5' | grep -q 'DATASET \"accuracy\"'"
cp "$tmp/study/analysis.csv" "$tmp/analysis-first.csv"
run_demo "$tmp/second.log"
check "the second run succeeded" test $? -eq 0
check "the supernet was not retrained" grep -q 'is complete (2 epochs); nothing to do' "$tmp/second.log"
check "no cell was retrained" grep -q '4 architectures, 4 already trained' "$tmp/second.log"
check "no cell was rescored" grep -q '4 (checkpoint, architecture) pairs, 4 already in' "$tmp/second.log"
check "the same table" cmp -s "$tmp/study/analysis.csv" "$tmp/analysis-first.csv"
echo "$failures failure(s)"
[ $failures -eq 0 ]

#!/usr/bin/env bash
# scripts/nats-bench-table.py, the one-time converter of NATS-Bench's release to a NAS-Bench-201
# table with validation columns (docs/studies.md): its one-line error without the nats_bench
# package, its --check of a table against data/nb201/nats_bench.csv.gz, and that such a table
# selects by valid and reports by test in wsnas-analyze. (The conversion itself needs the
# benchmark's release, which is not redistributable here: data/README.md.)
set -uo pipefail
bin=$(realpath "${1:?usage: $0 BIN_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d /tmp/wsnas-natsbench-XXXXXX)
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
py=/usr/bin/python3
script=$root/scripts/nats-bench-table.py
failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

if ! $py -c "import nats_bench" 2> /dev/null; then
  $py "$script" --out "$tmp/none.csv.gz" > "$tmp/out" 2> "$tmp/err"
  check "without nats_bench: exit 2" [ $? -eq 2 ]
  check "... one line naming the package" \
    [ "$(cat "$tmp/err")" = "nats-bench-table.py: the nats_bench package is missing: pip install nats_bench" ]
  check "... nothing written" test ! -e "$tmp/none.csv.gz"
fi

# A table in the converter's format, valid = 100 - test: a stand-in for the benchmark's values that
# ranks every cell the other way round, so that selecting by valid and reporting by test differ.
$py - "$root/data/nb201/nats_bench.csv.gz" "$tmp/valid.csv.gz" <<'PY'
import csv, gzip, sys
rows = list(csv.DictReader(gzip.open(sys.argv[1], "rt")))
with gzip.open(sys.argv[2], "wt", newline="") as f:
    w = csv.writer(f)
    w.writerow(["index", "ArchitectureString"] + [d + k + "Accuracy200Epochs" for d in
               ("CIFAR10", "CIFAR100", "ImageNet") for k in ("Valid", "Test")])
    for i, r in enumerate(rows):
        out = [i, r["ArchitectureString"]]
        for d in ("CIFAR10", "CIFAR100", "ImageNet"):
            t = r[d + "TestAccuracy200Epochs"]
            out += [100 - float(t), t]
        w.writerow(out)
PY
$py "$script" --check "$tmp/valid.csv.gz" > "$tmp/check.out" 2>&1
check "--check: the test columns equal data/'s (exit 0)" [ $? -eq 0 ]
check "... every row and string compared" grep -q "rows 15625, architecture strings differing 0" "$tmp/check.out"
zcat "$tmp/valid.csv.gz" | sed '3s/^1,\([^,]*\),\([^,]*\),\([0-9.]*\)/1,\1,\2,0.5/' | gzip > "$tmp/bad.csv.gz"
$py "$script" --check "$tmp/bad.csv.gz" > "$tmp/bad.out" 2>&1
check "--check: a changed test value is found (exit 1)" [ $? -eq 1 ]
$py "$script" --check "$tmp/absent.csv.gz" > /dev/null 2> "$tmp/absent.err"
check "--check: a missing table is exit 2" [ $? -eq 2 ]

# The study's selection: among the k best by score, the best by CIFAR-100 valid, reported by its
# CIFAR-100 test accuracy: here the worst test accuracy among them. Expected values computed here
# from the definition (stable sort by score, the 15,284 valid cells: CIFAR-10 accuracy not 10.0).
"$bin/wsnas-analyze" --scores "$root/data/nb201/nats_bench.csv.gz" \
  --score-arch-column ArchitectureString --score-column ImageNetTestAccuracy200Epochs \
  --truth "$tmp/valid.csv.gz" --truth-arch-column ArchitectureString \
  --truth-select CIFAR100ValidAccuracy200Epochs --truth-report CIFAR100TestAccuracy200Epochs \
  --k 1,10,100 --out-csv "$tmp/by-valid.csv" > "$tmp/a.out" 2>&1
check "wsnas-analyze selects by the valid column, reports the test column (exit 0)" [ $? -eq 0 ]
check "... top-k as the definition gives" $py - "$root/data/nb201/nats_bench.csv.gz" "$tmp/by-valid.csv" <<'PY'
import csv, gzip, sys
rows = [r for r in csv.DictReader(gzip.open(sys.argv[1], "rt"))
        if float(r["CIFAR10TestAccuracy200Epochs"]) != 10.0]
rows.sort(key=lambda r: -float(r["ImageNetTestAccuracy200Epochs"]))  # stable
got = {r["k"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[2])) if r["metric"] == "top_k"}
for k in (1, 10, 100):
    best = max(rows[:k], key=lambda r: 100 - float(r["CIFAR100TestAccuracy200Epochs"]))
    want = float(best["CIFAR100TestAccuracy200Epochs"])
    assert abs(got[str(k)] - want) < 1e-9, (k, got[str(k)], want)
    print("top-%d %.4f" % (k, want))
PY

echo "test_nats_bench_table: $failures failure(s)"
[ "$failures" -eq 0 ]

#!/usr/bin/env bash
# wsnas-score (zero-cost scorers, docs/zero-cost.md) through the real app on real Fashion-MNIST,
# under mpirun -np 2:
#   - the 2-rank run writes, for every architecture, the same values as the 1-rank run (one thread
#     per rank on both), in the order of --archs;
#   - a rerun with more architectures scores only the new ones and gives the same values;
#   - wsnas-analyze reads a scorer's column as a score (ranking against the NAS-Bench-201 table of
#     data/, mutual with two scorers and the parameter count);
#   - bad input is one error line, exit 2, the results file unchanged.
#   tests/test_score.sh BIN_DIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" score "${1:-}"
base=(--space nb201 --channels 8 --cells 1 --dataset fashion-mnist --limit-train 512 --seed 3)
args=("${base[@]}" --score-batch 16)

"$bin/wsnas-space" sample --space nb201 -n 8 --seed 2 > "$tmp/archs.txt"
head -4 "$tmp/archs.txt" > "$tmp/first4.txt"
"$bin/wsnas-score" "${args[@]}" --archs "$tmp/archs.txt" --out "$tmp/one.h5" > "$tmp/one.log" 2>&1
check "wsnas-score on 1 rank" [ $? -eq 0 ]
"${mpi[@]}" "$bin/wsnas-score" "${args[@]}" --archs "$tmp/archs.txt" --out "$tmp/two.h5" \
  > "$tmp/two.log" 2>&1
check "wsnas-score on 2 ranks" [ $? -eq 0 ]
"${mpi[@]}" "$bin/wsnas-score" "${args[@]}" --archs "$tmp/first4.txt" --out "$tmp/part.h5" \
  > /dev/null 2>&1
"${mpi[@]}" "$bin/wsnas-score" "${args[@]}" --archs "$tmp/archs.txt" --out "$tmp/part.h5" \
  > "$tmp/part.log" 2>&1
check "the rerun scores only the 4 new architectures" \
  grep -q "8 architectures, 4 already in .* 4 to score with 6 scorers on 2 ranks" "$tmp/part.log"

$py - "$tmp" "$tmp/archs.txt" > "$tmp/cmp.txt" 2>&1 <<'PY'
import sys, h5py, numpy as np
t, archs = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]
files = {n: h5py.File(f"{t}/{n}.h5", "r") for n in ("one", "two", "part")}
names = ["grad_norm", "snip", "grasp", "synflow", "jacob_cov", "naswot"]
r = files["one"]["/results"]
print("kind", files["one"].attrs["kind"], "rows", len(r["arch"]))
print("order", [a.decode() for a in r["arch"][()]] == archs)
print("finite", all(bool(np.all(np.isfinite(r[n][()]))) for n in names))
for other in ("two", "part"):
    o = files[other]["/results"]
    same = all(np.array_equal(r[n][()], o[n][()]) for n in names + ["arch"])
    print(other, "equal" if same else "differ")
# Not constant: the scorers tell the architectures apart.
print("distinct", all(len(set(np.round(r[n][()], 12))) > 1 for n in names))
PY
cat "$tmp/cmp.txt"
check "the results file: kind scores, 8 rows" grep -q "kind scores rows 8" "$tmp/cmp.txt"
check "rows in the order of --archs" grep -q "order True" "$tmp/cmp.txt"
check "every value finite" grep -q "finite True" "$tmp/cmp.txt"
check "2 ranks write the values of 1 rank" grep -q "two equal" "$tmp/cmp.txt"
check "the resumed file has the same values" grep -q "part equal" "$tmp/cmp.txt"
check "each scorer tells the architectures apart" grep -q "distinct True" "$tmp/cmp.txt"

truth=(--truth "$root/data/nb201/nats_bench.csv.gz" --truth-column CIFAR10TestAccuracy200Epochs
  --truth-arch-column ArchitectureString)
"$bin/wsnas-analyze" ranking --space nb201 --scores "$tmp/two.h5" --score-column synflow \
  "${truth[@]}" > "$tmp/ranking.txt" 2>&1
check "wsnas-analyze ranks by a scorer's column" grep -q "joined 8 architectures" "$tmp/ranking.txt"
"$bin/wsnas-analyze" mutual --space nb201 --scores "$tmp/two.h5" "$tmp/two.h5" \
  --score-column synflow naswot "${truth[@]}" > "$tmp/mutual.txt" 2>&1
check "wsnas-analyze mutual takes two scorers" [ $? -eq 0 ]
cat "$tmp/mutual.txt"

keep_results "$tmp/two.h5"
bad "--scorer: unknown scorer 'bogus'" "$bin/wsnas-score" "${args[@]}" --archs "$tmp/archs.txt" \
  --out "$tmp/two.h5" --scorer snip,bogus
bad "was made with --score-batch '16'" "$bin/wsnas-score" "${base[@]}" --score-batch 32 \
  --archs "$tmp/archs.txt" --out "$tmp/two.h5"
bad "--space darts-ptb: the zero-cost scorers are defined for image classification" \
  "$bin/wsnas-score" --space darts-ptb --archs "$tmp/archs.txt" --out "$tmp/two.h5"
bad "--score-batch 1: expected at least 2" "$bin/wsnas-score" "${base[@]}" --score-batch 1 \
  --archs "$tmp/archs.txt" --out "$tmp/two.h5"
finish

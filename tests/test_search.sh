#!/usr/bin/env bash
# wsnas-search (random search and regularised evolution on a fitness table, docs/search.md) with
# the NATS-Bench table of data/ as an oracle fitness on NAS-Bench-201:
#   - every run equals an independent Python implementation of the same strategy with the same
#     seed and sampling rules (tests/reference/search_reference.py): the same architectures
#     evaluated in the same order, the same best-so-far fitness after every evaluation;
#   - the results file holds budget x strategies x seeds evaluations, each run's best-so-far never
#     decreases, and no find is better than the table's best (regret >= 0);
#   - the summary names each strategy's mean find, its interval, regret and difference from
#     random search;
#   - with a supernet as the fitness (--fitness-checkpoint), on NAS-Bench-201 and DARTS, every
#     fitness equals wsnas-evaluate's score of that architecture on that checkpoint;
#   - bad input is one error line and exit 2.
#   tests/test_search.sh BIN_DIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" search "${1:-}"
table=$root/data/nb201/nats_bench.csv.gz
args=(--space nb201 --fitness "$table" --fitness-arch-column ArchitectureString
  --fitness-column CIFAR10TestAccuracy200Epochs --truth "$table"
  --truth-arch-column ArchitectureString --truth-column CIFAR10TestAccuracy200Epochs)

"$bin/wsnas-search" "${args[@]}" --budget 150 --seeds 0-4 --bootstrap 200 --out "$tmp/s.h5" \
  --plot "$tmp/figs" > "$tmp/search.txt" 2>&1
check "wsnas-search runs (exit $?)" [ $? -eq 0 ]
check "the trajectories drawn (search.png)" test -s "$tmp/figs/search.png"
cat "$tmp/search.txt"
check "the summary names the table's best" grep -q "best in the truth table: 94.37" "$tmp/search.txt"
check "the summary has both strategies" \
  bash -c "grep -q '^random ' '$tmp/search.txt' && grep -qE '^evolution +[0-9.]+ +\[[0-9.]+, [0-9.]+\] +[0-9.]+ +[+-][0-9.]+' '$tmp/search.txt'"

$py "$root/tests/reference/search_reference.py" "$table" CIFAR10TestAccuracy200Epochs "$tmp/s.h5" \
  > "$tmp/ref.txt" 2>&1
cat "$tmp/ref.txt"
check "10 runs compared with the Python reference" [ "$(grep -c 'evaluations 150$' "$tmp/ref.txt")" -eq 10 ]
check "every run evaluates the reference's architectures in its order" \
  bash -c "! grep -q 'same_archs False' '$tmp/ref.txt' && [ \$(grep -c 'same_archs True' '$tmp/ref.txt') -eq 10 ]"
check "every run's best-so-far equals the reference's" \
  bash -c "[ \$(grep -c 'best_fitness_diff 0 ' '$tmp/ref.txt') -eq 10 ]"

$py - "$tmp/s.h5" > "$tmp/file.txt" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t, found = f["trajectory"], f["found"]
best = t["best_fitness"][()].reshape(10, 150)
print("kind", f.attrs["kind"], "rows", len(t["arch"]), "runs", len(found["arch"]))
print("monotone", bool(np.all(np.diff(best, axis=1) >= 0)))
print("regret_nonnegative", bool(np.all(found["regret"][()] >= 0)))
PY
cat "$tmp/file.txt"
check "kind search, 1500 evaluations, 10 runs" grep -q "kind search rows 1500 runs 10" "$tmp/file.txt"
check "best-so-far never decreases" grep -q "monotone True" "$tmp/file.txt"
check "no find beats the table's best" grep -q "regret_nonnegative True" "$tmp/file.txt"

keep_results "$tmp/s.h5"
out=(--out "$tmp/s.h5")
bad "--strategy: unknown strategy 'annealing'" "$bin/wsnas-search" "${args[@]}" "${out[@]}" \
  --strategy annealing
bad "--budget 0: expected at least 1" "$bin/wsnas-search" "${args[@]}" "${out[@]}" --budget 0
bad "--seeds 'x': expected seeds" "$bin/wsnas-search" "${args[@]}" "${out[@]}" --seeds x
bad "--plot draws the --out file" "$bin/wsnas-search" "${args[@]}" --plot "$tmp/figs2"
zcat "$table" | head -40 > "$tmp/partial.csv"
bad "no row for architecture" "$bin/wsnas-search" --space nb201 --fitness "$tmp/partial.csv" \
  --fitness-arch-column ArchitectureString --fitness-column CIFAR10TestAccuracy200Epochs \
  --budget 200 "${out[@]}"
# ---- fitness on demand: a supernet scores each architecture when the search asks -------------
# (--fitness-checkpoint) on NAS-Bench-201 and on DARTS (no table covers it): every fitness in the
# trajectory equals the score wsnas-evaluate gives that architecture on the same checkpoint with
# the same calibration, exactly.
sup=(--dataset fashion-mnist --limit-train 128 --limit-eval 200 --batch-size 32 --epochs 1
  --save-epochs none)
calib=(--bn-calib-batch 16 --bn-calib-steps 1)
for space in nb201 darts; do
  cells=1
  [ "$space" = darts ] && cells=3
  "$bin/wsnas-supernet" --space $space --channels 4 --cells $cells "${sup[@]}" \
    --out "$tmp/$space" > "$tmp/$space-supernet.log" 2>&1
  "$bin/wsnas-search" --fitness-checkpoint "$tmp/$space/supernet.h5" "${calib[@]}" --budget 6 \
    --population 3 --sample-size 2 --seeds 0,1 --out "$tmp/$space-search.h5" \
    > "$tmp/$space-search.txt" 2>&1
  check "$space: a search with a supernet as its fitness" [ $? -eq 0 ]
  check "$space: it shows progress" grep -q "search: 24/24 (100.0%)" "$tmp/$space-search.txt"
  $py - "$tmp/$space-search.h5" > "$tmp/$space-archs.txt" << 'PY'
import sys, h5py
t = h5py.File(sys.argv[1], "r")["/trajectory"]
print("\n".join(sorted({a.decode() for a in t["arch"][()]})))
PY
  "$bin/wsnas-evaluate" --checkpoint "$tmp/$space/supernet.h5" --archs "$tmp/$space-archs.txt" \
    "${calib[@]}" --out "$tmp/$space-eval.h5" > /dev/null 2>&1
  $py - "$tmp/$space-search.h5" "$tmp/$space-eval.h5" > "$tmp/$space-cmp.txt" << 'PY'
import sys, h5py
t = h5py.File(sys.argv[1], "r")["/trajectory"]
e = h5py.File(sys.argv[2], "r")["/results"]
score = dict(zip((a.decode() for a in e["arch"][()]), e["accuracy"][()]))
rows = list(zip((a.decode() for a in t["arch"][()]), t["fitness"][()]))
print("rows", len(rows), "equal", all(score[a] == f for a, f in rows), "distinct", len(set(score.values())) > 1)
PY
  check "$space: 24 evaluations, each the score wsnas-evaluate gives it" \
    grep -q "rows 24 equal True distinct True" "$tmp/$space-cmp.txt"
done
bad "--fitness and --fitness-checkpoint: give one fitness, not both" "$bin/wsnas-search" \
  "${args[@]}" --fitness-checkpoint "$tmp/nb201/supernet.h5"
bad "--space darts: --fitness-checkpoint '$tmp/nb201/supernet.h5' is a nb201 supernet" \
  "$bin/wsnas-search" --space darts --fitness-checkpoint "$tmp/nb201/supernet.h5"
bad "no fitness: give --fitness TABLE --fitness-column NAME, or a supernet" "$bin/wsnas-search"
finish

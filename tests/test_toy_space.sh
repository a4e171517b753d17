#!/usr/bin/env bash
# A sixth search space from a plugin (tests/toy_space/toy_space.cpp: a 2-decision MLP on the real
# Fashion-MNIST of Debian's dataset-fashion-mnist) through the real apps under mpirun -np 2, with
# no edit outside its own files: the engine's registries are the only way in (docs/engine.md).
#   - wsnas-space lists, counts and samples it;
#   - wsnas-supernet trains its supernet, wsnas-evaluate scores all 9 architectures on it, and
#     wsnas-groundtruth trains 3 of them stand-alone; each result file has its rows, finite scores
#     and the space's name;
#   - the ground truth learns (above chance after one epoch), and the supernet's weights are the
#     same on 1 and 2 ranks (2 replicas);
#   - a plugin path that does not load is one error line naming it, exit 2.
#   tests/test_toy_space.sh BIN_DIR PLUGIN
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" toy-space "${1:-}"
plugin=$(realpath "${2:?usage: $0 BIN_DIR PLUGIN}")
export WSNAS_PLUGINS=$plugin
data="--space toy-mlp --dataset fashion-mnist --limit-train 2048 --limit-eval 512 --protocol holdout:512"

"$bin/wsnas-space" count --space toy-mlp > "$tmp/count.txt" 2>&1
check "wsnas-space counts the plugin's space: 9 architectures ($(tr '\n' ' ' < "$tmp/count.txt"))" \
  grep -q "total: 9" "$tmp/count.txt"
"$bin/wsnas-space" sample --space toy-mlp -n 9 --seed 1 > "$tmp/sampled.txt" 2>&1
check "wsnas-space samples all 9 distinct architectures" \
  bash -c "[ \$(sort -u '$tmp/sampled.txt' | grep -c ,) -eq 9 ]"
printf 'relu,relu\nrelu,tanh\nrelu,skip\ntanh,relu\ntanh,tanh\ntanh,skip\nskip,relu\nskip,tanh\nskip,skip\n' > "$tmp/all.txt"
head -3 "$tmp/all.txt" > "$tmp/gt.txt"

for ranks in 2 1; do
  run=(mpirun --oversubscribe -n "$ranks")
  "${run[@]}" "$bin/wsnas-supernet" $data --epochs 2 --batch-size 64 --gpus 2 --lr 0.05 \
    --weight-decay 0 --seed 5 --save-epochs none --out "$tmp/supernet-$ranks" > "$tmp/supernet-$ranks.log" 2>&1
  check "wsnas-supernet on $ranks ranks" [ $? -eq 0 ]
done
"${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$tmp/supernet-2/supernet.h5" --archs "$tmp/all.txt" \
  --bn-calib-steps 0 --out "$tmp/evaluation.h5" > "$tmp/evaluate.log" 2>&1
check "wsnas-evaluate" [ $? -eq 0 ]
"${mpi[@]}" "$bin/wsnas-groundtruth" $data --archs "$tmp/gt.txt" --epochs 1 --batch-size 64 \
  --lr 0.05 --seed 5 --out "$tmp/groundtruth" > "$tmp/groundtruth.log" 2>&1
check "wsnas-groundtruth" [ $? -eq 0 ]

$py - "$tmp" > "$tmp/files.txt" 2>&1 <<'PY'
import sys, h5py, numpy as np
t = sys.argv[1]
s1, s2 = (h5py.File(f"{t}/supernet-{r}/supernet.h5", "r") for r in (1, 2))
same = all(np.array_equal(s1["/model"][k][()], s2["/model"][k][()]) for k in s1["/model"])
print("space", s1["/config"].attrs["space"], "same_weights", same)
e = h5py.File(f"{t}/evaluation.h5", "r")["/results"]
acc = e["accuracy"][()]
print("eval_rows", len(acc), "finite", bool(np.all(np.isfinite(acc))), "archs", len(set(e["arch"][()])))
g = h5py.File(f"{t}/groundtruth/groundtruth.h5", "r")["/results"]
gacc = g["final_valid_accuracy"][()]
print("gt_rows", len(gacc), "min_gt", float(gacc.min()), "params", list(g["params"][()]))
PY
cat "$tmp/files.txt"
check "the results name the space" grep -q "space toy-mlp" "$tmp/files.txt"
check "the supernet is the same on 1 and 2 ranks" grep -q "same_weights True" "$tmp/files.txt"
check "9 distinct architectures scored, all finite" grep -q "eval_rows 9 finite True archs 9" "$tmp/files.txt"
check "3 architectures trained stand-alone" grep -q "gt_rows 3" "$tmp/files.txt"
# 10 classes: chance is 10 %; one epoch of an MLP on 2048 Fashion-MNIST images is far above it.
min_gt=$(sed -n 's/.*min_gt \([0-9.]*\).*/\1/p' "$tmp/files.txt")
check "the ground truth learns (lowest valid accuracy $min_gt % > 30 %)" \
  $py -c "import sys; sys.exit(0 if float('${min_gt:-0}') > 30 else 1)"
# Parameters: stem 784x64+64 = 50,240, a 64x64+64 = 4,160 layer per searched operator that is not
# skip, head 64x10+10 = 650: relu,relu and relu,tanh 59,210, relu,skip 55,050.
check "the stand-alone networks have 59,210, 59,210 and 55,050 parameters" \
  grep -q "params \[59210, 59210, 55050\]" "$tmp/files.txt"

WSNAS_PLUGINS=$tmp/missing.so "$bin/wsnas-space" count > /dev/null 2> "$tmp/bad.err"
rc=$?
check "a missing plugin: exit 2 ($rc), one line naming it" \
  bash -c "[ $rc -eq 2 ] && [ \$(wc -l < '$tmp/bad.err') -eq 1 ] && grep -q \"WSNAS_PLUGINS: cannot load '$tmp/missing.so'\" '$tmp/bad.err'"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

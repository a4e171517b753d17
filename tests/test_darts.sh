#!/usr/bin/env bash
# DARTS-CIFAR10 through the whole pipeline (CTest label `darts`): synthetic CIFAR-10 written in the
# real binary format, the released code's protocol (--protocol train-all: train on every training
# image, score on the test set), tiny networks (C 4, 3 cells), real mpirun -np 2.
#   - a study with configs/darts-code.ini (2 replicas each training its own architecture per
#     step, auxiliary head 0.4, drop-path 0.2, cutout 16) and configs/darts-standalone.ini;
#   - ground-truth parameters equal the space's DARTS count at that shape;
#   - the published table as both the architectures to score and the ground truth;
#   - supernet and ground truth stopped mid-training resume to bit-equal results;
#   - bad input: one line, exit 2, results already written unchanged.
#   tests/test_darts.sh BIN_DIR
set -uo pipefail
bin=$(realpath "${1:?usage: $0 BIN_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
table=$(realpath "$root/../shared/data/supernet-help/darts_cifar10.csv")
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/wsnas-darts-XXXXXX)
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
export WSNAS_LAUNCHER="mpirun --oversubscribe" WSNAS_RANKS=2
mpi=(mpirun --oversubscribe -n 2)
failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
[ -f "$table" ] || { echo "FAIL: missing $table"; exit 1; }

"$bin/wsnas-data" synth --kind cifar10 --train 400 --test 100 --seed 3 --out "$tmp/cifar10" > /dev/null ||
  { echo "FAIL: synth"; exit 1; }
data="--dataset cifar10 --data-dir $tmp/cifar10 --protocol train-all --channels 4 --cells 3"

# ---- a study: supernet, evaluation, ground truth, analysis -------------------------------------
cfg=$tmp/cfg
mkdir -p "$cfg"
printf 'data-dir = %s\nchannels = 4\ncells = 3\n' "$tmp/cifar10" > "$cfg/data.ini"
printf 'batch-size = 32\nepochs = 1\n' > "$cfg/groundtruth.ini"
printf 'bn-calib-batch = 32\nbn-calib-steps = 2\n' > "$cfg/evaluate.ini"
printf 'batch-size = 32\ngpus = 2\nlr = 0.05\n' > "$cfg/supernet.ini"
cat > "$cfg/study.ini" <<EOF
[study]
space = darts
supernet-config = $root/configs/studies/data-darts-cifar10.ini $root/configs/darts-code.ini data.ini supernet.ini
evaluate-config = $root/configs/darts-code.ini evaluate.ini
groundtruth-config = $root/configs/studies/data-darts-cifar10.ini $root/configs/darts-standalone.ini data.ini groundtruth.ini
archs = 3
budgets = 2
seeds = 0
truth = farm
truth-select = final_valid_accuracy
truth-report = final_test_accuracy
analyses = ranking
k = 1, 2
EOF
"$bin/wsnas-study" run "$cfg/study.ini" "$tmp/study" > "$tmp/study.log" 2>&1
rc=$?
check "the darts study runs (exit 0)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -20 "$tmp/study.log"
check "the study's analysis joined 3 architectures" grep -q "joined 3 architectures" "$tmp/study.log"
sn=$(find "$tmp/study" -name supernet.h5 | head -1)
ev=$(ls "$tmp"/study/evaluations/*.h5 2> /dev/null | head -1)
gt=$(find "$tmp/study" -name groundtruth.h5 | head -1)
check "supernet, evaluation and ground truth files exist" test -f "$sn" -a -f "$ev" -a -f "$gt"
$py - "$sn" "$gt" > "$tmp/files.txt" 2>&1 <<'EOF'
import sys, h5py
def cfg(f):
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["/config"].attrs.items()}
sn = h5py.File(sys.argv[1], "r")
c = cfg(sn)
print("supernet", c.get("space"), c.get("protocol"), "sampler", c.get("sampler"), "unused",
      c.get("unused-params"), "aux", c.get("aux-weight"), "drop", c.get("drop-path"), "cutout",
      c.get("cutout"), "replicas", c.get("replicas"))
print("aux_tensors", sum(1 for k in sn["/model"].keys() if k.startswith("auxiliary")))
gt = h5py.File(sys.argv[2], "r")
c = cfg(gt)
print("groundtruth", c.get("batch-size"), c.get("lr"), c.get("lr-schedule"), "aux", c.get("aux-weight"),
      "drop", c.get("drop-path"), "cutout", c.get("cutout"), "rows", gt["/results"].attrs["rows"])
for a, p in zip(gt["/results/arch"], gt["/results/params"]):
    print("param", p, a.decode())
EOF
check "supernet: darts-code.ini ($(head -1 "$tmp/files.txt"))" \
  grep -q "supernet darts train-all sampler per-replica unused decay-all aux 0.4 drop 0.2 cutout 16 replicas 2" "$tmp/files.txt"
check "the supernet checkpoint holds the auxiliary head" grep -Eq "aux_tensors [1-9]" "$tmp/files.txt"
check "ground truth: darts-standalone.ini ($(sed -n 3p "$tmp/files.txt"))" \
  grep -q "groundtruth 32 0.025 cosine-epoch aux 0.4 drop 0.2 cutout 16 rows 3" "$tmp/files.txt"
# Ground-truth parameters (the trained network's, auxiliary head excluded) = DARTS' count there.
while read -r _ params arch; do
  want=$("$bin/wsnas-space" info --space darts --arch "$arch" --channels 4 --cells 3 --format csv |
    tail -1 | awk -F, '{printf "%d", $(NF-1) * 1e6 + 0.5}')
  check "params $params = $want" [ "$params" = "$want" ]
done < <(grep '^param ' "$tmp/files.txt")

# ---- the published table: the architectures scored and the ground truth -------------------------
head -4 "$table" > "$tmp/published3.csv"
"${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$tmp/published3.csv" \
  --bn-calib-batch 32 --bn-calib-steps 2 --out "$tmp/published.h5" > "$tmp/pub.log" 2>&1
check "the published table's first 3 rows scored on the supernet" [ $? -eq 0 -a -f "$tmp/published.h5" ]
"$bin/wsnas-analyze" ranking --space darts --scores "$tmp/published.h5" --score-column accuracy \
  --truth "$table" --truth-arch-column genotype --truth-column accuracy > "$tmp/analyze.log" 2>&1
check "wsnas-analyze joins them with the published accuracies" \
  grep -q "joined 3 architectures" "$tmp/analyze.log"

# ---- the released code's study plans -----------------------------------------------------------
"$bin/wsnas-study" plan "$root/configs/studies/darts-cifar10.ini" "$tmp/plan" > "$tmp/plan.log" 2>&1
check "configs/studies/darts-cifar10.ini plans" [ $? -eq 0 ]
check "one supernet: --space darts, the released code's config, 1000 epochs; 377 architectures" \
  [ "$(grep -c "wsnas-supernet --space darts .*darts-code.ini --epochs 1000" "$tmp/plan/plan.tsv")" -eq 1 -a \
    "$(grep -c "sample --space darts -n 377 .*--from $table" "$tmp/plan/plan.tsv")" -eq 1 ]

# ---- stop and resume: bit-equal weights (drop-path, auxiliary head, per-replica paths) ----------
args=(--space darts $data --config "$root/configs/darts-code.ini" --epochs 2 --batch-size 32
  --gpus 2 --save-epochs none)
"${mpi[@]}" "$bin/wsnas-supernet" "${args[@]}" --out "$tmp/ref" > /dev/null 2>&1
mkdir -p "$tmp/stop"
"${mpi[@]}" "$bin/wsnas-supernet" "${args[@]}" --checkpoint-minutes 0.000001 --out "$tmp/stop" \
  > "$tmp/stop/log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -f "$tmp/stop/supernet.h5" ] && break; sleep 0.1; done
sleep 1
pkill -USR1 -f "wsnas-supernet.*$tmp/stop" || true
wait $pid
rc=$?
check "SIGUSR1 stops the supernet with exit 75 (got $rc)" [ "$rc" -eq 75 ]
"${mpi[@]}" "$bin/wsnas-supernet" "${args[@]}" --out "$tmp/stop" > "$tmp/resume.log" 2>&1
check "the rerun resumes" grep -q "resuming" "$tmp/resume.log"
$py - "$tmp/ref/supernet.h5" "$tmp/stop/supernet.h5" > "$tmp/cmp.txt" 2>&1 <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a["/model"].visit(lambda n: names.append(n) if isinstance(a["/model"][n], h5py.Dataset) else None)
diff = max(float(np.max(np.abs(a["/model"][n][()] - b["/model"][n][()]))) for n in names)
print("tensors", len(names), "maxdiff", diff)
EOF
check "resumed weights bit-equal to an uninterrupted run ($(cat "$tmp/cmp.txt"))" \
  grep -Eq "tensors [0-9]{3,} maxdiff 0.0$" "$tmp/cmp.txt"

# ---- the stand-alone recipe stopped and resumed: the same results ------------------------------
gt_args=(--space darts --config "$root/configs/darts-standalone.ini" $data --batch-size 32
  --epochs 3 --archs "$tmp/published3.csv")
"${mpi[@]}" "$bin/wsnas-groundtruth" "${gt_args[@]}" --out "$tmp/gtref" > /dev/null 2>&1
mkdir -p "$tmp/gtstop"
"${mpi[@]}" "$bin/wsnas-groundtruth" "${gt_args[@]}" --out "$tmp/gtstop" > "$tmp/gtstop/log" 2>&1 &
pid=$!
for _ in $(seq 1200); do ls "$tmp"/gtstop/cells/*.state.h5 > /dev/null 2>&1 && break; sleep 0.1; done
pkill -USR1 -f "wsnas-groundtruth.*$tmp/gtstop" || true
wait $pid
rc=$?
check "SIGUSR1 stops the ground truth with exit 75 (got $rc)" [ "$rc" -eq 75 ]
"${mpi[@]}" "$bin/wsnas-groundtruth" "${gt_args[@]}" --out "$tmp/gtstop" > /dev/null 2>&1
$py - "$tmp/gtref/groundtruth.h5" "$tmp/gtstop/groundtruth.h5" > "$tmp/gtcmp.txt" 2>&1 <<'EOF2'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
print("rows", a["/results"].attrs["rows"])
for col in ["final_valid_accuracy", "final_test_accuracy"]:
    print(col, "equal" if np.array_equal(a["/results/" + col][()], b["/results/" + col][()]) else "differ")
print("curves", "equal" if np.array_equal(a["/curves/train_loss"][()], b["/curves/train_loss"][()]) else "differ")
EOF2
check "ground truth resumed equals an uninterrupted run ($(tr '\n' ' ' < "$tmp/gtcmp.txt"))" \
  [ "$(grep -c 'equal' "$tmp/gtcmp.txt")" -eq 3 -a "$(grep -c 'rows 3' "$tmp/gtcmp.txt")" -eq 1 ]

# ---- bad input ----------------------------------------------------------------------------------
# Node 2 of the normal cell takes input 2 (itself).
printf 'arch\n"%s"\n' "Genotype(normal=[('sep_conv_3x3', 2), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])" > "$tmp/self.csv"
cp "$ev" "$tmp/keep.h5"
sum_before=$(md5sum < "$tmp/keep.h5")
bad() {  # expected message fragment, then the command; one stderr line, exit 2, keep.h5 unchanged
  local want=$1
  shift
  "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
  local rc=$? lines
  lines=$(grep -c 'error' "$tmp/bad.err")
  check "bad input '$want': exit 2, one error line (rc $rc, $lines lines)" \
    [ "$rc" -eq 2 -a "$lines" -eq 1 ]
  check "message names it: $want" grep -qF -- "$want" "$tmp/bad.err"
  check "results unchanged" [ "$(md5sum < "$tmp/keep.h5")" = "$sum_before" ]
}
bad "self.csv' line 2" "${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$tmp/self.csv" \
  --out "$tmp/keep.h5"
bad "--aux-weight: DARTS' auxiliary head takes the 8x8 maps" "${mpi[@]}" "$bin/wsnas-supernet" \
  --space darts --dataset fashion-mnist --limit-train 64 --channels 4 --cells 3 --aux-weight 0.4 \
  --gpus 2 --batch-size 32 --out "$tmp/never"
bad "drop-path" "$bin/wsnas-supernet" --space darts $data --drop-path 1 --out "$tmp/never"
check "nothing written for a refused run" test ! -e "$tmp/never/supernet.h5"
echo "$failures failures"
[ "$failures" -eq 0 ]

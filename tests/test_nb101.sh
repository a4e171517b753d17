#!/usr/bin/env bash
# The NAS-Bench-101 sub-space through the whole pipeline (CTest label `nb101`): synthetic
# CIFAR-10 written in the real binary format (50,000 + 500 images, so the NB-101 split of
# data_batch_1..4 / data_batch_5 / test_batch applies), tiny networks, real mpirun -np 2.
#   - a study (supernet, evaluation, ground-truth farm, analysis) with configs/nb101.ini;
#   - the supernet stopped by SIGTERM mid-training resumes to bit-equal weights;
#   - ground-truth parameters equal the space's NAS-Bench-101 count at that shape;
#   - bad input: one line, exit 2, results already written unchanged.
#   tests/test_nb101.sh BIN_DIR
set -uo pipefail
bin=$(realpath "${1:?usage: $0 BIN_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/wsnas-nb101-XXXXXX)
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

"$bin/wsnas-data" synth --kind cifar10 --train 50000 --test 500 --seed 3 --out "$tmp/cifar10" > /dev/null ||
  { echo "FAIL: synth"; exit 1; }
data="--data-dir $tmp/cifar10 --limit-train 512 --limit-eval 200 --channels 4 --cells 1"

# ---- a study: supernet, evaluation, ground truth, analysis -------------------------------------
cfg=$tmp/cfg
mkdir -p "$cfg"
printf 'dataset = cifar10\ndata-dir = %s\nlimit-train = 512\nlimit-eval = 200\nchannels = 4\ncells = 1\n' "$tmp/cifar10" > "$cfg/data.ini"
printf 'batch-size = 64\nepochs = 1\n' > "$cfg/groundtruth.ini"
printf 'bn-calib-batch = 64\nbn-calib-steps = 2\n' > "$cfg/evaluate.ini"
printf 'batch-size = 64\ngpus = 2\n' > "$cfg/supernet.ini"
cat > "$cfg/study.ini" <<EOF
[study]
space = nb101
supernet-config = $root/configs/nb101.ini data.ini supernet.ini
evaluate-config = evaluate.ini
groundtruth-config = $root/configs/nb101-standalone.ini data.ini groundtruth.ini
archs = 4
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
check "the nb101 study runs (exit 0)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -20 "$tmp/study.log"
check "the study's analysis joined 4 architectures" grep -q "joined 4 architectures" "$tmp/study.log"
sn=$(find "$tmp/study" -name supernet.h5 | head -1)
ev=$(ls "$tmp"/study/evaluations/*.h5 2> /dev/null | head -1)
gt=$(find "$tmp/study" -name groundtruth.h5 | head -1)
check "supernet, evaluation and ground truth files exist" test -f "$sn" -a -f "$ev" -a -f "$gt"
# The supernet trained under configs/nb101.ini (Table 2) on the NB-101 split, as nb101.
$py - "$sn" "$gt" > "$tmp/files.txt" 2>&1 <<'EOF'
import sys, h5py
sn = h5py.File(sys.argv[1], "r")
cfg = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in sn["/config"].attrs.items()}
print("space", cfg.get("space"), "protocol", cfg.get("protocol"), "lr", cfg.get("lr"),
      "wd", cfg.get("weight-decay"), "clip", cfg.get("grad-clip"))
print("loss_epochs", len(sn["/log/loss"]))
gt = h5py.File(sys.argv[2], "r")
print("gt_rows", gt["/results"].attrs["rows"])
for a, p in zip(gt["/results/arch"], gt["/results/params"]):
    print("param", a.decode(), p)
EOF
# (protocol `default` = nb101 for CIFAR-10: data::make_bundle, tested in test_data)
check "supernet config: nb101, lr 0.1, wd 1e-4, clip 5 ($(head -1 "$tmp/files.txt"))" \
  grep -Eq "space nb101 protocol (nb101|default) lr 0.1 wd 0.0001 clip 5" "$tmp/files.txt"
check "two epochs logged" grep -q "loss_epochs 2" "$tmp/files.txt"
check "four cells trained stand-alone" grep -q "gt_rows 4" "$tmp/files.txt"
# Ground-truth parameters (the trained network's own count) = NAS-Bench-101's count at this shape.
while read -r _ arch params; do
  want=$("$bin/wsnas-space" info --space nb101 --arch "$arch" --channels 4 --cells 1 --format csv |
    tail -1 | awk -F, '{printf "%d", $(NF-1) * 1e6 + 0.5}')
  check "params of $arch: $params = $want" [ "$params" = "$want" ]
done < <(grep '^param ' "$tmp/files.txt")

# ---- the Table 3 study of NB-101 plans (its truth: the table the study above wrote) ----------------
sed -e "s#^supernet-config = .*#supernet-config = $root/configs/studies/data-nb101-cifar10.ini $root/configs/nb101.ini#" \
    -e "s#^evaluate-config = .*#evaluate-config = $root/configs/nb101.ini#" -e "s#^truth = .*#truth = $gt#" \
    "$root/configs/studies/nb101-tricks.ini" > "$cfg/tricks.ini"
"$bin/wsnas-study" plan "$cfg/tricks.ini" "$tmp/tricks" > "$tmp/tricks.log" 2>&1
check "configs/studies/nb101-tricks.ini plans" [ $? -eq 0 ]
check "5 supernets: multi-path 3 paths 333 epochs, FairNAS 333 epochs, all --space nb101" \
  [ "$(grep -c 'wsnas-supernet --space nb101' "$tmp/tricks/plan.tsv")" -eq 5 -a \
    "$(grep -c -- '--sampler multipath --paths 3.*--epochs 333' "$tmp/tricks/plan.tsv")" -eq 1 -a \
    "$(grep -c -- '--sampler fairnas.*--epochs 333' "$tmp/tricks/plan.tsv")" -eq 1 ]

"${mpi[@]}" "$bin/wsnas-supernet" --space nb101 --dataset cifar10 $data --epochs 1 --batch-size 64 \
  --gpus 2 --sampler fairnas --out "$tmp/fair" > "$tmp/fair.log" 2>&1
check "a FairNAS supernet trains on nb101 (3 paths a step)" [ $? -eq 0 -a -f "$tmp/fair/supernet.h5" ]

# ---- stop and resume: bit-equal weights ---------------------------------------------------------
args=(--space nb101 --dataset cifar10 $data --epochs 2 --batch-size 64 --gpus 2 --save-epochs none)
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
  grep -Eq "tensors [0-9]{2,} maxdiff 0.0$" "$tmp/cmp.txt"

# ---- the stand-alone recipe (RMSProp) stopped and resumed: the same results ----------------------
printf 'arch\n%s\n%s\n' "$("$bin/wsnas-space" convert --space nb101 --index 5 | cut -d' ' -f2)" \
  "$("$bin/wsnas-space" convert --space nb101 --index 90000 | cut -d' ' -f2)" > "$tmp/two.csv"
gt_args=(--space nb101 --config "$root/configs/nb101-standalone.ini" --dataset cifar10 $data
  --batch-size 64 --epochs 3 --archs "$tmp/two.csv")
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
print("optimizer", a["/config"].attrs["optimizer"].decode() if isinstance(a["/config"].attrs["optimizer"], bytes) else a["/config"].attrs["optimizer"])
for col in ["final_valid_accuracy", "final_test_accuracy"]:
    print(col, "equal" if np.array_equal(a["/results/" + col][()], b["/results/" + col][()]) else "differ")
print("curves", "equal" if np.array_equal(a["/curves/train_loss"][()], b["/curves/train_loss"][()]) else "differ")
EOF2
check "RMSProp ground truth resumed equals an uninterrupted run ($(tr '\n' ' ' < "$tmp/gtcmp.txt"))" \
  [ "$(grep -c 'equal' "$tmp/gtcmp.txt")" -eq 3 -a "$(grep -c 'optimizer rmsprop' "$tmp/gtcmp.txt")" -eq 1 ]

# ---- bad input ----------------------------------------------------------------------------------
printf 'arch\n0111100.0000100.0000010.0000010.0000001.0000001.0000000|conv3x3+conv3x3+conv3x3+conv3x3+conv3x3\n0111100.0000100|conv3x3\n' > "$tmp/bad.csv"
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
bad "bad.csv' line 3" "${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$tmp/bad.csv" \
  --out "$tmp/keep.h5"
bad "nb101 cell '" "$bin/wsnas-space" info --space nb101 --arch "0111100|conv3x3"
bad "vertex 2 has 2 parents" "$bin/wsnas-space" info --space nb101 \
  --arch "0110000.0010000.0001100.0000110.0000011.0000001.0000000|conv3x3+conv3x3+conv3x3+conv3x3+conv3x3"
bad "nb101 index 95985 out of range" "$bin/wsnas-space" info --space nb101 --index 95985
"$bin/wsnas-data" synth --kind cifar10 --train 100 --test 50 --out "$tmp/small" > /dev/null
bad "--protocol nb101 needs the 50,000" "${mpi[@]}" "$bin/wsnas-supernet" --space nb101 \
  --dataset cifar10 --data-dir "$tmp/small" --out "$tmp/never" --protocol nb101 --gpus 2
check "nothing written for a refused run" test ! -e "$tmp/never/supernet.h5"
echo "$failures failures"
[ "$failures" -eq 0 ]

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
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" nb101 "${1:-}"

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
run_study nb101 4 "supernet-config = $root/configs/nb101.ini data.ini supernet.ini
evaluate-config = evaluate.ini
groundtruth-config = $root/configs/nb101-standalone.ini data.ini groundtruth.ini
archs = 4"
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
"$bin/wsnas-study" plan "$cfg/tricks.ini" "$tmp/tricks" --data-dir "cifar10=$tmp/cifar10" \
  > "$tmp/tricks.log" 2>&1
check "configs/studies/nb101-tricks.ini plans" [ $? -eq 0 ]
check "5 supernets: multi-path 3 paths 333 epochs, FairNAS 333 epochs, all --space nb101" \
  [ "$(grep -c 'wsnas-supernet --space nb101' "$tmp/tricks/plan.tsv")" -eq 5 -a \
    "$(grep -c -- '--sampler multipath --paths 3.*--epochs 333' "$tmp/tricks/plan.tsv")" -eq 1 -a \
    "$(grep -c -- '--sampler fairnas.*--epochs 333' "$tmp/tricks/plan.tsv")" -eq 1 ]

"${mpi[@]}" "$bin/wsnas-supernet" --space nb101 --dataset cifar10 $data --epochs 1 --batch-size 64 \
  --gpus 2 --sampler fairnas --out "$tmp/fair" > "$tmp/fair.log" 2>&1
check "a FairNAS supernet trains on nb101 (3 paths a step)" [ $? -eq 0 -a -f "$tmp/fair/supernet.h5" ]

# ---- stop and resume: bit-equal weights ---------------------------------------------------------
args=(--space nb101 --dataset cifar10 $data --epochs 6 --batch-size 64 --gpus 2 --save-epochs none)
supernet_resume_is_exact "${args[@]}"

# ---- the stand-alone recipe (RMSProp) stopped and resumed: the same results ----------------------
printf 'arch\n%s\n%s\n' "$("$bin/wsnas-space" convert --space nb101 --index 5 | cut -d' ' -f2)" \
  "$("$bin/wsnas-space" convert --space nb101 --index 90000 | cut -d' ' -f2)" > "$tmp/two.csv"
gt_args=(--space nb101 --config "$root/configs/nb101-standalone.ini" --dataset cifar10 $data
  --batch-size 64 --epochs 3 --archs "$tmp/two.csv")
groundtruth_resume_is_exact "${gt_args[@]}"
check "the resumed ground truth is NAS-Bench-101's RMSProp recipe, 2 cells" \
  grep -q "optimizer rmsprop rows 2" "$tmp/gtcmp.txt"

# ---- bad input ----------------------------------------------------------------------------------
printf 'arch\n0111100.0000100.0000010.0000010.0000001.0000001.0000000|conv3x3+conv3x3+conv3x3+conv3x3+conv3x3\n0111100.0000100|conv3x3\n' > "$tmp/bad.csv"
keep_results "$ev"
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
finish

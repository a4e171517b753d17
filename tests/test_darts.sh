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
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
table=$root/data/supernet-help/darts_cifar10.csv
source "$root/tests/support/pipeline.sh" darts "${1:-}"
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
run_study darts 3 "supernet-config = $root/configs/studies/data-darts-cifar10.ini $root/configs/darts-code.ini data.ini supernet.ini
evaluate-config = $root/configs/darts-code.ini evaluate.ini
groundtruth-config = $root/configs/studies/data-darts-cifar10.ini $root/configs/darts-standalone.ini data.ini groundtruth.ini
archs = 3"
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
check "configs/studies/darts-cifar10.ini does not plan without CIFAR-10, and says where to get it" \
  grep -q "no folder for dataset cifar10 .*get it: https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz.*wsnas-study --data-dir NAME=DIR" "$tmp/plan.log"
"$bin/wsnas-study" plan "$root/configs/studies/darts-cifar10.ini" "$tmp/plan" \
  --data-dir "cifar10=$tmp/cifar10" > "$tmp/plan.log" 2>&1
check "configs/studies/darts-cifar10.ini plans with --data-dir cifar10=DIR, unedited" [ $? -eq 0 ]
check "DIR/study.ini records the --data-dir it was planned with" \
  grep -qxF "# planned with --data-dir cifar10=$tmp/cifar10" "$tmp/plan/study.ini"
# A mistyped name, a missing folder, a folder without the files: one line each, naming the option.
mkdir -p "$tmp/empty"
for case in "cifar-10=$tmp/cifar10|--dataset-dir 'cifar-10=$tmp/cifar10': unknown dataset cifar-10 (expected NAME=DIR, NAME one of: cifar10, " \
  "cifar10=$tmp/nowhere|wsnas-study: error: --data-dir 'cifar10=$tmp/nowhere': no folder '$tmp/nowhere'" \
  "cifar10=$tmp/empty|--dataset-dir cifar10 '$tmp/empty': no data_batch_1.bin for dataset cifar10"; do
  "$bin/wsnas-study" plan "$root/configs/studies/darts-cifar10.ini" "$tmp/plan-bad" \
    --data-dir "${case%%|*}" > "$tmp/plan.log" 2>&1
  check "--data-dir ${case%%|*}: exit 2, one line: ${case#*|}" \
    [ $? -eq 2 -a "$(grep -c error "$tmp/plan.log")" -eq 1 -a ! -e "$tmp/plan-bad/plan.tsv" ]
  check "  ... naming what is wrong" grep -qF -- "${case#*|}" "$tmp/plan.log"
done
check "every supernet and evaluation run is given the folder" \
  [ "$(grep -c -- "--dataset-dir cifar10=$tmp/cifar10" "$tmp/plan/plan.tsv")" -eq 2 ]
check "one supernet: --space darts, the released code's config, 1000 epochs; 377 architectures" \
  [ "$(grep -c "wsnas-supernet --space darts .*darts-code.ini .*--epochs 1000" "$tmp/plan/plan.tsv")" -eq 1 -a \
    "$(grep -c "sample --space darts -n 377 .*--pool $table" "$tmp/plan/plan.tsv")" -eq 1 ]

# ---- stop and resume: bit-equal weights (drop-path, auxiliary head, per-replica paths) ----------
args=(--space darts $data --config "$root/configs/darts-code.ini" --epochs 2 --batch-size 32
  --gpus 2 --save-epochs none)
supernet_resume_is_exact "${args[@]}"

# ---- the stand-alone recipe stopped and resumed: the same results ------------------------------
gt_args=(--space darts --config "$root/configs/darts-standalone.ini" $data --batch-size 32
  --epochs 3 --archs "$tmp/published3.csv")
groundtruth_resume_is_exact "${gt_args[@]}"
check "the resumed ground truth trained the 3 published architectures" grep -q "rows 3" "$tmp/gtcmp.txt"

# ---- bad input ----------------------------------------------------------------------------------
# Node 2 of the normal cell takes input 2 (itself).
printf 'arch\n"%s"\n' "Genotype(normal=[('sep_conv_3x3', 2), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])" > "$tmp/self.csv"
keep_results "$ev"
bad "self.csv' line 2" "${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$tmp/self.csv" \
  --out "$tmp/keep.h5"
bad "--aux-weight: DARTS' auxiliary head takes the 8x8 maps" "${mpi[@]}" "$bin/wsnas-supernet" \
  --space darts --dataset fashion-mnist --limit-train 64 --channels 4 --cells 3 --aux-weight 0.4 \
  --gpus 2 --batch-size 32 --out "$tmp/never"
bad "drop-path" "$bin/wsnas-supernet" --space darts $data --drop-path 1 --out "$tmp/never"
check "nothing written for a refused run" test ! -e "$tmp/never/supernet.h5"
finish

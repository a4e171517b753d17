#!/usr/bin/env bash
# ProxylessNAS through the whole pipeline (CTest label `proxyless`) at a tiny width (0.25) on
# synthetic CIFAR-10 written in the real binary format (32x32 images: the network is the same at
# any size), real mpirun -np 2:
#   - a study with configs/proxyless-code.ini (label smoothing 0.1, warm-up) and
#     configs/proxyless-standalone.ini; evaluated architectures drawn under --max-flops;
#   - ground-truth parameters equal the space's ProxylessNAS count at that width;
#   - the published table's architectures scored and joined to their published accuracies;
#   - the supernet and the ground truth stopped mid-training resume to the same results;
#   - a supernet on an ImageNet-layout folder of real JPEG files (written by wsnas-data synth),
#     one of them truncated: skipped with a warning, counted in the provenance;
#   - bad input: one line, exit 2, results already written unchanged.
#   tests/test_proxyless.sh BIN_DIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
table=$root/data/supernet-help/proxylessnas_imagenet.csv
source "$root/tests/support/pipeline.sh" proxyless "${1:-}"
[ -f "$table" ] || { echo "FAIL: missing $table"; exit 1; }

"$bin/wsnas-data" synth --kind cifar10 --train 400 --test 100 --seed 4 --out "$tmp/cifar10" > /dev/null ||
  { echo "FAIL: synth"; exit 1; }
data="--dataset cifar10 --data-dir $tmp/cifar10 --protocol holdout:100 --width-mult 0.25"

# ---- a study: supernet, evaluation, ground truth, analysis -------------------------------------
cfg=$tmp/cfg
mkdir -p "$cfg"
printf 'dataset = cifar10\ndata-dir = %s\nprotocol = holdout:100\nwidth-mult = 0.25\n' "$tmp/cifar10" > "$cfg/data.ini"
printf 'batch-size = 32\nepochs = 1\n' > "$cfg/groundtruth.ini"
printf 'bn-calib-batch = 32\nbn-calib-steps = 2\n' > "$cfg/evaluate.ini"
printf 'batch-size = 32\ngpus = 2\nwarmup-epochs = 1\n' > "$cfg/supernet.ini"
run_study proxyless 3 "supernet-config = $root/configs/proxyless-code.ini data.ini supernet.ini
evaluate-config = $root/configs/proxyless-code.ini evaluate.ini
groundtruth-config = $root/configs/proxyless-standalone.ini data.ini groundtruth.ini
archs = 3
max-flops = 600"
$py - "$sn" "$gt" > "$tmp/files.txt" 2>&1 <<'EOF'
import sys, h5py
def cfg(f):
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["/config"].attrs.items()}
c = cfg(h5py.File(sys.argv[1], "r"))
print("supernet", c.get("space"), "width", c.get("width-mult"), "smoothing", c.get("label-smoothing"),
      "wd", c.get("weight-decay"), "warmup", c.get("warmup-epochs"), c.get("warmup-lr"))
gt = h5py.File(sys.argv[2], "r")
print("rows", gt["/results"].attrs["rows"])
for a, p in zip(gt["/results/arch"], gt["/results/params"]):
    print("param", p, a.decode())
EOF
check "supernet: proxyless-code.ini ($(head -1 "$tmp/files.txt"))" \
  grep -q "supernet proxyless width 0.25 smoothing 0.1 wd 5e-05 warmup 1 0.025" "$tmp/files.txt"
check "three architectures trained stand-alone" grep -q "rows 3" "$tmp/files.txt"
# Every evaluated architecture is within 600M multiply-adds at the space's own shape (224x224).
while IFS=, read -r arch _; do
  flops=$("$bin/wsnas-space" info --space proxyless --arch "$arch" --format csv | tail -1 |
    awk -F, '{print $NF}')
  check "evaluated $arch: $flops <= 600 M" awk -v f="$flops" 'BEGIN { exit !(f <= 600) }'
done < <(tail -n +2 "$tmp/study/archs/all.csv" | cut -d, -f1)
# Ground-truth parameters = the space's count at width 0.25 and the dataset's 10 classes.
while read -r _ params arch; do
  want=$("$bin/wsnas-space" info --space proxyless --arch "$arch" --width-mult 0.25 --classes 10 \
    --input-size 32 --format csv | tail -1 | awk -F, '{printf "%d", $(NF-1) * 1e6 + 0.5}')
  check "params $params = $want" [ "$params" = "$want" ]
done < <(grep '^param ' "$tmp/files.txt")

# ---- the published table: the architectures scored and the ground truth -------------------------
head -4 "$table" > "$tmp/published3.csv"
"${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" --archs "$tmp/published3.csv" \
  --bn-calib-batch 32 --bn-calib-steps 2 --out "$tmp/published.h5" > "$tmp/pub.log" 2>&1
check "the published table's first 3 rows scored on the supernet" [ $? -eq 0 -a -f "$tmp/published.h5" ]
"$bin/wsnas-analyze" ranking --space proxyless --scores "$tmp/published.h5" --score-column accuracy \
  --truth "$table" --truth-arch-column ops_21_blocks --truth-column top1 > "$tmp/analyze.log" 2>&1
check "wsnas-analyze joins them with the published top-1" grep -q "joined 3 architectures" "$tmp/analyze.log"

# ---- stop and resume: bit-equal weights ---------------------------------------------------------
args=(--space proxyless $data --config "$root/configs/proxyless-code.ini" --epochs 2 --batch-size 32
  --gpus 2 --warmup-epochs 1 --save-epochs none)
supernet_resume_is_exact "${args[@]}"

# ---- the stand-alone recipe stopped and resumed: the same results ------------------------------
gt_args=(--space proxyless --config "$root/configs/proxyless-standalone.ini" $data --batch-size 32
  --epochs 3 --archs "$tmp/published3.csv")
groundtruth_resume_is_exact "${gt_args[@]}"
check "the resumed ground truth trained the 3 published architectures" grep -q "rows 3" "$tmp/gtcmp.txt"

# ---- ImageNet's folder layout: real JPEG files, one of them truncated -------------------------------
"$bin/wsnas-data" synth --kind imagenet --train 48 --test 12 --classes 4 --seed 5 --out "$tmp/imagenet" \
  > /dev/null || { echo "FAIL: synth imagenet"; exit 1; }
victim=$(ls "$tmp"/imagenet/train/n00000002/*.JPEG | head -1)
head -c 600 "$victim" > "$tmp/cut.JPEG" && mv "$tmp/cut.JPEG" "$victim"
in_args=(--space proxyless --dataset imagenet --data-dir "$tmp/imagenet" --width-mult 0.25
  --config "$root/configs/proxyless-code.ini" --epochs 1 --batch-size 16 --gpus 2 --warmup-epochs 0)
"${mpi[@]}" "$bin/wsnas-supernet" "${in_args[@]}" --out "$tmp/in" > "$tmp/in.log" 2>&1
check "a proxyless supernet trains on an ImageNet folder under mpirun" [ $? -eq 0 -a -f "$tmp/in/supernet.h5" ]
check "the truncated JPEG is skipped with a warning naming it" grep -qF "skipping image '$victim'" "$tmp/in.log"
$py - "$tmp/in/supernet.h5" > "$tmp/in.txt" 2>&1 <<'EOF2'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
def attrs(g):
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f[g].attrs.items()}
a, c = attrs("/provenance"), attrs("/config")
print("skipped", a.get("data.skipped_images"), "dataset", c.get("dataset"), "protocol", c.get("protocol"))
EOF2
check "provenance counts the skipped file ($(cat "$tmp/in.txt"))" grep -q "skipped 1 dataset imagenet" "$tmp/in.txt"
printf 'arch\n%s\n%s\n' "$(head -2 "$tmp/study/archs/all.csv" | tail -1 | cut -d, -f1)" \
  "$(head -3 "$tmp/study/archs/all.csv" | tail -1 | cut -d, -f1)" > "$tmp/two.csv"
"${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$tmp/in/supernet.h5" --archs "$tmp/two.csv" \
  --bn-calib-batch 8 --bn-calib-steps 2 --out "$tmp/in-eval.h5" > "$tmp/in-eval.log" 2>&1
check "two architectures scored on the 12 validation JPEGs" [ $? -eq 0 -a -f "$tmp/in-eval.h5" ]

# ---- bad input ----------------------------------------------------------------------------------
printf 'arch\n%s\n' "7x7_MBConv3|zero|zero|zero|7x7_MBConv3|zero|zero|3x3_MBConv3|7x7_MBConv6|zero|zero|5x5_MBConv3|zero|zero|3x3_MBConv3|5x5_MBConv3|7x7_MBConv6|7x7_MBConv6|7x7_MBConv6|5x5_MBConv6|7x7_MBConv6" > "$tmp/zero.csv"
keep_results "$ev"
bad "stage3_cell0 is a stage's first block" "${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$sn" \
  --archs "$tmp/zero.csv" --out "$tmp/keep.h5"
bad "--channels and --cells must be 0" "${mpi[@]}" "$bin/wsnas-supernet" --space proxyless \
  $data --channels 8 --gpus 2 --batch-size 32 --out "$tmp/never"
bad "width-mult" "$bin/wsnas-supernet" --space proxyless --dataset cifar10 --width-mult -1 \
  --out "$tmp/never"
bad "no folder '$tmp/none/train' (expected the ImageNet layout" "$bin/wsnas-supernet" \
  --space proxyless --dataset imagenet --data-dir "$tmp/none" --out "$tmp/never"
check "nothing written for a refused run" test ! -e "$tmp/never/supernet.h5"
finish

#!/usr/bin/env bash
# The main job: installs (apt), builds, and runs a complete weight-sharing study under
# `mpirun -np 2` on the default real dataset, Fashion-MNIST from Debian's dataset-fashion-mnist:
#   1. sample NAS-Bench-201 cells;            2. train the supernet (single-path one-shot);
#   3. train the cells stand-alone (ground truth); 4. score the cells on the supernet with BN
#   calibration; 5. the analysis table (Spearman, Kendall, top-k against random top-k).
# Everything goes under one study directory; running the script again resumes instead of redoing.
# Sizes (configs/demo/*.ini) are cut down to finish in minutes on 2 CPU cores.
#
# Usage: scripts/demo.sh [STUDY_DIR]      (default: study-fashion-mnist)
#   WSNAS_RANKS (default 2), WSNAS_DEMO_CELLS (default 16) and WSNAS_DEMO_CONFIGS (default
#   configs/demo: study.ini, supernet.ini, groundtruth.ini) change the job's size;
#   WSNAS_SKIP_BUILD=1 uses the apps already built (the test of this script does).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[ "${WSNAS_SKIP_BUILD:-0}" = 1 ] || ./scripts/build.sh
study=${1:-study-fashion-mnist}
ranks=${WSNAS_RANKS:-2}
ncells=${WSNAS_DEMO_CELLS:-16}
build=${WSNAS_BUILD_DIR:-build}
case $build in /*) bin=$build/bin ;; *) bin=$root/$build/bin ;; esac
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun -np "$ranks" --oversubscribe)
cfgdir=${WSNAS_DEMO_CONFIGS:-configs/demo}
study_cfg=(--config "$cfgdir/study.ini")
mkdir -p "$study"
start=$(date +%s)

echo "== dataset"
"$bin/wsnas-data" info --dataset fashion-mnist | tee "$study/dataset.txt"
echo "== configuration ($cfgdir/)"
grep -hv '^#' "$cfgdir/study.ini" "$cfgdir/supernet.ini" "$cfgdir/groundtruth.ini" | grep '=' | sed 's/^/  /'

echo "== 1. cells: $ncells valid NAS-Bench-201 cells, seed 0 (sizes for 1x28x28 input, 10 classes, C=8, N=1)"
if [ ! -f "$study/cells.csv" ]; then
  "$bin/wsnas-space" sample --space nb201 -n "$ncells" --seed 0 --valid-only --format csv \
    --classes 10 --in-channels 1 --input-size 28 --channels 8 --cells 1 > "$study/cells.csv.tmp"
  mv "$study/cells.csv.tmp" "$study/cells.csv"
fi
cut -d, -f1,2 "$study/cells.csv" | head -4; echo "  ... ($(($(wc -l < "$study/cells.csv") - 1)) cells in $study/cells.csv)"

echo "== 2. supernet (single-path one-shot, $ranks replicas)"
"${mpirun[@]}" "$bin/wsnas-supernet" "${study_cfg[@]}" --config "$cfgdir/supernet.ini" \
  --out "$study/supernet" --save-epochs pow2

echo "== 3. ground truth (each cell trained stand-alone; ranks claim cells)"
"${mpirun[@]}" "$bin/wsnas-groundtruth" "${study_cfg[@]}" --config "$cfgdir/groundtruth.ini" \
  --archs "$study/cells.csv" --out "$study/groundtruth"

echo "== 4. supernet evaluation (BN calibration, then the validation split; cells sharded over ranks)"
"${mpirun[@]}" "$bin/wsnas-evaluate" --config "$cfgdir/supernet.ini" \
  --checkpoint "$study/supernet/supernet.h5" --archs "$study/cells.csv" --out "$study/evaluation.h5"

echo "== 5. analysis: supernet accuracy vs stand-alone validation accuracy"
"$bin/wsnas-analyze" --scores "$study/evaluation.h5" --score-column accuracy \
  --truth "$study/groundtruth/groundtruth.h5" --truth-select final_valid_accuracy --truth-report final_test_accuracy \
  --k 1,3,5,10 --out-csv "$study/analysis.csv" --out-h5 "$study/analysis.h5" | tee "$study/analysis.txt"

echo "== study directory: $study ($(($(date +%s) - start)) s)"
echo "  supernet/supernet.h5, supernet/epoch_*.h5   weights, optimizer state, per-epoch log"
echo "  groundtruth/groundtruth.h5                  stand-alone results and learning curves"
echo "  evaluation.h5                               supernet scores after BN calibration"
echo "  analysis.{txt,csv,h5}                       the table above"
echo "  layout: docs/results-format.md; read with h5dump or h5py"

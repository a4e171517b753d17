#!/usr/bin/env bash
# The main job: installs (apt), builds, and runs a complete weight-sharing study under
# `mpirun -np 2` on the default real dataset, Fashion-MNIST from Debian's dataset-fashion-mnist.
# The study is a file, configs/studies/demo.ini; `wsnas-study` turns it into a plan of runs
# (STUDY_DIR/plan.tsv) and runs it:
#   1. sample NAS-Bench-201 cells;            2. train the supernet (single-path one-shot);
#   3. train the cells stand-alone (ground truth); 4. score the cells on the supernet with BN
#   calibration; 5. the analyses (ranking: Spearman, Kendall, top-k against random top-k with
#   bootstrap intervals; bias per operation; the mutual Spearman matrix) and their figures.
# Everything goes under one study directory; running the script again resumes instead of redoing.
# Sizes (configs/demo/*.ini) are cut down to finish in minutes on 2 CPU cores.
#
# Usage: scripts/demo.sh [STUDY_DIR]      (default: study-fashion-mnist)
#   WSNAS_RANKS (default 2) and WSNAS_DEMO_STUDY (default configs/studies/demo.ini) change the
#   job; WSNAS_SKIP_BUILD=1 uses the apps already built (the test of this script does).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[ "${WSNAS_SKIP_BUILD:-0}" = 1 ] || ./scripts/build.sh
study=${1:-study-fashion-mnist}
ranks=${WSNAS_RANKS:-2}
study_file=${WSNAS_DEMO_STUDY:-configs/studies/demo.ini}
build=${WSNAS_BUILD_DIR:-build}
case $build in /*) bin=$build/bin ;; *) bin=$root/$build/bin ;; esac
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
start=$(date +%s)

echo "== dataset"
mkdir -p "$study"
"$bin/wsnas-data" info --dataset fashion-mnist | tee "$study/dataset.txt"
echo "== the study: $study_file"
grep -v '^[[:space:]]*#' "$study_file" | grep '=' | sed 's/^/  /'

echo "== the plan: one line per run, with its exact command ($study/plan.tsv)"
"$bin/wsnas-study" plan "$study_file" "$study"
cut -f1 "$study/plan.tsv" | tail -n +2 | sed 's/^/  /'

echo "== running it under mpirun -np $ranks (finished runs are skipped)"
"$bin/wsnas-study" run "$study" --launcher "mpirun --oversubscribe" --ranks "$ranks"

echo
echo "== the ranking: supernet accuracy vs stand-alone validation accuracy"
cat "$study/analysis/ranking.txt"
echo
echo "== study directory: $study ($(($(date +%s) - start)) s)"
echo "  plan.tsv, study.ini                     the runs and the study file they came from"
echo "  archs/all.csv                           the sampled cells"
echo "  supernets/*/supernet.h5                 weights, optimizer state, per-epoch log"
echo "  groundtruth/groundtruth.h5              stand-alone results and learning curves"
echo "  evaluations/*.h5                        supernet scores after BN calibration"
echo "  analysis/*.{txt,csv,h5}                 ranking, bias and mutual tables"
echo "  layout: docs/results-format.md; read with h5dump or h5py"
echo "== figures"
for f in "$study"/figures/*.png; do echo "  $f"; done

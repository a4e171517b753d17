#!/usr/bin/env bash
# The main job: installs (apt), builds, and runs the study on the default real dataset,
# Fashion-MNIST from Debian's dataset-fashion-mnist, writing everything under one study directory.
#
# Stage reached so far: the foundation (data check, NAS-Bench-201 space, sampling of the cells
# to study with their sizes). Supernet training, ground truth, BN-calibrated evaluation and the
# analysis table join this script as they land (see README "Status").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
./scripts/build.sh
study=${1:-study-fashion-mnist}
bin=${WSNAS_BUILD_DIR:-build}/bin
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$study"

echo "== dataset"
"$bin/wsnas-data" info --dataset fashion-mnist | tee "$study/dataset.txt"
echo "== search space"
"$bin/wsnas-space" count --space nb201 | tee "$study/space.txt"
echo "== cells to study (20 valid NAS-Bench-201 cells, seed 0; sizes for 1x28x28 input, 10 classes)"
if [ ! -f "$study/cells.csv" ]; then
  "$bin/wsnas-space" sample --space nb201 -n 20 --seed 0 --valid-only --format csv \
    --classes 10 --in-channels 1 --input-size 28 > "$study/cells.csv.tmp"
  mv "$study/cells.csv.tmp" "$study/cells.csv"
fi
column -s, -t < "$study/cells.csv" 2>/dev/null | cut -c1-160 || cat "$study/cells.csv"
echo "study directory: $study"

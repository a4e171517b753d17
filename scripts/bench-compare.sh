#!/usr/bin/env bash
# bench_nb201 (wsnas) and bench/pytorch_nb201.py (plain PyTorch eager, default layout, as research
# code runs it) side by side, on the same fixed cells, on this machine and thread count.
# Installs Debian's python3-torch (apt) when missing, and builds.
#   scripts/bench-compare.sh [THREADS] [extra options for both, e.g. --batch 64 --steps 5]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
threads=${1:-1}
shift || true
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi
[ "${WSNAS_SKIP_BUILD:-0}" = 1 ] || ./scripts/build.sh >/dev/null
build=${WSNAS_BUILD_DIR:-build}
cells=$(mktemp /tmp/wsnas-bench-cells-XXXXXX)
trap 'rm -f "$cells"' EXIT
# Four cells (NAS-Bench-201 indices 1, 1462, 1367, 11875): a mixed one, all 3x3 convolutions
# (the heaviest), one with `none`
# edges and a node that cannot reach the output (pruned), and a light pooling/skip cell.
cat > "$cells" <<'CELLS'
|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|
|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|
|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|none~1|skip_connect~2|
|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|none~1|avg_pool_3x3~2|
CELLS
echo "== wsnas (bench_nb201, $threads threads)"
OMP_NUM_THREADS=$threads "$build/bin/bench_nb201" --device cpu --threads "$threads" --archs "$cells" "$@"
echo "== PyTorch eager (bench/pytorch_nb201.py, $threads threads)"
OMP_NUM_THREADS=$threads /usr/bin/python3 bench/pytorch_nb201.py --threads "$threads" --archs "$cells" "$@"

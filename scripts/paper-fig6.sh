#!/bin/bash
# The paper's Fig. 6 from the three published ground-truth tables (data/supernet-help/): no
# training, seconds. Fig. 6 has no study file because it needs no run: only these three plots.
#   scripts/paper-fig6.sh OUT_DIR [--x-darts params|flops]
# writes OUT_DIR/fig6a.{png,svg} (DARTS-CIFAR10: accuracy vs parameters), fig6b (ProxylessNAS:
# top-1 vs FLOPs) and fig6c (DARTS-PTB: test vs validation perplexity, the paper's choice "because
# model sizes are same for all architectures"). The caption says "efficiency" without naming it:
# --x-darts flops draws DARTS-CIFAR10 against FLOPs instead.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${WSNAS_PYTHON:-/usr/bin/python3}
usage() { echo "usage: $0 OUT_DIR [--x-darts params|flops]" >&2; exit 2; }
[ $# -ge 1 ] || usage
out=$1
shift
x_darts=params
while [ $# -gt 0 ]; do
  case $1 in
    --x-darts)
      [ $# -ge 2 ] && { [ "$2" = params ] || [ "$2" = flops ]; } ||
        { echo "paper-fig6.sh: error: --x-darts '${2:-}': expected params or flops" >&2; exit 2; }
      x_darts=$2
      shift 2
      ;;
    *) usage ;;
  esac
done
tables=$root/data/supernet-help
"$python" "$root/analysis/plot.py" --csv "$tables/darts_cifar10.csv" --x "$x_darts" --y accuracy \
  "$out" --name fig6a
"$python" "$root/analysis/plot.py" --csv "$tables/proxylessnas_imagenet.csv" --x flops --y top1 \
  "$out" --name fig6b
"$python" "$root/analysis/plot.py" --csv "$tables/darts_ptb.csv" --x valid_ppl --y test_ppl \
  "$out" --name fig6c

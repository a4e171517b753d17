#!/usr/bin/env bash
# How well wsnas-evaluate and wsnas-groundtruth use a second rank: the same architectures on 1 rank
# and on 2 ranks, one thread per rank (OMP_NUM_THREADS=1, mpirun --bind-to none), the runs
# interleaved (1 rank, 2 ranks, 1 rank, ...), then a table of medians and the parallel efficiency
# T1 / (2 x T2) (100 %: twice the throughput).
#
#   bench/parallel-efficiency.sh [--archs N] [--repeat K] [--stage evaluate|groundtruth|both]
#                                [--out DIR]
#
# The work: --archs N (20) valid NAS-Bench-201 cells (seed 0) at the paper's size (C 16, N 5) on
# Fashion-MNIST (Debian's dataset-fashion-mnist, installed by scripts/install-deps.sh) with the
# demo study's split and limits (configs/demo/study.ini: 2,000 validation and test images).
# - evaluate: one supernet checkpoint (1 epoch on 1,000 images, trained first and not timed), BN
#   calibration 5 x 200 and 2,000 validation images per architecture (configs/demo/supernet.ini);
# - groundtruth: each architecture trained 1 epoch on 1,000 images (configs/demo/groundtruth.ini's
#   recipe), then validated and tested on 2,000 images each.
# Each timed run starts from an empty output (nothing to resume) and is timed whole, from mpirun's
# start to its end (start-up and the final write included). --repeat K (3) runs of each rank count.
# DIR (default: a temporary folder, removed at the end) keeps the logs and bench.tsv.
# Builds first (scripts/build.sh; WSNAS_SKIP_BUILD=1: it does not).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() {
  echo "parallel-efficiency: $*" >&2
  exit 2
}

archs=20
repeat=3
stage=both
out=
while [ $# -gt 0 ]; do
  case $1 in
    --archs | --repeat | --stage | --out)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --archs) archs=$2 ;;
        --repeat) repeat=$2 ;;
        --stage) stage=$2 ;;
        --out) out=$2 ;;
      esac
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (expected --archs, --repeat, --stage, --out; --help)" ;;
  esac
done
[[ $archs =~ ^[1-9][0-9]*$ ]] || die "--archs '$archs': expected a positive number"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat '$repeat': expected a positive number"
case $stage in evaluate | groundtruth | both) ;; *) die "--stage '$stage': expected evaluate, groundtruth or both" ;; esac

[ "${WSNAS_SKIP_BUILD:-0}" = 1 ] || ./scripts/build.sh > /dev/null
build=${WSNAS_BUILD_DIR:-build}
case $build in /*) bin=$build/bin ;; *) bin=$root/$build/bin ;; esac
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1
mpi=(mpirun --bind-to none --oversubscribe)
# The demo's data and recipes at NAS-Bench-201's size.
net=(--config configs/demo/study.ini --channels 16 --cells 5)

"$bin/wsnas-space" sample --space nb201 -n "$archs" --seed 0 --valid-only --format csv \
  > "$out/cells.csv"
if [ "$stage" != groundtruth ]; then
  echo "parallel-efficiency: training the supernet to evaluate (1 epoch on 1,000 images, not timed)"
  OMP_NUM_THREADS=2 "${mpi[@]}" -np 1 "$bin/wsnas-supernet" "${net[@]}" \
    --config configs/demo/supernet.ini --limit-train 1000 --epochs 1 --gpus 1 --save-epochs none \
    --out "$out/supernet" > "$out/supernet.log" 2>&1 ||
    die "wsnas-supernet failed: $(tail -1 "$out/supernet.log")"
fi

# One timed run: prints its seconds; its log is kept in DIR.
timed() {  # NAME RANKS K: a run of stage NAME on RANKS ranks, repetition K
  local name=$1 ranks=$2 k=$3 t0 t1 dest=$out/$1-$2-$3
  rm -rf "$dest" "$dest.h5"
  local cmd
  if [ "$name" = evaluate ]; then
    cmd=("$bin/wsnas-evaluate" --config configs/demo/supernet.ini
      --checkpoint "$out/supernet/supernet.h5" --archs "$out/cells.csv" --out "$dest.h5")
  else
    cmd=("$bin/wsnas-groundtruth" "${net[@]}" --config configs/demo/groundtruth.ini
      --limit-train 1000 --epochs 1 --archs "$out/cells.csv" --out "$dest")
  fi
  t0=$(date +%s.%N)
  "${mpi[@]}" -np "$ranks" "${cmd[@]}" > "$dest.log" 2>&1 ||
    die "$name on $ranks ranks failed: $(tail -1 "$dest.log") ($dest.log)"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

printf 'stage\tranks\trun\tseconds\n' > "$out/bench.tsv"
stages=(evaluate groundtruth)
[ "$stage" = both ] || stages=("$stage")
for s in "${stages[@]}"; do
  for ((k = 1; k <= repeat; k++)); do
    for ranks in 1 2; do
      secs=$(timed "$s" "$ranks" "$k")
      printf '%s\t%s\t%s\t%s\n' "$s" "$ranks" "$k" "$secs" >> "$out/bench.tsv"
      echo "parallel-efficiency: $s, $ranks rank(s), run $k: $secs s ($archs architectures)"
    done
  done
done

echo
echo "$archs NAS-Bench-201 cells (C 16, N 5, Fashion-MNIST), 1 thread per rank, $repeat runs each; $(getconf _NPROCESSORS_ONLN) cores"
echo "(medians; every run's seconds in order after them)"
printf '%-12s %12s %12s %9s %11s   %s\n' stage "1 rank, s" "2 ranks, s" speed-up efficiency runs
awk -F '\t' 'NR > 1 { t[$1 "\t" $2] = t[$1 "\t" $2] " " $4 }
  function median(list,   v, n, i, j, x) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > x + 0; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    split("evaluate groundtruth", order, " ")
    for (o = 1; o <= 2; o++) {
      s = order[o]
      if (!((s "\t1") in t)) continue
      a = median(t[s "\t1"]); b = median(t[s "\t2"])
      printf "%-12s %12.1f %12.1f %8.2fx %10.1f%%   1:%s | 2:%s\n", s, a, b, a / b, 100 * a / (2 * b), t[s "\t1"], t[s "\t2"]
    }
  }' "$out/bench.tsv"

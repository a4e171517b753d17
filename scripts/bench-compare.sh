#!/usr/bin/env bash
# wsnas's supernet benchmarks beside plain-PyTorch eager references of the paper's released
# supernets (default layout, as research code runs them), on the same work, the same options and
# thread count, interleaved (wsnas, reference, wsnas, reference, ...), then a table.
#
#   scripts/bench-compare.sh --space S [--threads N] [--repeat K] [--uniform] [options for both]
#   scripts/bench-compare.sh [THREADS] [options for both]        (the older form: --space nb201)
#
# S: nb201 | nb101 | darts | proxyless | darts-ptb. --threads: 1 by default (0: each library's
# default; otherwise also OMP_NUM_THREADS); --repeat K: K runs of each side (2). The options go unchanged to both sides, e.g. --batch 64 --steps 5 --warmup 2
# --calib-steps 5 --eval-images 2000 (darts-ptb: bench_ptb's, e.g. --hidden --batch --steps).
#   wsnas:     build/bin/bench_nb201 --space S (darts-ptb: build/bin/bench_ptb)
#   reference: /usr/bin/python3 tests/reference/S_supernet_reference.py --bench
#              (darts-ptb: tests/reference/darts_ptb_reference.py --bench), written from the
#              released code (github.com/matluster/anonymous-2102 @3825f00)
# Defaults added for both sides unless given: --device cpu; nb101 --classes 10; darts --classes 10
# --aux-weight 0.4 --drop-path 0.2 (the released configs/darts.py, DartsCifarParser, whose trainer
# ramps drop-path up to 0.2 over the epochs; both benches hold it at 0.2); proxyless --classes 1000
# --input-size 224. The image spaces train on and score the same fixed architectures on both
# sides (listed below; --cells N keeps the first N); --uniform lets each side draw its own
# (then the architectures differ). Each reference prints, under its first line, the notes on how
# its work differs from wsnas's; the table repeats them.
# Installs Debian's python3-torch (apt) when missing, and builds (WSNAS_SKIP_BUILD=1: it does not).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() {
  echo "bench-compare: $*" >&2
  exit 2
}

space=nb201
threads=1
repeat=2
uniform=0
extra=()
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  threads=$1
  shift
fi
while [ $# -gt 0 ]; do
  case $1 in
    --space | --threads | --repeat)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --space) space=$2 ;;
        --threads) threads=$2 ;;
        --repeat) repeat=$2 ;;
      esac
      shift 2
      ;;
    --space=*) space=${1#*=}; shift ;;
    --threads=*) threads=${1#*=}; shift ;;
    --repeat=*) repeat=${1#*=}; shift ;;
    --uniform) uniform=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
[[ $threads =~ ^[0-9]+$ ]] || die "--threads $threads: expected a number"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat $repeat: expected a positive number"

# Whether the options for both sides give --NAME (as --NAME VALUE or --NAME=VALUE); its value.
has_opt() {
  local o
  for o in ${extra[@]+"${extra[@]}"}; do
    [[ $o == "$1" || $o == "$1="* ]] && return 0
  done
  return 1
}
opt_value() {
  local i
  for ((i = 0; i < ${#extra[@]}; i++)); do
    if [[ ${extra[i]} == "$1="* ]]; then
      echo "${extra[i]#*=}"
      return
    fi
    if [[ ${extra[i]} == "$1" ]] && ((i + 1 < ${#extra[@]})); then
      echo "${extra[i + 1]}"
      return
    fi
  done
}

defaults=()
add_default() { has_opt "$1" || defaults+=("$1" "$2"); }
add_default --device cpu
case $space in
  nb201 | nb101 | darts | proxyless)
    ours=("${WSNAS_BUILD_DIR:-build}/bin/bench_nb201" --space "$space")
    theirs=(/usr/bin/python3 "tests/reference/${space}_supernet_reference.py" --bench)
    ;;
  darts-ptb)
    ours=("${WSNAS_BUILD_DIR:-build}/bin/bench_ptb")
    theirs=(/usr/bin/python3 tests/reference/darts_ptb_reference.py --bench)
    ;;
  *) die "--space $space: expected nb201, nb101, darts, proxyless or darts-ptb" ;;
esac
case $space in
  nb101) add_default --classes 10 ;;
  darts)
    add_default --classes 10
    add_default --aux-weight 0.4
    add_default --drop-path 0.2
    ;;
  proxyless)
    add_default --classes 1000
    add_default --input-size 224
    ;;
esac

# The fixed architectures of each image space, in its canonical strings.
arch_list() {
  case $1 in
    nb201)
      # NAS-Bench-201 indices 1, 1462, 1367, 11875: a mixed cell, all 3x3 convolutions (the
      # heaviest), one with `none` edges and a node that cannot reach the output, and a light
      # pooling/skip cell.
      cat <<'ARCHS'
|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|
|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|
|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|none~1|skip_connect~2|
|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|none~1|avg_pool_3x3~2|
ARCHS
      ;;
    nb101)
      # Those of tests/test_supernet_reference.cpp (the third: vertices 1-3 take the cell input).
      cat <<'ARCHS'
0110000.0001110.0000100.0000001.0000010.0000001.0000000|conv3x3-bn-relu+maxpool3x3+conv1x1-bn-relu+conv1x1-bn-relu+conv1x1-bn-relu
0100100.0011010.0000100.0000001.0000010.0000001.0000000|maxpool3x3+conv3x3-bn-relu+conv1x1-bn-relu+conv3x3-bn-relu+conv1x1-bn-relu
0111000.0000010.0000110.0000100.0000001.0000001.0000000|conv3x3-bn-relu+maxpool3x3+maxpool3x3+conv3x3-bn-relu+maxpool3x3
ARCHS
      ;;
    darts)
      # DARTS V2, then those of tests/test_supernet_reference.cpp (a strided skip_connect).
      cat <<'ARCHS'
Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])
Genotype(normal=[('dil_conv_3x3', 1), ('skip_connect', 0), ('avg_pool_3x3', 1), ('sep_conv_5x5', 2), ('dil_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_3x3', 2), ('sep_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1), ('sep_conv_5x5', 3), ('dil_conv_5x5', 1), ('dil_conv_5x5', 0), ('avg_pool_3x3', 2)], reduce_concat=[2, 3, 4, 5])
Genotype(normal=[('max_pool_3x3', 1), ('max_pool_3x3', 0), ('dil_conv_5x5', 1), ('dil_conv_3x3', 2), ('dil_conv_3x3', 1), ('skip_connect', 3), ('sep_conv_5x5', 2), ('max_pool_3x3', 4)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 1), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_3x3', 2), ('dil_conv_3x3', 3), ('sep_conv_5x5', 2), ('dil_conv_3x3', 4), ('max_pool_3x3', 3)], reduce_concat=[2, 3, 4, 5])
ARCHS
      ;;
    proxyless)
      # Those of tests/test_supernet_reference.cpp: `zero` blocks, none, and many.
      cat <<'ARCHS'
3x3_MBConv6|zero|7x7_MBConv3|zero|7x7_MBConv6|zero|3x3_MBConv3|3x3_MBConv3|3x3_MBConv6|3x3_MBConv3|7x7_MBConv6|3x3_MBConv6|5x5_MBConv6|7x7_MBConv6|zero|7x7_MBConv3|7x7_MBConv6|3x3_MBConv3|7x7_MBConv6|5x5_MBConv3|5x5_MBConv6
3x3_MBConv6|5x5_MBConv3|3x3_MBConv6|5x5_MBConv3|3x3_MBConv3|3x3_MBConv3|3x3_MBConv6|7x7_MBConv6|7x7_MBConv6|5x5_MBConv3|7x7_MBConv6|7x7_MBConv3|5x5_MBConv6|5x5_MBConv3|3x3_MBConv3|7x7_MBConv6|7x7_MBConv3|3x3_MBConv6|5x5_MBConv3|5x5_MBConv6|3x3_MBConv6
5x5_MBConv3|zero|zero|zero|3x3_MBConv6|zero|zero|zero|7x7_MBConv3|zero|zero|zero|5x5_MBConv6|zero|zero|zero|3x3_MBConv3|zero|zero|zero|7x7_MBConv6
ARCHS
      ;;
  esac
}

tmp=$(mktemp -d /tmp/wsnas-bench-compare-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
arch_note=""
if [ "$space" != darts-ptb ]; then
  if [ "$uniform" = 1 ]; then
    has_opt --archs && die "--uniform and --archs: choose one"
    arch_note="each side's own uniform draws (different architectures)"
  elif has_opt --archs; then
    arch_note="--archs $(opt_value --archs), on both sides"
  else
    arch_list "$space" > "$tmp/archs"
    if has_opt --cells; then
      n=$(opt_value --cells)
      [[ $n =~ ^[1-9][0-9]*$ ]] || die "--cells $n: expected a positive number"
      head -n "$n" "$tmp/archs" > "$tmp/archs.n"
      mv "$tmp/archs.n" "$tmp/archs"
    fi
    defaults+=(--archs "$tmp/archs")
    arch_note="$(wc -l < "$tmp/archs") of the script's fixed architectures, on both sides"
  fi
elif [ "$uniform" = 1 ]; then
  die "--uniform: darts-ptb always draws (each side its own architectures)"
fi

if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive ${sudo_cmd[@]+"${sudo_cmd[@]}"} apt-get install -y -qq \
    --no-install-recommends python3-torch >/dev/null
fi
[ "${WSNAS_SKIP_BUILD:-0}" = 1 ] || ./scripts/build.sh >/dev/null

both=(--threads "$threads" ${defaults[@]+"${defaults[@]}"} ${extra[@]+"${extra[@]}"})
echo "== bench-compare: space $space, $threads threads, $repeat runs of each side, interleaved"
echo "   wsnas:     ${ours[*]} ${both[*]}"
echo "   reference: ${theirs[*]} ${both[*]}"
[ -z "$arch_note" ] || echo "   architectures: $arch_note"
env=()
[ "$threads" = 0 ] || env=(env "OMP_NUM_THREADS=$threads")  # 0: each library's default
for ((r = 1; r <= repeat; r++)); do
  echo "== run $r/$repeat: wsnas ($(basename "${ours[0]}"))"
  ${env[@]+"${env[@]}"} "${ours[@]}" "${both[@]}" | tee "$tmp/wsnas.$r"
  echo "== run $r/$repeat: reference (${theirs[1]#tests/reference/}, PyTorch eager)"
  ${env[@]+"${env[@]}"} "${theirs[@]}" "${both[@]}" | tee "$tmp/reference.$r"
done

/usr/bin/python3 - "$space" "$repeat" "$tmp" <<'PY'
import re
import sys

space, repeat, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
NUM = r"([0-9]+(?:\.[0-9]+)?)"
if space == "darts-ptb":
    # (label, pattern, kind): kind "time" (ratio reference/wsnas, best = min), "rate" (ratio
    # wsnas/reference, best = max), "memory" (ratio wsnas/reference, best = min)
    # (ms/step is left out: the two sides draw different BPTT windows; tokens/s compares)
    measures = [("training, tokens/s", r"^training: " + NUM + " tokens/s", "rate"),
                ("training memory, peak MiB", r"^training memory: peak " + NUM + " MiB", "memory"),
                ("evaluation, s/arch", r"^evaluation: " + NUM + " s per architecture", "time")]
else:
    measures = [("training, ms/step", r"^supernet training: batch \d+, " + NUM + " ms/step", "time"),
                ("training memory, peak MiB", r"^training memory: peak " + NUM + " MiB", "memory"),
                ("evaluation, s/arch", r"^evaluation: " + NUM + " s/arch", "time")]


def value(side, r, pattern):
    with open("%s/%s.%d" % (tmp, side, r)) as f:
        for line in f:
            m = re.search(pattern, line)
            if m:
                return float(m.group(1))
    return None


def ratio(kind, ours, ref):
    if ours is None or ref is None:
        return "n/a"
    num, den = (ref, ours) if kind == "time" else (ours, ref)
    return "%.2fx" % (num / den) if den > 0 else "n/a"


def fmt(v):
    return "n/a" if v is None else "%g" % v


print()
print("== bench-compare summary: space %s (%d runs of each side)" % (space, repeat))
print("| measure | run | wsnas | reference | ratio |")
print("| --- | --- | --- | --- | --- |")
for label, pattern, kind in measures:
    ours = [value("wsnas", r, pattern) for r in range(1, repeat + 1)]
    ref = [value("reference", r, pattern) for r in range(1, repeat + 1)]
    for r in range(repeat):
        print("| %s | %d | %s | %s | %s |" % (label, r + 1, fmt(ours[r]), fmt(ref[r]),
                                             ratio(kind, ours[r], ref[r])))
    pick = max if kind == "rate" else min
    best = [pick([v for v in vs if v is not None]) if any(v is not None for v in vs) else None
            for vs in (ours, ref)]
    print("| %s | %s | %s | %s | %s |" % (label, "max" if kind == "rate" else "min", fmt(best[0]),
                                         fmt(best[1]), ratio(kind, best[0], best[1])))
print("ratio: reference/wsnas for times (> 1: wsnas faster); wsnas/reference for memory (< 1: "
      "wsnas smaller) and for tokens/s (> 1: wsnas faster)")
with open("%s/reference.1" % tmp) as f:
    notes = [line.strip()[len("note: "):] for line in f if line.startswith("  note: ")]
if notes:
    print("the reference's work differs from wsnas's:")
    for n in notes:
        print("  - " + n)
PY

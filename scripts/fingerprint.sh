#!/usr/bin/env bash
# Before/after fingerprints of the engine (issue 22): for each of the five spaces, a fixed tiny
# study (synthetic CIFAR-10 in its binary format, or a text corpus for DARTS-PTB; the paper's
# presets at tiny sizes), run on 1 and on 2 MPI ranks:
#   - a supernet trained 2 epochs with the space's preset (configs/<space>[-code].ini): the hash
#     of its final weights (/model, and /averaged when ASGD wrote one);
#   - wsnas-evaluate of 4 fixed architectures on it (BN calibration included): the hash of the
#     scores;
#   - wsnas-groundtruth of 2 architectures for 1 epoch with the stand-alone preset: the hash of
#     its scores.
# One line per space and rank count:  <space> ranks <n> supernet <hash> evaluate <hash>
# groundtruth <hash>. A refactor of the inside must print the same lines on the same machine (the
# hashes are bitwise: another CPU or LibTorch build may round differently). docs/engine.md lists
# the recorded ones.
#   scripts/fingerprint.sh [BUILD_DIR] [SPACE...]     (default: build, all five spaces)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath "${1:-$root/build}")
shift || true
bin=$build/bin
spaces=("$@")
[ ${#spaces[@]} -gt 0 ] || spaces=(nb201 nb101 darts proxyless darts-ptb)
for app in wsnas-data wsnas-space wsnas-supernet wsnas-evaluate wsnas-groundtruth; do
  [ -x "$bin/$app" ] || { echo "fingerprint.sh: $bin/$app missing (build first)" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/wsnas-fingerprint-XXXXXX)
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
py=/usr/bin/python3

"$bin/wsnas-data" synth --kind cifar10 --train 320 --test 64 --seed 7 --out "$tmp/cifar10" > /dev/null
image="--dataset cifar10 --data-dir $tmp/cifar10"

# The hash of every dataset under the given groups of an HDF5 file, in name order (values only:
# no times, paths, run ids or provenance).
hash_h5() {
  "$py" - "$@" << 'EOF'
import hashlib, sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
h = hashlib.sha256()
skip = ("seconds", "time", "rate", "checkpoint", "path", "host")  # where and how fast, not what
for group in sys.argv[2:]:
    if group not in f:
        continue
    names = []
    f[group].visit(lambda n: names.append(n))
    for n in sorted(names):
        d = f[group][n]
        if not isinstance(d, h5py.Dataset) or any(s in n for s in skip):
            continue
        v = d[()]
        h.update(n.encode())
        if isinstance(v, np.ndarray) and v.dtype.kind == "O":  # strings: their text, not pointers
            v = "\n".join(x.decode() if isinstance(x, bytes) else str(x) for x in v.ravel())
        h.update(v.tobytes() if isinstance(v, np.ndarray) else str(v).encode())
print(h.hexdigest()[:16])
EOF
}

for space in "${spaces[@]}"; do
  case $space in
    nb201) preset=nb201-code; gt=nb201; data="$image --channels 4 --cells 1 --protocol train-all" ;;
    nb101) preset=nb101; gt=nb101-standalone; data="$image --channels 4 --cells 1 --protocol train-all" ;;
    darts) preset=darts-code; gt=darts-standalone; data="$image --channels 4 --cells 3 --protocol train-all" ;;
    proxyless) preset=proxyless-code; gt=proxyless-standalone
      data="$image --width-mult 0.25 --protocol holdout:64" ;;
    darts-ptb)
      preset=darts-ptb; gt=darts-ptb-standalone
      [ -d "$tmp/ptb" ] || "$bin/wsnas-data" text --out "$tmp/ptb" /usr/share/common-licenses/* > /dev/null
      data="--dataset ptb --data-dir $tmp/ptb --channels 16 --limit-train 4000 --limit-eval 800" ;;
    *) echo "fingerprint.sh: unknown space '$space'" >&2; exit 2 ;;
  esac
  "$bin/wsnas-space" sample --space "$space" -n 4 --seed 1 > "$tmp/$space.archs"
  head -2 "$tmp/$space.archs" > "$tmp/$space.gt-archs"
  for ranks in 1 2; do
    out=$tmp/$space-$ranks
    mkdir -p "$out"
    mpi=(mpirun --oversubscribe -n "$ranks")
    # 2 replicas on 1 or 2 ranks (the same supernet); a recurrent network needs a rank per replica.
    replicas=2
    [ "$space" != darts-ptb ] || replicas=$ranks
    # shellcheck disable=SC2086
    "${mpi[@]}" "$bin/wsnas-supernet" --space "$space" --config "$root/configs/$preset.ini" $data \
      --epochs 2 --batch-size 32 --gpus "$replicas" --seed 3 --save-epochs none --bn-calib-batch 32 \
      --bn-calib-steps 2 --out "$out/supernet" > "$out/supernet.log" 2>&1 ||
      { echo "fingerprint.sh: $space supernet failed:" >&2; tail -5 "$out/supernet.log" >&2; exit 1; }
    # shellcheck disable=SC2086
    "${mpi[@]}" "$bin/wsnas-evaluate" --checkpoint "$out/supernet/supernet.h5" \
      --archs "$tmp/$space.archs" --eval-batch 64 --bn-calib-batch 32 --bn-calib-steps 2 \
      --out "$out/evaluation.h5" > "$out/evaluate.log" 2>&1 ||
      { echo "fingerprint.sh: $space evaluation failed:" >&2; tail -5 "$out/evaluate.log" >&2; exit 1; }
    # shellcheck disable=SC2086
    "${mpi[@]}" "$bin/wsnas-groundtruth" --space "$space" --config "$root/configs/$gt.ini" $data \
      --archs "$tmp/$space.gt-archs" --epochs 1 --batch-size 32 --seed 3 \
      --out "$out/groundtruth" > "$out/groundtruth.log" 2>&1 ||
      { echo "fingerprint.sh: $space ground truth failed:" >&2; tail -5 "$out/groundtruth.log" >&2; exit 1; }
    echo "$space ranks $ranks supernet $(hash_h5 "$out/supernet/supernet.h5" /model /averaged)" \
      "evaluate $(hash_h5 "$out/evaluation.h5" /results)" \
      "groundtruth $(hash_h5 "$out/groundtruth/groundtruth.h5" /results)"
  done
done

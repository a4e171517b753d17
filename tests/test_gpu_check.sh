#!/bin/bash
# scripts/gpu-check.sh --dry-run: the GPU machine's one command, run here on the CPU at tiny sizes
# with the built tree (WSNAS_SKIP_BUILD=1), so that it is known to work before a GPU is lent: every
# step exits 0, the table has a row per step with its figures, the CUDA suite is built and skips
# (this machine has no GPU), and bad arguments get one line.
#   tests/test_gpu_check.sh BUILD_DIR
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath "${1:?usage: $0 BUILD_DIR}")
source "$root/tests/support/pipeline.sh" gpu-check "$build/bin"
WSNAS_SKIP_BUILD=1 WSNAS_BUILD_DIR="$build" "$root/scripts/gpu-check.sh" --dry-run --out "$tmp/out" \
  > "$tmp/run.log" 2>&1
rc=$?
check "gpu-check.sh --dry-run exits 0 (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || tail -20 "$tmp/run.log"
tsv=$tmp/out/gpu-check.tsv
check "a row per step: the two test binaries, five spaces' benchmarks" \
  [ "$(tail -n +2 "$tsv" | cut -f1 | tr '\n' ' ')" = "test_cuda test_nb201_model nb201-fp32 nb101-fp32 darts-fp32 proxyless-fp32 darts-ptb-fp32 " ]
check "every step exited 0" [ "$(tail -n +2 "$tsv" | awk -F'\t' '$2 != 0' | wc -l)" -eq 0 ]
check "the CUDA suite ran one case per space and skipped them (no GPU here)" \
  grep -q "SKIPPED \] 5 tests" "$tmp/out/gpu-check.log"
for space in nb201 nb101 darts proxyless; do
  check "$space: training and evaluation figures in the table" \
    bash -c 'awk -F"\t" -v s="$2-fp32" "\$1 == s" "$1" | grep -q "ms/step.*s/arch"' _ "$tsv" "$space"
done
check "darts-ptb: tokens/s and its evaluation in the table" \
  bash -c 'awk -F"\t" "\$1 == \"darts-ptb-fp32\"" "$1" | grep -q "tokens/s"' _ "$tsv"
"$root/scripts/gpu-check.sh" --budget soon > "$tmp/bad.out" 2> "$tmp/bad.err"
check "--budget soon: exit 2 and one line naming it" \
  bash -c '[ $0 -eq 2 ] && [ "$(wc -l < "$1")" -eq 1 ] && grep -q "budget .soon.: expected whole seconds" "$1"' $? "$tmp/bad.err"
finish

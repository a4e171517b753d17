#!/usr/bin/env bash
# Fuzzes the parsers of outside input with libFuzzer (clang, AddressSanitizer, UBSan).
#   scripts/fuzz.sh [SECONDS [TARGET...]]    default: 600 s for each of the 12 targets, one after another
# Builds build-fuzz/ (clang, WSNAS_FUZZ=ON, WSNAS_SANITIZE=address;undefined; only the fuzz
# targets and the libraries they need, no LibTorch code), then runs each target on a working copy
# of its seed corpus (build-fuzz/corpus-work/TARGET; fuzz/corpus/ is never written). A finding is
# a file build-fuzz/findings/TARGET/crash-* (replay: build-fuzz/fuzz/fuzz_TARGET FILE). Prints
# one line per target with its executions count. Installs clang and libFuzzer (apt) if missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(arch arch_list table config cifar idx h5_results tfrecord jpeg text arch_json study)
./scripts/install-deps.sh --fuzz
build=${WSNAS_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSNAS_FUZZ=ON \
    "-DWSNAS_SANITIZE=address;undefined" -DWSNAS_BUILD_TESTS=OFF -DWSNAS_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target fuzz_targets
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  work=$build/corpus-work/$t findings=$build/findings/$t
  mkdir -p "$work" "$findings"
  log=$build/fuzz-$t.log
  set +e
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$findings/" "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -eq 0 ]; then
    echo "fuzz: $t: $runs executions in $seconds s, no finding (corpus $(ls "$work" | wc -l) inputs)"
  else
    echo "fuzz: $t: FINDING after $runs executions (exit $rc): $(ls "$findings" | head -3 | tr '\n' ' ')see $log"
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Builds build-asan/ with AddressSanitizer and UBSan (gcc, -DWSNAS_SANITIZE="address;undefined")
# and runs the unit and MPI suites under them: scripts/sanitize.sh [extra ctest arguments].
#   scripts/sanitize.sh tsan [extra ctest arguments]: ThreadSanitizer (build-tsan/) on the data
#   loader's producer and decode threads: the loader tests (test_data, test_image_folder,
#   test_text) with LibTorch's and OpenMP's own threads out of the picture (one thread; their
#   uninstrumented libraries suppressed in scripts/tsan.supp).
# Slow (a second full build, no ccache hits from the normal one); CI keeps the normal build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
./scripts/install-deps.sh
if [ "${1:-}" = tsan ]; then
  shift
  build=${WSNAS_TSAN_BUILD_DIR:-build-tsan}
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSNAS_SANITIZE=thread \
      -DWSNAS_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build "$build" --target test_data test_image_folder test_text wsnas-data  # test_text reads the binary as non-text
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp}
  export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
  cd "$build"
  ctest --output-on-failure -j 1 -R '^(test_data|test_image_folder|test_text)$' "$@"
  exit $?
fi
build=${WSNAS_ASAN_BUILD_DIR:-build-asan}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DWSNAS_SANITIZE=address;undefined" \
    -DWSNAS_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build"
# Open MPI and LibTorch keep allocations until exit: leak reports there are not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$build"
ctest --output-on-failure -j "${WSNAS_TEST_JOBS:-2}" -L "unit|mpi" "$@"

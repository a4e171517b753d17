#!/usr/bin/env bash
# The test command: installs what is needed (apt), builds, and runs every test with CTest
# (serial GoogleTest suites and 2-rank MPI suites under mpiexec --oversubscribe).
# Extra arguments go to ctest (e.g. -L mpi, -R nb201).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
./scripts/build.sh
# Formatting is checked every time (clang-format, .clang-format); the tests run either way.
format_rc=0
./scripts/format.sh --check || format_rc=$?
build=${WSNAS_BUILD_DIR:-build}
# Open MPI refuses to run as root unless told; the CI and fresh machines run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$build"
ctest --output-on-failure -j "${WSNAS_TEST_JOBS:-2}" "$@"
exit "$format_rc"

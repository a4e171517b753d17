#!/usr/bin/env bash
# Builds wsnas into ${WSNAS_BUILD_DIR:-build}. On Debian 12 it first installs the packages it needs
# (scripts/install-deps.sh, idempotent). Where there is no apt or no root (a cluster with modules),
# WSNAS_SKIP_DEPS=1 builds with what is installed; CMake finds LibTorch, MPI and HDF5 through
# CMAKE_PREFIX_PATH and the modules' variables, and WSNAS_CMAKE_ARGS passes options (docs/install.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ "${WSNAS_SKIP_DEPS:-0}" = 1 ]; then
  echo "build: WSNAS_SKIP_DEPS=1: no package installation; building with what is installed"
elif ! command -v apt-get > /dev/null 2>&1; then
  echo "build: no apt-get here: building with what is installed (docs/install.md)"
else
  ./scripts/install-deps.sh
fi
build=${WSNAS_BUILD_DIR:-build}
jobs=${WSNAS_JOBS:-$(nproc)}
generator=()
if command -v ninja > /dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086  # WSNAS_CMAKE_ARGS is a list of -D options
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE="${WSNAS_BUILD_TYPE:-RelWithDebInfo}" \
    ${WSNAS_CMAKE_ARGS:-}
fi
cmake --build "$build" -j "$jobs"

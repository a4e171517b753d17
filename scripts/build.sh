#!/usr/bin/env bash
# Installs the Debian packages (idempotent) and builds wsnas into ${WSNAS_BUILD_DIR:-build}.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
./scripts/install-deps.sh
build=${WSNAS_BUILD_DIR:-build}
jobs=${WSNAS_JOBS:-$(nproc)}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${WSNAS_BUILD_TYPE:-RelWithDebInfo} ${WSNAS_CMAKE_ARGS:-}
fi
cmake --build "$build" -j "$jobs"

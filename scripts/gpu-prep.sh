#!/usr/bin/env bash
# Run HERE (Debian 12, in the clone) before a run of scripts/gpu-check.sh on a GPU machine where
# nothing can be installed: downloads the Debian packages of the libraries wsnas builds with beside
# LibTorch, MPI and HDF5 into .device-deps/ (git ignores it; about 19 MB). gpu-check.sh unpacks,
# there, only those whose headers the machine lacks. Carry .device-deps with the run.
#   scripts/gpu-prep.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$root/.device-deps"
cd "$root/.device-deps"
# The same list as gpu-check.sh's (header -> packages).
packages=(libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libjpeg62-turbo-dev libjpeg62-turbo libprotobuf-dev libprotobuf32 libssl-dev libssl3
  nlohmann-json3-dev libgtest-dev zlib1g-dev)
for p in "${packages[@]}"; do
  ls "${p}"_*.deb > /dev/null 2>&1 && continue
  apt-get download "$p" > /dev/null 2>&1 ||
    { echo "gpu-prep.sh: error: apt-get download $p failed (expected Debian 12's package)" >&2; exit 1; }
done
echo "gpu-prep.sh: $(ls ./*.deb | wc -l) packages in .device-deps ($(du -sh . | cut -f1))"

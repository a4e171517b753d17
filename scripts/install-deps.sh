#!/usr/bin/env bash
# Installs the Debian 12 packages wsnas needs to build, test and run its demo.
# Idempotent: packages already present are skipped, apt is only called when something is missing.
# Run as root (or with sudo available).
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libtorch-dev
  libopenblas0-openmp        # LibTorch's BLAS (matrix products: DARTS-PTB) instead of netlib's reference one
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libboost-program-options-dev
  googletest libgtest-dev
  zlib1g-dev
  libjpeg62-turbo-dev        # ImageNet JPEG decoding (libjpeg-turbo)
  libssl-dev                 # MD5 (NAS-Bench-101 graph hash), base64
  libprotobuf-dev nlohmann-json3-dev   # NAS-Bench-101's TFRecord records (wsnas-import)
  dataset-fashion-mnist
  python3-h5py python3-numpy python3-matplotlib   # analysis/plot.py
  python3-torch              # tests/reference: independent PyTorch references of the networks
  slurmctld slurmd slurm-client slurm-wlm-basic-plugins munge   # the one-node Slurm test cluster
)

# --fuzz: what scripts/fuzz.sh needs too (clang and libFuzzer); --sanitize: nothing more (gcc has ASan/UBSan).
if [ "${1:-}" = "--fuzz" ]; then
  pkgs+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

#!/usr/bin/env bash
# One command for a GPU machine: build with CUDA, check CPU against CUDA by value, time every space.
#   scripts/gpu-check.sh [--dry-run] [--out DIR] [--budget SECONDS]
#
# On the GPU machine (nothing installable there: run scripts/gpu-prep.sh here first and carry
# .device-deps; the machine's PyTorch provides LibTorch with CUDA):
#   1. unpacks the carried Debian packages whose headers the machine lacks, configures build-cuda
#      (Release, WSNAS_CUDA=ON) and builds the CUDA tests and the benchmarks only;
#   2. runs the CUDA tests: tests/test_cuda.cpp (every space's supernet and stand-alone
#      network, CPU vs CUDA by value: outputs, loss, one step's gradients and BN statistics, in
#      float32 and under bfloat16 autocast) and test_nb201_model's device tests;
#   3. times, with --device cuda in fp32 and bf16, each space's supernet training step at Table 2's
#      per-GPU batch (NB-101 256, NB-201 256, DARTS-C 448 / 4 GPUs = 112 with the auxiliary head
#      and drop-path, Proxyless 1024 / 8 = 128 at 224x224, DARTS-PTB 256) and its evaluation per
#      architecture at Table 2's BN calibration (400 x 25; DARTS-C 200 x 100; PTB none) and the
#      validation set's size (10,000 images; PTB's 73,760 tokens).
# Every step runs under a time limit taken from --budget (default 540 s, to fit a 10-minute
# device call); what ran is in DIR even when a later step fails or runs out of time:
#   DIR/gpu-check.log   every command and its output
#   DIR/gpu-check.tsv   step, exit status, seconds, and the figures the step printed
# DIR is $OUT when set (the device tool's output folder), else gpu-check-out.
#
# --dry-run: the same steps on this machine's CPU at tiny sizes, in ${WSNAS_BUILD_DIR:-build}
# (built first unless WSNAS_SKIP_BUILD=1): the CUDA tests build and skip, every benchmark command
# runs. CI runs it (tests/CMakeLists.txt: test_gpu_check), so the script is known to work before
# a GPU appears.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dry=0
out=${OUT:-gpu-check-out}
budget=540
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry=1; shift ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --budget)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "gpu-check.sh: error: --budget '${2:-}': expected whole seconds" >&2; exit 2; }
      budget=$2; shift 2 ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "gpu-check.sh: error: unknown argument '$1' (expected --dry-run, --out DIR, --budget S)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out" || { echo "gpu-check.sh: error: --out '$out': cannot create the folder" >&2; exit 2; }
log=$out/gpu-check.log
tsv=$out/gpu-check.tsv
: > "$log"
printf 'step\tstatus\tseconds\tfigures\n' > "$tsv"
start=$SECONDS
failures=0

# step NAME SHARE CMD...: runs CMD with at most SHARE percent of the budget (and never past it),
# appends its output to the log and a row to the table.
step() {
  local name=$1 share=$2
  shift 2
  local left=$((budget - (SECONDS - start)))
  local limit=$((budget * share / 100))
  [ "$limit" -gt "$left" ] && limit=$left
  if [ "$limit" -le 0 ]; then
    printf '%s\tskipped\t0\tno time left of --budget %s s\n' "$name" "$budget" >> "$tsv"
    echo "gpu-check: $name skipped: no time left" | tee -a "$log"
    return
  fi
  echo "== $name (limit ${limit} s): $*" >> "$log"
  local t0=$SECONDS rc
  timeout -k 10 "$limit" "$@" > "$out/step.out" 2>&1
  rc=$?
  cat "$out/step.out" >> "$log"
  # The figures: the benchmarks' result lines, the test summary.
  local figures
  figures=$(grep -E 'ms/step|s/arch|tokens/s|peak|tests passed|PASSED|FAILED|SKIPPED' "$out/step.out" |
    grep -v '^  arch ' | tr '\t\n' '  ' | sed 's/  */ /g')
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" "$figures" >> "$tsv"
  echo "gpu-check: $name: exit $rc, $((SECONDS - t0)) s"
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
  rm -f "$out/step.out"
}

# ---- build ---------------------------------------------------------------------------------------
targets=(test_cuda test_nb201_model bench_nb201 bench_ptb)
if [ "$dry" = 1 ]; then
  build=${WSNAS_BUILD_DIR:-build}
  device=cpu
  if [ "${WSNAS_SKIP_BUILD:-0}" != 1 ]; then
    step build 60 ./scripts/build.sh
  fi
else
  build=build-cuda
  device=cuda
  # Carried Debian packages (scripts/gpu-prep.sh), unpacked only where the machine lacks the header.
  deps=$root/.device-deps/root
  declare -A need=(
    [boost/program_options.hpp]="libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0"
    [jpeglib.h]="libjpeg62-turbo-dev libjpeg62-turbo"
    [google/protobuf/message.h]="libprotobuf-dev libprotobuf32"
    [openssl/evp.h]="libssl-dev libssl3"
    [nlohmann/json.hpp]="nlohmann-json3-dev"
    [gtest/gtest.h]="libgtest-dev"
    [zlib.h]="zlib1g-dev")
  cmake_args=()
  # A header is not enough: a machine can have a library's headers without its compiled library
  # or CMake files (the H200 machine has Boost 1.83's headers, no Boost.ProgramOptions library).
  declare -A lib=([boost/program_options.hpp]=libboost_program_options.so [jpeglib.h]=libjpeg.so
    [google/protobuf/message.h]=libprotobuf.so [openssl/evp.h]=libssl.so [gtest/gtest.h]=libgtest.a
    [zlib.h]=libz.so)
  for header in "${!need[@]}"; do
    if [ -e "/usr/include/$header" ] &&
      { [ -z "${lib[$header]:-}" ] || [ -e "/usr/lib/x86_64-linux-gnu/${lib[$header]}" ]; }; then
      continue
    fi
    for p in ${need[$header]}; do
      deb=$(ls "$root"/.device-deps/"${p}"_*.deb 2> /dev/null | head -1)
      if [ -z "$deb" ]; then
        echo "gpu-check.sh: error: /usr/include/$header or its library is missing and .device-deps has no $p (run scripts/gpu-prep.sh here and carry .device-deps)" | tee -a "$log" >&2
        exit 2
      fi
      dpkg -x "$deb" "$deps"
    done
    echo "gpu-check: $header${lib[$header]:+ and ${lib[$header]}} from the carried ${need[$header]}" | tee -a "$log"
    [ "$header" = boost/program_options.hpp ] && cmake_args+=(-DBoost_NO_SYSTEM_PATHS=ON
      -DBoost_DIR="$(ls -d "$deps"/usr/lib/x86_64-linux-gnu/cmake/Boost-1.74.0)")
  done
  if [ -d "$deps/usr" ]; then
    export CMAKE_PREFIX_PATH=$deps/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
    export LD_LIBRARY_PATH=$deps/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
  if [ -z "${Torch_DIR:-}" ]; then
    Torch_DIR=$(python3 -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))' 2> /dev/null) &&
      export Torch_DIR
  fi
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  step configure 15 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWSNAS_CUDA=ON -DWSNAS_INSTALL=OFF \
    "${cmake_args[@]}"
  step build 50 cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" -- -k 0  # every error at once
fi
bin=$build/bin

# ---- CPU against CUDA ----------------------------------------------------------------------------
# The binaries themselves (a ctest inside CI's ctest would share its Testing/ folder).
step test_cuda 12 "$build/tests/test_cuda"
step test_nb201_model 4 "$build/tests/test_nb201_model"

# ---- benchmarks ----------------------------------------------------------------------------------
# Table 2 per GPU; --dry-run shrinks every size (the same commands otherwise).
if [ "$dry" = 1 ]; then
  tiny=(--steps 1 --warmup 1 --cells 1 --calib-batch 8 --calib-steps 1 --eval-images 16)
  nb101=(--batch 8 --channels 4 --n 1) nb201=(--batch 8 --channels 4 --n 1)
  darts=(--batch 8 --channels 4 --n 3) proxyless=(--batch 4 --input-size 64 --width-mult 0.25)
  ptb=(--hidden 16 --vocab 100 --batch 4 --steps 1 --warmup 1 --eval-tokens 200)
  precisions=(fp32)
else
  tiny=(--steps 20 --warmup 5 --cells 3)
  nb101=(--batch 256 --calib-batch 400 --calib-steps 25 --eval-images 10000)
  nb201=(--batch 256 --calib-batch 400 --calib-steps 25 --eval-images 10000)
  darts=(--batch 112 --calib-batch 200 --calib-steps 100 --eval-images 10000)
  proxyless=(--batch 128 --input-size 224 --calib-batch 400 --calib-steps 25 --eval-images 10000)
  ptb=(--batch 256 --steps 10 --warmup 2)
  precisions=(fp32 bf16)
fi
for precision in "${precisions[@]}"; do
  common=(--device "$device" --precision "$precision" "${tiny[@]}")
  step "nb201-$precision" 6 "$bin/bench_nb201" --space nb201 --classes 100 "${common[@]}" "${nb201[@]}"
  step "nb101-$precision" 6 "$bin/bench_nb201" --space nb101 --classes 10 "${common[@]}" "${nb101[@]}"
  step "darts-$precision" 6 "$bin/bench_nb201" --space darts --classes 10 --aux-weight 0.4 \
    --drop-path 0.2 "${common[@]}" "${darts[@]}"
  step "proxyless-$precision" 6 "$bin/bench_nb201" --space proxyless --classes 1000 "${common[@]}" \
    "${proxyless[@]}"
  step "darts-ptb-$precision" 5 "$bin/bench_ptb" --device "$device" --precision "$precision" "${ptb[@]}"
done

echo "gpu-check: $((SECONDS - start)) s, $failures failed steps; $tsv, $log"
[ "$failures" -eq 0 ]

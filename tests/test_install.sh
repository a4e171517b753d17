#!/usr/bin/env bash
# wsnas as an installed library and package (docs/install.md), from the build folder BUILD:
#   - cmake --install into a temporary prefix: apps, headers, static libraries, the CMake package,
#     configs, study files, data, plot.py; the installed apps find them through the prefix;
#   - a downstream project (examples/downstream) built against it with find_package(wsnas), its
#     Spearman equal to scipy's on the same table;
#   - cpack -G DEB: the package's dependencies are Debian packages; unpacked with dpkg -x (not
#     installed: the test leaves the machine as it found it), its apps run on its own data;
#   - scripts/build.sh with WSNAS_SKIP_DEPS=1 while apt-get, dpkg-query and sudo fail if called.
set -uo pipefail
build=$(realpath "${1:?usage: $0 BUILD_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d /tmp/wsnas-install-XXXXXX)
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
unset WSNAS_SHARE_DIR
failures=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
    return 1
  fi
}
# has FILE TEXT: FILE contains TEXT (fixed string); prints FILE when it does not.
has() { grep -qF -- "$2" "$1" || { echo "--- $1:"; head -c 2000 "$1"; return 1; }; }
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)

# DARTS-CIFAR10's published table (the paper's code release, data/supernet-help): parameters
# against accuracy over its 377 architectures. scipy.stats.spearmanr 1.10.1 on the same columns:
# 0.5222185009893615 (tests/test_metrics.cpp, PublishedDartsTableReadsByGenotypeOrJson).
rho=0.5222185010

# ---- 1. cmake --install ---------------------------------------------------------------------------
P=$tmp/prefix
cmake --install "$build" --prefix "$P" > "$tmp/install.log" 2>&1
check "cmake --install into $P" [ $? -eq 0 ]
for f in bin/wsnas-space bin/wsnas-data bin/wsnas-analyze bin/wsnas-supernet bin/wsnas-evaluate \
  bin/wsnas-groundtruth bin/wsnas-study bin/wsnas-import bin/wsnas-score bin/wsnas-search \
  bin/wsnas-mpirun \
  include/wsnas/analysis/metrics.h include/wsnas/space/search_space.h include/wsnas/core/error.h \
  lib/libwsnas_analysis.a lib/libwsnas_space.a lib/libwsnas_core.a \
  lib/cmake/wsnas/wsnasConfig.cmake lib/cmake/wsnas/wsnasConfigVersion.cmake \
  lib/cmake/wsnas/wsnasTargets.cmake share/wsnas/analysis/plot.py \
  share/wsnas/configs/nb201.ini share/wsnas/configs/studies/nb201-budgets.ini \
  share/wsnas/data/README.md share/wsnas/data/nb201/nats_bench.csv.gz \
  share/wsnas/data/supernet-help/darts_cifar10.csv share/wsnas/slurm/study.sbatch; do
  check "installed $f" test -e "$P/$f"
done
check "no source or build path in the installed CMake package" \
  bash -c "! grep -lF -e '$root' -e '$build' '$P'/lib/cmake/wsnas/*.cmake"

# The installed apps: --version (the provenance's text), their share folder by the prefix, from a
# folder that is neither the source tree nor the prefix.
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere" || exit 1
"$P/bin/wsnas-space" --version > version.txt 2>&1
check "wsnas-space --version exits 0" [ $? -eq 0 ]
check "--version: version, revision, LibTorch, MPI, HDF5" \
  bash -c "grep -q '^wsnas-space [0-9]' version.txt && grep -q '^git_revision: ' version.txt &&
           grep -q '^libtorch: LibTorch ' version.txt && grep -q '^mpi_library: ' version.txt &&
           grep -q '^hdf5: HDF5 ' version.txt"
check "--version: the installed share folder" has version.txt "share: $(realpath "$P")/share/wsnas"
for app in wsnas-data wsnas-analyze wsnas-supernet wsnas-evaluate wsnas-groundtruth wsnas-study \
  wsnas-import wsnas-score wsnas-search; do
  "$P/bin/$app" --version > v-$app.txt 2>&1
  check "$app --version" has v-$app.txt "$app "
  check "$app --version: the same build as wsnas-space" \
    [ "$(tail -n +2 v-$app.txt)" = "$(tail -n +2 version.txt)" ]
done
"$P/bin/wsnas-space" count --space nb201 > count.txt 2>&1
check "installed wsnas-space count" has count.txt "valid: 15284"
D=$P/share/wsnas/data/supernet-help/darts_cifar10.csv
"$P/bin/wsnas-analyze" --space darts --scores "$D" --score-arch-column genotype \
  --score-column params --truth "$D" --truth-arch-column genotype --truth-column accuracy \
  --out-h5 a.h5 --plot figs > analyze.txt 2>&1
check "installed wsnas-analyze on share/wsnas/data (exit 0)" [ $? -eq 0 ]
check "... Spearman as scipy's (0.5222)" has analyze.txt "0.5222"
check "... its figure drawn by the installed plot.py" test -s figs/ranking.png
# A relative --config the working folder does not hold is the installed preset.
"$P/bin/wsnas-evaluate" --config configs/nb201.ini > cfg.txt 2>&1
check "--config configs/nb201.ini found under the prefix" \
  bash -c "! grep -q 'cannot open config file' cfg.txt && grep -q 'wsnas-evaluate: error' cfg.txt"
"$P/bin/wsnas-evaluate" --config configs/nope.ini > cfg2.txt 2>&1
check "a config neither here nor installed is still one error line" \
  has cfg2.txt "--config 'configs/nope.ini': cannot open config file"
# The installed study files plan in place, and the installed Slurm scripts use the installed apps.
env -u WSNAS_BIN "$P/share/wsnas/slurm/submit-study.sh" --dry-run \
  "$P/share/wsnas/configs/studies/demo.ini" "$tmp/study" > submit.txt 2>&1
check "installed submit-study.sh --dry-run plans the installed demo study" \
  has submit.txt "plan.tsv: 7 runs"
check "... and submits the installed apps" has submit.txt "WSNAS_BIN=$(realpath "$P")/bin,"
# The prefix moves as a whole (a module tree, a container image).
cp -a "$P" "$tmp/moved"
"$tmp/moved/bin/wsnas-space" --version > moved.txt 2>&1
check "a moved prefix finds its own share folder" has moved.txt "share: $tmp/moved/share/wsnas"
cd "$root" || exit 1

# ---- 2. a downstream project: find_package(wsnas) ------------------------------------------------
cmake -S "$root/examples/downstream" -B "$tmp/downstream" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$P" > "$tmp/ds-configure.log" 2>&1
check "downstream configures with find_package(wsnas)" [ $? -eq 0 ] ||
  grep -A5 -i "error" "$tmp/ds-configure.log" | head -20
cmake --build "$tmp/downstream" > "$tmp/ds-build.log" 2>&1
check "downstream builds against wsnas::analysis and wsnas::space" [ $? -eq 0 ] ||
  tail -20 "$tmp/ds-build.log"
"$tmp/downstream/rank_published" > "$tmp/ds.txt" 2>&1
check "downstream runs on the installed table: scipy's Spearman" \
  has "$tmp/ds.txt" "architectures 377 spearman $rho"

# ---- 3. the Debian package -------------------------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$tmp/pkg") > "$tmp/cpack.log" 2>&1
check "cpack -G DEB" [ $? -eq 0 ] || tail -20 "$tmp/cpack.log"
deb=$(ls "$tmp"/pkg/wsnas_*.deb 2> /dev/null | head -1)
check "a .deb was written" test -n "$deb"
if [ -n "$deb" ]; then
  dpkg-deb -f "$deb" Depends > "$tmp/depends.txt"
  echo "Depends: $(cat "$tmp/depends.txt")"
  for p in libtorch libopenmpi libhdf5 libboost-program-options openmpi-bin python3-h5py; do
    check "the package depends on Debian's $p" has "$tmp/depends.txt" "$p"
  done
  dpkg -x "$deb" "$tmp/deb"
  check "unpacked apps" test -x "$tmp/deb/usr/bin/wsnas-analyze"
  "$tmp/deb/usr/bin/wsnas-space" count --space nb201 > "$tmp/deb-count.txt" 2>&1
  check "the package's wsnas-space count" has "$tmp/deb-count.txt" "valid: 15284"
  S=$tmp/deb/usr/share/wsnas/data/nb201/nats_bench.csv.gz
  "$tmp/deb/usr/bin/wsnas-analyze" --scores "$S" --score-arch-column ArchitectureString \
    --score-column CIFAR100TestAccuracy200Epochs --truth "$S" --truth-arch-column \
    ArchitectureString --truth-column CIFAR10TestAccuracy200Epochs > "$tmp/deb-analyze.txt" 2>&1
  check "the package's wsnas-analyze on its share/wsnas/data (exit 0)" [ $? -eq 0 ]
  check "... over the 15,284 valid cells" has "$tmp/deb-analyze.txt" "dropped 341 invalid"
  "$tmp/deb/usr/bin/wsnas-space" --version > "$tmp/deb-version.txt" 2>&1
  check "the package's apps find its share folder" \
    has "$tmp/deb-version.txt" "share: $tmp/deb/usr/share/wsnas"
fi

# ---- 4. building where apt is not to be used -------------------------------------------------------
mkdir -p "$tmp/noapt"
for c in apt-get apt dpkg-query sudo; do
  printf '#!/bin/sh\necho "%s must not be called" >&2\nexit 99\n' "$c" > "$tmp/noapt/$c"
  chmod +x "$tmp/noapt/$c"
done
PATH="$tmp/noapt:$PATH" WSNAS_SKIP_DEPS=1 WSNAS_BUILD_DIR="$build" "$root/scripts/build.sh" \
  > "$tmp/noapt.log" 2>&1
check "scripts/build.sh with WSNAS_SKIP_DEPS=1 builds without apt" [ $? -eq 0 ] ||
  tail -5 "$tmp/noapt.log"
check "... and says so, calling nothing of apt" \
  bash -c "grep -q 'WSNAS_SKIP_DEPS=1: no package installation' '$tmp/noapt.log' &&
           ! grep -q 'must not be called' '$tmp/noapt.log'"

echo "test_install: $failures failure(s)"
[ "$failures" -eq 0 ]

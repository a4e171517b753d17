#!/usr/bin/env bash
# The README's "study pipeline, by hand" run as written (CTest label `readme`): its lines are taken
# from README.md, with the repository's build/bin replaced by the build's, DIR by a CIFAR-100 in
# the real binary format (wsnas-data synth), mpirun given --oversubscribe, and a tiny size put
# after each app's name (command-line options win over the configs the lines name; 4 cells in
# place of 100). Then the analysis must have joined the 4 cells with their ground truth.
#   tests/test_readme.sh BUILD_DIR/bin
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" readme "${1:-}"
# The block after "The study pipeline, by hand", up to its closing fence.
awk '/^The study pipeline, by hand/ {found = 1} found && /^```sh$/ {inside = 1; next}
     inside && /^```$/ {exit} inside {print}' "$root/README.md" > "$tmp/readme.sh"
check "the README has the by-hand pipeline (5 commands)" \
  [ "$(grep -c 'build/bin/wsnas-' "$tmp/readme.sh")" -eq 5 ]
"$bin/wsnas-data" synth --kind cifar100 --train 256 --test 64 --out "$tmp/cifar100" > /dev/null
tiny_net="--channels 4 --cells 1 --limit-train 256 --limit-eval 64 --batch-size 32"
sed -e "s#configs/#$root/configs/#g" \
    -e "s#build/bin/wsnas-supernet#@BIN@/wsnas-supernet $tiny_net --epochs 3 --bn-calib-batch 16 --bn-calib-steps 1#" \
    -e "s#build/bin/wsnas-groundtruth#@BIN@/wsnas-groundtruth $tiny_net --epochs 1#" \
    -e "s#build/bin/wsnas-evaluate#@BIN@/wsnas-evaluate --bn-calib-batch 16 --bn-calib-steps 1#" \
    -e "s#build/bin/#@BIN@/#g" -e "s#@BIN@#$bin#g" -e "s#-n 100 #-n 4 #" \
    -e "s#--data-dir DIR#--data-dir $tmp/cifar100#g" -e "s#^mpirun #mpirun --oversubscribe #" \
    "$tmp/readme.sh" > "$tmp/tiny.sh"
(cd "$tmp" && OMP_NUM_THREADS=1 bash -e "$tmp/tiny.sh") > "$tmp/run.log" 2>&1
check "the README's pipeline runs as written (exit 0)" test $? -eq 0
check "the supernet's last epoch is supernet.h5 (3 epochs; snapshots at 1 and 2)" \
  [ -f "$tmp/study/supernet/supernet.h5" -a -f "$tmp/study/supernet/epoch_0002.h5" -a ! -f "$tmp/study/supernet/epoch_0003.h5" ]
check "the analysis joined the 4 cells with their ground truth" grep -q "joined 4 architectures" "$tmp/run.log"
check "and printed the ranking" grep -q "Spearman (score, truth)" "$tmp/run.log"
[ "$failures" -eq 0 ] || { echo "--- run.log"; tail -30 "$tmp/run.log"; }
finish

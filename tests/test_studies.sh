#!/usr/bin/env bash
# Every shipped study file (configs/studies/*.ini, the data-*.ini configs and the demo aside: the
# demo has its own test) planned and run end to end at `wsnas-study --scale tiny` (CTest label
# `studies`): the study's own plan, stages, variants and analyses, each run seconds long, through
# the real apps under mpirun -np 2, on generated data in each dataset's real format, the
# repository's published tables as ground truth (NAS-Bench-101's, which cannot be shipped, as a
# generated table over the whole sub-space), and every analysis drawn. A study file that cannot
# plan, or whose runs, analyses or figures fail, fails this test.
#   tests/test_studies.sh BUILD_DIR/bin [STUDY.ini...]   (default: all)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/support/pipeline.sh" studies "${1:-}"
shift
studies=("$@")
if [ ${#studies[@]} -eq 0 ]; then
  for f in "$root"/configs/studies/*.ini; do
    case $(basename "$f") in data-* | demo.ini) ;; *) studies+=("$f") ;; esac
  done
fi

# ---- data in each dataset's real format ---------------------------------------------------------
d=$tmp/data
mkdir -p "$d"
"$bin/wsnas-data" synth --kind cifar10 --train 50000 --test 100 --seed 1 --out "$d/cifar10" > /dev/null &&
  "$bin/wsnas-data" synth --kind cifar100 --train 256 --test 10000 --seed 2 --out "$d/cifar100" > /dev/null &&
  "$bin/wsnas-data" synth --kind imagenet --classes 4 --train 32 --test 16 --seed 3 --out "$d/imagenet" > /dev/null &&
  "$bin/wsnas-data" text --out "$d/ptb" /usr/share/common-licenses/* > /dev/null &&
  /usr/bin/python3 "$root/scripts/imagenet16-fake.py" "$d/imagenet16-src" --train-per-file 40 --val 30 --seed 4 > /dev/null &&
  /usr/bin/python3 "$root/scripts/imagenet16-convert.py" "$d/imagenet16-src" "$d/imagenet16-120" --no-md5 > /dev/null
check "generated CIFAR-10, CIFAR-100, ImageNet folders, ImageNet16-120 and a PTB-format corpus" test $? -eq 0
data_dirs=()
for name in cifar10 cifar100 imagenet imagenet16-120 ptb; do data_dirs+=(--data-dir "$name=$d/$name"); done
# NAS-Bench-101's truth over the whole sub-space (density and pruning rank the space by it): every
# cell with made-up accuracies, in the imported table's columns.
"$bin/wsnas-space" sample --space nb101 -n 95985 --format csv 2> /dev/null |
  awk -F, 'NR == 1 {print "arch,final_valid_accuracy,final_test_accuracy"; next}
           {v = 0.8 + (NR * 7919 % 1000) / 10000; print $1 "," v "," v - 0.001}' > "$d/nb101-truth.csv"
check "a generated NAS-Bench-101 table over the 95,985 cells" [ "$(wc -l < "$d/nb101-truth.csv")" -eq 95986 ]

# ---- each study at --scale tiny -----------------------------------------------------------------
for study in "${studies[@]}"; do
  name=$(basename "$study" .ini)
  extra=()
  case $name in nb101-*) extra=(--set "truth=$d/nb101-truth.csv") ;; esac
  start=$SECONDS
  "$bin/wsnas-study" run "$study" "$tmp/$name" --scale tiny "${data_dirs[@]}" "${extra[@]}" \
    --launcher "mpirun --oversubscribe" --ranks 2 > "$tmp/$name.log" 2>&1
  rc=$?
  check "$name: plans and runs at --scale tiny (exit $rc, $((SECONDS - start)) s)" test $rc -eq 0
  [ $rc -eq 0 ] || { tail -5 "$tmp/$name.log"; continue; }
  check "$name: the ETA weighs what is timed and counts the stages not timed yet" \
    grep -qE 'left, (ETA [0-9]+ s for the timed stages \+ |)[0-9]+ [a-z]+.* not timed yet' "$tmp/$name.log"
  for a in $(awk -F'\t' '$2 == "analyze" {sub("analyze/", "", $1); print $1}' "$tmp/$name/plan.tsv"); do
    fig=$tmp/$name/figures/$a.png
    # A zero-cost scorer's own analysis A-SCORER draws figures/SCORER/A.png.
    case $a in *-*) fig=$tmp/$name/figures/${a#*-}/${a%%-*}.png ;; esac
    check "$name: analysis $a drawn" test -s "$fig" -a -s "$tmp/$name/analysis/$a.h5"
  done
done

# ---- Fig. 6: the three published tables, no runs ---------------------------------------------------
"$root/scripts/paper-fig6.sh" "$tmp/fig6" > "$tmp/fig6.log" 2>&1
check "scripts/paper-fig6.sh draws Fig. 6 (a), (b) and (c)" \
  test $? -eq 0 -a -s "$tmp/fig6/fig6a.png" -a -s "$tmp/fig6/fig6b.png" -a -s "$tmp/fig6/fig6c.png"
check "its panels name the tables' sizes (377, 36, 137 architectures)" \
  bash -c 'grep -q "377 architectures" "$1/fig6a.svg" && grep -q "36 architectures" "$1/fig6b.svg" &&
    grep -q "137 architectures" "$1/fig6c.svg"' _ "$tmp/fig6"
finish

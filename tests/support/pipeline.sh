# Shared by the shell test scripts (tests/test_<space>.sh, test_studies.sh, test_readme.sh), sourced as
#   source "$root/tests/support/pipeline.sh" NAME BIN_DIR
# (root: the source tree): sets `bin` (the built apps) and `tmp` (a scratch folder removed at exit
# unless WSNAS_KEEP_TMP is set), the MPI environment, `check`, the bad-input check and the
# stop-and-resume checks of supernet and ground-truth runs.
bin=$(realpath "${2:?usage: $0 BIN_DIR}")
tmp=$(mktemp -d "/tmp/wsnas-$1-XXXXXX")
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
export WSNAS_LAUNCHER="mpirun --oversubscribe" WSNAS_RANKS=2
mpi=(mpirun --oversubscribe -n 2)
py=/usr/bin/python3
failures=0

# check WHAT COMMAND...: runs COMMAND; prints ok or FAIL with WHAT and counts failures.
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# keep_results FILE: a copy of a results file that bad input must leave unchanged ($tmp/keep.h5).
keep_results() {
  cp "$1" "$tmp/keep.h5"
  sum_before=$(md5sum < "$tmp/keep.h5")
}

# bad WANT COMMAND...: exit 2, one error line on stderr containing WANT, $tmp/keep.h5 unchanged.
bad() {
  local want=$1
  shift
  "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
  local rc=$? lines
  lines=$(grep -c 'error' "$tmp/bad.err")
  check "bad input '$want': exit 2, one error line (rc $rc, $lines lines)" \
    [ "$rc" -eq 2 -a "$lines" -eq 1 ]
  check "message names it: $want" grep -qF -- "$want" "$tmp/bad.err"
  check "results unchanged" [ "$(md5sum < "$tmp/keep.h5")" = "$sum_before" ]
}

# supernet_resume_is_exact ARGS...: wsnas-supernet ARGS under mpirun, stopped by SIGUSR1 after its
# first checkpoint and rerun, ends with the same weights as an uninterrupted run. The stopped
# checkpoint is kept as $tmp/stopped.h5.
supernet_resume_is_exact() {
  "${mpi[@]}" "$bin/wsnas-supernet" "$@" --out "$tmp/ref" > /dev/null 2>&1
  mkdir -p "$tmp/stop"
  "${mpi[@]}" "$bin/wsnas-supernet" "$@" --checkpoint-minutes 0.000001 --out "$tmp/stop" \
    > "$tmp/stop/log" 2>&1 &
  local pid=$! rc
  for _ in $(seq 600); do [ -f "$tmp/stop/supernet.h5" ] && break; sleep 0.1; done
  # Signalled as soon as training has checkpointed, and again until it stops: a fixed wait let a
  # short run finish before the signal (exit 0) on a fast, idle machine.
  while kill -0 $pid 2> /dev/null; do
    pkill -USR1 -f "wsnas-supernet.*$tmp/stop" || true
    sleep 0.2
  done
  wait $pid
  rc=$?
  check "SIGUSR1 stops the supernet with exit 75 (got $rc)" [ "$rc" -eq 75 ]
  cp "$tmp/stop/supernet.h5" "$tmp/stopped.h5"  # the state the rerun resumes from
  "${mpi[@]}" "$bin/wsnas-supernet" "$@" --out "$tmp/stop" > "$tmp/resume.log" 2>&1
  check "the rerun resumes" grep -q "resuming" "$tmp/resume.log"
  $py - "$tmp/ref/supernet.h5" "$tmp/stop/supernet.h5" > "$tmp/cmp.txt" 2>&1 <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
for g in ["/model", "/averaged", "/best", "/optimizer"]:  # weights and every optimizer state
    if g in a:
        a[g].visit(lambda n: names.append(g + "/" + n) if isinstance(a[g][n], h5py.Dataset) else None)
diff = max(float(np.max(np.abs(a[n][()] - b[n][()]))) for n in names)
print("tensors", len(names), "maxdiff", diff)
EOF
  check "resumed weights bit-equal to an uninterrupted run ($(cat "$tmp/cmp.txt"))" \
    grep -Eq "tensors [0-9]{2,} maxdiff 0.0$" "$tmp/cmp.txt"
}

# groundtruth_resume_is_exact ARGS...: wsnas-groundtruth ARGS under mpirun, stopped by SIGUSR1
# once an architecture has saved an epoch and rerun, gives the results of an uninterrupted run
# (final valid and test scores, whatever the task's score, and training curves). Leaves the
# comparison in $tmp/gtcmp.txt.
groundtruth_resume_is_exact() {
  "${mpi[@]}" "$bin/wsnas-groundtruth" "$@" --out "$tmp/gtref" > /dev/null 2>&1
  mkdir -p "$tmp/gtstop"
  "${mpi[@]}" "$bin/wsnas-groundtruth" "$@" --out "$tmp/gtstop" > "$tmp/gtstop/log" 2>&1 &
  local pid=$! rc
  for _ in $(seq 1200); do ls "$tmp"/gtstop/cells/*.state.h5 > /dev/null 2>&1 && break; sleep 0.1; done
  pkill -USR1 -f "wsnas-groundtruth.*$tmp/gtstop" || true
  wait $pid
  rc=$?
  check "SIGUSR1 stops the ground truth with exit 75 (got $rc)" [ "$rc" -eq 75 ]
  "${mpi[@]}" "$bin/wsnas-groundtruth" "$@" --out "$tmp/gtstop" > /dev/null 2>&1
  $py - "$tmp/gtref/groundtruth.h5" "$tmp/gtstop/groundtruth.h5" > "$tmp/gtcmp.txt" 2>&1 <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
opt = a["/config"].attrs["optimizer"]
print("optimizer", opt.decode() if isinstance(opt, bytes) else opt, "rows", a["/results"].attrs["rows"])
score = a["/results"].attrs["score"]
score = score.decode() if isinstance(score, bytes) else score
for col in ["final_valid_" + score, "final_test_" + score]:
    print(col, "equal" if np.array_equal(a["/results/" + col][()], b["/results/" + col][()]) else "differ")
print("curves", "equal" if np.array_equal(a["/curves/train_loss"][()], b["/curves/train_loss"][()]) else "differ")
EOF
  check "ground truth resumed equals an uninterrupted run ($(tr '\n' ' ' < "$tmp/gtcmp.txt"))" \
    [ "$(grep -c 'equal' "$tmp/gtcmp.txt")" -eq 3 ]
}

# run_study SPACE N KEYS [SCORE]: writes $cfg/study.ini (space SPACE, the [study] keys KEYS, then a
# 2-epoch budget, one seed, the ground-truth farm selecting by final_valid_SCORE and reporting
# final_test_SCORE (SCORE: accuracy unless given), the ranking), runs it into $tmp/study, checks
# that it ends well and that its analysis joined N architectures, and sets sn, ev and gt to its
# supernet, evaluation and ground-truth files.
run_study() {
  local score=${4:-accuracy}
  printf '[study]\nspace = %s\n%s\nbudgets = 2\nseeds = 0\ntruth = farm\ntruth-select = final_valid_%s\ntruth-report = final_test_%s\nanalyses = ranking\nk = 1, 2\n' \
    "$1" "$3" "$score" "$score" > "$cfg/study.ini"
  "$bin/wsnas-study" run "$cfg/study.ini" "$tmp/study" > "$tmp/study.log" 2>&1
  local rc=$?
  check "the $1 study runs (exit 0)" [ "$rc" -eq 0 ]
  [ "$rc" -eq 0 ] || tail -20 "$tmp/study.log"
  check "the study's analysis joined $2 architectures" grep -q "joined $2 architectures" "$tmp/study.log"
  sn=$(find "$tmp/study" -name supernet.h5 | head -1)
  ev=$(ls "$tmp"/study/evaluations/*.h5 2> /dev/null | head -1)
  gt=$(find "$tmp/study" -name groundtruth.h5 | head -1)
  check "supernet, evaluation and ground truth files exist" test -f "$sn" -a -f "$ev" -a -f "$gt"
}

# finish: the count of failures and the script's exit status.
finish() {
  echo "$failures failures"
  [ "$failures" -eq 0 ]
}

#!/usr/bin/env bash
# A real Slurm test (CTest label `slurm`): starts a one-node Slurm cluster on localhost (Debian's
# slurm-wlm and munge, every file in a temporary directory), submits a small study through
# slurm/submit-study.sh (a study file's plan: the supernets of two budgets x two seeds as one
# job array, ground truth, evaluations, analyses chained by afterok), checks its results, then
# requeues a study's supernet job in the middle of training (`scontrol requeue`) and checks that
# the resumed run equals an uninterrupted one. It stops every
# daemon it started, pass or fail.
#   tests/slurm/test_slurm_study.sh BIN_DIR
set -uo pipefail
bin=$(realpath "${1:?usage: $0 BIN_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
py=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: the local Slurm cluster needs root (slurmd)"; exit 77; fi
for c in slurmctld slurmd munged sbatch; do
  command -v $c >/dev/null || { echo "FAIL: $c not installed (scripts/install-deps.sh installs slurm-wlm and munge)"; exit 1; }
done

tmp=$(mktemp -d /tmp/wsnas-slurm-XXXXXX)
cluster=$tmp/cluster
export WSNAS_SLURM_PORT_BASE=$((17000 + ($$ % 400) * 2))
failures=0
cleanup() {
  scancel --user=root 2>/dev/null || true
  "$root/scripts/slurm-local-cluster.sh" stop "$cluster"
  if [ -n "${WSNAS_KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
check() {  # check DESCRIPTION COMMAND...: one assertion
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | tr '\n' ' ' | sed 's/ $//'; }
wait_jobs() {  # wait_jobs TIMEOUT ID...: until none is pending or running
  local deadline=$((SECONDS + $1)) id busy
  shift
  while [ $SECONDS -lt $deadline ]; do
    busy=0
    for id in "$@"; do
      case " $(job_state "$id") " in *PENDING*|*RUNNING*|*REQUEUE*|*CONFIGURING*|*COMPLETING*) busy=1 ;; esac
    done
    [ $busy -eq 0 ] && return 0
    sleep 1
  done
  return 1
}

out=$("$root/scripts/slurm-local-cluster.sh" start "$cluster") || { echo "FAIL: cluster did not start"; cat "$cluster"/log/* 2>/dev/null; exit 1; }
export "$out"  # SLURM_CONF=...
check "one idle node" test "$(sinfo -h -o %T)" = idle

# ---- 1. a whole study through submit-study.sh ----------------------------------------------
# Two budgets x two seeds (array jobs), farm ground truth, every analysis of the plan.
cfg=$tmp/cfg
mkdir -p "$cfg"
printf 'dataset = fashion-mnist\nlimit-train = 512\nlimit-eval = 200\nchannels = 4\ncells = 1\n' > "$cfg/data.ini"
printf 'batch-size = 64\nbn-calib-batch = 64\nbn-calib-steps = 2\ngpus = 2\n' > "$cfg/supernet.ini"
printf 'batch-size = 128\nepochs = 1\nlr = 0.1\ngrad-clip = 0\n' > "$cfg/groundtruth.ini"
cat > "$cfg/study.ini" <<'INI'
[study]
space = nb201
supernet-config = data.ini supernet.ini
evaluate-config = supernet.ini
groundtruth-config = data.ini groundtruth.ini
archs = 4
budgets = 1, 2
seeds = 0, 1
truth = farm
truth-select = final_valid_accuracy
truth-report = final_test_accuracy
k = 1, 3
bootstrap = 50
INI
# Resources per stage and any sbatch option, read from --dry-run's sbatch lines (nothing submitted).
dry=$("$root/slurm/submit-study.sh" --bin "$bin" --dry-run --partition gpu --time 12:00:00 \
  --cpu-partition cpu --cpu-time 0:30:00 --gpus-per-rank 1 --sbatch-arg --qos=long \
  --sbatch-arg supernet:--mem=64G --sbatch-arg supernet:--constraint=a100 \
  --data-dir fashion-mnist=/usr/share/datasets/fashion-mnist --set archs=3 "$cfg/study.ini" "$tmp/dry" 2>&1)
check "--dry-run plans and prints one sbatch line per stage" test "$(grep -c '^sbatch ' <<< "$dry")" -eq 5
line() { grep "study.sbatch $1\$" <<< "$dry"; }
has() { local l=$1 p; shift; for p in "$@"; do grep -qF -- "'$p'" <<< "$l" || return 1; done; }
lacks() { local l=$1 p; shift; for p in "$@"; do grep -qF -- "$p" <<< "$l" && return 1; done; return 0; }
check "sample: the CPU partition and time" has "$(line sample)" --partition=cpu --time=0:30:00
check "analyze: the CPU partition and time" has "$(line analyze)" --partition=cpu --time=0:30:00
check "sample and analyze ask for no GPU" lacks "$(line sample)$(line analyze)" gpus-per-task
check "supernet: a GPU per rank, its own --mem and --constraint, the common --qos" \
  has "$(line supernet)" --partition=gpu --time=12:00:00 --gpus-per-task=1 --mem=64G --constraint=a100 --qos=long
check "supernet: not on the CPU partition" lacks "$(line supernet)" partition=cpu
check "evaluate: --qos, not the supernet's --mem" has "$(line evaluate)" --qos=long --gpus-per-task=1
check "evaluate: not the supernet's --mem" lacks "$(line evaluate)" mem=64G
check "--set and --data-dir reach the plan" \
  bash -c 'grep -q -- "-n 3 " "$1" && grep -q -- "--dataset-dir fashion-mnist=/usr/share/datasets/fashion-mnist" "$1"' _ "$tmp/dry/plan.tsv"
bad=$("$root/slurm/submit-study.sh" --bin "$bin" --dry-run --sbatch-arg gpu:--mem=1G "$cfg/study.ini" "$tmp/dry" 2>&1)
check "an --sbatch-arg for an unknown stage is refused by name" \
  grep -q "^submit-study.sh: error: --sbatch-arg 'gpu:--mem=1G': unknown stage 'gpu'" <<< "$bad"
study=$tmp/study
jobs=$("$root/slurm/submit-study.sh" --bin "$bin" --time 10:00 --ranks 2 "$cfg/study.ini" "$study")
check "submit-study.sh printed five job ids, one per stage" test "$(echo "$jobs" | grep -cE '^(sample|supernet|groundtruth|evaluate|analyze) [0-9]+$')" -eq 5
ids=$(echo "$jobs" | awk '{print $2}')
again=$("$root/slurm/submit-study.sh" --bin "$bin" "$cfg/study.ini" "$study" 2>&1)
check "a second submission of a running study is refused (exit 2)" test $? -eq 2
check "... with one line naming the study" grep -q "^submit-study.sh: error: study '$study' still has jobs queued or running" <<< "$again"
bad=$("$root/slurm/submit-study.sh" --bin "$bin" --ranks two "$cfg/study.ini" "$tmp/other" 2>&1)
check "a bad option value is refused by name" grep -q "^submit-study.sh: error: --ranks 'two': expected a whole number" <<< "$bad"
printf '[study]\nspace = nb201\nbudget = 3\n' > "$tmp/bad-study.ini"
bad=$("$root/slurm/submit-study.sh" --bin "$bin" "$tmp/bad-study.ini" "$tmp/other" 2>&1)
check "a bad study file is refused before anything is submitted (exit 2)" test $? -eq 2
check "... with wsnas-study's line naming the file and line" grep -q "^wsnas-study: error: study file '$tmp/bad-study.ini' line 3: unknown key 'budget'" <<< "$bad"
sn=$(echo "$jobs" | awk '$1 == "supernet" {print $2}')
an=$(echo "$jobs" | awk '$1 == "analyze" {print $2}')
check "supernets are one array job of 4 tasks (2 budgets x 2 seeds)" grep -q 'ArrayTaskId=0-3\|ArrayTaskId=[0-3]$' <(scontrol show job "$sn")
check "analysis waits on its dependencies" grep -q 'Dependency=afterok' <(scontrol show job "$an")
check "the study finished within 10 minutes" wait_jobs 600 $ids
for id in $ids; do check "job $id completed" test "$(job_state "$id")" = COMPLETED; done
check "supernet logs per array task (%A_%a)" test -f "$study/logs/supernet-${sn}_3.out"
check "every run of the plan is done" test "$(ls "$study/done" | wc -l)" -eq "$(($(wc -l < "$study/plan.tsv") - 1))"
for a in ranking bias budgets mutual; do
  check "analysis $a written with its figure" test -s "$study/analysis/$a.h5" -a -s "$study/figures/$a.png"
done
check "the ranking table has Spearman" grep -q 'Spearman (score, truth)' "$study/analysis/ranking.txt"
check "results read with h5py in the documented layout" $py - "$study" <<'PY'
import sys, h5py, math
s = sys.argv[1]
b = h5py.File(f"{s}/analysis/budgets.h5", "r")
assert b.attrs["kind"] == "analysis"
assert list(b["budgets/x"][()]) == [1, 1, 2, 2] and list(b["budgets/seed"][()]) == [0, 1, 0, 1]
assert all(n == 4 for n in b["budgets/archs"][()])
for budget in (1, 2):
    for seed in (0, 1):
        sn = h5py.File(f"{s}/supernets/baseline-e{budget}-s{seed}/supernet.h5", "r")
        assert sn["config"].attrs["seed"] == str(seed) and sn["state"].attrs["complete"] == 1
        assert sn["config"].attrs["epochs"] == str(budget), sn["config"].attrs["epochs"]
        e = h5py.File(f"{s}/evaluations/baseline-e{budget}-s{seed}.h5", "r")
        assert e["results"].attrs["rows"] == 4
g = h5py.File(f"{s}/groundtruth/groundtruth.h5", "r")
assert g["results"].attrs["rows"] == 4
PY

# ---- 2. requeue in the middle of supernet training -------------------------------------------
printf 'dataset = fashion-mnist\nlimit-train = 4096\nlimit-eval = 200\nchannels = 4\ncells = 1\nbatch-size = 64\ngpus = 2\n' > "$cfg/long.ini"
printf '[study]\nspace = nb201\nsupernet-config = long.ini\nevaluate-config = supernet.ini\narchs = 4\nbudgets = 6\nseeds = 3\ntruth = %s\ntruth-select = CIFAR10TestAccuracy200Epochs\ntruth-arch-column = ArchitectureString\n' \
  "$root/data/nb201/nats_bench.csv.gz" > "$cfg/long-study.ini"
rq=$tmp/requeue
"$bin/wsnas-study" plan "$cfg/long-study.ini" "$rq" > /dev/null
check "the long study planned one supernet" test "$(awk -F'\t' '$2 == "supernet"' "$rq/plan.tsv" | wc -l)" -eq 1
net=$rq/supernets/baseline-e6-s3
jid=$(sbatch --parsable --requeue --open-mode=append --ntasks=2 --output="$rq/supernet-%j.out" \
  --export="ALL,WSNAS_STUDY=$rq,WSNAS_BIN=$bin,WSNAS_SLURM_DIR=$root/slurm,OMP_NUM_THREADS=1" \
  "$root/slurm/study.sbatch" supernet)
for _ in $(seq 600); do [ -f "$net/epoch_0001.h5" ] && break; sleep 0.1; done
check "training reached epoch 1 before the requeue" test -f "$net/epoch_0001.h5"
check "still running when requeued" test "$(job_state "$jid")" = RUNNING
scontrol requeue "$jid"
for _ in $(seq 50); do [ "$(job_state "$jid")" = PENDING ] && break; sleep 0.2; done
scontrol update JobId="$jid" StartTime=now  # Slurm delays a requeued job's start; not needed here
check "the requeued job finished" wait_jobs 300 "$jid"
check "job $jid completed after one restart" grep -q 'Restarts=1' <(scontrol show job "$jid")
check "the app saved its state on the stop signal" grep -q 'stop signal received; state saved' "$rq/supernet-$jid.out"
check "the restarted job resumed" grep -q 'resuming .* at epoch' "$rq/supernet-$jid.out"
check "the run is marked done once" test -f "$rq/done/supernet_baseline-e6-s3.done"
# The same training without interruption, outside Slurm.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 \
  mpirun -np 2 --oversubscribe "$bin/wsnas-supernet" --config "$cfg/long.ini" --epochs 6 --seed 3 \
  --out "$tmp/reference" > "$tmp/reference.log" 2>&1
check "uninterrupted reference run" test $? -eq 0
check "resumed weights, optimizer state and log equal the uninterrupted run's" $py - "$net/supernet.h5" "$tmp/reference/supernet.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n = 0
for group in ("model", "optimizer/momentum"):
    for k in a[group]:
        assert np.array_equal(a[group][k][()], b[group][k][()]), f"{group}/{k} differs"
        n += 1
assert n > 50, n
assert np.array_equal(a["log/loss"][()], b["log/loss"][()])
assert a["state"].attrs["step"] == b["state"].attrs["step"] == 6 * 64
PY

echo "$failures failure(s)"
[ $failures -eq 0 ]

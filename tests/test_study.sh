#!/usr/bin/env bash
# Studies as files (CTest label `study`): wsnas-study plan and run on real apps, real data and
# real MPI (mpirun -np 2). Checks the plan of the paper's density and pruning studies (pools drawn
# as the released code does: github.com/matluster/anonymous-2102 @3825f00
# tricks/nb201/omniscience.py:51-59), runs a tiny density study end to end with its figure, stops a
# run with SIGTERM and resumes it, resumes after a failed run, and the bad-input matrix of study
# files and plans (one line, exit 2, nothing written is damaged).
#   tests/test_study.sh BIN_DIR
set -uo pipefail
bin=$(realpath "${1:?usage: $0 BIN_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=/usr/bin/python3
nats=$root/data/nb201/nats_bench.csv.gz
tmp=$(mktemp -d /tmp/wsnas-study-XXXXXX)
trap '[ -n "${WSNAS_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
export WSNAS_LAUNCHER="mpirun --oversubscribe" WSNAS_RANKS=2
failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
study() { "$bin/wsnas-study" "$@"; }
cfg=$tmp/cfg
mkdir -p "$cfg"
printf 'dataset = fashion-mnist\nprotocol = holdout:10000\nlimit-train = 512\nlimit-eval = 200\nchannels = 4\ncells = 1\n' > "$cfg/data.ini"
printf 'batch-size = 64\nbn-calib-batch = 64\nbn-calib-steps = 2\ngpus = 2\n' > "$cfg/supernet.ini"
printf 'batch-size = 64\nepochs = 1\nlr = 0.1\ngrad-clip = 0\n' > "$cfg/groundtruth.ini"
head() {  # head KEY=VALUE...: a study file's [study] section with the tiny configs
  printf '[study]\nspace = nb201\nsupernet-config = data.ini supernet.ini\nevaluate-config = supernet.ini\n'
  printf 'truth = %s\ntruth-arch-column = ArchitectureString\ntruth-select = CIFAR100TestAccuracy200Epochs\n' "$nats"
  for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
}

# ---- 1. the density and pruning plans: pools as the released code draws them -----------------
head archs=100 budgets=1 seeds=0,1 density=1,64,256 pruning=64 > "$cfg/subspaces.ini"
out=$("$bin/wsnas-study" plan "$cfg/subspaces.ini" "$tmp/sub")
check "plan: 1 + 2x2 + 2 + 1 + 2 sample runs, 8 supernets, 8 evaluations, 5 analyses" \
  grep -q 'plan.tsv: 31 runs (10 sample, 8 supernet, 0 groundtruth, 8 evaluate, 0 score, 5 analyze)' <<< "$out"
check "a density supernet trains on its pool only" grep -q -- "--out $tmp/sub/supernets/density-k64-s1 --pool $tmp/sub/pools/density-k64-s1.csv" "$tmp/sub/plan.tsv"
check "the density analysis takes k=1 from the baseline's supernets" \
  grep -q -- "--x 1 1 64 64 256 256 --replicate 0 1 0 1 0 1" "$tmp/sub/plan.tsv"
study run "$tmp/sub" --stage sample > "$tmp/sample.log" 2>&1
check "the sample stage ran alone (exit 0)" test $? -eq 0
check "... and only it" test "$(ls "$tmp/sub/done" | wc -l)" -eq 10
check "pools: int(15284 / k) valid cells, distinct; pruning: the best by ground truth in table order" \
  $py - "$tmp/sub" "$nats" <<'PY'
import csv, gzip, sys
d, nats = sys.argv[1], sys.argv[2]
def archs(path):
    return [r["arch"] for r in csv.DictReader(open(path))]
def valid(arch):  # NAS-Bench-201: node 3 reachable from node 0 through edges that are not none
    nodes = [n.strip("|").split("|") for n in arch.split("+")]
    reach = {0}
    for i, edges in enumerate(nodes, start=1):
        for e in edges:
            op, src = e.split("~")
            if op != "none" and int(src) in reach:
                reach.add(i)
    return 3 in reach
rows = list(csv.DictReader(gzip.open(nats, "rt")))
ok = [r for r in rows if valid(r["ArchitectureString"])]
assert len(ok) == 15284, len(ok)  # paper Table 1; released tools/convert_nb201_benchmark.py:11-33
for k, seed in ((64, 0), (64, 1), (256, 0)):
    pool = archs(f"{d}/pools/density-k{k}-s{seed}.csv")
    assert len(pool) == 15284 // k and len(set(pool)) == len(pool), (k, len(pool))
    assert all(valid(a) for a in pool)
assert archs(f"{d}/pools/density-k64-s0.csv") != archs(f"{d}/pools/density-k64-s1.csv")
# Pruning: sorted by ground truth, descending, stable on table order (tricks/nb201/omniscience.py)
best = sorted(ok, key=lambda r: -float(r["CIFAR100TestAccuracy200Epochs"]))[: 15284 // 64]
assert archs(f"{d}/pools/pruning-k64.csv") == [r["ArchitectureString"] for r in best]
# Evaluated: 100 drawn from a larger pool, the whole pool when it is smaller (59 <= 100)
e = archs(f"{d}/archs/density-k64-s0.csv")
assert len(e) == 100 and set(e) <= set(archs(f"{d}/pools/density-k64-s0.csv"))
assert "archs/density-k256" not in open(f"{d}/plan.tsv").read()
PY

# The scored architectures within a cost limit (max-flops, sample-options: the network's shape).
head archs=30 budgets=1 max-flops=60 "sample-options=--classes 100 --channels 16" analyses=ranking > "$cfg/cheap.ini"
"$bin/wsnas-study" plan "$cfg/cheap.ini" "$tmp/cheap" > /dev/null
check "max-flops reaches the sample command" grep -q -- "--valid-only --format csv --classes 100 --channels 16 --max-flops 60" "$tmp/cheap/plan.tsv"
study run "$tmp/cheap" --stage sample > /dev/null 2>&1
check "every scored cell has at most 60M multiply-adds (the table's own flops_m column)" $py - "$tmp/cheap/archs/all.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 30 and len({r["arch"] for r in rows}) == 30
assert all(float(r["flops_m"]) <= 60 for r in rows), max(float(r["flops_m"]) for r in rows)
assert all(r["valid"] == "1" for r in rows)
PY
"$bin/wsnas-space" sample -n 3 --max-flops -1 > /dev/null 2> "$tmp/neg.err"
check "a negative --max-flops is refused by name" grep -q "max-flops" "$tmp/neg.err"

# ---- 2. a tiny density study end to end ------------------------------------------------------
head archs=12 budgets=1 seeds=0,1 density=1,64 bootstrap=50 k=1,3 > "$cfg/density.ini"
study run "$cfg/density.ini" "$tmp/density" > "$tmp/density.log" 2>&1
check "the density study ran (exit 0)" test $? -eq 0
check "it printed the per-k table with min/max over seeds" grep -q 'over seeds, mean \[min, max\]' "$tmp/density.log"
check "and progress with an ETA" grep -q 'left, ETA [0-9]* s' "$tmp/density.log"
check "density.h5 and its figure" $py - "$tmp/density" <<'PY'
import struct, sys, h5py
d = sys.argv[1]
f = h5py.File(f"{d}/analysis/density.h5", "r")
assert f.attrs["kind"] == "analysis"
g = f["density"]
assert list(g["x"][()]) == [1, 1, 64, 64] and list(g["seed"][()]) == [0, 1, 0, 1]
assert list(g["archs"][()]) == [12, 12, 12, 12]
assert g["top_k"].shape == (4, 2) and g.attrs["bootstrap_resamples"] == 50
png = open(f"{d}/figures/density.png", "rb").read(24)
assert struct.unpack(">II", png[16:24]) == (800, 500)
PY
study run "$tmp/density" > "$tmp/again.log" 2>&1
check "a second run skips every finished run" grep -q 'wsnas-study: 17 runs: 0 ran, 17 done already' "$tmp/again.log"
# A changed plan reruns only what changed: another k list changes the analysis, not the runs.
sed -i 's/^k = 1,3$/k = 1,2/' "$cfg/density.ini"
study run "$cfg/density.ini" "$tmp/density" > "$tmp/changed.log" 2>&1
check "a changed k reruns only the analyses that take k (ranking, density)" grep -q 'wsnas-study: 17 runs: 2 ran, 15 done already' "$tmp/changed.log"

# ---- 3. a stop signal: the running app saves, wsnas-study exits 75, a rerun resumes ----------
printf 'dataset = fashion-mnist\nlimit-train = 4096\nlimit-eval = 200\nchannels = 4\ncells = 1\nbatch-size = 64\ngpus = 2\n' > "$cfg/long.ini"
printf '[study]\nspace = nb201\nsupernet-config = long.ini\nevaluate-config = supernet.ini\narchs = 4\nbudgets = 6\nseeds = 0\ntruth = %s\ntruth-arch-column = ArchitectureString\ntruth-select = CIFAR10TestAccuracy200Epochs\nanalyses = ranking\n' "$nats" > "$cfg/long-study.ini"
"$bin/wsnas-study" run "$cfg/long-study.ini" "$tmp/long" > "$tmp/stop.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -f "$tmp/long/supernets/baseline-e6-s0/epoch_0001.h5" ] && break; sleep 0.1; done
kill -TERM $pid
wait $pid
check "SIGTERM: wsnas-study exits 75 (resumable)" test $? -eq 75
check "... saying where it stopped" grep -q 'wsnas-study: stopped in supernet/baseline-e6-s0 (its state is saved)' "$tmp/stop.log"
check "... after the app saved its state" grep -q 'stop signal received; state saved' "$tmp/stop.log"
check "... and the run is not marked done" test ! -f "$tmp/long/done/supernet_baseline-e6-s0.done"
study run "$tmp/long" > "$tmp/resume.log" 2>&1
check "the rerun finished the study" test $? -eq 0
check "... resuming the supernet, not restarting it" grep -q 'resuming .* at epoch' "$tmp/resume.log"
check "... and skipping the sample run" grep -q 'sample/archs-all: done already' "$tmp/resume.log"

# ---- 4. a failed run: the study stops there, names it, and a rerun after the fix resumes -----
# (A failure the plan cannot foresee: the options parse, the data is too small for them.)
printf 'bn-calib-steps = 2\nbn-calib-batch = 1000\n' > "$cfg/bad-eval.ini"
head archs=4 budgets=1 seeds=0 analyses=ranking | sed 's#^evaluate-config = .*#evaluate-config = bad-eval.ini#' > "$cfg/fails.ini"
study run "$cfg/fails.ini" "$tmp/fails" > "$tmp/fails.log" 2>&1
check "a failed run stops the study with its exit status (2)" test $? -eq 2
check "... and one line naming the run" grep -q '^wsnas-study: error: run evaluate/baseline-e1-s0 failed (exit 2)' "$tmp/fails.log"
check "... after the app's own line" grep -q "wsnas-evaluate: error: --bn-calib-steps 2 x --bn-calib-batch 1000 needs more than the 512 training images" "$tmp/fails.log"
sed -i 's/^bn-calib-batch = 1000$/bn-calib-batch = 64/' "$cfg/bad-eval.ini"
study run "$tmp/fails" > "$tmp/fixed.log" 2>&1
check "after the fix, the rerun completes" test $? -eq 0
check "... without retraining the supernet" grep -q 'supernet/baseline-e1-s0: done already' "$tmp/fixed.log"
# Done markers hold the files a run names: what reads a remade file runs again, nothing else.
rm "$tmp/fails/analysis/ranking.txt"
study run "$tmp/fails" > "$tmp/deleted.log" 2>&1
check "a deleted output reruns its run only" grep -q 'wsnas-study: 4 runs: 1 ran, 3 done already' "$tmp/deleted.log"
sed -i 's/^archs = 4$/archs = 3/' "$cfg/fails.ini"
cp "$tmp/fails/plan.tsv" "$tmp/plan-4.tsv"
"$bin/wsnas-study" plan "$cfg/fails.ini" "$tmp/fails/" > /dev/null
check "DIR/ plans as DIR: only the sample's command changed" \
  test "$(diff "$tmp/plan-4.tsv" "$tmp/fails/plan.tsv" | grep -c '^[<>]')" -eq 2
study run "$tmp/fails" > "$tmp/fewer.log" 2>&1
check "fewer archs: the sample and the evaluation reading its list rerun; the supernet does not" \
  grep -q 'wsnas-study: 4 runs: 2 ran, 2 done already' "$tmp/fewer.log"
check "... nor the analysis, whose input did not change (the evaluation keeps its scores)" \
  grep -q '3 (checkpoint, architecture) pairs, 3 already in' "$tmp/fewer.log"
check "... and the evaluation's run got the 3-cell list" test "$(($(wc -l < "$tmp/fails/archs/all.csv") - 1))" -eq 3

# ---- 5. bad input: one line, exit 2, nothing written is damaged ------------------------------
cp "$tmp/density/plan.tsv" "$tmp/plan-before.tsv"
bad() {  # bad DESCRIPTION EXPECTED-LINE-REGEX ARGS...
  local what=$1 want=$2 rc
  shift 2
  study "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
  rc=$?
  check "$what: exit 2" test $rc -eq 2
  check "$what: one line" test "$(wc -l < "$tmp/bad.err")" -eq 1
  check "$what: says what is wrong" grep -qE "^wsnas-study: error: $want" "$tmp/bad.err"
  grep -qE "^wsnas-study: error: $want" "$tmp/bad.err" || cat "$tmp/bad.err"
}
writes() { f=$cfg/$1; shift; printf '%b' "$*" > "$f"; }
writes unknown.ini '[study]\nspace = nb201\nbudget = 3\n'
bad "unknown key" "study file '.*/unknown.ini' line 3: unknown key 'budget'" plan "$cfg/unknown.ini" "$tmp/density"
writes nospace.ini '[study]\nsupernet-config = data.ini\n'
bad "no space" "study file '.*/nospace.ini': no 'space = NAME'" plan "$cfg/nospace.ini" "$tmp/density"
writes badspace.ini '[study]\nspace = nb999\n'
bad "unknown space" "study file '.*/badspace.ini': space 'nb999' unknown" plan "$cfg/badspace.ini" "$tmp/density"
head budgets=1,x > "$cfg/budgets.ini"
bad "bad budgets" "study file '.*/budgets.ini' line 8: budgets = '1,x': expected a comma-separated list of integers >= 1" plan "$cfg/budgets.ini" "$tmp/density"
head variants=baseline,fair > "$cfg/variant.ini"
bad "a variant without its section" "study file '.*/variant.ini': variant 'fair' has no \[variant fair\] section" plan "$cfg/variant.ini" "$tmp/density"
{ head variants=baseline; printf '[variant fair]\nsampler = fairnas\n'; } > "$cfg/orphan.ini"
bad "a section not listed" "study file '.*/orphan.ini': section \[variant fair\] is not in 'variants = ...'" plan "$cfg/orphan.ini" "$tmp/density"
head density=4 | sed "s#^truth = .*#truth = farm\ngroundtruth-config = data.ini groundtruth.ini#" > "$cfg/farm.ini"
bad "density with our own ground truth" "study file '.*/farm.ini': density and pruning need a ground-truth table of the whole space" plan "$cfg/farm.ini" "$tmp/density"
head | sed 's#^supernet-config = .*#supernet-config = missing.ini#' > "$cfg/nocfg.ini"
bad "a missing config file" "study file '.*/nocfg.ini': --config '$cfg/missing.ini': cannot open config file" plan "$cfg/nocfg.ini" "$tmp/density"
head | sed 's#^truth = .*#truth = /nonexistent/table.csv#' > "$cfg/notruth.ini"
bad "a missing truth table" "study file '.*/notruth.ini': truth '/nonexistent/table.csv'" plan "$cfg/notruth.ini" "$tmp/density"
head analyses=tricks > "$cfg/tricks.ini"
bad "tricks with one variant" "study file '.*/tricks.ini': analysis 'tricks' needs two or more variants" plan "$cfg/tricks.ini" "$tmp/density"
head density=100000 > "$cfg/tiny.ini"
bad "a sub-space too small" "study file '.*/tiny.ini': density k = 100000 leaves 0 architectures of 15284" plan "$cfg/tiny.ini" "$tmp/density"
# Issue 23: refused by plan, not hours later at run time.
{ head variants=baseline,fair budgets=1; printf '[variant fair]\nsampler = fairnas\nfrobnicate = 1\n'; } > "$cfg/vopt.ini"
bad "an unknown variant option" "study file '.*/vopt.ini': run supernet/fair-e1-s0: unrecognised option '--frobnicate'" plan "$cfg/vopt.ini" "$tmp/density"
{ head variants=baseline,fair budgets=1; printf '[variant fair]\nsampler = nonsense\n'; } > "$cfg/vbad.ini"
bad "a bad variant value" "study file '.*/vbad.ini': run supernet/fair-e1-s0: --sampler 'nonsense': expected one of" plan "$cfg/vbad.ini" "$tmp/density"
{ head variants=baseline,fair; printf '[variant fair]\nsampler = fairnas\n[variant fair]\nlr = 0.1\n'; } > "$cfg/vtwice.ini"
bad "a variant section given twice" "config file '.*/vtwice.ini' line 11: section '\[variant fair\]' given again \(first at line 9\)" plan "$cfg/vtwice.ini" "$tmp/density"
head arch-pool="$cfg" > "$cfg/pooldir.ini"
bad "arch-pool naming a folder" "study file '.*/pooldir.ini' line 8: arch-pool '$cfg': is a directory" plan "$cfg/pooldir.ini" "$tmp/density"
head | sed 's#^truth-select = .*#truth-select = NoSuchColumn#' > "$cfg/nocol.ini"
bad "a truth-select column not in the table" "study file '.*/nocol.ini': truth-select: file '.*': no column 'NoSuchColumn'" plan "$cfg/nocol.ini" "$tmp/density"
head | sed 's#^truth-select = .*#truth-select = CIFAR100TestAccuracy200Epochs\tx#' > "$cfg/tab.ini"
bad "a tab inside a value (plan.tsv is tab-separated)" "study file '.*/tab.ini' line 7: truth-select = 'CIFAR100TestAccuracy200Epochs.tx': expected no tab or line break inside the value" plan "$cfg/tab.ini" "$tmp/density"
bad "a missing study file" "study file '$cfg/absent.ini': no such file" plan "$cfg/absent.ini" "$tmp/density"
printf 'x\n' > "$tmp/a-file"
bad "a plan folder under a file" "DIR '$tmp/a-file/plan': cannot write the plan: Not a directory" plan "$cfg/fails.ini" "$tmp/a-file/plan"
check "the existing plan is unchanged by the refused plans" cmp -s "$tmp/density/plan.tsv" "$tmp/plan-before.tsv"
bad "run without a plan" "DIR '$tmp/empty' has no plan.tsv" run "$tmp/empty"
bad "an unknown command" "unknown command 'go'" go "$tmp/density"
bad "--task without --stage" "--task needs --stage" run "$tmp/density" --task 0
bad "--task out of range" "--task 9: stage 'sample' of plan '$tmp/density/plan.tsv' has 5 runs \\(tasks 0 to 4\\)" run "$tmp/density" --stage sample --task 9
bad "an unknown stage" "--stage 'train': expected one of" run "$tmp/density" --stage train
touch "$tmp/afile"
bad "DIR is a file" "DIR '$tmp/afile' exists but is not a directory" plan "$cfg/density.ini" "$tmp/afile"
mkdir -p "$tmp/corrupt"
printf 'id\tstage\tlaunch\tstdout\tcommand\nsample/x\tsample\tlocal\t-\trm -rf /\n' > "$tmp/corrupt/plan.tsv"
bad "a plan whose command is not a wsnas app" "plan '$tmp/corrupt/plan.tsv' line 2: the command must start with a wsnas app" run "$tmp/corrupt"
printf 'id\tstage\tlaunch\tstdout\tcommand\nsample/x\tsample\n' > "$tmp/corrupt/plan.tsv"
bad "a truncated plan line" "plan '$tmp/corrupt/plan.tsv' line 2: expected 5 tab-separated fields, found 2" run "$tmp/corrupt"

# ---- a rank's threads get its cores (issue 25: a bound rank of 2 threads ran at 99% CPU) ---------
cores=$(getconf _NPROCESSORS_ONLN)
threads_of() {  # the provenance of a supernet's file: run.threads run.cpus_allowed
  "$py" -c 'import h5py, sys; a = h5py.File(sys.argv[1], "r")["provenance"].attrs
print(a["run.threads"], a["run.cpus_allowed"])' "$1"
}
sn=(--space nb201 --config "$cfg/data.ini" --batch-size 64 --epochs 1 --gpus 1 --save-epochs none)
env -u OMP_NUM_THREADS "$root/scripts/wsnas-mpirun" -np 1 "$bin/wsnas-supernet" "${sn[@]}" \
  --out "$tmp/threads" > "$tmp/threads.log" 2>&1
check "scripts/wsnas-mpirun: one rank runs a thread on each of the $cores cores and may use them all" \
  [ "$(threads_of "$tmp/threads/supernet.h5")" = "$cores $cores" ]
check "  ... without a warning" bash -c '! grep -q "threads per rank" "$1"' _ "$tmp/threads.log"
if [ "$cores" -ge 2 ]; then
  OMP_NUM_THREADS=2 mpirun --bind-to core -np 1 "$bin/wsnas-supernet" "${sn[@]}" \
    --out "$tmp/bound" > "$tmp/bound.log" 2>&1
  check "a rank bound to one core with 2 threads: recorded, and a warning naming the fix" \
    bash -c '[ "$(cat "$1")" = "2 1" ] && grep -q "warning: 2 threads per rank (OMP_NUM_THREADS) but 1 CPU allowed: .*--bind-to none" "$2"' \
    _ <(threads_of "$tmp/bound/supernet.h5") "$tmp/bound.log"
fi

echo "$failures failure(s)"
[ $failures -eq 0 ]

#!/usr/bin/env bash
# Submits a study to Slurm: `wsnas-study plan STUDY.ini DIR` writes the plan (DIR/plan.tsv, the
# same plan `wsnas-study run` executes under mpirun), then every stage of the plan becomes one
# job, an array job with one task per run where the stage has several (each task runs
# `wsnas-study run DIR --stage STAGE --task I`), chained with --dependency=afterok:
#   sample -> supernet -> evaluate -> analyze, sample -> groundtruth -> analyze, and
#   sample -> score -> analyze (zero-cost scores, when the study names scorers).
# Every job is --requeue'able and gets a stop signal before its time limit (--signal=B:USR1@...);
# the running app then saves its state, the job requeues itself and resumes; finished runs are
# skipped.
#
#   slurm/submit-study.sh [options] STUDY.ini DIR
# Options (environment variable in brackets; defaults for a small CPU cluster):
#   --partition P      [WSNAS_PARTITION]   partition (default: the cluster's default)
#   --account A        [WSNAS_ACCOUNT]     account to charge (default: none)
#   --time T           [WSNAS_TIME]        time limit of each job (default 24:00:00)
#   --ranks N          [WSNAS_RANKS]       MPI ranks (tasks) per job of an MPI stage (default 2)
#   --gpus-per-rank G  [WSNAS_GPUS_PER_RANK] GPUs per rank, one rank per GPU (default 0: CPU)
#   --cpus-per-rank C  [WSNAS_CPUS_PER_RANK] cores per rank (default 1)
#   --signal-time S    [WSNAS_SIGNAL_TIME] seconds before the limit to save and requeue (default 300)
#   --cpu-partition P  [WSNAS_CPU_PARTITION] partition of the CPU-only stages, sample and analyze
#                                          (default: --partition); they never ask for GPUs
#   --cpu-time T       [WSNAS_CPU_TIME]    time limit of the sample and analyze jobs (default 2:00:00)
#   --sbatch-arg [STAGE:]ARG               any sbatch option, for every job or for one stage's
#                                          (repeatable; later wins): --sbatch-arg --qos=long,
#                                          --sbatch-arg supernet:--time=48:00:00,
#                                          --sbatch-arg --mem=32G, --sbatch-arg supernet:--constraint=a100
#   --data-dir NAME=DIR, --set KEY=VALUE, --scale NAME
#                                          passed to wsnas-study plan (docs/studies.md)
#   --bin DIR          [WSNAS_BIN]         built apps (default build/bin; installed: <prefix>/bin)
#   --dry-run          print the sbatch commands instead of submitting
# Prints the job ids (one per line, "stage id") and writes them to DIR/jobs.txt.
set -euo pipefail  # bash >= 4.4 (Debian 10+, RHEL 8+)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
partition=${WSNAS_PARTITION:-}
account=${WSNAS_ACCOUNT:-}
time_limit=${WSNAS_TIME:-24:00:00}
ranks=${WSNAS_RANKS:-2}
gpus=${WSNAS_GPUS_PER_RANK:-0}
cpus=${WSNAS_CPUS_PER_RANK:-1}
signal_time=${WSNAS_SIGNAL_TIME:-300}
cpu_partition=${WSNAS_CPU_PARTITION:-}
cpu_time=${WSNAS_CPU_TIME:-2:00:00}
extra=()       # "STAGE:ARG" or ":ARG" (every stage)
plan_args=()   # wsnas-study plan's --data-dir, --set, --scale
stages="sample supernet groundtruth evaluate score analyze"
# The apps: a source tree's build/bin, or, installed (<prefix>/share/wsnas/slurm), <prefix>/bin.
if [ -n "${WSNAS_BIN:-}" ]; then
  bin=$WSNAS_BIN
elif [ -x "$root/build/bin/wsnas-study" ] || [ ! -x "$root/../../bin/wsnas-study" ]; then
  bin=$root/build/bin
else
  bin=$(cd "$root/../../bin" && pwd)
fi
dry=0
die() { echo "submit-study.sh: error: $*" >&2; exit 2; }
need() { [ $# -ge 2 ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case $1 in
    --partition) need "$@"; partition=$2; shift 2 ;;
    --account) need "$@"; account=$2; shift 2 ;;
    --time) need "$@"; time_limit=$2; shift 2 ;;
    --ranks) need "$@"; ranks=$2; shift 2 ;;
    --gpus-per-rank) need "$@"; gpus=$2; shift 2 ;;
    --cpus-per-rank) need "$@"; cpus=$2; shift 2 ;;
    --signal-time) need "$@"; signal_time=$2; shift 2 ;;
    --bin) need "$@"; bin=$(realpath "$2"); shift 2 ;;
    --cpu-partition) need "$@"; cpu_partition=$2; shift 2 ;;
    --cpu-time) need "$@"; cpu_time=$2; shift 2 ;;
    --sbatch-arg)
      need "$@"
      case $2 in
        -*) extra+=(":$2") ;;
        *:-*)
          [[ " $stages " == *" ${2%%:*} "* ]] || die "--sbatch-arg '$2': unknown stage '${2%%:*}' (expected one of: $stages)"
          extra+=("$2") ;;
        *) die "--sbatch-arg '$2': expected [STAGE:]--OPTION=VALUE (e.g. --qos=long, supernet:--mem=64G)" ;;
      esac
      shift 2 ;;
    --data-dir|--set|--scale) need "$@"; plan_args+=("$1" "$2"); shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || die "expected STUDY.ini DIR (see --help)"
for n in "$ranks:--ranks" "$gpus:--gpus-per-rank" "$cpus:--cpus-per-rank" "$signal_time:--signal-time"; do
  [[ ${n%%:*} =~ ^[0-9]+$ ]] || die "${n#*:} '${n%%:*}': expected a whole number"
done
[ "$ranks" -ge 1 ] || die "--ranks must be >= 1"
[ -f "$1" ] || die "study file '$1' not found"
[ -x "$bin/wsnas-study" ] || die "no wsnas apps in '$bin' (build first: scripts/build.sh, or --bin DIR)"
mkdir -p "$2"
study=$(realpath "$2")
# One submission per study at a time: a second one would race the first for the same outputs.
if [ $dry -eq 0 ] && [ -f "$study/jobs.txt" ]; then
  for id in $(awk '{print $2}' "$study/jobs.txt"); do
    if [ -n "$(squeue -h -j "$id" -o %i 2>/dev/null)" ]; then
      die "study '$study' still has jobs queued or running ($(tr '\n' ' ' < "$study/jobs.txt")); wait for them or scancel them"
    fi
  done
fi
"$bin/wsnas-study" plan "$1" "$study" "${plan_args[@]}" >&2 || exit $?
plan=$study/plan.tsv
mkdir -p "$study/logs"
count() { awk -F'\t' -v s="$1" 'NR > 1 && $2 == s' "$plan" | wc -l; }

common=(--requeue --open-mode=append --signal="B:USR1@$signal_time" --time="$time_limit"
        --export="ALL,WSNAS_STUDY=$study,WSNAS_BIN=$bin,WSNAS_SLURM_DIR=$here,OMP_NUM_THREADS=$cpus")
[ -n "$partition" ] && common+=(--partition="$partition")
[ -n "$account" ] && common+=(--account="$account")
par=(--ntasks="$ranks" --cpus-per-task="$cpus")
[ "$gpus" -gt 0 ] && par+=(--gpus-per-task="$gpus")
# Supernet jobs: a rank holds whole replicas (the configs' and variants' `replicas`, else `gpus`:
# Table 2's GPU count), so they get the largest rank count <= --ranks dividing every supernet's.
sn_ranks=$("$bin/wsnas-study" ranks "$study" supernet "$ranks") || exit $?
sn_par=(--ntasks="$sn_ranks" --cpus-per-task="$cpus")
[ "$gpus" -gt 0 ] && sn_par+=(--gpus-per-task="$gpus")
serial=(--ntasks=1 --cpus-per-task="$cpus")
# The CPU-only stages: their own partition and time limit (after the common ones: sbatch takes the
# last of a repeated option).
cpu_only=(--time="$cpu_time")
[ -n "${cpu_partition:-$partition}" ] && cpu_only+=(--partition="${cpu_partition:-$partition}")

submit() {  # submit STAGE AFTER RESOURCES...: prints the job id ("" when the stage has no runs)
  local stage=$1 after=$2 n
  shift 2
  n=$(count "$stage")
  [ "$n" -gt 0 ] || return 0
  local args=("${common[@]}" "$@" --job-name="wsnas-$stage") e
  for e in "${extra[@]}"; do  # --sbatch-arg: for every stage (":ARG") or this one ("STAGE:ARG")
    [ "${e%%:*}" = "" ] || [ "${e%%:*}" = "$stage" ] && args+=("${e#*:}")
  done
  # sample runs are quick: one job runs them all; other stages: one array task per run
  if [ "$stage" != sample ] && [ "$n" -gt 1 ]; then
    args+=(--array="0-$((n - 1))" --output="$study/logs/$stage-%A_%a.out")
  else
    args+=(--output="$study/logs/$stage-%j.out")
  fi
  [ -n "$after" ] && args+=(--dependency="afterok:$after")
  if [ $dry -eq 1 ]; then
    printf 'sbatch' >&2
    printf " '%s'" "${args[@]}" >&2
    echo " $here/study.sbatch $stage" >&2
    echo "DRY$stage"
  else
    sbatch --parsable "${args[@]}" "$here/study.sbatch" "$stage" | cut -d';' -f1
  fi
}
deps() { local IFS=:; echo "$*"; }  # deps ID... : the non-empty ids joined by ':'
ids() { local out=() i; for i in "$@"; do [ -n "$i" ] && out+=("$i"); done; deps "${out[@]}"; }

sa=$(submit sample "" "${serial[@]}" "${cpu_only[@]}")
sn=$(submit supernet "$(ids "$sa")" "${sn_par[@]}")
gt=$(submit groundtruth "$(ids "$sa")" "${par[@]}")
ev=$(submit evaluate "$(ids "$sa" "$sn")" "${par[@]}")
zc=$(submit score "$(ids "$sa")" "${par[@]}")
an=$(submit analyze "$(ids "$ev" "$gt" "$zc" "$sa")" "${serial[@]}" "${cpu_only[@]}")
: > "$study/jobs.txt.tmp"
for pair in "sample:$sa" "supernet:$sn" "groundtruth:$gt" "evaluate:$ev" "score:$zc" "analyze:$an"; do
  [ -n "${pair#*:}" ] && echo "${pair%%:*} ${pair#*:}" >> "$study/jobs.txt.tmp"
done
cat "$study/jobs.txt.tmp"
if [ $dry -eq 1 ]; then rm "$study/jobs.txt.tmp"; else mv "$study/jobs.txt.tmp" "$study/jobs.txt"; fi

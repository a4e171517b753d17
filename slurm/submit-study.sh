#!/usr/bin/env bash
# Submits a whole study to Slurm: cells, supernet training (a job array over seeds), ground
# truth, evaluation (after the supernets) and the analysis (after everything), chained with
# --dependency=afterok. Every job is --requeue'able and gets a stop signal before its time limit
# (--signal=B:USR1@...); the apps then checkpoint, and the job requeues itself and resumes.
#
#   slurm/submit-study.sh [options] STUDY_DIR
# Options (environment variable in brackets; defaults for a small CPU cluster):
#   --partition P      [WSNAS_PARTITION]   partition (default: the cluster's default)
#   --account A        [WSNAS_ACCOUNT]     account to charge (default: none)
#   --time T           [WSNAS_TIME]        time limit of each job (default 24:00:00)
#   --ranks N          [WSNAS_RANKS]       MPI ranks (tasks) per job (default 2)
#   --gpus-per-rank G  [WSNAS_GPUS_PER_RANK] GPUs per rank, one rank per GPU (default 0: CPU)
#   --cpus-per-rank C  [WSNAS_CPUS_PER_RANK] cores per rank (default 1)
#   --seeds "0 1 2"    [WSNAS_SEEDS]       supernet seeds, one array task each (default "0")
#   --cells N          [WSNAS_CELLS]       cells sampled for the study (default 100)
#   --signal-time S    [WSNAS_SIGNAL_TIME] seconds before the limit to save and requeue (default 300)
#   --study-config F   wsnas options for data and network (default configs/demo/study.ini)
#   --supernet-config F  supernet and evaluation hyper-parameters (default configs/demo/supernet.ini)
#   --groundtruth-config F  stand-alone hyper-parameters (default configs/demo/groundtruth.ini)
#   --bin DIR          [WSNAS_BIN]         built apps (default build/bin)
#   --dry-run          print the sbatch commands instead of submitting
# Prints the job ids (one per line, "stage id") and writes them to STUDY_DIR/jobs.txt.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
partition=${WSNAS_PARTITION:-}
account=${WSNAS_ACCOUNT:-}
time_limit=${WSNAS_TIME:-24:00:00}
ranks=${WSNAS_RANKS:-2}
gpus=${WSNAS_GPUS_PER_RANK:-0}
cpus=${WSNAS_CPUS_PER_RANK:-1}
seeds=${WSNAS_SEEDS:-0}
ncells=${WSNAS_CELLS:-100}
signal_time=${WSNAS_SIGNAL_TIME:-300}
study_cfg=$root/configs/demo/study.ini
supernet_cfg=$root/configs/demo/supernet.ini
gt_cfg=$root/configs/demo/groundtruth.ini
bin=${WSNAS_BIN:-$root/build/bin}
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
    --seeds) need "$@"; seeds=$2; shift 2 ;;
    --cells) need "$@"; ncells=$2; shift 2 ;;
    --signal-time) need "$@"; signal_time=$2; shift 2 ;;
    --study-config) need "$@"; study_cfg=$(realpath "$2"); shift 2 ;;
    --supernet-config) need "$@"; supernet_cfg=$(realpath "$2"); shift 2 ;;
    --groundtruth-config) need "$@"; gt_cfg=$(realpath "$2"); shift 2 ;;
    --bin) need "$@"; bin=$(realpath "$2"); shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "expected one STUDY_DIR (see --help)"
for n in "$ranks:--ranks" "$gpus:--gpus-per-rank" "$cpus:--cpus-per-rank" "$ncells:--cells" "$signal_time:--signal-time"; do
  [[ ${n%%:*} =~ ^[0-9]+$ ]] || die "${n#*:} '${n%%:*}': expected a whole number"
done
[ "$ranks" -ge 1 ] || die "--ranks must be >= 1"
for s in $seeds; do [[ $s =~ ^[0-9]+$ ]] || die "--seeds '$seeds': expected whole numbers"; done
for f in "$study_cfg" "$supernet_cfg" "$gt_cfg"; do [ -f "$f" ] || die "config file '$f' not found"; done
[ -x "$bin/wsnas-supernet" ] || die "no wsnas apps in '$bin' (build first: scripts/build.sh, or --bin DIR)"
mkdir -p "$1"
study=$(realpath "$1")
# One submission per study at a time: a second one would race the first for the same outputs
# (the apps would refuse, but only once their jobs start).
if [ $dry -eq 0 ] && [ -f "$study/jobs.txt" ]; then
  for id in $(awk '{print $2}' "$study/jobs.txt"); do
    if [ -n "$(squeue -h -j "$id" -o %i 2>/dev/null)" ]; then
      die "study '$study' still has jobs queued or running ($(tr '\n' ' ' < "$study/jobs.txt")); wait for them or scancel them"
    fi
  done
fi
mkdir -p "$study/logs"
nseeds=$(echo $seeds | wc -w)
[ "$nseeds" -ge 1 ] || die "--seeds is empty"

common=(--requeue --open-mode=append --signal="B:USR1@$signal_time" --time="$time_limit"
        --export="ALL,WSNAS_STUDY=$study,WSNAS_SEEDS=$seeds,WSNAS_BIN=$bin,WSNAS_SLURM_DIR=$here,OMP_NUM_THREADS=$cpus")
[ -n "$partition" ] && common+=(--partition="$partition")
[ -n "$account" ] && common+=(--account="$account")
par=(--ntasks="$ranks" --cpus-per-task="$cpus")
[ "$gpus" -gt 0 ] && par+=(--gpus-per-task="$gpus")
# Supernet jobs: the replicas are the config's `gpus` (Table 2's GPU count; 1 when absent), and a
# rank holds whole replicas, so those jobs get the largest rank count <= --ranks dividing them.
replicas=$(sed -n 's/^[[:space:]]*gpus[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$supernet_cfg" | tail -n 1)
replicas=${replicas:-1}
sn_ranks=$ranks
while [ "$sn_ranks" -gt 1 ] && { [ "$sn_ranks" -gt "$replicas" ] || [ $((replicas % sn_ranks)) -ne 0 ]; }; do
  sn_ranks=$((sn_ranks - 1))
done
sn_par=(--ntasks="$sn_ranks" --cpus-per-task="$cpus")
[ "$gpus" -gt 0 ] && sn_par+=(--gpus-per-task="$gpus")

submit() {  # submit STAGE SBATCH-ARGS... : prints the job id
  local stage=$1
  shift
  if [ $dry -eq 1 ]; then
    echo "sbatch ${*@Q}" >&2
    echo "DRY$stage"
  else
    sbatch --parsable "$@" | cut -d';' -f1
  fi
}

# 1. Cells: sampled once (on this node: it takes a second) and kept, so a resubmission reuses them.
if [ ! -f "$study/cells.csv" ]; then
  "$bin/wsnas-space" sample --space nb201 -n "$ncells" --seed 0 --valid-only --format csv > "$study/cells.csv.tmp"
  mv "$study/cells.csv.tmp" "$study/cells.csv"
fi
cp "$study_cfg" "$study/study.ini"
cp "$supernet_cfg" "$study/supernet.ini"
cp "$gt_cfg" "$study/groundtruth.ini"

sn=$(submit supernet "${common[@]}" "${sn_par[@]}" --array="0-$((nseeds - 1))" \
  --output="$study/logs/supernet-%A_%a.out" --job-name=wsnas-supernet \
  "$here/supernet.sbatch" --config "$study/study.ini" --config "$study/supernet.ini")
gt=$(submit groundtruth "${common[@]}" "${par[@]}" --output="$study/logs/groundtruth-%j.out" --job-name=wsnas-groundtruth \
  "$here/groundtruth.sbatch" --config "$study/study.ini" --config "$study/groundtruth.ini")
ev=$(submit evaluate "${common[@]}" "${par[@]}" --array="0-$((nseeds - 1))" --dependency="afterok:$sn" \
  --output="$study/logs/evaluate-%A_%a.out" --job-name=wsnas-evaluate \
  "$here/evaluate.sbatch" --config "$study/supernet.ini")
an=$(submit analyze "${common[@]}" --ntasks=1 --dependency="afterok:$ev:$gt" \
  --output="$study/logs/analyze-%j.out" --job-name=wsnas-analyze "$here/analyze.sbatch")
printf 'supernet %s\ngroundtruth %s\nevaluate %s\nanalyze %s\n' "$sn" "$gt" "$ev" "$an" | tee "$study/jobs.txt"

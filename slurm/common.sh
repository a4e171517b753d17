# Sourced by slurm/study.sbatch: runs a command of the job (wsnas-study, which starts the apps on
# the job's tasks), forwards Slurm's stop signals, and requeues the job when the command stopped
# early to be resumed (exit 75).
#   WSNAS_BIN       directory of the wsnas apps (set by submit-study.sh; default: build/bin beside
#                   us, or <prefix>/bin when installed under <prefix>/share/wsnas/slurm)
#   WSNAS_LAUNCHER  how ranks start: default "srun --mpi=pmix --kill-on-bad-exit=1" inside a
#                   Slurm job (Slurm then signals every rank itself on preemption or requeue),
#                   "mpirun -np $SLURM_NTASKS --oversubscribe --bind-to none" outside one (a
#                   rank's threads need its cores; inside a job --cpus-per-task gives them)
set -uo pipefail
if [ -z "${WSNAS_BIN:-}" ]; then  # a source tree's build/bin, or an installation's <prefix>/bin
  WSNAS_BIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/bin
  installed=$(dirname "${BASH_SOURCE[0]}")/../../../bin
  [ -x "$WSNAS_BIN/wsnas-study" ] || [ ! -x "$installed/wsnas-study" ] || WSNAS_BIN=$(cd "$installed" && pwd)
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# PMIx's job data in memory, not in shared-memory files a file-size limit breaks (docs/operations.md).
export PMIX_MCA_gds=${PMIX_MCA_gds:-hash}
if [ -z "${WSNAS_LAUNCHER:-}" ]; then
  if [ -n "${SLURM_JOB_ID:-}" ]; then
    WSNAS_LAUNCHER="srun --mpi=pmix --kill-on-bad-exit=1"
  else
    WSNAS_LAUNCHER="mpirun -np ${SLURM_NTASKS:-1} --oversubscribe --bind-to none"
  fi
fi
export WSNAS_LAUNCHER
# Slurm 22.05 and later: srun no longer takes the job's --cpus-per-task by itself, and each rank
# would be bound to one CPU; this passes it on (the apps size their threads by their CPUs).
if [ -n "${SLURM_CPUS_PER_TASK:-}" ] && [ -z "${SRUN_CPUS_PER_TASK:-}" ]; then
  export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK
fi

log() { echo "[$(date -u +%FT%TZ)] slurm job ${SLURM_JOB_ID:-none}${SLURM_ARRAY_TASK_ID:+ task $SLURM_ARRAY_TASK_ID}: $*"; }

# run_watched COMMAND...: SIGUSR1 (sent to this script by --signal=B:USR1@T before the time
# limit) and SIGTERM are passed on to COMMAND as SIGUSR1; wsnas-study passes it to the running
# app (srun and mpirun forward it to every rank), which saves its state and exits 75; the job then
# requeues itself and the requeued job resumes. On preemption or `scontrol requeue` Slurm signals
# the ranks directly and requeues the job itself.
run_watched() {
  log "start: $*"
  "$@" &
  local pid=$! rc=0
  trap 'log "stop signal: asking $1 to save and stop"; kill -USR1 $pid 2>/dev/null' USR1 TERM
  wait $pid
  rc=$?
  while kill -0 $pid 2>/dev/null; do  # wait returns early when a trapped signal arrives
    wait $pid
    rc=$?
  done
  trap - USR1 TERM
  if [ $rc -eq 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    log "$1 saved its state; requeueing"
    scontrol requeue "$SLURM_JOB_ID" 2>/dev/null || true  # already requeued when Slurm stopped us
  fi
  log "end: exit $rc"
  return $rc
}

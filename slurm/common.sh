# Sourced by the sbatch scripts: runs one wsnas app over the job's tasks (one rank per task, one
# GPU per rank when the job has GPUs), forwards Slurm's stop signals, and requeues the job when
# the app stopped early to be resumed (exit 75).
#   WSNAS_BIN       directory of the wsnas apps (set by submit-study.sh; default: build/bin beside us)
#   WSNAS_LAUNCHER  how ranks start: default "srun --mpi=pmix" inside a Slurm job (Slurm then
#                   signals every rank itself on preemption or requeue), "mpirun" outside one
set -uo pipefail
WSNAS_BIN=${WSNAS_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/bin}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

log() { echo "[$(date -u +%FT%TZ)] slurm job ${SLURM_JOB_ID:-none}${SLURM_ARRAY_TASK_ID:+ task $SLURM_ARRAY_TASK_ID}: $*"; }

# run_app APP ARGS...: one rank per Slurm task. SIGUSR1 (sent to this script by
# --signal=B:USR1@T before the time limit) and SIGTERM are passed on to the ranks as SIGUSR1
# (srun and mpirun both forward it); the apps save their state and exit 75; the job then
# requeues itself and the requeued job resumes. On preemption or `scontrol requeue` Slurm signals
# the ranks directly and requeues the job itself.
run_app() {
  local app=$1
  shift
  local launcher
  if [ -n "${WSNAS_LAUNCHER:-}" ]; then
    read -r -a launcher <<< "$WSNAS_LAUNCHER"
  elif [ -n "${SLURM_JOB_ID:-}" ]; then
    launcher=(srun --mpi=pmix --kill-on-bad-exit=1)
  else
    launcher=(mpirun -np "${SLURM_NTASKS:-1}" --oversubscribe)
  fi
  log "start: ${launcher[*]} $app $*"
  "${launcher[@]}" "$WSNAS_BIN/$app" "$@" &
  local pid=$! rc=0
  trap 'log "stop signal: asking $app to save and stop"; kill -USR1 $pid 2>/dev/null' USR1 TERM
  wait $pid
  rc=$?
  while kill -0 $pid 2>/dev/null; do  # wait returns early when a trapped signal arrives
    wait $pid
    rc=$?
  done
  trap - USR1 TERM
  if [ $rc -eq 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    log "$app saved its state; requeueing"
    scontrol requeue "$SLURM_JOB_ID" 2>/dev/null || true  # already requeued when Slurm stopped us
  fi
  log "end: $app exit $rc"
  return $rc
}

#pragma once
/// Graceful stop on SIGTERM, SIGUSR1 and SIGINT (Slurm's time-limit warning, preemption, Ctrl-C):
/// the handler only records the signal; long loops poll stop_signal() at safe points, write their
/// checkpoint and exit with kExitInterrupted so a requeued job resumes.

namespace wsnas {

/// Exit status of a run that stopped early on a signal after saving its state (EX_TEMPFAIL).
inline constexpr int kExitInterrupted = 75;

/// Installs the handlers (idempotent).
void install_stop_handlers();
/// The first stop signal received, or 0.
int stop_signal();
/// For tests: forget a received signal.
void clear_stop_signal();

}  // namespace wsnas

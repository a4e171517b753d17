#pragma once
/// Child processes: the study runner starts the apps, wsnas-analyze --plot starts the plotting
/// script. posix_spawn, so nothing of the parent (MPI, threads) is copied.

#include <functional>
#include <string>
#include <vector>

namespace wsnas {

/// Starts argv (argv[0] looked up in PATH unless it has a '/'), its standard output written to
/// `stdout_path` when not empty (created or truncated), calls `started(pid)` once it runs, and
/// waits for it. Returns its exit status, or 128 + the signal that killed it. A program that
/// cannot be started is an InputError naming it. `stderr_path`, when not empty, takes its standard
/// error the same way.
int run_process(const std::vector<std::string>& argv, const std::string& stdout_path = "",
                const std::function<void(int)>& started = {}, const std::string& stderr_path = "");

}  // namespace wsnas

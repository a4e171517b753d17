#pragma once
/// What every app's main shares: MPI set-up, one-line error reporting, exit codes.

#include <functional>
#include <optional>
#include <string>

#include "wsnas/core/provenance.h"
#include "wsnas/io/run_lock.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/options/parser.h"

namespace wsnas::app {

/// Handed to an app's body.
struct Context {
  std::string name;          ///< app name, prefix of every message
  int argc;
  char** argv;
  mpi::Communicator& world;  ///< all ranks of the job
  Provenance provenance;     ///< command line, revision, versions; apps add config and seeds
};

/// Runs `body` inside an MPI environment and turns exceptions into one line on stderr and an
/// exit status: UsageError (bad options, identical on every rank) is printed by rank 0 and exits
/// 2 everywhere; a body returning kExitInterrupted (all ranks agreed to stop on a signal) exits
/// with it on every rank; any other error is printed by the failing rank as "name: error [rank r]: ..."
/// and, in a job of several ranks, aborts the job so that no rank hangs in a collective.
int run(int argc, char** argv, const std::string& name, const std::function<int(Context&)>& body);

/// One run per output: rank 0 takes the lock `lock_path` (kept while the returned object lives;
/// released by the kernel if the process dies); when another run holds it, every rank throws the
/// same UsageError naming `what` and the holder. Creates the lock file's directory.
std::optional<io::RunLock> lock_output(Context& ctx, const std::string& lock_path, const std::string& what);

/// Parses options with `parser`; on --help prints the help on rank 0 and returns false.
bool parse_options(Context& ctx, options::Parser& parser, options::po::variables_map& vm);

}  // namespace wsnas::app

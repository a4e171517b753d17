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
  std::string name;  ///< app name, prefix of every message
  int argc;
  char** argv;
  mpi::Communicator& world;  ///< all ranks of the job
  Provenance provenance;     ///< command line, revision, versions; apps add config and seeds
};

/// What this build is made of, as every result's provenance records it: wsnas_version,
/// git_revision, libtorch (the LibTorch it was built against), mpi_library, hdf5, compiler.
Provenance build_identity();

/// The text of `--version`: "<name> <version>", then one "key: value" line per build_identity()
/// entry (the same text as the provenance attributes) and "share: <folder>" (core/share.h).
std::string version_text(const std::string& name);

/// True when the command line asks for --version.
bool wants_version(int argc, char** argv);

/// Runs `body` inside an MPI environment and turns exceptions into one line on stderr and an
/// exit status: 2 for a UsageError or InputError (bad options, bad input), 1 for any other error,
/// kExitInterrupted (75) when the body returns it (all ranks agreed to stop on a signal).
/// In a job of several ranks, failing ranks meet (for WSNAS_ERROR_WAIT_SECONDS, default 10): when
/// all of them failed, rank 0 prints each distinct message once (tagged with its ranks when they
/// differ) and every rank exits with the same status, without MPI_Abort; a rank that fails while
/// others go on prints "name: error [rank r]: ..." and aborts the job, so no rank hangs in a
/// collective. `--version` prints version_text() and returns 0 without starting MPI.
int run(int argc, char** argv, const std::string& name, const std::function<int(Context&)>& body);

/// One run per output: rank 0 takes the lock `lock_path` (kept while the returned object lives;
/// released by the kernel if the process dies); when another run holds it, every rank throws the
/// same UsageError naming `what` and the holder. Creates the lock file's directory.
std::optional<io::RunLock> lock_output(Context& ctx, const std::string& lock_path,
                                       const std::string& what);

/// Runs `work` on rank 0 only. What it throws is thrown on every rank, with the same message and
/// kind (an InputError stays one, exit 2; anything else becomes Error, exit 1), so that a failure
/// only rank 0 meets (an unwritable output, a file only it reads) ends the job with one line
/// instead of rank 0 failing alone and aborting the others.
void on_rank0(Context& ctx, const std::function<void()>& work);

/// A serial tool (one process does the work): under a launcher with several ranks, every rank
/// throws the same UsageError ("<app> is a serial tool: run it as one process, not as 2 ranks of
/// mpirun or srun"), instead of rank 0 working while the others wait.
void require_serial(Context& ctx);

/// Parses options with `parser`; on --help prints the help on rank 0 and returns false.
bool parse_options(Context& ctx, options::Parser& parser, options::po::variables_map& vm);

}  // namespace wsnas::app

#include "wsnas/app/app.h"

#include <unistd.h>

#include <csignal>
#include <iostream>

#include "wsnas/core/error.h"
#include "wsnas/core/signals.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5file.h"

namespace wsnas::app {

int run(int argc, char** argv, const std::string& name, const std::function<int(Context&)>& body) {
  std::unique_ptr<mpi::Environment> env;
  std::unique_ptr<mpi::Communicator> world;
  try {
    env = std::make_unique<mpi::Environment>(&argc, &argv);
    world = std::make_unique<mpi::Communicator>(mpi::Communicator::world());
  } catch (const std::exception& e) {
    std::cerr << name << ": error: cannot start MPI: " << e.what() << std::endl;
    return kExitFailure;
  }
  const int rank = world->rank();
  const int size = world->size();
  // Past a file-size limit, writes fail with EFBIG (reported, the old result kept) instead of the
  // process being killed by SIGXFSZ half-way through a file.
  std::signal(SIGXFSZ, SIG_IGN);
  auto report = [&](const std::string& what, bool all_ranks_alike) {
    if (all_ranks_alike && rank != 0) return;
    std::cerr << name << ": error";
    if (size > 1 && !all_ranks_alike) std::cerr << " [rank " << rank << "]";
    std::cerr << ": " << what << std::endl;
  };
  int code = 0;
  try {
    Context ctx{name, argc, argv, *world, Provenance::collect(argc, argv)};
    ctx.provenance.set("mpi_library", mpi::library_version());
    ctx.provenance.set("mpi_ranks", std::to_string(size));
    ctx.provenance.set("hdf5", io::hdf5_version());
    code = body(ctx);
  } catch (const UsageError& e) {
    report(e.what(), true);
    return kExitUsage;
  } catch (const InputError& e) {
    report(e.what(), false);
    code = kExitUsage;
  } catch (const std::exception& e) {
    report(e.what(), false);
    code = kExitFailure;
  }
  if (code != 0 && code != kExitInterrupted && size > 1) {
    // Other ranks may be waiting in a collective: take the whole job down.
    world->abort(code);
  }
  return code;
}

std::optional<io::RunLock> lock_output(Context& ctx, const std::string& lock_path, const std::string& what) {
  std::optional<io::RunLock> lock;
  std::string holder;
  if (ctx.world.rank() == 0) {
    const auto slash = lock_path.rfind('/');
    std::vector<std::string> created;  // the directories make_dirs is about to create, outermost first
    if (slash != std::string::npos && slash > 0) {
      const std::string dir = lock_path.substr(0, slash);
      for (std::string d = dir; !d.empty() && d != "/" && d != "." && !io::path_exists(d);) {
        created.insert(created.begin(), d);
        const auto s = d.rfind('/');
        d = s == std::string::npos ? "" : d.substr(0, s);
      }
      io::make_dirs(dir);
    }
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    std::string owner = "host " + std::string(host) + " pid " + std::to_string(getpid());
    if (const char* job = std::getenv("SLURM_JOB_ID")) owner += " slurm job " + std::string(job);
    owner += " since " + utc_now_iso8601();
    lock = io::RunLock::try_acquire(lock_path, owner);
    if (lock) lock->set_created_dirs(created);
    if (!lock) holder = io::RunLock::holder(lock_path);
  }
  holder = mpi::broadcast_string(ctx.world, holder);
  WSNAS_CHECK_USAGE(holder.empty(), "another run is using ", what, " (lock '", lock_path, "' held by ", holder,
                    "); wait for it to end, or use another output");
  return lock;
}

bool parse_options(Context& ctx, options::Parser& parser, options::po::variables_map& vm) {
  if (!parser.parse(ctx.argc, ctx.argv, vm)) {
    if (ctx.world.rank() == 0) std::cout << parser.help();
    return false;
  }
  return true;
}

}  // namespace wsnas::app

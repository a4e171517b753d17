#include "wsnas/app/app.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <utility>
#include <vector>

#include "wsnas/core/allocator.h"
#include "wsnas/core/error.h"
#include "wsnas/core/share.h"
#include "wsnas/core/signals.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"
#include "wsnas/io/h5file.h"

namespace wsnas::app {

namespace {

/// Seconds a failing rank waits for the others to fail too before it aborts the job alone
/// (WSNAS_ERROR_WAIT_SECONDS, default 10).
double error_wait_seconds() {
  if (const char* v = std::getenv("WSNAS_ERROR_WAIT_SECONDS")) {
    char* end = nullptr;
    const double s = std::strtod(v, &end);
    if (end != v && *end == '\0' && s >= 0 && s <= 3600) return s;
  }
  return 10;
}

std::vector<std::uint8_t> encode(int code, const std::string& message) {
  std::vector<std::uint8_t> b(sizeof code + message.size());
  std::memcpy(b.data(), &code, sizeof code);
  std::memcpy(b.data() + sizeof code, message.data(), message.size());
  return b;
}

/// LibTorch's c10::Error text without the stack it carries ("...\nframe #0: ..." in 1.13,
/// "...\nException raised from ... (most recent call first):\nframe #0: ..." in 2.x): 43 frames of
/// C++ symbols are for a debugger, not for the one line a user reads.
std::string without_backtrace(std::string m) {
  for (const char* marker : {"\nException raised from ", "\nframe #0: "}) {
    const auto at = m.find(marker);
    if (at != std::string::npos) m.erase(at);
  }
  return m;
}

/// "0", "1,3": the ranks of one message.
std::string rank_list(const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ",") + std::to_string(r);
  return s;
}

}  // namespace

Provenance build_identity() {
  Provenance p;
  const auto collected = Provenance::collect(0, nullptr).entries;
  for (const char* key : {"wsnas_version", "git_revision", "compiler"}) {
    const auto it = collected.find(key);
    if (it != collected.end()) p.set(key, it->second);
  }
  p.set("libtorch", WSNAS_LIBTORCH);
  p.set("mpi_library", mpi::library_version());
  p.set("hdf5", io::hdf5_version());
  return p;
}

std::string version_text(const std::string& name) {
  const auto id = build_identity().entries;
  std::string out = name + " " + id.at("wsnas_version") + "\n";
  for (const char* key : {"git_revision", "libtorch", "mpi_library", "hdf5", "compiler"}) {
    const auto it = id.find(key);
    if (it != id.end()) out += std::string(key) + ": " + it->second + "\n";
  }
  return out + "share: " + share_dir() + "\n";
}

bool wants_version(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    if (std::strcmp(argv[i], "--version") == 0) return true;
  }
  return false;
}

int run(int argc, char** argv, const std::string& name, const std::function<int(Context&)>& body) {
  if (wants_version(argc, argv)) {  // before MPI: a login node answers without a launcher
    std::cout << version_text(name);
    return 0;
  }
  const std::string allocator = tune_allocator();  // before the first tensor
  // PMIx keeps its job data in memory rather than in shared-memory files, which a file-size limit
  // (ulimit -f) broke with 16 lines of PMIx errors inside MPI_Init; a value the user set stays.
  // The singleton server a lone process starts inherits it; mpirun and srun have their own
  // (scripts/wsnas-mpirun and slurm/common.sh set it for them).
  setenv("PMIX_MCA_gds", "hash", 0);
  // Past a file-size limit, writes fail with EFBIG (reported, the old result kept) instead of the
  // process being killed by SIGXFSZ half-way through a file (or in MPI_Init, whose shared-memory
  // segments are files).
  std::signal(SIGXFSZ, SIG_IGN);
  std::unique_ptr<mpi::Environment> env;
  std::unique_ptr<mpi::Communicator> world, errors;
  try {
    env = std::make_unique<mpi::Environment>(&argc, &argv);
    world = std::make_unique<mpi::Communicator>(mpi::Communicator::world());
    errors = std::make_unique<mpi::Communicator>(
        world->dup());  // the agreement below never meets the app's traffic
  } catch (const std::exception& e) {
    std::cerr << name << ": error: cannot start MPI: " << e.what() << std::endl;
    return kExitFailure;
  }
  const int rank = world->rank();
  const int size = world->size();
  // After MPI_Init, whose own SIGSEGV handler would print a backtrace instead.
  install_out_of_memory_handler(name);
  int code = 0;
  std::string message;
  try {
    Context ctx{name, argc, argv, *world, Provenance::collect(argc, argv)};
    for (const auto& [key, value] : build_identity().entries) ctx.provenance.set(key, value);
    ctx.provenance.set("mpi_ranks", std::to_string(size));
    ctx.provenance.set("malloc", allocator);
    if (const char* plugins = std::getenv("WSNAS_PLUGINS"); plugins != nullptr && *plugins != 0)
      ctx.provenance.set("plugins", plugins);  // spaces from plugins (space::load_plugins)
    code = body(ctx);
  } catch (const UsageError& e) {
    message = e.what();
    code = kExitUsage;
  } catch (const InputError& e) {
    message = e.what();
    code = kExitUsage;
  } catch (const std::exception& e) {
    message = without_backtrace(e.what());
    if (const auto oom = out_of_memory_message(message); !oom.empty()) message = oom;
    code = kExitFailure;
  }
  if (code == 0 || code == kExitInterrupted)
    return code;                        // kExitInterrupted: the ranks agreed already
  message = one_line_message(message);  // a quoted 7 MB line or a NUL byte stays one readable line
  if (size == 1) {
    if (!message.empty()) std::cerr << name << ": error: " << message << std::endl;
    return code;
  }
  // Several ranks. A bad input every rank reads fails on every rank at about the same time: they
  // meet, rank 0 prints each distinct message once, and all exit with the same status. A rank that
  // fails alone cannot wait for the others (they may be blocked in a collective): after a while it
  // prints its own line and aborts the job.
  auto fail_alone = [&] {
    std::cerr << name << ": error [rank " << rank << "]: " << (message.empty() ? "failed" : message)
              << std::endl;
    world->abort(code);
  };
  if (!errors->barrier_within(error_wait_seconds())) fail_alone();
  std::vector<std::vector<std::uint8_t>> all;
  try {
    all = errors->allgather_bytes(encode(code, message));
  } catch (const std::exception&) {  // the agreement itself failed
    fail_alone();
  }
  // Each distinct message with its ranks, in rank order.
  std::vector<std::pair<std::string, std::vector<int>>> distinct;
  int agreed = kExitUsage;
  for (int r = 0; r < static_cast<int>(all.size()); ++r) {
    int c = 0;
    std::memcpy(&c, all[r].data(), sizeof c);
    if (c != kExitUsage) agreed = kExitFailure;
    std::string m(all[r].begin() + sizeof c, all[r].end());
    auto it =
        std::find_if(distinct.begin(), distinct.end(), [&](const auto& d) { return d.first == m; });
    if (it == distinct.end())
      distinct.push_back({m, {r}});
    else
      it->second.push_back(r);
  }
  if (rank == 0) {
    for (const auto& [m, ranks] : distinct) {
      if (m.empty()) continue;
      std::cerr << name << ": error";
      if (distinct.size() > 1)
        std::cerr << " [rank" << (ranks.size() > 1 ? "s " : " ") << rank_list(ranks) << "]";
      std::cerr << ": " << m << std::endl;
    }
  }
  return agreed;
}

std::optional<io::RunLock> lock_output(Context& ctx, const std::string& lock_path,
                                       const std::string& what) {
  std::optional<io::RunLock> lock;
  on_rank0(ctx, [&] {
    const auto slash = lock_path.rfind('/');
    // The directories make_dirs is about to create, outermost first.
    std::vector<std::string> created;
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
    WSNAS_CHECK_USAGE(lock.has_value(), "another run is using ", what, " (lock '", lock_path,
                      "' held by ", io::RunLock::holder(lock_path),
                      "); wait for it to end, or use another output");
    lock->set_created_dirs(created);
  });
  return lock;
}

void on_rank0(Context& ctx, const std::function<void()>& work) {
  std::string failure;  // "<kind><message>": 'I' for an input error, 'E' for another
  if (ctx.world.rank() == 0) {
    try {
      work();
    } catch (const InputError& e) {
      failure = std::string("I") + e.what();
    } catch (const std::exception& e) {
      failure = std::string("E") + e.what();
    }
  }
  if (ctx.world.size() > 1) failure = mpi::broadcast_string(ctx.world, failure);
  if (failure.empty()) return;
  if (failure[0] == 'I') throw InputError(failure.substr(1));
  throw Error(failure.substr(1));
}

void require_serial(Context& ctx) {
  const int n = ctx.world.size();
  WSNAS_CHECK_USAGE(n == 1, ctx.name, " is a serial tool: run it as one process, not as ", n,
                    " ranks of mpirun or srun");
}

bool parse_options(Context& ctx, options::Parser& parser, options::po::variables_map& vm) {
  if (!parser.parse(ctx.argc, ctx.argv, vm)) {
    if (ctx.world.rank() == 0) std::cout << parser.help();
    return false;
  }
  return true;
}

}  // namespace wsnas::app

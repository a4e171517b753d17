#include "wsnas/app/app.h"

#include <iostream>

#include "wsnas/core/error.h"

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
  if (code != 0 && size > 1) {
    // Other ranks may be waiting in a collective: take the whole job down.
    world->abort(code);
  }
  return code;
}

bool parse_options(Context& ctx, options::Parser& parser, options::po::variables_map& vm) {
  if (!parser.parse(ctx.argc, ctx.argv, vm)) {
    if (ctx.world.rank() == 0) std::cout << parser.help();
    return false;
  }
  return true;
}

}  // namespace wsnas::app

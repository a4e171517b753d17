// Shared main of MPI tests: MPI is initialised once around all tests; every rank prints its results
// (so a failure on any rank is visible), and every rank's failure makes the process exit non-zero
// (so mpiexec reports it).
#include <gtest/gtest.h>

#include "wsnas/mpi/communicator.h"

int main(int argc, char** argv) {
  wsnas::mpi::Environment env(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  // Agree on the outcome: a failure on any rank fails the job on every rank.
  auto world = wsnas::mpi::Communicator::world();
  int any = rc != 0 ? 1 : 0;
  world.allreduce_max(&any, 1, wsnas::mpi::DType::kInt32);
  return any;
}

// Two-rank MPI tests (run under mpiexec -n 2): communicators, collectives on tensors and bytes,
// and HDF5 files written per rank and gathered by rank 0.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "wsnas/core/error.h"
#include "wsnas/io/claims.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/h5tensor.h"
#include "wsnas/mpi/communicator.h"
#include "wsnas/mpi/reducer.h"
#include "wsnas/mpi/serialize.h"
#include "wsnas/mpi/tensor_collectives.h"

using namespace wsnas;

TEST(Mpi, RunsWithTwoRanks) {
  auto world = mpi::Communicator::world();
  EXPECT_EQ(world.size(), 2) << "run under mpiexec -n 2";
}

TEST(Mpi, CommunicatorIsMoveOnlyAndNullsTheSource) {
  auto a = mpi::Communicator::world();
  int rank = a.rank();
  mpi::Communicator b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_TRUE(b.valid());
  EXPECT_EQ(b.rank(), rank);
  auto c = b.dup();
  EXPECT_EQ(c.size(), b.size());
}

TEST(Mpi, AllreduceSumAndMeanOfTensors) {
  auto world = mpi::Communicator::world();
  const double r = world.rank();
  at::Tensor t = at::full({3, 4}, r + 1, at::kFloat);
  mpi::allreduce_sum(world, t);
  EXPECT_TRUE(t.equal(at::full({3, 4}, 3.0, at::kFloat)));  // 1 + 2
  at::Tensor m = at::full({5}, r * 10, at::kDouble);
  mpi::allreduce_mean(world, m);
  EXPECT_TRUE(m.equal(at::full({5}, 5.0, at::kDouble)));
  at::Tensor i = at::full({2}, static_cast<std::int64_t>(r + 5), at::kLong);
  mpi::allreduce_sum(world, i);
  EXPECT_EQ(i[0].item<std::int64_t>(), 11);
  // Non-contiguous views are reduced in place too.
  at::Tensor base = at::zeros({4, 4}, at::kFloat);
  at::Tensor col = base.select(1, 2);
  col.fill_(r + 1);
  mpi::allreduce_sum(world, col);
  EXPECT_FLOAT_EQ(base[3][2].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(base[3][1].item<float>(), 0.0f);
}

namespace {
struct Inner {
  std::string name;
  std::vector<double> values;
};
template <class A>
void fields(A& a, Inner& v) {
  a(v.name, v.values);
}
struct Message {
  std::int64_t step = 0;
  std::string arch;
  std::vector<Inner> parts;
  float rate = 0;
};
template <class A>
void fields(A& a, Message& m) {
  a(m.step, m.arch, m.parts, m.rate);
}
}  // namespace

TEST(Serialize, TypedMessagesRoundTripAndGatherInRankOrder) {
  auto world = mpi::Communicator::world();
  const int r = world.rank();
  Message m{40 + r, "arch of rank " + std::to_string(r), {{"a", {1.5, -2}}, {"", {}}}, 0.25f * r};
  const auto back = mpi::from_bytes<Message>(mpi::to_bytes(m));
  EXPECT_EQ(back.step, m.step);
  EXPECT_EQ(back.arch, m.arch);
  ASSERT_EQ(back.parts.size(), 2u);
  EXPECT_EQ(back.parts[0].values, (std::vector<double>{1.5, -2}));
  EXPECT_EQ(back.parts[1].name, "");
  // A truncated or padded message is an error, not garbage.
  auto bytes = mpi::to_bytes(m);
  bytes.pop_back();
  EXPECT_THROW(mpi::from_bytes<Message>(bytes), Error);
  bytes.push_back(0);
  bytes.push_back(0);
  EXPECT_THROW(mpi::from_bytes<Message>(bytes), Error);
  const auto all = mpi::gather(world, m, 0);
  if (r == 0) {
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].arch, "arch of rank 1");
    EXPECT_EQ(all[1].step, 41);
    EXPECT_FLOAT_EQ(all[1].rate, 0.25f);
  } else {
    EXPECT_TRUE(all.empty());
  }
  // Rows of a 2-d tensor, concatenated in rank order on the root.
  const at::Tensor rows = at::full({r + 1, 3}, static_cast<float>(r));
  const at::Tensor got = mpi::gather_rows(world, rows, 0);
  if (r == 0) {
    EXPECT_EQ(got.sizes(), (std::vector<std::int64_t>{3, 3}));
    EXPECT_EQ(got[2][1].item<float>(), 1.0f);
    EXPECT_EQ(got[0][0].item<float>(), 0.0f);
  } else {
    EXPECT_FALSE(got.defined());
  }
}

TEST(Reducer, AveragesTheGradientsSomeRankHasWithTheUsedMask) {
  // Rank 0 used a and b, rank 1 used b and c, nobody d: a and c are averaged with the other
  // rank's zeros, b as usual, d keeps no gradient; the extra tensor (BN statistics) is averaged.
  // Whatever the bucket size (one value per bucket, or all in one), the same numbers.
  auto world = mpi::Communicator::world();
  const int r = world.rank();
  for (std::size_t bucket : {std::size_t{4}, std::size_t{1} << 20}) {
    std::vector<at::Tensor> p = {at::zeros({2}), at::zeros({3}), at::zeros({1}), at::zeros({2})};
    if (r == 0) {
      p[0].mutable_grad() = at::full({2}, 4.0f);
      p[1].mutable_grad() = at::full({3}, 1.0f);
    } else {
      p[1].mutable_grad() = at::full({3}, 3.0f);
      p[2].mutable_grad() = at::full({1}, 6.0f);
    }
    at::Tensor stats = at::full({2}, static_cast<float>(10 * r));
    mpi::Reducer reducer(world, p, {"a", "b", "c", "d"}, bucket);
    reducer.average({stats});
    ASSERT_TRUE(p[0].grad().defined() && p[1].grad().defined() && p[2].grad().defined());
    EXPECT_TRUE(p[0].grad().equal(at::full({2}, 2.0f)));
    EXPECT_TRUE(p[1].grad().equal(at::full({3}, 2.0f)));
    EXPECT_TRUE(p[2].grad().equal(at::full({1}, 3.0f)));
    EXPECT_FALSE(p[3].grad().defined());
    EXPECT_TRUE(stats.equal(at::full({2}, 5.0f)));
    EXPECT_EQ(reducer.last_bytes(), (2 + 3 + 1 + 2) * sizeof(float));
  }
}

TEST(Reducer, RefusesDifferentNetworksNamingTheParameter) {
  // Rank 1's second parameter has another size: an error on every rank naming it, not a hang.
  auto world = mpi::Communicator::world();
  const std::int64_t n = world.rank() == 0 ? 3 : 4;
  std::vector<at::Tensor> p = {at::zeros({2}), at::zeros({n})};
  try {
    mpi::Reducer reducer(world, p, {"stem.weight", "cell.bn.weight"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'cell.bn.weight' differs across ranks"),
              std::string::npos)
        << e.what();
  }
  // Another parameter count: also refused, with the counts.
  std::vector<at::Tensor> q(static_cast<std::size_t>(world.rank() + 1), at::zeros({1}));
  std::vector<std::string> names(q.size(), "w");
  try {
    mpi::Reducer reducer(world, q, names);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1 to 2 parameters"), std::string::npos) << e.what();
  }
}

TEST(Mpi, BroadcastAndStrings) {
  auto world = mpi::Communicator::world();
  at::Tensor t = world.rank() == 0 ? at::arange(6, at::kFloat) : at::zeros({6}, at::kFloat);
  mpi::broadcast(world, t, 0);
  EXPECT_TRUE(t.equal(at::arange(6, at::kFloat)));
  std::string s = mpi::broadcast_string(world, world.rank() == 1 ? "from one" : "", 1);
  EXPECT_EQ(s, "from one");
}

TEST(Mpi, GatherOfVariableSizeRecords) {
  auto world = mpi::Communicator::world();
  std::vector<std::uint8_t> mine(static_cast<std::size_t>(world.rank() * 3 + 1),
                                 static_cast<std::uint8_t>(world.rank() + 7));
  auto all = world.gather_bytes(mine, 0);
  if (world.rank() == 0) {
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], std::vector<std::uint8_t>(1, 7));
    EXPECT_EQ(all[1], std::vector<std::uint8_t>(4, 8));
  } else {
    EXPECT_TRUE(all.empty());
  }
  auto every = world.allgather_bytes(mine);
  ASSERT_EQ(every.size(), 2u);
  EXPECT_EQ(every[1].size(), 4u);
}

TEST(Mpi, SplitByRoleAndNodeLocal) {
  auto world = mpi::Communicator::world();
  auto alone = world.split(world.rank(), 0);  // one communicator per rank
  EXPECT_EQ(alone.size(), 1);
  EXPECT_EQ(alone.rank(), 0);
  auto together = world.split(0, world.size() - world.rank());  // key reverses the order
  EXPECT_EQ(together.size(), 2);
  EXPECT_EQ(together.rank(), 1 - world.rank());
  auto local = world.split_node_local();  // both ranks run on this machine
  EXPECT_EQ(local.size(), 2);
  EXPECT_THROW(world.split(-1, 0), Error);
}

TEST(Mpi, Hdf5FilesPerRankGatheredByRankZero) {
  // Serial HDF5 only: each rank writes its own file; rank 0 reads both after a barrier.
  auto world = mpi::Communicator::world();
  std::string dir =
      "/tmp/wsnas-mpi-h5-" + mpi::broadcast_string(world, std::to_string(::getpid()), 0);
  if (world.rank() == 0) std::system(("mkdir -p " + dir).c_str());
  world.barrier();
  {
    auto f = io::File::create(dir + "/rank" + std::to_string(world.rank()) + ".h5");
    io::write_tensor(f, "/t", at::full({2, 3}, world.rank() + 0.5, at::kFloat));
    f.set_attr("/", "rank", std::int64_t{world.rank()});
  }
  world.barrier();
  if (world.rank() == 0) {
    for (int r = 0; r < 2; ++r) {
      auto f = io::File::open(dir + "/rank" + std::to_string(r) + ".h5");
      EXPECT_EQ(f.attr_int("/", "rank"), r);
      EXPECT_TRUE(io::read_tensor(f, "/t").equal(at::full({2, 3}, r + 0.5, at::kFloat)));
    }
    std::system(("rm -rf " + dir).c_str());
  }
  world.barrier();
}

TEST(Mpi, AnEnvironmentLeavesMpiToWhoeverInitialisedIt) {
  // The test main initialised MPI; an Environment made (and destroyed) now must not finalise it
  // (it used to: every collective after this one failed).
  ASSERT_TRUE(mpi::Environment::initialized());
  {
    mpi::Environment nested(nullptr, nullptr);
    EXPECT_FALSE(nested.owns());
  }
  EXPECT_FALSE(mpi::Environment::finalized());
  auto world = mpi::Communicator::world();
  int one = 1;
  world.allreduce_sum(&one, 1, mpi::DType::kInt32);
  EXPECT_EQ(one, world.size());
}

TEST(Mpi, ABarrierWithATimeLimitSaysWhetherEveryRankCame) {
  auto world = mpi::Communicator::world();
  const auto comm = world.dup();
  // Everyone comes: true.
  EXPECT_TRUE(comm.barrier_within(30));
  if (world.size() < 2) return;
  // Rank 1 comes late: rank 0 gives up after 0.2 s; rank 1 then completes the barrier (rank 0's
  // request is still posted, so it does not hang).
  if (world.rank() == 0) {
    EXPECT_FALSE(comm.barrier_within(0.2));
    world.barrier();
  } else {
    world.barrier();
    EXPECT_TRUE(comm.barrier_within(30));
  }
}

// Point-to-point messages (evaluation's results reaching rank 0 while it works) and claims of
// shared work through the file system (io::Claims): each item is taken by exactly one rank.
TEST(Mpi, MessagesToRankZeroAndClaimsTakenOnce) {
  auto world = mpi::Communicator::world();
  const int rank = world.rank(), n = world.size();
  std::string dir = "/tmp/wsnas-test-claims-" + std::to_string(::getppid());
  if (rank == 0) {
    EXPECT_EQ(std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()), 0);
  }
  world.barrier();
  const io::Claims claims(dir);
  std::vector<int> mine;
  for (int item = 0; item < 20; ++item) {
    if (!claims.claim("item" + std::to_string(item), rank)) continue;
    mine.push_back(item);
    EXPECT_FALSE(claims.claim("item" + std::to_string(item), rank)) << "claimed twice";
  }
  if (rank != 0) {
    for (const int item : mine) world.post_bytes({static_cast<std::uint8_t>(item)}, 0, 7);
    world.post_bytes({}, 0, 7);  // the last message
    world.wait_sends();
  } else {
    std::vector<int> all = mine;
    std::vector<std::uint8_t> msg;
    for (int finished = 0; finished < n - 1;) {
      const int source = world.receive_bytes(7, msg);
      EXPECT_GT(source, 0);
      if (msg.empty()) {
        ++finished;
      } else {
        all.push_back(msg.front());
      }
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all.size(), 20u) << "an item was taken twice or not at all";
    for (std::size_t i = 0; i < all.size() && i < 20; ++i) EXPECT_EQ(all[i], static_cast<int>(i));
    EXPECT_FALSE(world.try_receive_bytes(7, msg).has_value());
    claims.release("item1");
    EXPECT_TRUE(claims.claim("item1", 0)) << "a released claim is free again";
    claims.clear();
    EXPECT_TRUE(claims.claim("item0", 0)) << "cleared claims are free again";
    EXPECT_EQ(std::system(("rm -rf " + dir).c_str()), 0);
  }
  world.barrier();
}

// Architecture samplers (--sampler): each strategy's defining property, on NAS-Bench-201
// (15,284 valid cells of 15,625; paper Table 1, checked against the benchmark in test_nb201_space).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "wsnas/core/error.h"
#include "wsnas/space/nb101.h"
#include "wsnas/space/nb201.h"
#include "wsnas/space/sampler.h"
#include "wsnas/space/split.h"

using namespace wsnas;
using space::Arch;

namespace {
const std::vector<Arch> kNoPool;
}

TEST(Samplers, UniformDrawsOnlyValidCellsUniformly) {
  space::Nb201Space sp;
  auto s = space::make_sampler("uniform", sp, kNoPool, 7);
  std::vector<int> counts(15625, 0);
  const int draws = 100000;
  for (int t = 0; t < draws; ++t) {
    auto p = s->paths(static_cast<std::uint64_t>(t), 0, 1);
    ASSERT_EQ(p.size(), 1u);
    ASSERT_TRUE(sp.is_valid(p[0])) << "step " << t << ": " << sp.to_string(p[0]);
    ++counts[static_cast<std::size_t>(*sp.index_of(p[0]))];
  }
  // Pearson's chi-square over the 15,284 valid cells (expected draws/15,284 each). With this many
  // degrees of freedom chi2 is close to normal with mean df and sd sqrt(2 df): accept within 5 sd
  // (two-sided p ~ 6e-7). Sampling over all 15,625 cells and mapping invalid ones elsewhere, or a
  // biased operator draw, moves chi2 by thousands.
  const double expected = static_cast<double>(draws) / 15284.0;
  double chi2 = 0;
  int valid = 0;
  for (std::int64_t i = 0; i < 15625; ++i) {
    if (!sp.is_valid(*sp.at(i))) {
      EXPECT_EQ(counts[static_cast<std::size_t>(i)], 0);
      continue;
    }
    ++valid;
    const double d = counts[static_cast<std::size_t>(i)] - expected;
    chi2 += d * d / expected;
  }
  ASSERT_EQ(valid, 15284);
  const double df = valid - 1;
  EXPECT_LT(std::abs(chi2 - df), 5 * std::sqrt(2 * df)) << "chi2 " << chi2 << " df " << df;
}

TEST(Samplers, DeterministicInSeedAndStepAndTheSameOnEveryReplica) {
  space::Nb201Space sp;
  for (const auto& name : {"uniform", "multipath", "fairnas"}) {
    auto a = space::make_sampler(name, sp, kNoPool, 3, 2);
    auto b = space::make_sampler(name, sp, kNoPool, 3, 2);
    auto c = space::make_sampler(name, sp, kNoPool, 4, 2);
    int differ = 0;
    for (std::uint64_t t = 0; t < 50; ++t) {
      EXPECT_EQ(a->paths(t, 0, 1), b->paths(t, 0, 1)) << name;  // same seed, same step
      EXPECT_EQ(a->paths(t, 0, 4), a->paths(t, 3, 4)) << name;  // every replica alike
      if (a->paths(t, 0, 1) != c->paths(t, 0, 1)) ++differ;     // another seed, other paths
    }
    EXPECT_GT(differ, 45) << name;
    EXPECT_FALSE(a->replicas_differ());
  }
}

TEST(Samplers, FairnasTrainsEveryOptionOfEveryEdgeExactlyOncePerStep) {
  space::Nb201Space sp;
  auto s = space::make_sampler("fairnas", sp, kNoPool, 11);
  std::set<std::vector<int>> first_paths;
  for (std::uint64_t t = 0; t < 1000; ++t) {
    auto p = s->paths(t, 0, 1);
    ASSERT_EQ(p.size(), 5u) << "m = 5 operators per edge";
    for (const auto& a : p) ASSERT_TRUE(sp.is_valid(a)) << "step " << t << ": " << sp.to_string(a);
    for (std::size_t e = 0; e < 6; ++e) {
      std::multiset<int> ops;
      for (const auto& a : p) ops.insert(a.choices[e]);
      ASSERT_EQ(ops, (std::multiset<int>{0, 1, 2, 3, 4})) << "step " << t << " edge " << e;
    }
    first_paths.insert(p[0].choices);
  }
  // The permutations are random: the first path is (close to) uniform over ~15k cells, so 1,000
  // steps repeat about 1000^2 / (2 * 15284) = 33 of them (birthday bound): ~967 distinct, sd ~6.
  // A fixed permutation would give 1.
  EXPECT_GT(first_paths.size(), 940u);
}

TEST(Samplers, FairnasOnNb101PermutesOperatorsOnlyAsTheReleasedCode) {
  // tricks/nb101/multipath.py:54-62 --fairnas (the paper's released code,
  // github.com/matluster/anonymous-2102 @3825f00): 3 paths; over them each of the 5 operator
  // vertices takes each of the 3 operators exactly once; each path's connectivity is its own
  // uniform draw from the valid cells.
  space::Nb101Space sp;
  auto s = space::make_sampler("fairnas", sp, kNoPool, 4);
  std::set<std::int64_t> adjacencies;
  for (std::uint64_t t = 0; t < 500; ++t) {
    auto p = s->paths(t, 0, 1);
    ASSERT_EQ(p.size(), 3u) << "m = 3 operators";
    for (const auto& a : p) ASSERT_TRUE(sp.is_valid(a)) << sp.to_string(a);
    for (std::size_t d = 6; d < 11; ++d) {
      std::multiset<int> ops;
      for (const auto& a : p) ops.insert(a.choices[d]);
      ASSERT_EQ(ops, (std::multiset<int>{0, 1, 2})) << "step " << t << " vertex " << d - 5;
    }
    for (const auto& a : p) adjacencies.insert(*sp.index_of(a) / 243);
  }
  // 1,500 uniform draws over 395 adjacencies cover nearly all (expected 395 (1 - e^-3.8) = 386).
  EXPECT_GT(adjacencies.size(), 370u);
}

TEST(Samplers, MultipathDrawsKIndependentValidPaths) {
  space::Nb201Space sp;
  auto s = space::make_sampler("multipath", sp, kNoPool, 5, 3);
  int all_same = 0;
  for (std::uint64_t t = 0; t < 1000; ++t) {
    auto p = s->paths(t, 0, 1);
    ASSERT_EQ(p.size(), 3u);
    for (const auto& a : p) ASSERT_TRUE(sp.is_valid(a));
    if (p[0] == p[1] && p[1] == p[2]) ++all_same;
  }
  EXPECT_EQ(all_same, 0);
  // The first of the k paths is the single path of uniform with the same seed.
  auto u = space::make_sampler("uniform", sp, kNoPool, 5);
  EXPECT_EQ(s->paths(17, 0, 1)[0], u->paths(17, 0, 1)[0]);
  EXPECT_THROW(space::make_sampler("multipath", sp, kNoPool, 5, 0), UsageError);
}

TEST(Samplers, PerReplicaGivesEachReplicaItsOwnDraw) {
  space::Nb201Space sp;
  auto s = space::make_sampler("per-replica", sp, kNoPool, 9);
  auto u = space::make_sampler("uniform", sp, kNoPool, 9);
  EXPECT_TRUE(s->replicas_differ());
  int distinct_steps = 0;
  for (std::uint64_t t = 0; t < 1000; ++t) {
    std::set<std::vector<int>> archs;
    for (int r = 0; r < 4; ++r) {
      auto p = s->paths(t, r, 4);
      ASSERT_EQ(p.size(), 1u);
      ASSERT_TRUE(sp.is_valid(p[0]));
      archs.insert(p[0].choices);
      // A replica's draw does not depend on how many replicas there are.
      ASSERT_EQ(p, s->paths(t, r, 8));
    }
    if (archs.size() == 4) ++distinct_steps;
    // One replica: per-replica sampling is single-path one-shot.
    ASSERT_EQ(s->paths(t, 0, 1), u->paths(t, 0, 1));
  }
  EXPECT_GT(distinct_steps, 990);
}

TEST(Samplers, PoolRestrictsDrawsAndMustHoldValidCellsOnly) {
  space::Nb201Space sp;
  std::vector<Arch> pool = {*sp.at(9930), *sp.at(0), *sp.at(15624)};
  ASSERT_TRUE(sp.is_valid(pool[0]) && sp.is_valid(pool[1]) && sp.is_valid(pool[2]));
  for (const auto& name : {"uniform", "multipath", "per-replica"}) {
    auto s = space::make_sampler(name, sp, pool, 1, 2);
    std::map<std::vector<int>, int> seen;
    for (std::uint64_t t = 0; t < 300; ++t) {
      for (const auto& a : s->paths(t, 1, 2)) ++seen[a.choices];
    }
    EXPECT_EQ(seen.size(), 3u) << name << ": every member drawn, nothing else";
    for (const auto& a : pool) EXPECT_GT(seen[a.choices], 50) << name;
  }
  // A cell with no path from input to output (edges into node 3 all `none`) is an input error.
  auto bad = pool;
  bad.push_back(
      sp.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|"));
  ASSERT_FALSE(sp.is_valid(bad.back()));
  try {
    space::make_sampler("uniform", sp, bad, 1, 1, "--pool 'cells.csv'");
    FAIL() << "an invalid pool member was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--pool 'cells.csv': architecture 4 ("), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(space::make_sampler("fairnas", sp, pool, 1), UsageError);
  EXPECT_THROW(space::make_sampler("random", sp, kNoPool, 1), UsageError);
}

TEST(Samplers, ACostLimitDrawsUniformlyAmongTheArchitecturesWithinIt) {
  // wsnas-space sample --max-flops (the paper's Proxyless evaluation keeps architectures of at most
  // 600M multiply-adds; here NAS-Bench-201's own costs, CIFAR-100 shape). The architectures within
  // the limit are counted here by brute force over the 15,625 cells.
  space::Nb201Space sp;
  const space::CostOptions shape;  // 100 classes, 3x32x32, C=16, N=5
  const double limit = 60;         // million multiply-adds
  auto within = [&](const Arch& a) { return sp.cost(a, shape)->flops_m() <= limit; };
  std::size_t passing = 0;
  for (std::int64_t i = 0; i < 15625; ++i) {
    const Arch a = *sp.at(i);
    passing += sp.is_valid(a) && within(a) ? 1 : 0;
  }
  ASSERT_GT(passing, 100u);
  ASSERT_LT(passing, 15284u);  // the limit cuts
  Rng rng(3);
  const auto drawn = space::sample_architectures(sp, 100, rng, true, false, nullptr, within);
  std::set<Arch> distinct(drawn.begin(), drawn.end());
  EXPECT_EQ(distinct.size(), 100u);
  for (const auto& a : drawn) {
    EXPECT_TRUE(sp.is_valid(a));
    EXPECT_LE(sp.cost(a, shape)->flops_m(), limit) << sp.to_string(a);
  }
  // All of them can be drawn, one more cannot.
  Rng all(4);
  EXPECT_EQ(space::sample_architectures(sp, passing, all, true, false, nullptr, within).size(),
            passing);
  try {
    Rng more(5);
    space::sample_architectures(sp, passing + 1, more, true, false, nullptr, within);
    FAIL() << "drew more architectures than the limit leaves";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("within the cost limit"), std::string::npos) << e.what();
  }
  // With replacement and from a pool, the limit holds too.
  Rng again(6);
  for (const auto& a : space::sample_architectures(sp, 200, again, true, true, nullptr, within))
    EXPECT_LE(sp.cost(a, shape)->flops_m(), limit);
  std::vector<Arch> pool;
  for (std::int64_t i = 0; i < 2000; ++i) pool.push_back(*sp.at(i));
  Rng from(7);
  for (const auto& a : space::sample_architectures(sp, 20, from, true, false, &pool, within)) {
    EXPECT_LE(sp.cost(a, shape)->flops_m(), limit);
    EXPECT_LT(*sp.index_of(a), 2000);
  }
}

TEST(Samplers, AFewShotSubSupernetDrawsItsOwnCellsUniformly) {
  // Few-shot (docs/few-shot.md): NAS-Bench-201 restricted to nor_conv_3x3 on edge 1<-0. Its valid
  // cells counted here by enumerating the benchmark's 15,625; the uniform sampler over the
  // restricted space draws only those, uniformly (chi-square as above), and fairnas keeps the
  // fixed operator while permuting the other edges.
  space::Nb201Space sp;
  const auto splits = space::splits_of(sp, space::parse_split_on(sp, "0"));
  ASSERT_EQ(splits.size(), 5u);
  const space::Split& mine = splits[3];
  EXPECT_EQ(mine.to_string(), "0=3");
  const auto sub = space::restrict_space(sp, mine);
  std::vector<std::int64_t> owned;
  std::size_t valid_in_all_splits = 0;
  for (std::int64_t i = 0; i < 15625; ++i) {
    const Arch a = *sp.at(i);
    if (sp.is_valid(a) && a.choices[0] == 3) owned.push_back(i);
    EXPECT_EQ(sub->is_valid(a), sp.is_valid(a) && a.choices[0] == 3);
    for (const auto& split : splits)
      valid_in_all_splits += space::restrict_space(sp, split)->is_valid(a) ? 1 : 0;
  }
  // The five sub-spaces hold the 15,284 valid cells between them (paper Table 1), each once.
  EXPECT_EQ(valid_in_all_splits, 15284u);
  ASSERT_GT(owned.size(), 3000u);
  ASSERT_LT(owned.size(), 3125u);  // 5^5 cells take the operator; some have no path to the output
  auto s = space::make_sampler("uniform", *sub, kNoPool, 7);
  std::map<std::int64_t, int> counts;
  const int draws = 60000;
  for (int t = 0; t < draws; ++t) {
    const Arch a = s->paths(static_cast<std::uint64_t>(t), 0, 1).at(0);
    ASSERT_EQ(a.choices[0], 3);
    ASSERT_TRUE(sp.is_valid(a));
    ++counts[*sp.index_of(a)];
  }
  const double expected = static_cast<double>(draws) / static_cast<double>(owned.size());
  double chi2 = 0;
  for (const auto i : owned) chi2 += std::pow(counts[i] - expected, 2) / expected;
  const double df = static_cast<double>(owned.size()) - 1;
  EXPECT_LT(std::abs(chi2 - df), 5 * std::sqrt(2 * df)) << chi2;
  auto fair = space::make_sampler("fairnas", *sub, kNoPool, 3);
  for (std::uint64_t t = 0; t < 50; ++t) {
    const auto paths = fair->paths(t, 0, 1);
    ASSERT_EQ(paths.size(), 5u);
    std::set<int> edge5;
    for (const auto& a : paths) {
      EXPECT_EQ(a.choices[0], 3);
      edge5.insert(a.choices[5]);
    }
    EXPECT_EQ(edge5.size(), 5u) << "step " << t;  // every operator of edge 3<-2 once
  }
}

TEST(Samplers, SplitsOnTwoDecisionsPartitionTheSpace) {
  // Two edges: 25 sub-supernets, the first decision's option slowest; every cell is owned by
  // exactly one of them; bad --split-on and bad split strings are one clear error.
  space::Nb201Space sp;
  const auto splits = space::splits_of(sp, space::parse_split_on(sp, "0,5"));
  ASSERT_EQ(splits.size(), 25u);
  EXPECT_EQ(splits[1].to_string(), "0=0,5=1");
  EXPECT_EQ(splits[5].to_string(), "0=1,5=0");
  for (std::int64_t i = 0; i < 15625; i += 7) {
    const Arch a = *sp.at(i);
    int owners = 0;
    for (const auto& s : splits) owners += s.matches(a) ? 1 : 0;
    EXPECT_EQ(owners, 1) << sp.to_string(a);
  }
  EXPECT_EQ(space::parse_split(sp, "0=1,5=0", "x").to_string(), "0=1,5=0");
  EXPECT_TRUE(space::parse_split(sp, "", "x").fixed.empty());
  for (const char* bad : {"6", "0,0", "3,1", "a", ""}) {
    try {
      space::parse_split_on(sp, bad);
      ADD_FAILURE() << bad;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--split-on '"), std::string::npos) << e.what();
    }
  }
  for (const char* bad : {"0=5", "6=0", "1=0,0=1", "0"}) {
    EXPECT_THROW(space::parse_split(sp, bad, "x"), InputError) << bad;
  }
}

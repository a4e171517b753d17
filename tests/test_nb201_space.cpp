// NAS-Bench-201 space against the real benchmark table (data/nb201/nats_bench.csv.gz,
// all 15,625 cells in the official index order, from NATS-Bench).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/core/text_reader.h"
#include "wsnas/space/nb201.h"

using namespace wsnas;
using space::Arch;
using space::Nb201Space;

namespace {

struct Row {
  double cifar10;
  std::string arch, unique;
};

const std::vector<Row>& table() {
  static const std::vector<Row> rows = [] {
    std::vector<Row> out;
    TextReader in(test::data_file("nb201/nats_bench.csv.gz"));
    EXPECT_TRUE(in) << "missing data/nb201/nats_bench.csv.gz";
    std::string line;
    in.getline(line);  // header
    while (in.getline(line)) {
      auto f = split(trim(line), ',');
      EXPECT_EQ(f.size(), 5u) << line;
      double c10 = 0;
      EXPECT_TRUE(parse_double(f[0], c10));
      out.push_back({c10, f[3], f[4]});
    }
    return out;
  }();
  return rows;
}

}  // namespace

TEST(Nb201Space, OfficialIndexOrderForAllCells) {
  Nb201Space sp;
  ASSERT_EQ(table().size(), 15625u);
  for (std::int64_t i = 0; i < 15625; ++i) {
    const auto& row = table()[static_cast<std::size_t>(i)];
    Arch a = *sp.at(i);
    ASSERT_EQ(sp.to_string(a), row.arch) << "index " << i;
    ASSERT_EQ(*sp.index_of(sp.parse(row.arch)), i);
  }
}

TEST(Nb201Space, OfficialAssertionsOfTheBenchmarkScript) {
  // NAS-Bench-201 exps/NAS-Bench-201/main.py asserts these entries after its seeded shuffle.
  Nb201Space sp;
  EXPECT_EQ(sp.to_string(*sp.at(0)),
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_"
            "connect~2|");
  EXPECT_EQ(sp.to_string(*sp.at(9)),
            "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
  EXPECT_EQ(
      sp.to_string(*sp.at(123)),
      "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|");
}

TEST(Nb201Space, ValidityMatchesBenchmark) {
  // data/README.md: 341 cells have no input-output path; they are exactly the rows with
  // CIFAR-10 accuracy 10.0 (chance). Paper Table 1: 15,284 valid.
  Nb201Space sp;
  int invalid = 0;
  for (std::size_t i = 0; i < table().size(); ++i) {
    bool valid = sp.is_valid(*sp.at(static_cast<std::int64_t>(i)));
    EXPECT_EQ(valid, table()[i].cifar10 != 10.0) << "index " << i;
    invalid += valid ? 0 : 1;
  }
  EXPECT_EQ(invalid, 341);
  EXPECT_EQ(15625 - invalid, 15284);
}

TEST(Nb201Space, CanonicalFormAgreesWithUniqueStringOnAllCells) {
  Nb201Space sp;
  std::map<std::string, std::set<std::string>> ours_to_theirs, theirs_to_ours;
  for (std::size_t i = 0; i < table().size(); ++i) {
    const auto& row = table()[i];
    std::string c = sp.canonical(sp.parse(row.arch));
    ours_to_theirs[c].insert(row.unique);
    theirs_to_ours[row.unique].insert(c);
    EXPECT_EQ(c, row.unique) << row.arch;
  }
  // Same class exactly when same canonical form: a bijection between the two partitions.
  EXPECT_EQ(ours_to_theirs.size(), 6466u);  // README: 6,466 distinct values
  EXPECT_EQ(theirs_to_ours.size(), 6466u);
  for (const auto& [k, v] : ours_to_theirs) EXPECT_EQ(v.size(), 1u) << k;
}

TEST(Nb201Space, ParsePrintRoundTrip) {
  Nb201Space sp;
  for (std::int64_t r = 0; r < 15625; r += 97) {
    Arch a = Nb201Space::from_product_rank(r);
    EXPECT_EQ(sp.parse(sp.to_string(a)), a);
    EXPECT_EQ(Nb201Space::product_rank(a), r);
  }
}

TEST(Nb201Space, MalformedStringsGetClearErrors) {
  Nb201Space sp;
  auto message = [&](const std::string& s) -> std::string {
    try {
      sp.parse(s);
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(message("|nor_conv_3x3~0|+|none~0|none~1|").find("found 2 node groups"),
            std::string::npos);
  EXPECT_NE(
      message("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|").find("unknown operator 'conv'"),
      std::string::npos);
  EXPECT_NE(message("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|").find("expected 0"),
            std::string::npos);
  EXPECT_NE(
      message("|none~0|+|none~0|+|none~0|none~1|none~2|").find("node 2 has 1 inputs, expected 2"),
      std::string::npos);
  EXPECT_NE(
      message("none~0|+|none~0|none~1|+|none~0|none~1|none~2|").find("must start and end with '|'"),
      std::string::npos);
  EXPECT_NE(message("|none|+|none~0|none~1|+|none~0|none~1|none~2|").find("lacks '~input'"),
            std::string::npos);
  // Every message quotes the string and says the expected form.
  EXPECT_NE(message("garbage").find("nb201 architecture 'garbage'"), std::string::npos);
  EXPECT_NE(message("garbage").find("format: |op~0|+|op~0|op~1|+"), std::string::npos);
  EXPECT_THROW(sp.at(15625), InputError);
  EXPECT_THROW(sp.at(-1), InputError);
}

TEST(Nb201Space, ParamsAndFlopsMatchOfficialValues) {
  // NAS-Bench-201 CIFAR-100 network, C=16, N=5 (values from the benchmark's API, cited in the
  // issue):
  Nb201Space sp;
  auto all = [&](const char* op) {
    std::string o(op);
    return sp.parse("|" + o + "~0|+|" + o + "~0|" + o + "~1|+|" + o + "~0|" + o + "~1|" + o +
                    "~2|");
  };
  auto conv = Nb201Space::cost_of(all("nor_conv_3x3"));
  EXPECT_EQ(conv.params, 1537396);  // 1.537396 M
  EXPECT_NEAR(conv.flops_m(), 220.12554, 5e-6);
  auto skip = Nb201Space::cost_of(all("skip_connect"));
  EXPECT_EQ(skip.params, 79156);  // 0.079156 M
  EXPECT_NEAR(skip.flops_m(), 7.78890, 5e-6);
  auto i9930 = Nb201Space::cost_of(*sp.at(9930));
  EXPECT_EQ(i9930.params, 1294356);  // 1.294356 M
  EXPECT_NEAR(i9930.flops_m(), 184.73610, 5e-6);
  // Through the generic interface, with another head and input size.
  space::CostOptions o;
  o.classes = 10;
  auto c10 = sp.cost(*sp.at(9930), o);
  ASSERT_TRUE(c10.has_value());
  EXPECT_EQ(c10->params, 1294356 - 90 * 64 - 90);  // 90 fewer classes in the 64-wide linear head
}

TEST(Nb201Space, WorkIsClaimedLargestNetworkFirst) {
  // space::longest_first orders by the FLOPs above: all 3x3 220.1 M > cell 9930 184.7 M > all skip
  // 7.8 M = all `none` (neither costs a FLOP in the cells: the stem, reduction blocks and head), a
  // tie, kept in the given order.
  Nb201Space sp;
  auto all = [&](const std::string& o) {
    return sp.parse("|" + o + "~0|+|" + o + "~0|" + o + "~1|+|" + o + "~0|" + o + "~1|" + o +
                    "~2|");
  };
  const std::vector<Arch> archs{all("skip_connect"), all("none"), *sp.at(9930), all("nor_conv_3x3"),
                                all("skip_connect")};
  EXPECT_EQ(space::longest_first(sp, archs), (std::vector<std::size_t>{3, 2, 0, 1, 4}));
  EXPECT_TRUE(space::longest_first(sp, {}).empty());
}

TEST(Nb201Space, SamplingIsUniformDeterministicAndRespectsSubsets) {
  Nb201Space sp;
  Rng r1(3), r2(3);
  auto a = space::sample_architectures(sp, 200, r1, true, false);
  auto b = space::sample_architectures(sp, 200, r2, true, false);
  EXPECT_EQ(a, b);
  std::set<Arch> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 200u);
  for (const auto& x : a) EXPECT_TRUE(sp.is_valid(x));
  // From a subset: only its members, all of them when n equals its size.
  std::vector<Arch> pool{*sp.at(1), *sp.at(2), *sp.at(3)};
  Rng r3(1);
  auto c = space::sample_architectures(sp, 3, r3, false, false, &pool);
  EXPECT_EQ(std::set<Arch>(c.begin(), c.end()), std::set<Arch>(pool.begin(), pool.end()));
  EXPECT_THROW(space::sample_architectures(sp, 4, r3, false, false, &pool), InputError);
  // Uniform per edge: each operator about 1/5 of 20,000 draws on edge 0 (4,000 +- 4.5 sigma).
  Rng r4(11);
  std::vector<int> counts(5, 0);
  for (int i = 0; i < 20000; ++i)
    ++counts[static_cast<std::size_t>(sp.sample(r4, false).choices[0])];
  for (int c : counts) EXPECT_NEAR(c, 4000, 255);
}

TEST(Nb201Space, DecisionsDescribeEdges) {
  Nb201Space sp;
  ASSERT_EQ(sp.decisions().size(), 6u);
  auto d = sp.describe(*sp.at(0));
  EXPECT_EQ(d[0].first, "edge 1<-0");
  EXPECT_EQ(d[0].second, "avg_pool_3x3");
  EXPECT_EQ(d[5].first, "edge 3<-2");
  EXPECT_EQ(d[5].second, "skip_connect");
}

TEST(Nb201Space, ReadsArchitectureListsAndTables) {
  Nb201Space sp;
  std::string dir = test::scratch_dir("archlist");
  {
    std::ofstream f(dir + "/list.txt");
    f << "# a comment\n" << sp.to_string(*sp.at(5)) << "\n\n42\n";
  }
  auto v = space::read_arch_list(sp, dir + "/list.txt");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(*sp.index_of(v[0]), 5);
  EXPECT_EQ(*sp.index_of(v[1]), 42);
  {
    std::ofstream f(dir + "/bad.txt");
    f << sp.to_string(*sp.at(5)) << "\n|bad~0|\n";
  }
  try {
    space::read_arch_list(sp, dir + "/bad.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt' line 2"), std::string::npos) << e.what();
  }
}

TEST(Nb201Space, ReadsGzipCompressedLists) {
  // The shipped tables are gzip-compressed (data/README.md); a list reads the same either way.
  space::Nb201Space sp;
  const std::string dir = test::scratch_dir("gz_list");
  {
    std::ofstream f(dir + "/list.txt");
    f << "index\n7\n" << 15624 << "\n";
  }
  ASSERT_EQ(test::run("gzip -k '" + dir + "/list.txt'").exit_code, 0);
  const auto plain = space::read_arch_list(sp, dir + "/list.txt");
  const auto gz = space::read_arch_list(sp, dir + "/list.txt.gz");
  ASSERT_EQ(gz.size(), 2u);
  EXPECT_EQ(gz, plain);
  EXPECT_EQ(*sp.index_of(gz[1]), 15624);
}

TEST(Nb201SpaceReference, ReadsTheFewShotTableByItsArchColumn) {
  // Zhao et al.'s published table (not redistributable: data/README.md), read by its `arch`
  // column: one architecture per NAS-Bench-201 cell.
  WSNAS_REFERENCE_FILE(few_csv, "nb201/fewshot_nas_cifar10.csv");
  space::Nb201Space sp;
  const auto few = space::read_arch_list(sp, few_csv);
  EXPECT_EQ(few.size(), 15625u);
}

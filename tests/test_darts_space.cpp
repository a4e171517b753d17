// The DARTS-CIFAR10 space (paper Appendix A.1, Table 1; the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 space/darts/mutator.py:76-109) against the paper's
// own published ground truth (data/supernet-help/darts_cifar10.csv: 377 architectures
// with their stand-alone parameter counts) and the DARTS paper's DARTS_V2 cell.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/darts.h"

using namespace wsnas;
using space::Arch;
using space::DartsSpace;

namespace {

struct Row {
  std::string genotype, json;
  std::int64_t params = 0;
};

std::vector<Row> published() {
  std::ifstream in(test::data_file("supernet-help/darts_cifar10.csv"));
  EXPECT_TRUE(in) << "missing data/supernet-help/darts_cifar10.csv";
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(trim(line), "arch_id,genotype,accuracy,accuracy_seed43,flops,params,architecture_json");
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const auto f = split_csv(trim(line), ',');
    EXPECT_EQ(f.size(), 7u) << line;
    Row r{f[1], f[6], 0};
    EXPECT_TRUE(parse_int(f[5], r.params)) << f[5];
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST(DartsSpace, CountsOfPaperTable1) {
  // (2*6*12*20 * 7^8)^2: per node n, n(n-1) ordered pairs of distinct inputs and 7^2 operators,
  // both cells (anonymous-2102 space/darts/mutator.py:99-109; paper Table 1 "2.8e20" for
  // DARTS-CIFAR10).
  DartsSpace sp;
  EXPECT_EQ(*sp.valid_count(), "275647219316498534400");
  EXPECT_FALSE(sp.size().has_value());  // 14400^2 * 7^16 ~ 6.9e21 with same-input pairs: > 2^64
  EXPECT_EQ(sp.decisions().size(), 32u);
}

TEST(DartsSpace, AllPublishedArchitecturesParseAndHaveTheirParameters) {
  // The paper's 377 stand-alone architectures: the Genotype and the JSON column name the same
  // architecture, both round-trip, and the DARTS evaluation network (C=36, 20 cells, auxiliary
  // head excluded) has exactly the published `params` (anonymous-2102
  // benchmarks/darts-cifar10.csv).
  DartsSpace sp;
  const auto rows = published();
  ASSERT_EQ(rows.size(), 377u);
  std::set<std::string> strings;
  for (const auto& r : rows) {
    const Arch a = sp.parse(r.genotype);
    ASSERT_EQ(sp.parse(r.json), a) << r.genotype;
    EXPECT_TRUE(sp.is_valid(a)) << r.genotype;
    EXPECT_EQ(sp.to_string(a), r.genotype);
    EXPECT_EQ(nlohmann::json::parse(sp.to_json(a)), nlohmann::json::parse(r.json));
    EXPECT_EQ(sp.cost(a, {})->params, r.params) << r.genotype;
    strings.insert(sp.to_string(a));
  }
  EXPECT_EQ(strings.size(), 377u);  // no duplicates (nor in the released darts-cifar10.csv)
  // The first row (anonymous-2102 benchmarks/darts-cifar10.csv:2): 2,707,174 parameters.
  EXPECT_EQ(rows.front().params, 2707174);
}

TEST(DartsSpace, DartsV2HasTheDartsPapersParameters) {
  // 3,349,342 parameters without the auxiliary head: DARTS' "3.3M" (Liu et al. 2019, Table 1).
  DartsSpace sp;
  const Arch a = sp.parse(test::kDartsV2);
  EXPECT_EQ(sp.cost(a, {})->params, 3349342);
  EXPECT_EQ(sp.to_string(a), test::kDartsV2);
  // Swapping the two slots of a node is the same stand-alone network: the same canonical string
  // and parameters, another architecture (the supernet's weights differ by slot).
  Arch swapped = a;
  std::swap(swapped.choices[DartsSpace::decision_index(0, 5, 0, true)],
            swapped.choices[DartsSpace::decision_index(0, 5, 1, true)]);
  std::swap(swapped.choices[DartsSpace::decision_index(0, 5, 0, false)],
            swapped.choices[DartsSpace::decision_index(0, 5, 1, false)]);
  EXPECT_NE(swapped, a);
  EXPECT_EQ(sp.canonical(swapped), sp.canonical(a));
  EXPECT_EQ(sp.cost(swapped, {})->params, 3349342);
}

TEST(DartsSpace, SamplingIsUniformOverValidOrderedPairs) {
  // The released mutator draws each node's (op0, in0, op1, in1) uniformly among the tuples with
  // in0 != in1: for node 5, each of the 20 ordered input pairs with probability 1/20.
  DartsSpace sp;
  Rng rng(9);
  std::map<std::pair<int, int>, int> pairs;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const Arch a = sp.sample(rng, true);
    ASSERT_TRUE(sp.is_valid(a));
    ++pairs[{a.choices[DartsSpace::decision_index(1, 5, 0, false)],
             a.choices[DartsSpace::decision_index(1, 5, 1, false)]}];
  }
  ASSERT_EQ(pairs.size(), 20u);
  double chi = 0;
  for (const auto& [p, c] : pairs) chi += (c - n / 20.0) * (c - n / 20.0) / (n / 20.0);
  EXPECT_LT(chi, 19 + 5 * std::sqrt(38.0));  // 19 degrees of freedom, mean + 5 sd
}

TEST(DartsSpace, BadGenotypesSayWhatWasExpected) {
  DartsSpace sp;
  std::string v2 = test::kDartsV2;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Genotype(normal=[])", "expected '('"},
      {std::string(v2).replace(v2.find("sep_conv_3x3"), 12, "conv_7x7"), "unknown operator"},
      {std::string(v2).replace(v2.find("('sep_conv_3x3', 0)"), 19, "('sep_conv_3x3', 2)"),
       "normal node 2 slot 0 has input 2, expected 0..1"},
      {std::string(v2).replace(v2.find("normal_concat=[2, 3, 4, 5]"), 26, "normal_concat=[2, 5]"),
       "normal_concat must be [2, 3, 4, 5]"},
      {"{\"normal/2/0/input\": 0}", "a JSON object of 1 keys, expected 32"},
  };
  for (const auto& [text, want] : cases) {
    const auto err = test::input_error_of([&] { sp.parse(text); });
    EXPECT_NE(err.find(want), std::string::npos) << text << "\n" << err;
    EXPECT_NE(err.find("darts architecture '"), std::string::npos) << err;
  }
  test::expect_strict_json_architecture(sp.to_json(sp.parse(v2)),
                                        [&](const std::string& t) { sp.parse(t); });
  // The same input in both slots parses (the space holds it) but is not valid.
  std::string same = v2;
  same.replace(same.find("('sep_conv_3x3', 1)"), 19, "('sep_conv_3x3', 0)");
  EXPECT_FALSE(sp.is_valid(sp.parse(same)));
}

// The DARTS-PTB recurrent cell space (paper Appendix A.1, Table 1; the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 space/ptb/network.py:26-32) against
// the paper's own published ground truth (data/supernet-help/darts_ptb.csv: 137
// architectures as DARTS Genotypes and as the released code's JSON).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/darts_ptb.h"

using namespace wsnas;
using space::Arch;
using space::DartsPtbSpace;

TEST(DartsPtbSpace, CountsOfPaperTable1) {
  // 4 activations per node and node i's i + 1 predecessors: 4^8 x 8! (paper Table 1, 2.6e9).
  DartsPtbSpace sp;
  ASSERT_EQ(sp.decisions().size(), 16u);
  EXPECT_EQ(sp.size().value(), 2642411520ULL);
  EXPECT_EQ(*sp.valid_count(), "2642411520");
  EXPECT_EQ(sp.decisions()[0].name, "node 0 activation");
  EXPECT_EQ(sp.decisions()[15].options.size(), 8u);  // node 7 takes s0 or nodes 0..6
}

TEST(DartsPtbSpace, AllPublishedArchitecturesParseInBothForms) {
  DartsPtbSpace sp;
  std::ifstream in(test::data_file("supernet-help/darts_ptb.csv"));
  ASSERT_TRUE(in) << "missing data/supernet-help/darts_ptb.csv";
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(
      trim(line),
      "arch_id,genotype,valid_ppl,test_ppl,valid_ppl_seed43,test_ppl_seed43,architecture_json");
  std::set<std::string> seen;
  int rows = 0;
  while (std::getline(in, line)) {
    const auto f = split_csv(trim(line), ',');
    ASSERT_EQ(f.size(), 7u) << line;
    const Arch a = sp.parse(f[1]);
    ASSERT_EQ(sp.parse(f[6]), a) << f[1];
    EXPECT_EQ(sp.to_string(a), f[1]);
    EXPECT_EQ(nlohmann::json::parse(sp.to_json(a)), nlohmann::json::parse(f[6]));
    seen.insert(sp.to_string(a));
    ++rows;
  }
  EXPECT_EQ(rows, 137);
  EXPECT_EQ(seen.size(), 137u);
  // DARTS' own cell (Liu et al. 2019, genotypes.py DARTS_V2) in its range() form.
  const Arch v2 = sp.parse(
      "Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), ('identity', 1), "
      "('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))");
  EXPECT_EQ(v2.choices[DartsPtbSpace::decision_index(7, true)], 5);
  EXPECT_EQ(v2.choices[DartsPtbSpace::decision_index(3, false)], 3);  // identity
}

TEST(DartsPtbSpace, BadArchitecturesSayWhatWasExpected) {
  DartsPtbSpace sp;
  auto msg = test::input_error_of([&] {
    sp.parse(
        "Genotype(recurrent=[('tanh', 1), ('relu', 1), ('relu', 1), ('identity', 1), "
        "('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))");
  });
  EXPECT_NE(msg.find("node 0 has input 1, expected 0..0"), std::string::npos) << msg;
  msg = test::input_error_of([&] {
    sp.parse(
        "Genotype(recurrent=[('gelu', 0), ('relu', 1), ('relu', 1), ('identity', 1), "
        "('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))");
  });
  EXPECT_NE(msg.find("unknown activation 'gelu'"), std::string::npos) << msg;
  msg = test::input_error_of([&] { sp.parse("{\"act/0\": 1}"); });
  EXPECT_NE(msg.find("1 keys, expected 16"), std::string::npos) << msg;
  {
    Rng rng(3);
    test::expect_strict_json_architecture(sp.to_json(sp.sample(rng, true)),
                                          [&](const std::string& t) { sp.parse(t); });
  }
  msg = test::input_error_of([&] { sp.parse("Genotype(normal=[])"); });
  EXPECT_NE(msg.find("expected 'Genotype(recurrent=['"), std::string::npos) << msg;
}

TEST(DartsPtbSpace, UniformSampling) {
  // Every decision independent and uniform (anonymous-2102 space/ptb/mutator.py:77-78):
  // chi-square per decision.
  DartsPtbSpace sp;
  Rng rng(9);
  const int n = 16000;
  std::vector<std::vector<int>> counts(16, std::vector<int>(8, 0));
  for (int i = 0; i < n; ++i) {
    const Arch a = sp.sample(rng, true);
    for (std::size_t d = 0; d < 16; ++d) ++counts[d][static_cast<std::size_t>(a.choices[d])];
  }
  for (std::size_t d = 0; d < 16; ++d) {
    const auto k = sp.decisions()[d].options.size();
    const double expected = static_cast<double>(n) / static_cast<double>(k);
    double chi2 = 0;
    for (std::size_t o = 0; o < k; ++o) chi2 += std::pow(counts[d][o] - expected, 2) / expected;
    EXPECT_LT(chi2, 24.3) << sp.decisions()[d].name;  // df <= 7: p < 0.001
  }
}

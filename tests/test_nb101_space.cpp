// The NAS-Bench-101 sub-space (paper Appendix A.1, Table 1; the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 tools/generate_nb101_splits.py:23-40,80) against
// published values and against tests/reference/nb101_reference.py, an independent Python
// reading of the released code (itertools enumeration, hashlib MD5, NAS-Bench-101's model
// builder for parameters).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/nb101.h"

using namespace wsnas;
using space::Arch;
using space::Nb101Space;

namespace {

// The google-research/nasbench README's example cell (Inception-like: 5x5 conv replaced by two
// 3x3), in the benchmark's own (matrix, ops) form.
const char* kInceptionCell =
    "([[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], "
    "[0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], "
    "[0, 0, 0, 0, 0, 0, 0]], ['input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', "
    "'conv3x3-bn-relu', 'conv3x3-bn-relu', 'maxpool3x3', 'output'])";

}  // namespace

TEST(Nb101Space, HashOfTheSpecTestVector) {
  // NAS-Bench-101's hash_module (anonymous-2102 space/nb101/graph_util.py:69-98) of this cell,
  // all operators conv3x3.
  auto cell = space::parse_nb101_cell(
      "0111100.0000100.0000010.0000010.0000001.0000001.0000000|conv3x3-bn-relu+conv3x3-bn-relu+"
      "conv3x3-bn-relu+conv3x3-bn-relu+conv3x3-bn-relu");
  EXPECT_EQ(space::nb101_hash(cell), "8918185c0c6678da3c1fb08ce64dd71c");
  // It is the first cell of the released code's enumeration.
  Nb101Space sp;
  EXPECT_EQ(sp.canonical(*sp.at(0)), "8918185c0c6678da3c1fb08ce64dd71c");
}

TEST(Nb101Space, CountsOfPaperTable1) {
  // 395 adjacency matrices x 243 = 95,985 cells, 42,228 distinct hashes (paper Table 1,
  // Appendix A.1).
  Nb101Space sp;
  ASSERT_EQ(*sp.size(), 95985u);
  std::set<std::string> hashes;
  std::set<std::int64_t> adjacencies;
  for (std::int64_t i = 0; i < 95985; ++i) {
    const Arch a = *sp.at(i);
    ASSERT_TRUE(sp.is_valid(a)) << i;
    ASSERT_EQ(*sp.index_of(a), i);
    hashes.insert(sp.canonical(a));
    adjacencies.insert(i / 243);
  }
  EXPECT_EQ(hashes.size(), 42228u);
  EXPECT_EQ(adjacencies.size(), 395u);
  EXPECT_EQ(sp.extra_counts().at(0).second, 395u);
}

TEST(Nb101Space, EnumerationOrderHashesAndParamsOfTheReference) {
  // Rows printed by `tests/reference/nb101_reference.py rows 0 1 2 243 50000 95984`
  // (index, our cell string, hash, NAS-Bench-101 trainable parameters at stem 128, 3x3, 10
  // classes).
  struct Row {
    std::int64_t index;
    std::string cell, hash;
    std::int64_t params;
  };
  const std::string c3 = "conv3x3-bn-relu", c1 = "conv1x1-bn-relu", mp = "maxpool3x3";
  const std::vector<Row> rows = {
      {0,
       "0111100.0000100.0000010.0000010.0000001.0000001.0000000|" + c3 + "+" + c3 + "+" + c3 + "+" +
           c3 + "+" + c3,
       "8918185c0c6678da3c1fb08ce64dd71c", 13381898},
      {1,
       "0111100.0000100.0000010.0000010.0000001.0000001.0000000|" + c3 + "+" + c3 + "+" + c3 + "+" +
           c3 + "+" + c1,
       "ed69fc43a0b99f8af6c047a799f07f36", 11317514},
      {2,
       "0111100.0000100.0000010.0000010.0000001.0000001.0000000|" + c3 + "+" + c3 + "+" + c3 + "+" +
           c3 + "+" + mp,
       "95cb523e50d66b49f03ef91ff5d51aa6", 11056778},
      {243,
       "0111100.0000100.0000010.0000001.0000010.0000001.0000000|" + c3 + "+" + c3 + "+" + c3 + "+" +
           c3 + "+" + c3,
       "8ddbda25d470da4535f84a87bf3f74a6", 13381898},
      {50000,
       "0101000.0010110.0000001.0000100.0000010.0000001.0000000|" + mp + "+" + c3 + "+" + mp + "+" +
           c1 + "+" + mp,
       "00019e2cbab0bc93ca1a7816a099b2bd", 3468426},
      {95984,
       "0100000.0010000.0001100.0000110.0000011.0000001.0000000|" + mp + "+" + mp + "+" + mp + "+" +
           mp + "+" + mp,
       "37977ef88cc6a0c54f6059bfb3782198", 445706},
  };
  Nb101Space sp;
  for (const auto& r : rows) {
    const Arch a = *sp.at(r.index);
    EXPECT_EQ(sp.to_string(a), r.cell) << r.index;
    EXPECT_EQ(sp.canonical(a), r.hash) << r.index;
    EXPECT_EQ(sp.cost(a, {})->params, r.params) << r.index;
    EXPECT_EQ(*sp.index_of(sp.parse(r.cell)), r.index);
  }
}

TEST(Nb101Space, AgreesWithThePythonReferenceOnRandomCells) {
  // Runs the independent reference live on 25 random indices (Debian's /usr/bin/python3).
  if (!test::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  Nb101Space sp;
  Rng rng(11);
  std::string indices;
  std::map<std::int64_t, Arch> wanted;
  for (int i = 0; i < 25; ++i) {
    const auto idx = static_cast<std::int64_t>(rng.below(95985));
    wanted[idx] = *sp.at(idx);
    indices += " " + std::to_string(idx);
  }
  auto r = test::run("/usr/bin/python3 " + test::source_dir() +
                     "/tests/reference/nb101_reference.py rows" + indices);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    ASSERT_EQ(f.size(), 5u) << line;
    std::int64_t idx = 0, params = 0;
    ASSERT_TRUE(parse_int(f[0], idx) && parse_int(f[4], params));
    const Arch& a = wanted.at(idx);
    EXPECT_EQ(sp.to_string(a), f[1] + "|" + f[2]) << idx;
    EXPECT_EQ(sp.canonical(a), f[3]) << idx;
    EXPECT_EQ(sp.cost(a, {})->params, params) << idx;
    ++n;
  }
  EXPECT_EQ(n, wanted.size());
}

TEST(Nb101Space, ParamsOfTheNasbenchReadmeCell) {
  // NAS-Bench-101 returns trainable_parameters = 2,694,282 for the README's Inception-like cell
  // (google-research/nasbench README "Using the dataset"; the value nasbench.query() prints for
  // it, e.g. quoted in public DEAP examples over the benchmark). It is not in the sub-space
  // (vertex 3 has one parent but the output has four), so only the general cell counts it.
  const auto cell = space::parse_nb101_cell(kInceptionCell);
  EXPECT_EQ(space::nb101_cost(cell).params, 2694282);
  const auto again = space::parse_nb101_cell(space::nb101_cell_string(cell));
  EXPECT_EQ(again.matrix, cell.matrix);
  EXPECT_EQ(again.ops, cell.ops);
  Nb101Space sp;
  const auto err = test::input_error_of([&] { sp.parse(kInceptionCell); });
  EXPECT_NE(err.find("vertex 4 has 1 parents"), std::string::npos) << err;
  // Channels: the output's 128 channels over its 4 fan-in vertices; vertex 3 takes vertex 4's.
  const auto vc = space::nb101_vertex_channels(128, 128, cell.matrix);
  EXPECT_EQ(vc, (std::vector<int>{128, 32, 32, 32, 32, 32, 128}));
  // A remainder goes to the first vertices feeding the output (model_builder's correction).
  EXPECT_EQ(space::nb101_vertex_channels(128, 130, cell.matrix),
            (std::vector<int>{128, 33, 33, 32, 32, 32, 130}));
}

TEST(Nb101Space, StringsRoundTripForEveryCell) {
  Nb101Space sp;
  for (std::int64_t i = 0; i < 95985; i += 7) {
    const Arch a = *sp.at(i);
    const std::string s = sp.to_string(a);
    ASSERT_EQ(sp.parse(s), a) << s;
  }
  // The benchmark's (matrix, ops) form and short operator names parse to the same cell.
  const Arch a = *sp.at(12345);
  const auto cell = Nb101Space::cell_of(a);
  std::string py = "([";
  for (std::size_t u = 0; u < 7; ++u) {
    py += u ? ", [" : "[";
    for (std::size_t v = 0; v < 7; ++v) py += (v ? ", " : "") + std::to_string(cell.matrix[u][v]);
    py += "]";
  }
  py += "], [";
  for (std::size_t v = 0; v < 7; ++v) py += (v ? ", '" : "'") + cell.ops[v] + "'";
  py += "])";
  EXPECT_EQ(sp.parse(py), a) << py;
  std::string short_form = sp.to_string(a);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"conv3x3-bn-relu", "conv3x3"}, {"conv1x1-bn-relu", "conv1x1"}}) {
    for (auto p = short_form.find(from); p != std::string::npos; p = short_form.find(from))
      short_form.replace(p, from.size(), to);
  }
  EXPECT_EQ(sp.parse(short_form), a) << short_form;
}

TEST(Nb101Space, InvalidCellsAndPruning) {
  Nb101Space sp;
  // Vertex 5 without a successor: the shape fits (parents 1,1,1,2,2,2) but it is a loose end.
  const Arch loose = sp.parse(
      "0111000.0000110.0000101.0000010.0000001.0000000.0000000|conv3x3+conv3x3+conv3x3+conv3x3+"
      "conv3x3");
  EXPECT_FALSE(sp.is_valid(loose));
  EXPECT_FALSE(sp.index_of(loose).has_value());
  // NAS-Bench-101 prunes the loose vertex before hashing: the hash is the pruned cell's.
  auto pruned = Nb101Space::cell_of(loose);
  ASSERT_TRUE(space::prune_nb101_cell(pruned));
  EXPECT_EQ(pruned.vertices(), 5u);  // vertex 5, then vertex 3 (whose only successor was 5)
  EXPECT_EQ(sp.canonical(loose), space::nb101_hash(pruned));
  // An input -> output edge is outside the sub-space (ban_i2o), though the shape fits.
  const Arch i2o = sp.parse(
      "0111001.0000100.0000100.0000010.0000010.0000001.0000000|conv3x3+conv3x3+conv3x3+conv3x3+"
      "conv3x3");
  EXPECT_FALSE(sp.is_valid(i2o));
  EXPECT_FALSE(sp.index_of(i2o).has_value());
  // Malformed strings: one message naming the cell and the expected form.
  for (const std::string& text :
       {std::string("0111100"), std::string("01.00|conv3x3+conv3x3"),
        std::string("0111100.0000100.0000010.0000010.0000001.0000001.0000000|conv5x5+conv3x3+"
                    "conv3x3+conv3x3+conv3x3"),
        std::string("0111100.1000100.0000010.0000010.0000001.0000001.0000000|conv3x3+conv3x3+"
                    "conv3x3+conv3x3+conv3x3"),
        std::string("([[0, 1], [0, 0]], ['input', 'output'"),
        std::string("([[0, 2], [0, 0]], "
                    "['input', 'output'])")}) {
    const auto err = test::input_error_of([&] { sp.parse(text); });
    EXPECT_NE(err.find("nb101"), std::string::npos) << text;
    EXPECT_NE(err.find("expected"), std::string::npos) << err;
  }
  EXPECT_NE(test::input_error_of([&] { sp.at(95985); }).find("out of range (expected 0..95984)"),
            std::string::npos);
}

TEST(Nb101Space, SamplingIsUniformOverTheCells) {
  // The released code draws an index into the list of 95,985 cells: each of the 395 adjacency
  // matrices then has probability 1/395 (an independent draw per vertex, filtered for validity,
  // would give the same; drawing parents per vertex without the list would not). Chi-square over
  // the 395 adjacencies and over the first vertex's operator.
  Nb101Space sp;
  Rng rng(3);
  const int n = 395 * 200;
  std::vector<int> adj(395, 0), op1(3, 0);
  for (int i = 0; i < n; ++i) {
    const Arch a = sp.sample(rng, true);
    const auto idx = *sp.index_of(a);
    ++adj[static_cast<std::size_t>(idx / 243)];
    ++op1[static_cast<std::size_t>(a.choices[6])];
  }
  double chi = 0;
  for (int c : adj) chi += (c - 200.0) * (c - 200.0) / 200.0;
  // 394 degrees of freedom: mean 394, sd 28; 394 + 5 sd = 534.
  EXPECT_LT(chi, 534.0);
  for (int c : op1) EXPECT_NEAR(c, n / 3.0, 5 * std::sqrt(n * 2.0 / 9.0));
}

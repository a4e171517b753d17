// The ProxylessNAS space (paper Appendix A.1, Table 1; the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 space/proxyless/, utils.py:110-199) against
// the paper's own published ground truth (data/supernet-help/proxylessnas_imagenet.csv:
// 36 architectures with their parameters and multiply-adds) and the released ProxylessNAS
// network configs (data/proxylessnas/*.config; proxyless_gpu's training log: 7.12M
// parameters, 465.3M multiply-adds).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/proxyless.h"

using namespace wsnas;
using space::Arch;
using space::ProxylessSpace;

namespace {

struct Row {
  std::string ops, json;
  std::int64_t flops = 0, params = 0;
};

std::vector<Row> published() {
  std::ifstream in(test::data_file("supernet-help/proxylessnas_imagenet.csv"));
  EXPECT_TRUE(in) << "missing data/supernet-help/proxylessnas_imagenet.csv";
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(trim(line), "arch_id,ops_21_blocks,top1,top5,flops,params,architecture_json");
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const auto f = split_csv(trim(line), ',');
    EXPECT_EQ(f.size(), 7u) << line;
    Row r{f[1], f[6], 0, 0};
    EXPECT_TRUE(parse_int(f[4], r.flops) && parse_int(f[5], r.params)) << line;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST(ProxylessSpace, CountsOfPaperTable1) {
  // 6 choices in each stage's first block, 7 (with zero) in the 15 others: 6^6 x 7^15 (paper
  // Table 1 "2.2e17"; anonymous-2102 space/proxyless/mutator.py:17-39).
  ProxylessSpace sp;
  ASSERT_EQ(sp.decisions().size(), 21u);
  int six = 0, seven = 0;
  for (const auto& d : sp.decisions()) (d.options.size() == 6 ? six : seven) += 1;
  EXPECT_EQ(six, 6);
  EXPECT_EQ(seven, 15);
  EXPECT_EQ(sp.size().value(), 221502229807900608ULL);
  EXPECT_EQ(sp.decisions()[0].name, "stage0_cell0");
  EXPECT_EQ(sp.decisions()[20].name, "stage5_cell0");
}

TEST(ProxylessSpace, WidthsOfTheMultiplier) {
  // anonymous-2102 space/proxyless/network.py:110-111,127,149: 40/24/[32,56,112,128,256,432]/1728
  // at 1.35; ProxylessNAS' base widths at 1.0 (feature mix 1280: only multipliers above 1 widen
  // it).
  auto w = space::proxyless_widths(1.35);
  EXPECT_EQ(w.first_conv, 40);
  EXPECT_EQ(w.first_block, 24);
  EXPECT_EQ(w.stages, (std::array<int, 6>{32, 56, 112, 128, 256, 432}));
  EXPECT_EQ(w.feature_mix, 1728);
  w = space::proxyless_widths(1.0);
  EXPECT_EQ(w.first_conv, 32);
  EXPECT_EQ(w.stages, (std::array<int, 6>{24, 40, 80, 96, 192, 320}));
  EXPECT_EQ(w.feature_mix, 1280);
  EXPECT_EQ(space::proxyless_make_divisible(3.0), 8);    // at least 8
  EXPECT_EQ(space::proxyless_make_divisible(20.0), 24);  // int(24) // 8 * 8
  EXPECT_EQ(space::proxyless_make_divisible(19.0), 24);  // 16 < 0.9 x 19: + 8
}

TEST(ProxylessSpace, AllPublishedArchitecturesHaveTheirParametersAndFlops) {
  // The 36 published architectures: both columns name the same architecture and round-trip;
  // parameters exact; multiply-adds within 0.01% (the published ones were summed in float32:
  // within +-32 of the exact integer, anonymous-2102 utils.py:116,187).
  ProxylessSpace sp;
  const auto rows = published();
  ASSERT_EQ(rows.size(), 36u);
  for (const auto& r : rows) {
    const Arch a = sp.parse(r.ops);
    ASSERT_EQ(sp.parse(r.json), a) << r.ops;
    EXPECT_EQ(sp.to_string(a), r.ops);
    EXPECT_EQ(sp.parse(sp.to_json(a)), a);
    const auto c = sp.cost(a, {}).value();
    EXPECT_EQ(c.params, r.params) << r.ops;
    EXPECT_LE(std::llabs(c.flops - r.flops), 32) << r.ops;
    EXPECT_LT(std::fabs(static_cast<double>(c.flops - r.flops)) / r.flops, 1e-4);
  }
  // First row: exact integer 586,929,120 vs published 586,929,152 (anonymous-2102
  // benchmarks/proxylessnas.csv:2).
  EXPECT_EQ(sp.cost(sp.parse(rows[0].ops), {})->flops, 586929120);
}

TEST(ProxylessSpace, TheReleasedGpuNetwork) {
  // ProxylessNAS' proxyless_gpu net.config is an architecture of this space (its widths are the
  // 1.35 widths); its published training log: 7.12M parameters, 465.3M multiply-adds.
  ProxylessSpace sp;
  const Arch gpu = sp.parse(test::read_file(test::data_file("proxylessnas/proxyless_gpu.config")));
  const auto c = sp.cost(gpu, {}).value();
  EXPECT_EQ(c.params, 7119848);
  EXPECT_NEAR(static_cast<double>(c.flops) / 1e6, 465.3, 0.05);
  EXPECT_EQ(sp.to_string(gpu).substr(0, 30), "5x5_MBConv3|zero|zero|zero|7x7");
  // The CPU and mobile networks have other widths: refused, naming the block.
  for (const char* other : {"proxyless_cpu.config", "proxyless_mobile.config"}) {
    const auto msg = test::input_error_of(
        [&] { sp.parse(test::read_file(test::data_file(std::string("proxylessnas/") + other))); });
    EXPECT_NE(msg.find("channels"), std::string::npos) << other << ": " << msg;
  }
  // A block's name that is not a string: one line, not the JSON library's type_error (issue 23's
  // fuzzing review).
  std::string config = test::read_file(test::data_file("proxylessnas/proxyless_gpu.config"));
  const auto at = config.find("\"MBInvertedConvLayer\"", config.find("\"blocks\"") + 200);
  ASSERT_NE(at, std::string::npos);
  config.replace(at, 21, "7");
  const auto msg = test::input_error_of([&] { sp.parse(config); });
  EXPECT_NE(msg.find("has a 'name' that is not a string"), std::string::npos) << msg;
}

TEST(ProxylessSpace, BadArchitecturesSayWhatWasExpected) {
  ProxylessSpace sp;
  Rng rng(1);
  const std::string ok = sp.to_string(sp.sample(rng, true));
  auto parts = split(ok, '|');
  parts[4] = "zero";  // stage1_cell0: stride 2, no shortcut
  std::string msg = test::input_error_of([&] { sp.parse(join(parts, "|")); });
  EXPECT_NE(msg.find("stage1_cell0 is a stage's first block"), std::string::npos) << msg;
  parts[4] = "9x9_MBConv3";
  msg = test::input_error_of([&] { sp.parse(join(parts, "|")); });
  EXPECT_NE(msg.find("unknown block choice '9x9_MBConv3'"), std::string::npos) << msg;
  msg = test::input_error_of([&] { sp.parse("3x3_MBConv3|zero"); });
  EXPECT_NE(msg.find("2 blocks, expected 21"), std::string::npos) << msg;
  test::expect_strict_json_architecture(sp.to_json(sp.parse(ok)),
                                        [&](const std::string& t) { sp.parse(t); });
  msg = test::input_error_of([&] { sp.parse("{\"stage0_cell0\": 1}"); });
  EXPECT_NE(msg.find("1 keys, expected 21"), std::string::npos) << msg;
}

TEST(ProxylessSpace, UniformSamplingAndTheFlopsFilter) {
  // Every decision uniform (chi-square, 6 or 7 options, 21,000 draws); under uniform sampling
  // about 20.6% of architectures have at most 600M multiply-adds (a Monte-Carlo over 20k samples;
  // the "about 21%"): the paper's evaluation filter (paper Appendix A.1, ProxylessNAS).
  ProxylessSpace sp;
  Rng rng(3);
  const int n = 21000;
  std::vector<std::vector<int>> counts(21, std::vector<int>(7, 0));
  int under = 0;
  for (int i = 0; i < n; ++i) {
    const Arch a = sp.sample(rng, true);
    for (std::size_t d = 0; d < 21; ++d) ++counts[d][static_cast<std::size_t>(a.choices[d])];
    under += sp.cost(a, {})->flops <= 600000000 ? 1 : 0;
  }
  for (std::size_t d = 0; d < 21; ++d) {
    const auto k = sp.decisions()[d].options.size();
    const double expected = static_cast<double>(n) / static_cast<double>(k);
    double chi2 = 0;
    for (std::size_t o = 0; o < k; ++o) chi2 += std::pow(counts[d][o] - expected, 2) / expected;
    EXPECT_LT(chi2, 22.5) << sp.decisions()[d].name;  // df 5 or 6: p < 0.001
  }
  const double share = static_cast<double>(under) / n;
  EXPECT_NEAR(share, 0.206, 0.015);
}

// Ranking metrics on hand-checked cases with ties, and on a real published supernet table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "test_support.h"
#include "wsnas/analysis/bias.h"
#include "wsnas/analysis/metrics.h"
#include "wsnas/analysis/report.h"
#include "wsnas/analysis/table.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/darts.h"
#include "wsnas/space/nb101.h"
#include "wsnas/space/nb201.h"

using namespace wsnas;
using namespace wsnas::analysis;

TEST(Metrics, AverageRanksShareTies) {
  EXPECT_EQ(average_ranks({10, 20, 20, 5}), (std::vector<double>{2, 3.5, 3.5, 1}));
}

TEST(Metrics, CorrelationsWithTiesMatchScipy) {
  // Reference: scipy.stats 1.10.1 (Debian 12) spearmanr / kendalltau (tau-b) / pearsonr on these
  // lists.
  std::vector<double> x{1, 2, 2, 3, 4, 4, 4, 5}, y{2, 1, 3, 3, 5, 4, 6, 6};
  EXPECT_NEAR(spearman(x, y), 0.9007775105401477, 1e-12);
  EXPECT_NEAR(kendall_tau_b(x, y), 0.8006407690254358, 1e-12);
  EXPECT_NEAR(pearson(x, y), 0.8767227853705732, 1e-12);
  std::vector<double> a{1, 2, 3, 4, 5}, b{5, 6, 7, 8, 7};
  EXPECT_NEAR(spearman(a, b), 0.8207826816681233, 1e-12);
  EXPECT_NEAR(kendall_tau_b(a, b), 0.7378647873726218, 1e-12);
  EXPECT_NEAR(pearson(a, b), 0.8320502943378438, 1e-12);
}

TEST(Metrics, HandCheckedExtremes) {
  std::vector<double> up{1, 2, 3, 4}, down{4, 3, 2, 1};
  EXPECT_DOUBLE_EQ(spearman(up, down), -1.0);
  EXPECT_DOUBLE_EQ(kendall_tau_b(up, up), 1.0);
  // Three concordant pairs, three discordant: tau = 0.
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {2, 4, 1, 3}), 0.0);
  EXPECT_TRUE(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));  // constant input: undefined
  EXPECT_THROW(spearman({1, 2}, {1, 2, 3}), InputError);
}

TEST(Metrics, TopKAndExactRandomTopK) {
  std::vector<double> score{0.9, 0.1, 0.5, 0.9, 0.3}, gt{70, 90, 60, 65, 80};
  EXPECT_DOUBLE_EQ(top_k(score, gt, 1), 70);  // tie at 0.9: the earlier one first
  EXPECT_DOUBLE_EQ(top_k(score, gt, 2), 70);
  EXPECT_DOUBLE_EQ(top_k(score, gt, 4), 80);
  EXPECT_DOUBLE_EQ(top_k(score, gt, 99), 90);
  // Best of 2 drawn from {1,2,3,4} without replacement: (2+3+4+3+4+4)/6.
  EXPECT_NEAR(random_top_k({4, 1, 3, 2}, 2), 20.0 / 6.0, 1e-12);
  EXPECT_NEAR(random_top_k({4, 1, 3, 2}, 1), 2.5, 1e-12);  // the mean
  EXPECT_NEAR(random_top_k({4, 1, 3, 2}, 4), 4.0, 1e-12);  // the maximum
  EXPECT_NEAR(random_top_k({5, 5, 1}, 2), 5.0, 1e-12);     // ties: every pair holds a 5
}

namespace {
/// The published one-shot supernet accuracy (Zhao et al., ICML 2021) joined with the NATS-Bench
/// CIFAR-10 ground truth, all 15,625 NAS-Bench-201 cells (`few_csv`: reference data, not
/// redistributable; data/nb201/nats_bench.csv.gz), read once.
const Joined& published_nb201(const std::string& few_csv) {
  static const Joined joined = [&] {
    space::Nb201Space sp;
    return join_by_arch(sp, read_arch_values(sp, few_csv, "one_shot_supernet_acc"),
                        read_arch_values(sp, test::data_file("nb201/nats_bench.csv.gz"),
                                         "CIFAR10TestAccuracy200Epochs"));
  }();
  return joined;
}
}  // namespace

TEST(MetricsReference, PublishedOneShotSupernetOnNasBench201) {
  // Zhao et al. (ICML 2021) one-shot supernet accuracy for all 15,625 NAS-Bench-201 cells against
  // the NATS-Bench CIFAR-10 ground truth (data/nb201; the few-shot table: reference data). Computed
  // with scipy.stats 1.10.1: spearman 0.6764101150764299, kendall tau-b 0.4840883994604972,
  // pearson 0.4989779314749087; top-1/5/10 (stable sort by score) 91.00667, 91.29667, 91.39333.
  WSNAS_REFERENCE_FILE(few_csv, "nb201/fewshot_nas_cifar10.csv");
  const Joined& joined = published_nb201(few_csv);
  const std::vector<double>& score = joined.a;
  const std::vector<double>& truth = joined.b;
  ASSERT_EQ(score.size(), 15625u);
  EXPECT_NEAR(spearman(score, truth), 0.6764101150764299, 1e-10);
  EXPECT_NEAR(kendall_tau_b(score, truth), 0.4840883994604972, 1e-10);
  EXPECT_NEAR(pearson(score, truth), 0.4989779314749087, 1e-10);
  EXPECT_NEAR(top_k(score, truth, 1), 91.00666666666666, 1e-9);
  EXPECT_NEAR(top_k(score, truth, 5), 91.29666666666667, 1e-9);
  EXPECT_NEAR(top_k(score, truth, 10), 91.39333333333333, 1e-9);
  // Random top-k grows with k towards the best ground truth.
  EXPECT_LT(random_top_k(truth, 1), random_top_k(truth, 10));
  EXPECT_LT(random_top_k(truth, 10), *std::max_element(truth.begin(), truth.end()));
}

TEST(Metrics, TopKSelectsByValidationAndReportsTest) {
  // Paper §2 ("top-k") and Appendix A.2, Metrics (as AceNAS, github.com/ultmaster/AceNAS @46c8895
  // gcn/benchmarks/metrics.py:11-26): among the k best by score, the best by ground-truth
  // validation, reported by its test value. By hand:
  const std::vector<double> score = {0.9, 0.8, 0.7, 0.6}, valid = {70, 75, 72, 80},
                            test = {69, 73, 74, 79};
  EXPECT_EQ(analysis::top_k(score, valid, test, 1), 69);
  EXPECT_EQ(analysis::top_k(score, valid, test, 2), 73);
  EXPECT_EQ(analysis::top_k(score, valid, test, 3),
            73);  // test 74 is higher, but validation picks 75
  EXPECT_EQ(analysis::top_k(score, valid, test, 4), 79);
  // Random top-2 over the 6 pairs: picks 73, 74, 79, 73, 79, 79 -> 457 / 6.
  EXPECT_NEAR(analysis::random_top_k(valid, test, 2), 457.0 / 6, 1e-12);
  // The same column for both is the old definition.
  EXPECT_EQ(analysis::top_k(score, test, test, 3), analysis::top_k(score, test, 3));
  EXPECT_NEAR(analysis::random_top_k(test, test, 2), analysis::random_top_k(test, 2), 1e-12);
  // Lower is better (perplexity): best score 90 (index 1), then 95 (index 2) whose validation 70
  // wins.
  const std::vector<double> ppl = {100, 90, 95}, vppl = {80, 85, 70}, tppl = {78, 84, 72};
  EXPECT_EQ(analysis::top_k(ppl, vppl, tppl, 1, false), 84);
  EXPECT_EQ(analysis::top_k(ppl, vppl, tppl, 2, false), 72);
  // Random top-1 is the mean report value whatever the direction.
  EXPECT_NEAR(analysis::random_top_k(vppl, tppl, 1, false), (78 + 84 + 72) / 3.0, 1e-12);
}

TEST(Metrics, RandomTopKEqualsEnumerationOverAllSubsets) {
  // An independent computation: every k-subset of 8 architectures (ties in validation included),
  // its pick by the documented rule (best validation, ties to the earlier one), averaged.
  const std::vector<double> valid = {71, 73, 73, 60, 80, 80, 65, 73},
                            test = {70, 72, 75, 61, 78, 81, 66, 74};
  const int n = 8;
  for (bool higher : {true, false}) {
    for (int k = 1; k <= n; ++k) {
      double sum = 0;
      int subsets = 0;
      for (int mask = 0; mask < (1 << n); ++mask) {
        if (__builtin_popcount(static_cast<unsigned>(mask)) != k) continue;
        int pick = -1;
        for (int i = 0; i < n; ++i) {
          if (!(mask & (1 << i))) continue;
          if (pick < 0 || (higher ? valid[i] > valid[pick] : valid[i] < valid[pick])) pick = i;
        }
        sum += test[static_cast<std::size_t>(pick)];
        ++subsets;
      }
      EXPECT_NEAR(analysis::random_top_k(valid, test, k, higher), sum / subsets, 1e-9) << "k " << k;
    }
  }
}

TEST(Metrics, TiesAtTheTopKCutAreCounted) {
  // Scores 0.9 | 0.5 0.5 0.5 | 0.1 (higher is better): cuts after 1 and 4 fall between different
  // scores; cuts after 2 and 3 fall inside the 3-way tie. Counted by hand.
  const std::vector<double> s = {0.5, 0.9, 0.1, 0.5, 0.5};
  EXPECT_EQ(analysis::tied_at_k(s, 1), 0);
  EXPECT_EQ(analysis::tied_at_k(s, 2), 3);
  EXPECT_EQ(analysis::tied_at_k(s, 3), 3);
  EXPECT_EQ(analysis::tied_at_k(s, 4), 0);
  EXPECT_EQ(analysis::tied_at_k(s, 5), 0);  // everything is in: no cut
  // Lower is better (perplexity): 0.1 | 0.5 0.5 0.5 | 0.9.
  EXPECT_EQ(analysis::tied_at_k(s, 1, false), 0);
  EXPECT_EQ(analysis::tied_at_k(s, 2, false), 3);
  EXPECT_EQ(analysis::tied_at_k({1, 2, 3}, 2), 0);
}

namespace {
/// Kendall's tau-b by counting every pair (Kendall 1945): the independent reference for the
/// O(n log n) implementation.
double kendall_by_pairs(const std::vector<double>& x, const std::vector<double>& y) {
  double c = 0, d = 0, tx = 0, ty = 0;
  const std::size_t n = x.size();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0) tx += 1;
      if (dy == 0) ty += 1;
      if (dx != 0 && dy != 0) ((dx > 0) == (dy > 0) ? c : d) += 1;
    }
  const double n0 = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  return (c - d) / std::sqrt((n0 - tx) * (n0 - ty));
}
}  // namespace

TEST(Metrics, KendallInNLogNEqualsCountingEveryPair) {
  // Random columns with many ties (values from small sets), sizes 2 to 1000.
  Rng rng(5);
  for (std::size_t n : {2u, 3u, 7u, 50u, 333u, 1000u}) {
    for (std::uint64_t levels : {2u, 5u, 1000000u}) {
      std::vector<double> x(n), y(n);
      for (std::size_t i = 0; i < n; ++i) {
        x[i] = static_cast<double>(rng.below(levels));
        y[i] = static_cast<double>(rng.below(levels)) + 0.5 * x[i];
      }
      const double ref = kendall_by_pairs(x, y);
      if (std::isnan(ref)) {
        EXPECT_TRUE(std::isnan(kendall_tau_b(x, y)));
      } else {
        EXPECT_NEAR(kendall_tau_b(x, y), ref, 1e-12) << "n " << n << " levels " << levels;
      }
    }
  }
}

TEST(Bootstrap, QuantilesFollowNumpysLinearRule) {
  // numpy.percentile([1, 2, 3, 4], 25) = 1.75; numpy.percentile(range(10), 97.5) = 8.775.
  std::vector<double> a = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(quantile(a, 0.25), 1.75);
  std::vector<double> b = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  EXPECT_DOUBLE_EQ(quantile(b, 0.975), 8.775);
  std::vector<double> one = {3};
  EXPECT_DOUBLE_EQ(quantile(one, 0.025), 3);
}

TEST(Bootstrap, TopOneIntervalMatchesTheExactResamplingDistribution) {
  // Three architectures, scores 3 > 2 > 1, ground truths 10, 30, 20. Over the 27 equally likely
  // resamples (counted here by enumeration): the best-scored drawn architecture is #0 in 19 of
  // them (top-1 = 10), #1 in 7 (30), #2 in 1 (20). The exact 2.5% and 97.5% quantiles are 10 and
  // 30; 20,000 seeded resamples must give the same.
  const std::vector<double> score = {3, 2, 1}, truth = {10, 30, 20};
  std::map<double, int> exact;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 3; ++c) ++exact[truth[static_cast<std::size_t>(std::min({a, b, c}))]];
  EXPECT_EQ(exact, (std::map<double, int>{{10, 19}, {20, 1}, {30, 7}}));
  BootstrapOptions opt;
  opt.resamples = 20000;
  opt.seed = 3;
  const auto r = make_report(score, truth, truth, {}, {1}, true, opt);
  ASSERT_EQ(r.top_k_ci.size(), 1u);
  EXPECT_EQ(r.top_k_ci[0].low, 10);
  EXPECT_EQ(r.top_k_ci[0].high, 30);
}

TEST(BootstrapReference, SpearmanIntervalOnAllNasBench201CellsAgreesWithFishersApproximation) {
  // The published one-shot supernet against NATS-Bench (15,625 cells, Spearman 0.6764, see
  // above). Fieller, Hartley & Pearson (1957): atanh(rho_s) is about normal with standard error
  // 1.06 / sqrt(n - 3), an interval computed independently of any resampling. The percentile
  // bootstrap (400 resamples) must agree within 0.006 at both ends, contain the estimate, and be
  // the same for the same seed.
  WSNAS_REFERENCE_FILE(few_csv, "nb201/fewshot_nas_cifar10.csv");
  const Joined& joined = published_nb201(few_csv);
  BootstrapOptions opt;
  opt.resamples = 400;
  opt.seed = 1;
  const auto r = make_report(joined.a, joined.b, joined.b, {}, {1, 10}, true, opt);
  const double z = std::atanh(r.spearman), se = 1.06 / std::sqrt(static_cast<double>(r.n) - 3);
  EXPECT_NEAR(r.spearman_ci.low, std::tanh(z - 1.959964 * se), 0.006);
  EXPECT_NEAR(r.spearman_ci.high, std::tanh(z + 1.959964 * se), 0.006);
  for (const auto* i : {&r.spearman_ci, &r.kendall_tau_b_ci, &r.pearson_ci})
    EXPECT_LT(i->low, i->high);
  EXPECT_LT(r.spearman_ci.low, r.spearman);
  EXPECT_GT(r.spearman_ci.high, r.spearman);
  EXPECT_LT(r.kendall_tau_b_ci.low, r.kendall_tau_b);
  EXPECT_GT(r.kendall_tau_b_ci.high, r.kendall_tau_b);
  EXPECT_LE(r.top_k_ci[1].low, r.top_k[1]);
  EXPECT_GE(r.top_k_ci[1].high, r.top_k[1]);
  const auto again = make_report(joined.a, joined.b, joined.b, {}, {1, 10}, true, opt);
  EXPECT_EQ(again.spearman_ci.low, r.spearman_ci.low);
  EXPECT_EQ(again.top_k_ci[1].high, r.top_k_ci[1].high);
  opt.seed = 2;
  EXPECT_NE(make_report(joined.a, joined.b, joined.b, {}, {1}, true, opt).spearman_ci.low,
            r.spearman_ci.low);
}

TEST(Bias, MannWhitneyUMatchesScipy) {
  // scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method='asymptotic',
  // use_continuity=True), scipy 1.10.1 (Debian 12): (26.0, 0.1907449866880615) and, for a
  // complete separation, (0.0, 0.05182992721790968).
  auto [u, p] = mann_whitney_u({0.1, 0.4, 0.4, -0.2, 0.3}, {0.0, -0.1, 0.4, -0.3, 0.2, -0.5, 0.05});
  EXPECT_DOUBLE_EQ(u, 26.0);
  EXPECT_NEAR(p, 0.1907449866880615, 1e-14);
  std::tie(u, p) = mann_whitney_u({1, 2, 3}, {4, 5, 6, 7});
  EXPECT_DOUBLE_EQ(u, 0.0);
  EXPECT_NEAR(p, 0.05182992721790968, 1e-14);
  EXPECT_EQ(mann_whitney_u({}, {1, 2}).second, 1.0);
  EXPECT_EQ(mann_whitney_u({1, 1}, {1, 1}).second, 1.0);  // all tied
}

TEST(Bias, ShiftsOfAHandMadeExample) {
  // Four cells differing only on edge 1<-0: skip, conv1x1, conv3x3, avg_pool. Scores rank them
  // conv3x3 > conv1x1 > avg_pool > skip, the ground truth the other way round. Rank fractions
  // (0 best): supernet 0, 1/3, 2/3, 1; truth 1, 2/3, 1/3, 0; shifts -1, -1/3, +1/3, +1. The most
  // biased option of edge 1<-0 is the first with |shift| 1 in the operator order: skip_connect.
  space::Nb201Space sp;
  const std::string rest =
      "|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
  std::vector<space::Arch> archs;
  for (const char* op : {"nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"})
    archs.push_back(sp.parse("|" + std::string(op) + "~0" + rest));
  const auto rows = option_bias(sp, archs, {4, 3, 2, 1}, {1, 2, 3, 4});
  ASSERT_EQ(rows.size(), 4u + 5u);  // edge 1<-0: 4 options taken; the 5 other edges: 1 each
  std::map<std::string, OptionBias> edge0;
  for (const auto& r : rows)
    if (r.decision == "edge 1<-0") edge0[r.option] = r;
  EXPECT_EQ(edge0.count("none"), 0u);
  EXPECT_DOUBLE_EQ(edge0["nor_conv_3x3"].shift, -1.0);
  EXPECT_DOUBLE_EQ(edge0["nor_conv_1x1"].shift, -1.0 / 3);
  EXPECT_DOUBLE_EQ(edge0["avg_pool_3x3"].shift, 1.0 / 3);
  EXPECT_DOUBLE_EQ(edge0["skip_connect"].mean_score_rank, 1.0);
  EXPECT_DOUBLE_EQ(edge0["skip_connect"].mean_truth_rank, 0.0);
  EXPECT_TRUE(edge0["skip_connect"].most_biased);
  EXPECT_FALSE(edge0["nor_conv_3x3"].most_biased);
  for (const auto& r : rows)
    if (r.decision != "edge 1<-0") {
      EXPECT_EQ(r.count, 4);
      EXPECT_NEAR(r.shift, 0.0, 1e-15);
      EXPECT_EQ(r.p_value, 1.0);  // nothing to compare with
    }
}

TEST(BiasReference, PublishedOneShotSupernetOnNasBench201MatchesScipy) {
  // The published one-shot supernet against NATS-Bench CIFAR-10 over the 15,284 valid cells.
  // Reference computed independently in Python (numpy, scipy 1.10.1): validity re-derived from the
  // cell strings, rank fractions 1 - (rankdata - 1) / (n - 1), shift per cell, mean per option,
  // mannwhitneyu(with, without, alternative='two-sided', method='asymptotic').
  space::Nb201Space sp;
  WSNAS_REFERENCE_FILE(few_csv, "nb201/fewshot_nas_cifar10.csv");
  const Joined& joined = published_nb201(few_csv);
  std::vector<space::Arch> archs;
  std::vector<double> s, t;
  for (std::size_t i = 0; i < joined.archs.size(); ++i)
    if (sp.is_valid(joined.archs[i])) {
      archs.push_back(joined.archs[i]);
      s.push_back(joined.a[i]);
      t.push_back(joined.b[i]);
    }
  ASSERT_EQ(archs.size(), 15284u);
  std::map<std::pair<std::string, std::string>, OptionBias> by;
  for (const auto& r : option_bias(sp, archs, s, t)) by[{r.decision, r.option}] = r;
  struct Ref {
    const char *decision, *option;
    std::int64_t count;
    double score_rank, truth_rank, u, p;
  };
  for (const Ref& ref : {Ref{"edge 1<-0", "avg_pool_3x3", 3096, 0.5709916745582609,
                             0.6530633355600564, 13404166.0, 4.7627408262885625e-137},
                         Ref{"edge 1<-0", "skip_connect", 3096, 0.5479243585406156,
                             0.5479415091264365, 19058914.5, 0.38142536366712343},
                         Ref{"edge 1<-0", "nor_conv_3x3", 3096, 0.3617356439346483,
                             0.2856686323372594, 22839747.5, 2.1804499474879294e-73},
                         Ref{"edge 3<-0", "skip_connect", 3125, 0.6503904521363606,
                             0.5240378145652032, 25911725.0, 9.361254037433335e-217},
                         Ref{"edge 3<-0", "nor_conv_3x3", 3125, 0.33229097951972775,
                             0.29783244650919327, 21113473.5, 6.982153989432295e-22}}) {
    const auto& r = by.at({ref.decision, ref.option});
    EXPECT_EQ(r.count, ref.count) << ref.decision << " " << ref.option;
    EXPECT_NEAR(r.mean_score_rank, ref.score_rank, 1e-12);
    EXPECT_NEAR(r.mean_truth_rank, ref.truth_rank, 1e-12);
    EXPECT_DOUBLE_EQ(r.u, ref.u);
    EXPECT_NEAR(r.p_value / ref.p, 1.0, 1e-9) << ref.decision << " " << ref.option;
  }
  // The supernet favours average pooling on the edge from the input to the output (3<-0): its
  // cells rank 0.49 by supernet score but 0.66 by ground truth, the most biased option there,
  // shift -0.1685, p below double precision (scipy: 0.0).
  const auto& pool = by.at({"edge 3<-0", "avg_pool_3x3"});
  EXPECT_TRUE(pool.most_biased);
  EXPECT_NEAR(pool.shift, -0.16854966171563174, 1e-12);
  EXPECT_EQ(pool.p_value, 0.0);
}

TEST(Metrics, Nb101JoinsByGraphHash) {
  // NAS-Bench-101 trained one network per graph hash, so an architecture joins the row of an
  // isomorphic cell when the table has no row of its own (NB201 joins exact cells only).
  space::Nb101Space sp;
  std::map<std::string, std::vector<std::int64_t>> by_hash;
  for (std::int64_t i = 0; i < 3000; ++i) by_hash[sp.canonical(*sp.at(i))].push_back(i);
  std::vector<std::int64_t> twins;  // a class of three cells or more
  for (const auto& [h, idx] : by_hash)
    if (idx.size() >= 3 && twins.empty()) twins = idx;
  ASSERT_GE(twins.size(), 3u);
  ArchValues scores, truth;
  scores.source = "scores";
  truth.source = "truth";
  scores.archs = {*sp.at(twins[0]), *sp.at(twins[1]), *sp.at(0)};
  scores.values = {1, 2, 3};
  truth.archs = {*sp.at(twins[2]), *sp.at(0)};  // the class's row, and cell 0 itself
  truth.values = {90, 80};
  auto j = join_by_arch(sp, scores, truth);
  ASSERT_EQ(j.archs.size(), 3u);
  EXPECT_EQ(j.b, (std::vector<double>{90, 90, 80}));
  EXPECT_EQ(j.truth_archs[0], *sp.at(twins[2]));
  EXPECT_EQ(j.truth_archs[2], *sp.at(0));
  // Two rows of one class, neither the scored cell itself: ambiguous, one clear error.
  truth.archs = {*sp.at(twins[1]), *sp.at(twins[2])};
  scores.archs = {*sp.at(twins[0])};
  scores.values = {1};
  try {
    join_by_arch(sp, scores, truth);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("truth: 2 rows share the class"), std::string::npos)
        << e.what();
  }
  // NAS-Bench-201 does not join isomorphic cells: each of its cells was trained. These two differ
  // only in node 1's operator, which does not reach the output.
  space::Nb201Space nb201;
  ArchValues s2, t2;
  s2.archs = {nb201.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")};
  t2.archs = {nb201.parse("|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")};
  s2.values = {1};
  t2.values = {5};
  ASSERT_EQ(nb201.canonical(s2.archs[0]), nb201.canonical(t2.archs[0]));
  EXPECT_TRUE(join_by_arch(nb201, s2, t2).archs.empty());
}

TEST(Metrics, PublishedDartsTableReadsByGenotypeOrJson) {
  // The paper's 377 DARTS-CIFAR10 stand-alone results (data/supernet-help, quoted CSV:
  // Genotype strings and JSON hold commas). Parameters against accuracy, by the Genotype column
  // and by the JSON column: the same 377 pairs. scipy.stats 1.10.1 on the same columns: Spearman
  // 0.5222185009893615, Kendall tau-b 0.36798960072932896, Pearson 0.5578114078031292.
  space::DartsSpace sp;
  const std::string csv = test::data_file("supernet-help/darts_cifar10.csv");
  const auto by_genotype = join_by_arch(sp, read_arch_values(sp, csv, "params", "genotype"),
                                        read_arch_values(sp, csv, "accuracy", "genotype"));
  const auto by_json = join_by_arch(sp, read_arch_values(sp, csv, "params", "architecture_json"),
                                    read_arch_values(sp, csv, "accuracy", "genotype"));
  ASSERT_EQ(by_genotype.archs.size(), 377u);
  EXPECT_EQ(by_json.archs, by_genotype.archs);
  EXPECT_EQ(by_json.b, by_genotype.b);
  EXPECT_NEAR(spearman(by_genotype.a, by_genotype.b), 0.5222185009893615, 1e-12);
  EXPECT_NEAR(kendall_tau_b(by_genotype.a, by_genotype.b), 0.36798960072932896, 1e-12);
  EXPECT_NEAR(pearson(by_genotype.a, by_genotype.b), 0.5578114078031292, 1e-12);
}

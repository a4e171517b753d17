// Study files and plans (lib/study) without running anything: the runs a study file expands to,
// their command lines, and the plan's file format read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/study/plan.h"

namespace {

using namespace wsnas;

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::size_t count(const std::vector<study::Run>& runs, const std::string& stage) {
  return static_cast<std::size_t>(std::count_if(
      runs.begin(), runs.end(), [&](const study::Run& r) { return r.stage == stage; }));
}

const study::Run& find(const std::vector<study::Run>& runs, const std::string& id) {
  const auto it =
      std::find_if(runs.begin(), runs.end(), [&](const study::Run& r) { return r.id == id; });
  if (it == runs.end()) throw std::runtime_error("no run " + id);
  return *it;
}

bool has(const study::Run& r, const std::vector<std::string>& words) {
  return std::search(r.argv.begin(), r.argv.end(), words.begin(), words.end()) != r.argv.end();
}

TEST(StudyPlan, ShellQuotingRoundTrips) {
  for (const std::string s : {"plain", "/a/b-c_d.h5", "with space", "it's", "", "a'b'c", "$HOME",
                              "tab\there", "--k=1,5"}) {
    const auto words = study::shell_split(study::shell_quote(s) + " x");
    ASSERT_EQ(words.size(), 2u) << s;
    EXPECT_EQ(words[0], s);
  }
  EXPECT_EQ(study::shell_quote("/a/b.h5"), "/a/b.h5");  // readable when it can be
  EXPECT_EQ(study::shell_quote("a b"), "'a b'");
  EXPECT_THROW(study::shell_split("'open"), InputError);
}

TEST(StudyPlan, VariantsBudgetsAndSeedsExpandToRunsWithTheirCommands) {
  const std::string d = test::scratch_dir("study_plan");
  write(d, "sn.ini", "epochs = 5\n");
  write(d, "gt.ini", "epochs = 1\n");
  const std::string file =
      write(d, "s.ini",
            "[study]\nspace = nb201\nsupernet-config = sn.ini\nevaluate-config = sn.ini\n"
            "groundtruth-config = gt.ini\narchs = 8\nbudgets = 1, 4\nseeds = 0,7\n"
            "variants = base, multi\ntruth-select = v\nk = 1, 3\n"
            "[variant multi]\nsampler = multipath\npaths = 5\nepochs = 2\n");
  const auto s = study::read_study(file);
  EXPECT_EQ(s.k, "1,3");
  ASSERT_EQ(s.variants.size(), 2u);
  EXPECT_EQ(s.variants[1].args,
            (std::vector<std::string>{"--sampler", "multipath", "--paths", "5", "--epochs", "2"}));
  const auto runs = study::make_plan(s, "/out");
  // base: 2 budgets x 2 seeds; multi fixes its epochs, so it trains once per seed (2 epochs);
  // farm ground truth; default analyses: ranking, bias, budgets (2 budgets), mutual, tricks.
  EXPECT_EQ(count(runs, "sample"), 1u);
  EXPECT_EQ(count(runs, "supernet"), 6u);
  EXPECT_EQ(count(runs, "groundtruth"), 1u);
  EXPECT_EQ(count(runs, "evaluate"), 6u);
  EXPECT_EQ(count(runs, "analyze"), 5u);
  // Stages in order.
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const auto& st = study::stages();
    EXPECT_LE(std::find(st.begin(), st.end(), runs[i - 1].stage),
              std::find(st.begin(), st.end(), runs[i].stage));
  }
  const auto& base = find(runs, "supernet/base-e4-s7");
  EXPECT_TRUE(base.mpi);
  EXPECT_TRUE(has(base, {"--config", d + "/sn.ini", "--epochs", "4", "--seed", "7", "--out",
                         "/out/supernets/base-e4-s7"}));
  // The variant's own epochs win over the budget's (Table 3's multi-path: fewer epochs).
  const auto& multi = find(runs, "supernet/multi-e2-s0");
  EXPECT_TRUE(has(multi, {"--sampler", "multipath", "--paths", "5", "--epochs", "2", "--seed"}));
  EXPECT_EQ(std::count(multi.argv.begin(), multi.argv.end(), "--epochs"), 1);
  const auto& ev = find(runs, "evaluate/multi-e2-s7");
  EXPECT_TRUE(has(ev, {"--checkpoint", "/out/supernets/multi-e2-s7/supernet.h5", "--archs",
                       "/out/archs/all.csv", "--out", "/out/evaluations/multi-e2-s7.h5"}));
  const auto& budgets = find(runs, "analyze/budgets");
  EXPECT_TRUE(has(budgets, {"--x", "1", "1", "4", "4", "--replicate", "0", "7", "0", "7"}));
  EXPECT_TRUE(has(budgets, {"--truth", "/out/groundtruth/groundtruth.h5"}));
  EXPECT_EQ(budgets.stdout_file, "/out/analysis/budgets.txt");
  const auto& tricks = find(runs, "analyze/tricks");
  EXPECT_TRUE(has(tricks, {"--scores", "/out/evaluations/base-e4-s0.h5",
                           "/out/evaluations/multi-e2-s0.h5", "--score-column"}));
  EXPECT_FALSE(has(tricks, {"--k"}));  // tricks' top-10 is the paper's
  EXPECT_TRUE(has(find(runs, "analyze/ranking"), {"--k", "1,3", "--bootstrap", "1000"}));
  // The plan's file form reads back to the same runs.
  const std::string tsv = study::plan_tsv(runs);
  write(d, "plan.tsv", tsv);
  const auto back = study::read_plan(d + "/plan.tsv");
  ASSERT_EQ(back.size(), runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(back[i].id, runs[i].id);
    EXPECT_EQ(back[i].stage, runs[i].stage);
    EXPECT_EQ(back[i].mpi, runs[i].mpi);
    EXPECT_EQ(back[i].stdout_file, runs[i].stdout_file);
    EXPECT_EQ(back[i].argv, runs[i].argv);
  }
  EXPECT_EQ(study::plan_tsv(back), tsv);
}

TEST(StudyPlan, AStudyKeyGivenTwiceInOneSectionIsRefusedButVariantsMayShareKeys) {
  const std::string d = test::scratch_dir("study_keys");
  write(d, "sn.ini", "epochs = 5\n");
  const std::string common =
      "[study]\nspace = nb201\nsupernet-config = sn.ini\ntruth-select = v\n"
      "groundtruth-config = sn.ini\nvariants = a, b, c\n";
  const auto s = study::read_study(
      write(d, "ok.ini", common + "[variant b]\nlr = 0.1\n[variant c]\nlr = 0.2\n"));
  EXPECT_EQ(s.variants[2].args, (std::vector<std::string>{"--lr", "0.2"}));
  try {
    study::read_study(write(d, "twice.ini", common + "[variant b]\nlr = 0.1\nlr = 0.2\n"));
    FAIL() << "a key given twice in one section was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("line 9: key 'lr' given again (first at line 8)"),
              std::string::npos)
        << e.what();
  }
}

TEST(StudyPlan, ASupernetRunTakesTheRanksThatDivideItsReplicas) {
  // wsnas-supernet refuses more ranks than replicas and ranks that do not divide them; the
  // runner's -n and submit-study.sh's --ntasks come from here. Replicas: `replicas`, else `gpus`
  // (configs in order, then the command line), else 1.
  const std::string d = test::scratch_dir("study_ranks");
  write(d, "four.ini", "[supernet]\ngpus = 4\n");
  write(d, "two.ini", "replicas = 2\n");
  auto run = [&](std::vector<std::string> argv, const std::string& stage = "supernet") {
    argv.insert(argv.begin(), "wsnas-supernet");
    return study::Run{"x", stage, true, "", argv};
  };
  EXPECT_EQ(study::ranks_for(run({"--config", d + "/four.ini"}), 8), 4);
  EXPECT_EQ(study::ranks_for(run({"--config", d + "/four.ini"}), 3), 2);  // 3 does not divide 4
  EXPECT_EQ(study::ranks_for(run({"--config", d + "/four.ini", "--config", d + "/two.ini"}), 8), 2);
  EXPECT_EQ(study::ranks_for(run({"--config", d + "/four.ini", "--gpus", "6"}), 4), 3);
  EXPECT_EQ(study::ranks_for(run({"--epochs", "3"}), 4), 1);  // NB-201's Table 2: 1 GPU
  EXPECT_EQ(study::ranks_for(run({"--epochs", "3"}, "evaluate"), 4), 4);
}

TEST(StudyPlan, TheEtaWeighsASupernetByThePathsItTrainsAndAnEvaluationByItsArchitectures) {
  // Table 3's tricks at matched passes (configs/studies/nb201-tricks.ini): multi-path with 5
  // paths and FairNAS (5 options on each of NB-201's 6 edges, so 5 paths a step) at 400 epochs
  // cost what the baseline's 2000 single-path epochs cost; multi-path without --paths takes
  // wsnas-supernet's default, 2.
  const std::string d = test::scratch_dir("study_cost");
  write(d, "sn.ini", "epochs = 5\n");
  const std::string file =
      write(d, "s.ini",
            "[study]\nspace = nb201\nsupernet-config = sn.ini\nbudgets = 2000\ntruth = farm\n"
            "groundtruth-config = sn.ini\ntruth-select = v\nvariants = baseline, multi, fair, two\n"
            "[variant multi]\nsampler = multipath\npaths = 5\nepochs = 400\n"
            "[variant fair]\nsampler = fairnas\nepochs = 400\n"
            "[variant two]\nsampler = multipath\nepochs = 400\n");
  const auto runs = study::make_plan(study::read_study(file), d + "/o");
  EXPECT_EQ(study::expected_cost(find(runs, "supernet/baseline-e2000-s0")), 2000.0);
  EXPECT_EQ(study::expected_cost(find(runs, "supernet/multi-e400-s0")), 2000.0);
  EXPECT_EQ(study::expected_cost(find(runs, "supernet/fair-e400-s0")), 2000.0);
  EXPECT_EQ(study::expected_cost(find(runs, "supernet/two-e400-s0")), 800.0);
  // An evaluation: 1 until the sample stage writes its architectures, then their number.
  const auto& ev = find(runs, "evaluate/baseline-e2000-s0");
  EXPECT_EQ(study::expected_cost(ev), 1.0);
  const auto at = std::find(ev.argv.begin(), ev.argv.end(), "--archs");
  ASSERT_NE(at, ev.argv.end());
  std::filesystem::create_directories(std::filesystem::path(*(at + 1)).parent_path());
  std::ofstream(*(at + 1)) << "arch\na\nb\n\nc\n";
  EXPECT_EQ(study::expected_cost(ev), 3.0);
}

TEST(StudyPlan, MpirunLaunchersLeaveARanksThreadsTheirCores) {
  // Open MPI binds each of up to 2 ranks to one core by default (issue 25: one rank of 2 threads
  // ran at 99% CPU); the runner's mpirun does not bind unless told how.
  using V = std::vector<std::string>;
  EXPECT_EQ(study::launcher_words("mpirun"), (V{"mpirun", "--bind-to", "none"}));
  EXPECT_EQ(study::launcher_words(" /usr/bin/mpiexec  --oversubscribe "),
            (V{"/usr/bin/mpiexec", "--bind-to", "none", "--oversubscribe"}));
  EXPECT_EQ(study::launcher_words("scripts/wsnas-mpirun"),
            (V{"scripts/wsnas-mpirun", "--bind-to", "none"}));
  EXPECT_EQ(study::launcher_words("mpirun --bind-to core"), (V{"mpirun", "--bind-to", "core"}));
  EXPECT_EQ(study::launcher_words("mpirun --map-by slot:PE=4"),
            (V{"mpirun", "--map-by", "slot:PE=4"}));
  EXPECT_EQ(study::launcher_words("srun --mpi=pmix"), (V{"srun", "--mpi=pmix"}));
  EXPECT_TRUE(study::launcher_words("  ").empty());
}

TEST(StudyPlan, RepeatedValuesAndPlanOwnedVariantKeysAreRefused) {
  const std::string d = test::scratch_dir("study_repeats");
  write(d, "sn.ini", "epochs = 5\n");
  const std::string head =
      "[study]\nspace = nb201\nsupernet-config = sn.ini\ntruth-select = v\n"
      "groundtruth-config = sn.ini\n";
  auto refused = [&](const std::string& name, const std::string& body, const std::string& why) {
    try {
      study::read_study(write(d, name, head + body));
      ADD_FAILURE() << name << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused("seeds.ini", "seeds = 0, 0\n",
          "seeds = '0, 0': expected each value once (0 is given twice)");
  refused("budgets.ini", "budgets = 4, 2, 4\n", "(4 is given twice)");
  refused("out.ini", "variants = a, b\n[variant b]\nout = /tmp/x\n",
          "[variant b] sets 'out': the plan sets out and pool");
  refused("pool.ini", "arch-pool = no-such-file.csv\n", "arch-pool = 'no-such-file.csv'");
  // A variant that fixes its seed trains once per budget, named by the seed it uses.
  const auto s = study::read_study(write(d, "fixed.ini",
                                         head + "seeds = 0, 1\nvariants = a, b\n"
                                                "[variant b]\nseed = 5\n"));
  const auto runs = study::make_plan(s, "/o");
  EXPECT_EQ(count(runs, "supernet"), 3u);  // a-e1000-s0, a-e1000-s1, b-e1000-s5
  EXPECT_NO_THROW(find(runs, "supernet/b-e1000-s5"));
  EXPECT_TRUE(has(find(runs, "analyze/tricks"),
                  {"/o/evaluations/a-e1000-s0.h5", "/o/evaluations/b-e1000-s5.h5"}));
}

}  // namespace

TEST(StudyPlan, AScaleSectionAndSetOverrideTheStudyAndAddOptionsToTheRuns) {
  // [scale tiny] over [study]: its keys win, its options follow the configs of each app's runs, a
  // variant's own epochs shrink with the largest budget (400 of 2000 -> 0.4 of 2, at least 1;
  // 1500 -> 1.5, rounded to 2); --set is read last; the mutual analysis names its inputs as the
  // paper's Fig. 3 and 7 do.
  const std::string d = test::scratch_dir("study_scale");
  write(d, "sn.ini", "epochs = 5\n");
  const std::string file =
      write(d, "s.ini",
            "[study]\nspace = nb201\nsupernet-config = sn.ini\nevaluate-config = sn.ini\n"
            "archs = 1000\nbudgets = 1000, 2000\ntruth = farm\ngroundtruth-config = sn.ini\n"
            "truth-select = v\nvariants = baseline, multi, late\n"
            "[variant multi]\nsampler = multipath\nepochs = 400\n[variant late]\nepochs = 1500\n"
            "[scale tiny]\narchs = 6\nbudgets = 1, 2\nk = 1, 3\n"
            "supernet-options = --channels 4 --cells 1\nevaluate-options = --bn-calib-steps 1\n"
            "groundtruth-options = --limit-train 64\n");
  const auto full = study::read_study(file);
  EXPECT_EQ(full.archs, 1000);
  EXPECT_TRUE(full.scale_supernet_options.empty());
  const auto s = study::read_study(file, "tiny", {"archs=5"});
  EXPECT_EQ(s.archs, 5);  // --set over [scale tiny] over [study]
  EXPECT_EQ(s.budgets, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(s.k, "1,3");
  const auto runs = study::make_plan(s, "/o");
  EXPECT_EQ(count(runs, "supernet"), 4u);  // baseline at 1 and 2, multi and late once each
  const auto& base = find(runs, "supernet/baseline-e2-s0");
  EXPECT_TRUE(has(base, {"--config", d + "/sn.ini", "--channels", "4", "--cells", "1"}));
  EXPECT_TRUE(has(find(runs, "supernet/multi-e1-s0"), {"--epochs", "1"}));
  EXPECT_TRUE(has(find(runs, "supernet/late-e2-s0"), {"--epochs", "2"}));
  EXPECT_TRUE(has(find(runs, "evaluate/baseline-e2-s0"), {"--bn-calib-steps", "1"}));
  EXPECT_FALSE(has(find(runs, "evaluate/baseline-e2-s0"), {"--channels"}));
  EXPECT_TRUE(has(find(runs, "groundtruth"), {"--limit-train", "64"}));
  EXPECT_TRUE(has(find(runs, "analyze/mutual"),
                  {"--label", "baseline", "multi", "late", "1 ep", "--out-csv"}));
  // The budgets-only study labels its supernets by epochs.
  const std::string budgets =
      write(d, "b.ini",
            "[study]\nspace = nb201\nsupernet-config = sn.ini\nbudgets = 8, 64\n"
            "truth = farm\ngroundtruth-config = sn.ini\ntruth-select = v\n");
  EXPECT_TRUE(has(find(study::make_plan(study::read_study(budgets), "/o"), "analyze/mutual"),
                  {"--label", "64 ep", "8 ep", "--out-csv"}));
  // Fig. 4's decision: passed to the bias analysis, refused before anything runs when the space
  // has no such decision.
  EXPECT_TRUE(
      has(find(study::make_plan(study::read_study(budgets, "", {"bias-decision=edge 3<-0"}), "/o"),
               "analyze/bias"),
          {"--decision", "edge 3<-0"}));
  EXPECT_NE(test::input_error_of([&] {
              study::read_study(budgets, "", {"bias-decision=edge 9<-0"});
            }).find("bias-decision 'edge 9<-0' is not a decision of nb201 (decisions: edge 1<-0, "),
            std::string::npos);
  // Refusals: a scale the file lacks, a scale-only key in [study], a malformed --set.
  EXPECT_NE(test::input_error_of([&] {
              study::read_study(file, "huge");
            }).find("no [scale huge] section (--scale huge; the file has tiny)"),
            std::string::npos);
  const std::string misplaced =
      write(d, "m.ini",
            "[study]\nspace = nb201\nsupernet-config = sn.ini\nsupernet-options = --channels 4\n");
  EXPECT_NE(test::input_error_of([&] { study::read_study(misplaced); })
                .find("line 4: supernet-options = '--channels 4': expected in a [scale NAME] "
                      "section"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] {
              study::read_study(file, "", {"archs"});
            }).find("--set 'archs': expected KEY=VALUE"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] {
              study::read_study(file, "", {"budget=3"});
            }).find("--set budget: unknown key 'budget'"),
            std::string::npos);
  // A line break would split plan.tsv's line; the space is the file's (its configs are for it).
  EXPECT_NE(test::input_error_of([&] { study::read_study(file, "", {"reference-label=a\nb"}); })
                .find("--set reference-label: reference-label = 'a\\nb': expected no tab or line "
                      "break inside the value"),
            std::string::npos);
  EXPECT_NE(
      test::input_error_of([&] { study::read_study(file, "", {"space=darts"}); })
          .find("--set space: space = 'darts': expected no space: the study's configs are its "
                "space's"),
      std::string::npos);
}

// Study files (configs/studies/*.ini; wsnas-study plan): read_study, then make_plan into a scratch
// folder (check_run_options is not called: it starts the apps). The input is written as
// configs/studies/fuzz.ini of a scratch copy of the share folder (links to the repository's
// configs and data), so that the relative paths of the real studies ("../nb201.ini",
// "../../data/nb201/nats_bench.csv.gz") resolve. An accepted study has a known space, absolute
// existing config files and the lists it needs; its plan has unique run ids, stages in order,
// wsnas apps as commands, and writes as plan.tsv and reads back (read_plan) to the same runs.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "fuzz_strict.h"
#include "fuzz_support.h"
#include "wsnas/core/share.h"
#include "wsnas/space/search_space.h"
#include "wsnas/study/plan.h"

namespace {

using namespace wsnas;
namespace fs = std::filesystem;

/// scratch/configs/<each entry of share/configs> and scratch/data as links, scratch/configs/
/// studies a real folder with links to the real studies; removed at exit.
struct Scratch {
  std::string dir, study, plan;
  Scratch() {
    const std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/wsnas-fuzz-study.XXXXXX";
    if (!::mkdtemp(pattern.data())) fuzz::finding("cannot create a scratch folder");
    dir = pattern;
    const fs::path share = share_dir();
    fs::create_directories(fs::path(dir) / "configs" / "studies");
    for (const auto& e : fs::directory_iterator(share / "configs"))
      if (e.path().filename() != "studies")
        fs::create_symlink(e.path(), fs::path(dir) / "configs" / e.path().filename());
    for (const auto& e : fs::directory_iterator(share / "configs" / "studies"))
      fs::create_symlink(e.path(), fs::path(dir) / "configs" / "studies" / e.path().filename());
    fs::create_symlink(share / "data", fs::path(dir) / "data");
    study = dir + "/configs/studies/fuzz.ini";
    plan = dir + "/plan";
    fs::create_directories(plan);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);  // the links, not what they point to
  }
};

const Scratch& scratch() {
  static const Scratch s;
  return s;
}

void check_study(const study::Study& s) {
  const auto names = space::space_names();
  if (std::find(names.begin(), names.end(), s.space) == names.end())
    fuzz::finding("a study of the unknown space '" + s.space + "' was accepted");
  if (s.supernet_configs.empty() || s.budgets.empty() || s.seeds.empty() || s.variants.empty() ||
      s.truth_select.empty())
    fuzz::finding(
        "a study without supernet configs, budgets, seeds, variants or truth-select "
        "was accepted");
  for (const auto* files : {&s.supernet_configs, &s.evaluate_configs, &s.groundtruth_configs})
    for (const auto& f : *files)
      if (f.empty() || f[0] != '/' || !fs::is_regular_file(f))
        fuzz::finding("an accepted study's config '" + f + "' is not an absolute, existing file");
  if (s.truth == "farm" && s.groundtruth_configs.empty())
    fuzz::finding("truth = farm was accepted without groundtruth-config");
  std::set<std::string> variants;
  for (const auto& v : s.variants)
    if (v.name.empty() || !variants.insert(v.name).second)
      fuzz::finding("an accepted study has an empty or repeated variant name");
}

void check_plan(const std::vector<study::Run>& runs) {
  const auto& stages = study::stages();
  std::set<std::string> ids;
  std::size_t stage = 0;
  for (const auto& r : runs) {
    if (!ids.insert(r.id).second) fuzz::finding("the plan has the run id '" + r.id + "' twice");
    const auto at = std::find(stages.begin(), stages.end(), r.stage);
    if (at == stages.end()) fuzz::finding("the plan has the unknown stage '" + r.stage + "'");
    const auto k = static_cast<std::size_t>(at - stages.begin());
    if (k < stage) fuzz::finding("the plan's run " + r.id + " comes after a later stage's");
    stage = k;
    if (r.argv.empty() || r.argv[0].rfind("wsnas-", 0) != 0 ||
        r.argv[0].find('/') != std::string::npos)
      fuzz::finding("the plan's run " + r.id + " does not start a wsnas app");
    const int ranks = study::ranks_for(r, 4);
    if (ranks < 1 || ranks > 4)
      fuzz::finding("ranks_for gave " + std::to_string(ranks) + " of 4 ranks to " + r.id);
  }
  // plan.tsv as wsnas-study plan writes it, read as wsnas-study run reads it.
  const std::string tsv = scratch().plan + "/plan.tsv";
  {
    std::ofstream out(tsv, std::ios::binary | std::ios::trunc);
    out << study::plan_tsv(runs);
    if (!out) fuzz::finding("cannot write " + tsv);
  }
  std::vector<study::Run> back;
  try {
    back = study::read_plan(tsv);
  } catch (const InputError& e) {
    fuzz::finding(std::string("the plan.tsv of an accepted study is refused: ") + e.what());
  }
  if (back.size() != runs.size()) fuzz::finding("plan.tsv reads back to another number of runs");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto &a = runs[i], &b = back[i];
    if (a.id != b.id || a.stage != b.stage || a.mpi != b.mpi || a.stdout_file != b.stdout_file ||
        a.argv != b.argv)
      fuzz::finding("run " + a.id + " of plan.tsv reads back changed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Scratch& s = scratch();
  {
    std::ofstream out(s.study, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) fuzz::finding("cannot write " + s.study);
  }
  fuzz::refused_or_accepted([&] {
    const study::Study st = study::read_study(s.study);
    check_study(st);
    check_plan(study::make_plan(st, s.plan));
  });
  return 0;
}

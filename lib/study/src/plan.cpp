// Study files and plans (wsnas-study plan).
#include "wsnas/study/plan.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "wsnas/analysis/study.h"
#include "wsnas/analysis/table.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/process.h"
#include "wsnas/core/strings.h"
#include "wsnas/options/parser.h"
#include "wsnas/space/search_space.h"

namespace wsnas::study {

namespace {

std::string dirname_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string absolute(const std::string& path, const std::string& base) {
  if (path.empty()) return path;
  const std::filesystem::path p(path);
  return (p.is_absolute() ? p : std::filesystem::path(base) / p).lexically_normal().string();
}

std::vector<std::string> words(const std::string& value) {
  std::vector<std::string> out;
  std::istringstream in(value);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> list(const std::string& value) {  // "a, b c" -> a b c
  std::string s = value;
  std::replace(s.begin(), s.end(), ',', ' ');
  return words(s);
}

bool parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return out = true, true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return out = false, true;
  return false;
}

const std::vector<std::string>& kAnalyses = analysis::analysis_names();

}  // namespace

const std::vector<std::string>& stages() {
  static const std::vector<std::string> s = {"sample",   "supernet", "groundtruth",
                                             "evaluate", "score",    "analyze"};
  return s;
}

Study read_study(const std::string& path, const std::string& scale,
                 const std::vector<std::string>& overrides) {
  Study s;
  try {  // not "--config '...'", as read_config_file would say
    check_input_file(path, "study file");
  } catch (const InputError& e) {
    throw UsageError(e.what());
  }
  WSNAS_CHECK_USAGE(::access(path.c_str(), F_OK) == 0, "study file '", path,
                    "': no such file (expected a study file: see docs/studies.md)");
  char buf[4096];
  s.path = realpath(path.c_str(), buf) ? std::string(buf) : path;
  // [study] and [variant NAME] first, then the chosen [scale NAME] over them.
  std::vector<options::ConfigEntry> entries, scaled;
  std::set<std::string> scales;
  for (auto& e : options::read_config_file(path, /*unique_per_section=*/true)) {
    if (!starts_with(e.section, "scale ")) {
      entries.push_back(std::move(e));
      continue;
    }
    const std::string name = trim(e.section.substr(6));
    scales.insert(name);
    if (name == scale) scaled.push_back(std::move(e));
  }
  WSNAS_CHECK_USAGE(
      scale.empty() || !scaled.empty(), "study file '", path, "': no [scale ", scale,
      "] section (--scale ", scale, "; the file has ",
      scales.empty() ? std::string("none") : join({scales.begin(), scales.end()}, ", "), ")");
  s.scale = scale;
  const std::size_t unscaled = entries.size();
  entries.insert(entries.end(), scaled.begin(), scaled.end());
  const std::size_t from_file = entries.size();
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    WSNAS_CHECK_USAGE(eq != std::string::npos && eq > 0, "--set '", o,
                      "': expected KEY=VALUE (a [study] key, e.g. truth=/data/nb101.h5)");
    entries.push_back({0, trim(o.substr(0, eq)), trim(o.substr(eq + 1)), "study"});
  }
  std::int64_t full_top = 0;
  const std::string base = dirname_of(s.path);
  std::map<std::string, Variant> variants;
  std::vector<std::string> variant_names;
  bool have_space = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (i == unscaled) full_top = *std::max_element(s.budgets.begin(), s.budgets.end());
    const std::string where = i < from_file
                                  ? "study file '" + path + "' line " + std::to_string(e.line)
                                  : "--set " + e.key;
    // Paths in the file are relative to it; those of --set to the working directory.
    const std::string here = i < from_file ? base : std::filesystem::current_path().string();
    auto bad = [&](const std::string& expected) {
      throw UsageError(where + ": " + e.key + " = '" + printable(e.value) + "': expected " +
                       expected);
    };
    // Values reach plan.tsv's tab-separated commands: a tab inside one would split a field there
    // and the plan would not read back (found by fuzz_study's review).
    // (--set can carry a line break too, which a file's line cannot.)
    if (e.value.find_first_of("\t\n\r") != std::string::npos)
      bad("no tab or line break inside the value (use spaces)");
    auto integers = [&](std::int64_t lo) {
      std::vector<std::int64_t> v;
      for (const auto& w : list(e.value)) {
        std::int64_t x = 0;
        if (!parse_int(w, x) || x < lo)
          bad("a comma-separated list of integers >= " + std::to_string(lo));
        if (std::find(v.begin(), v.end(), x) != v.end())
          bad("each value once (" + w + " is given twice)");
        v.push_back(x);
      }
      return v;
    };
    if (starts_with(e.section, "variant ")) {
      const std::string name = trim(e.section.substr(8));
      if (name.empty() || name.find_first_of("/ \t'\"") != std::string::npos)
        throw UsageError(where + ": section '[" + e.section +
                         "]': a variant needs a name without spaces, quotes or '/'");
      if (e.key == "out" || e.key == "pool" || e.key == "config")
        throw UsageError(where + ": [variant " + name + "] sets '" + e.key +
                         "': the plan sets out and pool, and the study's supernet-config the "
                         "config files");
      auto& v = variants[name];
      v.name = name;
      v.args.push_back("--" + e.key);
      if (!e.value.empty()) v.args.push_back(e.value);
      continue;
    }
    if (!e.section.empty() && e.section != "study" && i < unscaled)
      throw UsageError(where + ": section '[" + e.section +
                       "]': expected [study], [variant NAME] or [scale NAME]");
    const std::string& k = e.key;
    const std::string& v = e.value;
    if (k == "supernet-options" || k == "groundtruth-options" || k == "evaluate-options" ||
        k == "score-options") {
      if (i < unscaled) bad("in a [scale NAME] section (the apps' options at that scale)");
      (k == "supernet-options"      ? s.scale_supernet_options
       : k == "groundtruth-options" ? s.scale_groundtruth_options
       : k == "evaluate-options"    ? s.scale_evaluate_options
                                    : s.scale_score_options) = words(v);
      if (k == "score-options") s.have_scale_score_options = true;
    } else if (k == "space" && i >= from_file) {
      bad("no space: the study's configs are its space's (copy the study file for another)");
    } else if (k == "space" && i >= unscaled) {
      bad("the study's own space ([scale NAME] changes sizes, not the space)");
    } else if (k == "space") {
      s.space = v;
      have_space = true;
    } else if (k == "supernet-config" || k == "evaluate-config" || k == "groundtruth-config" ||
               k == "score-config") {
      auto& files = k == "supernet-config"      ? s.supernet_configs
                    : k == "evaluate-config"    ? s.evaluate_configs
                    : k == "groundtruth-config" ? s.groundtruth_configs
                                                : s.score_configs;
      for (const auto& w : words(v)) files.push_back(absolute(w, here));
    } else if (k == "archs") {
      if (!parse_int(v, s.archs) || s.archs < 2) bad("an integer >= 2");
    } else if (k == "arch-seed") {
      if (!parse_int(v, s.arch_seed) || s.arch_seed < 0) bad("an integer >= 0");
    } else if (k == "arch-pool") {
      s.arch_pool = absolute(v, here);
      try {  // a directory opens as an empty stream: a regular, readable file
        check_input_file(s.arch_pool, "arch-pool");
      } catch (const InputError& e) {
        throw UsageError(where + ": " + e.what());
      }
      if (!std::ifstream(s.arch_pool).good()) bad("a readable file of architectures");
    } else if (k == "max-flops" || k == "max-params") {
      double x = 0;
      if (!parse_double(v, x) || !(x >= 0)) bad("a number of millions >= 0 (0: no limit)");
      (k == "max-flops" ? s.max_flops : s.max_params) = x;
    } else if (k == "sample-options") {
      s.sample_options = words(v);
    } else if (k == "budgets") {
      s.budgets = integers(1);
      if (s.budgets.empty()) bad("at least one number of epochs");
    } else if (k == "seeds") {
      s.seeds = integers(0);
      if (s.seeds.empty()) bad("at least one seed");
    } else if (k == "variants") {
      variant_names = list(v);
      if (variant_names.empty()) bad("at least one variant name (the first is the baseline)");
    } else if (k == "density") {
      s.density = integers(1);
    } else if (k == "pruning") {
      s.pruning = integers(1);
    } else if (k == "truth") {
      s.truth = v == "farm" ? v : absolute(v, here);
    } else if (k == "truth-select") {
      s.truth_select = v;
    } else if (k == "truth-report") {
      s.truth_report = v;
    } else if (k == "truth-arch-column") {
      s.truth_arch_column = v;
    } else if (k == "score-column") {
      s.score_column = v;
    } else if (k == "lower-is-better") {
      if (!parse_bool(v, s.lower_is_better)) bad("true or false");
    } else if (k == "analyses") {
      s.analyses = list(v);
      for (const auto& a : s.analyses)
        if (std::find(kAnalyses.begin(), kAnalyses.end(), a) == kAnalyses.end())
          bad("analyses among " + join(kAnalyses, ", "));
    } else if (k == "k") {
      s.k.clear();
      for (char c : v)
        if (c != ' ' && c != '\t') s.k += c;
      for (const auto& part : split(s.k, ',')) {
        std::int64_t x = 0;
        if (!parse_int(part, x) || x < 1) bad("a comma-separated list of integers >= 1");
      }
    } else if (k == "bootstrap") {
      if (!parse_int(v, s.bootstrap) || s.bootstrap < 0) bad("an integer >= 0");
    } else if (k == "plot") {
      if (!parse_bool(v, s.plot)) bad("true or false");
    } else if (k == "reference") {
      double x = 0;
      if (!parse_double(v, x) || !std::isfinite(x)) bad("a number (in the ground truth's units)");
      s.reference = v;
    } else if (k == "reference-label") {
      s.reference_label = v;
    } else if (k == "bias-decision") {
      s.bias_decision = v;
    } else if (k == "scorers") {
      s.scorers = list(v);
      for (const auto& name : s.scorers)
        if (name.empty() || name == "all" || name.find_first_of("/ \t'\"") != std::string::npos)
          bad("scorer names (wsnas-score --scorer; docs/zero-cost.md), comma-separated (each "
              "named: every one gets its analyses)");
    } else if (k == "search") {
      s.search = list(v);
      if (s.search.empty()) bad("search strategies (wsnas-search --strategy), comma-separated");
    } else if (k == "search-budget") {
      if (!parse_int(v, s.search_budget) || s.search_budget < 1) bad("an integer >= 1");
    } else if (k == "search-seeds") {
      s.search_seeds = v;
    } else if (k == "search-options") {
      s.search_options = words(v);
    } else if (k == "search-truth") {
      if (!parse_bool(v, s.search_truth)) bad("true or false");
    } else {
      throw UsageError(where + ": unknown key '" + k +
                       "' (keys: space, supernet-config, evaluate-config, groundtruth-config, "
                       "score-config, scorers, search, search-budget, search-seeds, "
                       "search-options, search-truth, "
                       "archs, arch-seed, arch-pool, max-flops, max-params, sample-options, "
                       "budgets, seeds, variants, density, pruning, "
                       "truth, truth-select, truth-report, truth-arch-column, score-column, "
                       "lower-is-better, analyses, k, bootstrap, plot, reference, "
                       "reference-label, bias-decision)");
    }
  }
  WSNAS_CHECK_USAGE(have_space, "study file '", path, "': no 'space = NAME' in [study]");
  if (!scale.empty()) {  // a variant's own epochs (and few-shot fine-tune epochs) in proportion to
                         // the largest budget
    if (full_top == 0) full_top = *std::max_element(s.budgets.begin(), s.budgets.end());
    const std::int64_t top = *std::max_element(s.budgets.begin(), s.budgets.end());
    for (auto& [name, variant] : variants)
      for (std::size_t a = 0; a + 1 < variant.args.size(); ++a)
        if (variant.args[a] == "--epochs" || variant.args[a] == "--fine-tune-epochs") {
          std::int64_t e = 0;
          if (parse_int(variant.args[a + 1], e))
            variant.args[a + 1] = std::to_string(std::max<std::int64_t>(
                1, static_cast<std::int64_t>(
                       std::llround(static_cast<double>(e) * static_cast<double>(top) /
                                    static_cast<double>(full_top)))));
        }
  }
  const auto names = space::space_names();
  WSNAS_CHECK_USAGE(std::find(names.begin(), names.end(), s.space) != names.end(), "study file '",
                    path, "': space '", s.space, "' unknown (known: ", join(names, ", "), ")");
  if (!s.bias_decision.empty()) {  // a name the analysis would refuse after the training
    const auto space = space::make_space(s.space);  // held: decisions() refers into it
    std::vector<std::string> decisions;
    for (const auto& d : space->decisions()) decisions.push_back(d.name);
    WSNAS_CHECK_USAGE(
        std::find(decisions.begin(), decisions.end(), s.bias_decision) != decisions.end(),
        "study file '", path, "': bias-decision '", s.bias_decision, "' is not a decision of ",
        s.space, " (decisions: ", join(decisions, ", "), ")");
  }
  WSNAS_CHECK_USAGE(!s.supernet_configs.empty(), "study file '", path,
                    "': no supernet-config (the wsnas-supernet config files)");
  for (const auto* files : {&s.supernet_configs, &s.evaluate_configs, &s.groundtruth_configs})
    for (const auto& f : *files) {
      try {
        options::read_config_file(f);  // exists, readable, well-formed
      } catch (const UsageError& e) {
        throw UsageError("study file '" + path + "': " + e.what());
      }
    }
  WSNAS_CHECK_USAGE(!s.truth_select.empty(), "study file '", path,
                    "': no truth-select (the ground-truth column to correlate with)");
  if (s.truth != "farm") {
    try {
      check_input_file(s.truth, "truth");
    } catch (const InputError& e) {
      throw UsageError("study file '" + path + "': " + e.what());
    }
    WSNAS_CHECK_USAGE(std::ifstream(s.truth).good(), "study file '", path, "': truth '", s.truth,
                      "': cannot open; expected a ground-truth table (CSV or wsnas HDF5) or "
                      "'farm'");
    // The columns the analyses read, checked now rather than after the supernets have trained.
    std::string key = "truth";
    try {
      const auto table = analysis::read_table(s.truth);
      for (const auto& [name, column] :
           {std::pair<const char*, const std::string*>{"truth-select", &s.truth_select},
            {"truth-report", &s.truth_report},
            {"truth-arch-column", &s.truth_arch_column}}) {
        key = name;
        if (!column->empty()) table.column(*column);
      }
    } catch (const InputError& e) {
      throw UsageError("study file '" + path + "': " + key + ": " + e.what());
    }
  } else {
    WSNAS_CHECK_USAGE(!s.groundtruth_configs.empty(), "study file '", path,
                      "': truth = farm needs groundtruth-config (the wsnas-groundtruth configs)");
    WSNAS_CHECK_USAGE(s.density.empty() && s.pruning.empty(), "study file '", path,
                      "': density and pruning need a ground-truth table of the whole space "
                      "(truth = FILE), not truth = farm");
  }
  if (!variant_names.empty()) {
    s.variants.clear();
    std::set<std::string> seen;
    for (const auto& n : variant_names) {
      WSNAS_CHECK_USAGE(seen.insert(n).second, "study file '", path, "': variant '", n,
                        "' listed twice");
      const auto it = variants.find(n);
      // The baseline may have no section (no extra options); every other variant needs one.
      WSNAS_CHECK_USAGE(it != variants.end() || s.variants.empty(), "study file '", path,
                        "': variant '", n, "' has no [variant ", n, "] section");
      s.variants.push_back(it != variants.end() ? it->second : Variant{n, {}});
    }
  }
  for (const auto& [name, v] : variants)
    WSNAS_CHECK_USAGE(
        std::find(variant_names.begin(), variant_names.end(), name) != variant_names.end(),
        "study file '", path, "': section [variant ", name, "] is not in 'variants = ...'");
  return s;
}

void check_run_options(const Study& study, const std::vector<Run>& runs,
                       const std::string& bin_dir) {
  // What differs between runs of one variant: their outputs, inputs made by earlier runs, budget
  // and seed (all written by the planner, not by the user).
  static const std::set<std::string> per_run = {"--out",   "--pool",       "--epochs",    "--seed",
                                                "--archs", "--checkpoint", "--truth-from"};
  std::set<std::vector<std::string>> checked;
  const char* tmp = std::getenv("TMPDIR");
  const std::string tmp_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string err_template = tmp_dir + "/wsnas-study-check.XXXXXX";
  const int fd = ::mkstemp(err_template.data());
  WSNAS_CHECK(fd >= 0, "cannot create a temporary file in ", tmp_dir,
              " ($TMPDIR): ", std::strerror(errno));
  ::close(fd);
  const std::string err_path = err_template;
  struct Remove {
    std::string path;
    ~Remove() { std::remove(path.c_str()); }
  } remove{err_path};
  for (const auto& r : runs) {
    if (r.stage != "supernet" && r.stage != "groundtruth" && r.stage != "evaluate" &&
        r.stage != "score")
      continue;
    std::vector<std::string> key;
    for (std::size_t i = 0; i < r.argv.size(); ++i) {
      if (per_run.count(r.argv[i]) && i + 1 < r.argv.size()) {
        ++i;
        continue;
      }
      key.push_back(r.argv[i]);
    }
    if (!checked.insert(key).second) continue;
    std::vector<std::string> argv = r.argv;
    if (!bin_dir.empty()) argv[0] = bin_dir + "/" + argv[0];
    argv.push_back("--check-options");
    if (run_process(argv, "/dev/null", {}, err_path) == 0) continue;
    std::ifstream in(err_path);
    std::string line;
    std::getline(in, line);
    const std::string prefix = r.argv[0] + ": error: ";
    if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
    // A dataset's folder (the configs' or the default one): the study can name another.
    if (line.rfind("--data-dir '", 0) == 0 || line.rfind("the default --data-dir '", 0) == 0)
      line += " (or give wsnas-study --data-dir NAME=DIR)";
    throw UsageError("study file '" + study.path + "': run " + r.id + ": " +
                     (line.empty() ? "refused its options" : line));
  }
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
                                        "456789_-+=/.,:@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> shell_split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false, quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '\'')
        quoted = false;
      else
        cur += c;
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  WSNAS_CHECK_INPUT(!quoted, "unterminated quote in '", line, "'");
  if (in_word) out.push_back(cur);
  return out;
}

namespace {

struct Planner {
  const Study& s;
  std::string dir;
  std::vector<Run> runs;
  std::int64_t valid = -1;  ///< valid architectures of the space (density, pruning)

  void add(std::string id, std::string stage, bool mpi, std::vector<std::string> argv,
           std::string out = "") {
    runs.push_back({std::move(id), std::move(stage), mpi, std::move(out), std::move(argv)});
  }
  static void configs(std::vector<std::string>& argv, const std::vector<std::string>& files) {
    for (const auto& f : files) argv.insert(argv.end(), {"--config", f});
  }
  std::string sample(const std::string& id, std::int64_t n, std::int64_t seed,
                     const std::string& from, const std::vector<std::string>& extra = {}) {
    const std::string file = dir + "/" + id + ".csv";
    std::vector<std::string> argv = {
        "wsnas-space",  "sample",          "--space", s.space,
        "-n",           std::to_string(n), "--seed",  std::to_string(seed),
        "--valid-only", "--format",        "csv"};
    if (!from.empty()) argv.insert(argv.end(), {"--pool", from});
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string name = id;
    std::replace(name.begin(), name.end(), '/', '-');
    add("sample/" + name, "sample", false, argv, file);
    return file;
  }
  std::int64_t valid_count() {
    if (valid >= 0) return valid;
    const auto sp = space::make_space(s.space);
    const auto size = sp->size();
    WSNAS_CHECK_USAGE(size && *size <= 100000000 && sp->at(0), "study file '", s.path,
                      "': density and pruning need an enumerable space; '", s.space,
                      "' is not (or too large)");
    valid = 0;
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(*size); ++i)
      valid += sp->is_valid(*sp->at(i)) ? 1 : 0;
    return valid;
  }
};

std::string number(double x) {
  std::ostringstream os;
  os.precision(15);
  os << x;
  return os.str();
}

std::string tag(const std::string& variant, std::int64_t epochs, std::int64_t seed) {
  return variant + "-e" + std::to_string(epochs) + "-s" + std::to_string(seed);
}

/// A variant's own value of --epochs or --seed, else `fallback`.
std::int64_t fixed(const Variant& v, const std::string& key, std::int64_t fallback) {
  const auto it = std::find(v.args.begin(), v.args.end(), key);
  std::int64_t x = fallback;
  if (it != v.args.end() && it + 1 != v.args.end()) parse_int(*(it + 1), x);
  return x;
}

/// The name of variant v's supernet for a budget and a seed: by what it really trains (a variant
/// that fixes its epochs or seed is one run, whatever the budget or seed asked).
std::string net(const Variant& v, std::int64_t epochs, std::int64_t seed) {
  return tag(v.name, fixed(v, "--epochs", epochs), fixed(v, "--seed", seed));
}

void push_unique(std::vector<std::string>& v, const std::string& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

}  // namespace

std::vector<Run> make_plan(const Study& s, const std::string& dir) {
  Planner p{s, dir, {}};
  const std::int64_t top_budget = *std::max_element(s.budgets.begin(), s.budgets.end());
  const Variant& base = s.variants.front();
  const std::int64_t seed0 = s.seeds.front();

  // 1. The evaluated architectures, and the sub-spaces of density and pruning.
  // The scored architectures: within the cost limits, for the network shape of sample-options.
  std::vector<std::string> scored = s.sample_options;
  if (s.max_flops > 0) scored.insert(scored.end(), {"--max-flops", number(s.max_flops)});
  if (s.max_params > 0) scored.insert(scored.end(), {"--max-params", number(s.max_params)});
  scored.push_back("--at-most");  // all valid ones when fewer
  const std::string archs = p.sample("archs/all", s.archs, s.arch_seed, s.arch_pool, scored);
  struct Sub {
    std::string kind;  ///< density | pruning
    std::int64_t k, seed;
    std::string pool, archs;
  };
  std::vector<Sub> subs;
  for (const auto* kind : {"density", "pruning"}) {
    const auto& ks = std::string(kind) == "density" ? s.density : s.pruning;
    for (const auto k : ks) {
      if (k == 1) continue;                        // the whole space: the baseline's runs
      const std::int64_t n = p.valid_count() / k;  // int(N * ratio), as the paper's released code
                                                   // (github.com/matluster/anonymous-2102
                                                   // @3825f00 tricks/nb201/omniscience.py:59)
      WSNAS_CHECK_USAGE(n >= 2, "study file '", s.path, "': ", kind, " k = ", k, " leaves ", n,
                        " architectures of ", p.valid_count(), " (at least 2 are needed)");
      std::string pruned;  // the best 1/k by the ground truth: one pool for every seed
      if (std::string(kind) == "pruning") {
        std::vector<std::string> best = {"--best-by", s.truth_select};
        if (!s.truth_arch_column.empty())
          best.insert(best.end(), {"--arch-column", s.truth_arch_column});
        if (s.lower_is_better) best.push_back("--lower-is-better");
        pruned = p.sample("pools/pruning-k" + std::to_string(k), n, 0, s.truth, best);
      }
      for (const auto seed : s.seeds) {
        Sub sub{kind, k, seed, pruned, ""};
        const std::string name =
            std::string(kind) + "-k" + std::to_string(k) + "-s" + std::to_string(seed);
        if (sub.pool.empty()) sub.pool = p.sample("pools/" + name, n, seed, "");
        // Evaluated: the whole sub-space, or s.archs of it (paper: 1000 or all if fewer).
        const bool limited = s.max_flops > 0 || s.max_params > 0;
        sub.archs = n <= s.archs && !limited
                        ? sub.pool
                        : p.sample("archs/" + name, std::min(s.archs, n), seed, sub.pool, scored);
        subs.push_back(sub);
      }
    }
  }

  // 2. Supernets: every variant x budget x seed on the whole space, then the sub-spaces at the
  // largest budget with the baseline's options.
  struct Net {
    std::string name, archs;
  };
  std::vector<Net> nets;
  std::vector<std::string> made;
  auto data_dirs = [&](std::vector<std::string>& argv) {
    for (const auto& d : s.dataset_dirs) argv.insert(argv.end(), {"--dataset-dir", d});
  };
  auto supernet = [&](const std::string& name, const std::vector<std::string>& extra,
                      std::int64_t epochs, std::int64_t seed, const std::string& pool) {
    if (std::find(made.begin(), made.end(), name) != made.end()) return false;
    made.push_back(name);
    // The study's space for every stage that builds networks (a config's own `space` is
    // overridden: the study names one space).
    std::vector<std::string> argv = {"wsnas-supernet", "--space", s.space};
    Planner::configs(argv, s.supernet_configs);
    data_dirs(argv);
    argv.insert(argv.end(), s.scale_supernet_options.begin(), s.scale_supernet_options.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    // A variant may fix its own epochs or seed (Table 3's multi-path runs match the baseline's
    // passes with fewer epochs; its "different seed" row): the variant's value wins.
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"--epochs", std::to_string(epochs)},
          {"--seed", std::to_string(seed)}})
      if (std::find(extra.begin(), extra.end(), key) == extra.end())
        argv.insert(argv.end(), {key, value});
    argv.insert(argv.end(), {"--out", dir + "/supernets/" + name});
    if (!pool.empty()) argv.insert(argv.end(), {"--pool", pool});
    p.add("supernet/" + name, "supernet", true, argv);
    return true;
  };
  for (const auto& v : s.variants)
    for (const auto b : s.budgets)
      for (const auto seed : s.seeds)
        if (supernet(net(v, b, seed), v.args, b, seed, ""))
          nets.push_back({net(v, b, seed), archs});
  for (const auto& sub : subs) {
    const std::string name =
        sub.kind + "-k" + std::to_string(sub.k) + "-s" + std::to_string(sub.seed);
    supernet(name, base.args, top_budget, sub.seed, sub.pool);
    nets.push_back({name, sub.archs});
  }

  // 3. Ground truth from our own farm.
  std::string truth = s.truth;
  if (s.truth == "farm") {
    std::vector<std::string> argv = {"wsnas-groundtruth", "--space", s.space};
    Planner::configs(argv, s.groundtruth_configs);
    data_dirs(argv);
    argv.insert(argv.end(), s.scale_groundtruth_options.begin(), s.scale_groundtruth_options.end());
    argv.insert(argv.end(), {"--archs", archs, "--out", dir + "/groundtruth"});
    p.add("groundtruth", "groundtruth", true, argv);
    truth = dir + "/groundtruth/groundtruth.h5";
  }

  // 4. Each supernet scores its architectures.
  auto evaluation = [&](const std::string& name) { return dir + "/evaluations/" + name + ".h5"; };
  for (const auto& n : nets) {
    std::vector<std::string> argv = {"wsnas-evaluate"};
    Planner::configs(argv, s.evaluate_configs);
    data_dirs(argv);
    argv.insert(argv.end(), s.scale_evaluate_options.begin(), s.scale_evaluate_options.end());
    argv.insert(argv.end(), {"--checkpoint", dir + "/supernets/" + n.name + "/supernet.h5",
                             "--archs", n.archs, "--out", evaluation(n.name)});
    p.add("evaluate/" + n.name, "evaluate", true, argv);
  }

  // 4b. Zero-cost scores of the evaluated architectures (docs/zero-cost.md): the study's data and
  // network shape (its score or supernet configs), one run.
  const std::string scores = dir + "/scores/zero-cost.h5";
  if (!s.scorers.empty()) {
    std::vector<std::string> argv = {"wsnas-score", "--space", s.space};
    Planner::configs(argv, s.score_configs.empty() ? s.supernet_configs : s.score_configs);
    data_dirs(argv);
    const auto& scaled =
        s.have_scale_score_options ? s.scale_score_options : s.scale_supernet_options;
    argv.insert(argv.end(), scaled.begin(), scaled.end());
    argv.insert(argv.end(), {"--scorer", join(s.scorers, ","), "--archs", archs, "--out", scores});
    p.add("score/zero-cost", "score", true, argv);
  }

  // 5. The analyses.
  auto wanted = [&](const std::string& a, bool applicable) {
    if (s.analyses.empty()) return applicable;
    const bool asked = std::find(s.analyses.begin(), s.analyses.end(), a) != s.analyses.end();
    WSNAS_CHECK_USAGE(!asked || applicable, "study file '", s.path, "': analysis '", a, "' needs ",
                      a == "tricks"    ? "two or more variants"
                      : a == "budgets" ? "two or more budgets"
                                       : "'" + a + " = k,...' in [study]");
    return asked;
  };
  // An analysis of score inputs: supernets' evaluations (by name, their --score-column), then
  // zero-cost scorers' columns of the scores file; `out` names its files ("" : the analysis).
  auto analyze = [&](const std::string& a, const std::vector<std::string>& names,
                     const std::vector<std::string>& extra,
                     const std::vector<std::string>& scorers = {}, std::string out = "") {
    std::vector<std::string> argv = {"wsnas-analyze", a, "--space", s.space, "--scores"};
    for (const auto& n : names) argv.push_back(evaluation(n));
    for (std::size_t i = 0; i < scorers.size(); ++i) argv.push_back(scores);
    argv.push_back("--score-column");
    if (names.empty() || scorers.empty()) {  // one column for every input
      argv.push_back(names.empty() ? scorers.front() : s.score_column);
    } else {
      for (std::size_t i = 0; i < names.size(); ++i) argv.push_back(s.score_column);
      argv.insert(argv.end(), scorers.begin(), scorers.end());
    }
    argv.insert(argv.end(), {"--truth", truth, "--truth-select", s.truth_select});
    if (!s.truth_report.empty()) argv.insert(argv.end(), {"--truth-report", s.truth_report});
    if (!s.truth_arch_column.empty())
      argv.insert(argv.end(), {"--truth-arch-column", s.truth_arch_column});
    // (a zero-cost scorer ranks higher as better: alone, it takes no --lower-is-better)
    if (s.lower_is_better && !names.empty()) argv.push_back("--lower-is-better");
    if (a != "bias" && a != "mutual" && a != "tricks")  // the analyses with a --k list
      argv.insert(argv.end(), {"--k", s.k});
    if (a != "bias")  // every correlation and top-k with its interval
      argv.insert(argv.end(), {"--bootstrap", std::to_string(s.bootstrap)});
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (out.empty()) out = a;
    const std::string path = dir + "/analysis/" + out;
    argv.insert(argv.end(), {"--out-csv", path + ".csv", "--out-h5", path + ".h5"});
    // A scorer's own analyses draw into a folder of their own (the figure is named after the
    // analysis: figures/<scorer>/ranking.png beside the supernet's figures/ranking.png).
    if (s.plot)
      argv.insert(argv.end(),
                  {"--plot", dir + "/figures" + (out == a ? "" : "/" + out.substr(a.size() + 1))});
    p.add("analyze/" + out, "analyze", false, argv, path + ".txt");
  };
  const std::string main_net = net(base, top_budget, seed0);
  if (wanted("ranking", true)) {
    analyze("ranking", {main_net}, {});
    for (const auto& sc : s.scorers) analyze("ranking", {}, {}, {sc}, "ranking-" + sc);
  }
  if (wanted("bias", true)) {
    const auto decision = s.bias_decision.empty()
                              ? std::vector<std::string>{}
                              : std::vector<std::string>{"--decision", s.bias_decision};
    analyze("bias", {main_net}, decision);
    for (const auto& sc : s.scorers) analyze("bias", {}, decision, {sc}, "bias-" + sc);
  }
  auto sweep = [&](const std::string& a, const std::vector<std::int64_t>& ks) {
    std::vector<std::string> names, x = {"--x"}, rep = {"--replicate"};
    if (a == "budgets") {
      for (const auto b : s.budgets)
        for (const auto seed : s.seeds) {
          names.push_back(net(base, b, seed));
          x.push_back(std::to_string(b));
          rep.push_back(std::to_string(seed));
        }
    } else {
      for (const auto k : ks)
        for (const auto seed : s.seeds) {
          names.push_back(k == 1 ? net(base, top_budget, seed)
                                 : a + "-k" + std::to_string(k) + "-s" + std::to_string(seed));
          x.push_back(std::to_string(k));
          rep.push_back(std::to_string(seed));
        }
    }
    x.insert(x.end(), rep.begin(), rep.end());
    if (a == "budgets" && !s.reference.empty()) {
      x.insert(x.end(), {"--reference", s.reference});
      if (!s.reference_label.empty()) x.insert(x.end(), {"--reference-label", s.reference_label});
    }
    analyze(a, names, x);
  };
  if (wanted("budgets", s.budgets.size() > 1)) sweep("budgets", {});
  {
    // Every supernet on the whole space at the largest budget, then the baseline's other
    // budgets; labelled as the paper's Fig. 3 ("1000 ep") and Fig. 7 (the variant's name).
    std::vector<std::string> all, labels = {"--label"};
    auto add = [&](const Variant& v, std::int64_t epochs, std::int64_t seed) {
      const auto before = all.size();
      push_unique(all, net(v, epochs, seed));
      if (all.size() == before) return;
      std::string label = &v == &base && (s.variants.size() == 1 || epochs != top_budget)
                              ? std::to_string(fixed(v, "--epochs", epochs)) + " ep"
                              : v.name;
      if (s.seeds.size() > 1) label += " s" + std::to_string(fixed(v, "--seed", seed));
      labels.push_back(label);
    };
    for (const auto& v : s.variants)
      for (const auto seed : s.seeds) add(v, top_budget, seed);
    if (s.budgets.size() > 1)
      for (const auto b : s.budgets)
        if (b != top_budget) add(base, b, seed0);
    labels.insert(labels.end(), s.scorers.begin(), s.scorers.end());
    if (wanted("mutual", true)) analyze("mutual", all, labels, s.scorers);
  }
  if (wanted("tricks", s.variants.size() > 1)) {
    std::vector<std::string> names;
    for (const auto& v : s.variants) names.push_back(net(v, top_budget, seed0));
    analyze("tricks", names, {});
  }
  if (wanted("density", !s.density.empty())) sweep("density", s.density);
  if (wanted("pruning", !s.pruning.empty())) sweep("pruning", s.pruning);
  // 6. Search with the main supernet as the fitness, each architecture scored when the search
  // asks (docs/search.md); its trajectories' figure is figures/search.png.
  if (!s.search.empty()) {
    std::vector<std::string> argv = {"wsnas-search",
                                     "--fitness-checkpoint",
                                     dir + "/supernets/" + main_net + "/supernet.h5",
                                     "--strategy",
                                     join(s.search, ","),
                                     "--budget",
                                     std::to_string(s.search_budget),
                                     "--seeds",
                                     s.search_seeds,
                                     "--bootstrap",
                                     std::to_string(s.bootstrap)};
    if (s.search_truth && s.truth != "farm") {
      argv.insert(argv.end(), {"--truth", truth, "--truth-column", s.truth_select});
      if (!s.truth_arch_column.empty())
        argv.insert(argv.end(), {"--truth-arch-column", s.truth_arch_column});
    }
    argv.insert(argv.end(), s.search_options.begin(), s.search_options.end());
    const std::string path = dir + "/analysis/search";
    argv.insert(argv.end(), {"--out", path + ".h5"});
    if (s.plot) argv.insert(argv.end(), {"--plot", dir + "/figures"});
    p.add("analyze/search", "analyze", false, argv, path + ".txt");
  }
  std::vector<std::string> ids;
  for (const auto& r : p.runs) {
    WSNAS_CHECK(std::find(ids.begin(), ids.end(), r.id) == ids.end(), "plan: run id '", r.id,
                "' twice");
    ids.push_back(r.id);
  }
  return p.runs;
}

std::string plan_tsv(const std::vector<Run>& runs) {
  std::ostringstream os;
  os << "id\tstage\tlaunch\tstdout\tcommand\n";
  for (const auto& r : runs) {
    std::string cmd;
    for (const auto& a : r.argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
    os << r.id << '\t' << r.stage << '\t' << (r.mpi ? "mpi" : "local") << '\t'
       << (r.stdout_file.empty() ? "-" : r.stdout_file) << '\t' << cmd << '\n';
  }
  return os.str();
}

std::vector<Run> read_plan(const std::string& path) {
  std::ifstream in(path);
  WSNAS_CHECK_INPUT(in, "plan '", path, "': cannot open (write it with `wsnas-study plan`)");
  std::vector<Run> runs;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) {
      WSNAS_CHECK_INPUT(line == "id\tstage\tlaunch\tstdout\tcommand", "plan '", path,
                        "' line 1: expected the header 'id<TAB>stage<TAB>launch<TAB>stdout<TAB>"
                        "command'");
      continue;
    }
    if (line.empty()) continue;
    const auto f = split(line, '\t');
    WSNAS_CHECK_INPUT(f.size() == 5, "plan '", path, "' line ", lineno,
                      ": expected 5 tab-separated fields, found ", f.size());
    WSNAS_CHECK_INPUT(std::find(stages().begin(), stages().end(), f[1]) != stages().end(), "plan '",
                      path, "' line ", lineno, ": unknown stage '", f[1], "'");
    WSNAS_CHECK_INPUT(f[2] == "mpi" || f[2] == "local", "plan '", path, "' line ", lineno,
                      ": launch '", f[2], "': expected mpi or local");
    Run r{f[0], f[1], f[2] == "mpi", f[3] == "-" ? "" : f[3], shell_split(f[4])};
    WSNAS_CHECK_INPUT(!r.argv.empty() && starts_with(r.argv[0], "wsnas-") &&
                          r.argv[0].find('/') == std::string::npos,
                      "plan '", path, "' line ", lineno,
                      ": the command must start with a wsnas app, found '", f[4], "'");
    for (const auto& other : runs)
      WSNAS_CHECK_INPUT(other.id != r.id, "plan '", path, "' line ", lineno, ": run id '", r.id,
                        "' given twice");
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace wsnas::study

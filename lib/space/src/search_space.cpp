#include "wsnas/space/search_space.h"

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/strings.h"
#include "wsnas/core/text_reader.h"

namespace wsnas::space {

std::optional<std::uint64_t> SearchSpace::size() const {
  unsigned __int128 total = 1;
  for (const auto& d : decisions()) {
    total *= d.options.size();
    if (total > UINT64_MAX) return std::nullopt;
  }
  return static_cast<std::uint64_t>(total);
}

std::vector<std::size_t> SearchSpace::fair_decisions() const {
  std::vector<std::size_t> all(decisions().size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

Arch SearchSpace::sample(Rng& rng, bool valid_only) const {
  const auto& ds = decisions();
  for (int attempt = 0; attempt < 1000000; ++attempt) {
    Arch a;
    a.choices.reserve(ds.size());
    for (const auto& d : ds) a.choices.push_back(static_cast<int>(rng.below(d.options.size())));
    if (!valid_only || is_valid(a)) return a;
  }
  throw Error("space " + name() + ": no valid architecture found in 10^6 draws");
}

void SearchSpace::check(const Arch& arch) const {
  const auto& ds = decisions();
  WSNAS_CHECK_INPUT(arch.choices.size() == ds.size(), "space ", name(), ": architecture has ",
                    arch.choices.size(), " decisions, expected ", ds.size());
  for (std::size_t i = 0; i < ds.size(); ++i) {
    WSNAS_CHECK_INPUT(
        arch.choices[i] >= 0 && static_cast<std::size_t>(arch.choices[i]) < ds[i].options.size(),
        "space ", name(), ": decision '", ds[i].name, "' has choice ", arch.choices[i],
        ", expected 0..", ds[i].options.size() - 1);
  }
}

std::vector<std::pair<std::string, std::string>> SearchSpace::describe(const Arch& arch) const {
  check(arch);
  std::vector<std::pair<std::string, std::string>> out;
  const auto& ds = decisions();
  for (std::size_t i = 0; i < ds.size(); ++i)
    out.emplace_back(ds[i].name, ds[i].options[static_cast<std::size_t>(arch.choices[i])]);
  return out;
}

std::vector<Arch> sample_architectures(const SearchSpace& space, std::size_t n, Rng& rng,
                                       bool valid_only, bool with_replacement,
                                       const std::vector<Arch>* pool,
                                       const std::function<bool(const Arch&)>& accept,
                                       bool at_most) {
  std::vector<Arch> out;
  std::vector<Arch> enumerated;  // an enumerable space under a filter: its accepted members
  if (accept && !pool && !with_replacement) {
    const auto total = space.size();
    if (total && *total <= 100000000ULL && space.at(0)) {
      for (std::uint64_t i = 0; i < *total; ++i) {
        Arch a = *space.at(static_cast<std::int64_t>(i));
        if ((!valid_only || space.is_valid(a)) && accept(a)) enumerated.push_back(std::move(a));
      }
      pool = &enumerated;
    }
  }
  if (pool) {
    std::vector<Arch> candidates;
    for (const auto& a : *pool)
      if ((!valid_only || space.is_valid(a)) && (!accept || accept(a))) candidates.push_back(a);
    if (!with_replacement) {
      std::sort(candidates.begin(), candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      if (at_most) n = std::min(n, candidates.size());
      WSNAS_CHECK_INPUT(candidates.size() >= n, "cannot sample ", n,
                        " distinct architectures from a pool of ", candidates.size(),
                        valid_only ? " valid" : "", " architectures",
                        accept ? " within the cost limit" : "");
      out.reserve(n);
      // Partial Fisher-Yates: the first n of a uniform random permutation.
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t j = i + static_cast<std::size_t>(rng.below(candidates.size() - i));
        std::swap(candidates[i], candidates[j]);
        out.push_back(candidates[i]);
      }
      return out;
    }
    WSNAS_CHECK_INPUT(!candidates.empty() || n == 0, "cannot sample from an empty pool");
    for (std::size_t i = 0; i < n; ++i) out.push_back(candidates[rng.below(candidates.size())]);
    return out;
  }
  if (at_most && !with_replacement) {  // the whole space: cap n when it is enumerable
    const auto total = space.size();
    if (total && *total <= 100000000ULL && space.at(0)) {
      std::size_t count = 0;
      for (std::uint64_t i = 0; i < *total && count < n; ++i)
        count += !valid_only || space.is_valid(*space.at(static_cast<std::int64_t>(i))) ? 1 : 0;
      n = std::min(n, count);
    }
  }
  out.reserve(n);
  std::size_t rejected = 0;
  auto draw = [&] {  // one architecture `accept` takes, by rejection
    for (;;) {
      Arch a = space.sample(rng, valid_only);
      if (!accept || accept(a)) return a;
      WSNAS_CHECK_INPUT(++rejected < 100 * n + 1000000, "cannot find ", n,
                        " architectures within the cost limit in space ", space.name());
    }
  };
  if (with_replacement) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(draw());
    return out;
  }
  if (auto total = space.size()) {
    WSNAS_CHECK_INPUT(n <= *total, "cannot sample ", n, " distinct architectures from space ",
                      space.name(), " of ", *total);
  }
  std::set<Arch> seen;
  std::size_t attempts = 0;
  while (out.size() < n) {
    Arch a = draw();
    WSNAS_CHECK_INPUT(++attempts < 100 * n + 1000000, "cannot find ", n, " distinct",
                      valid_only ? " valid" : "", " architectures in space ", space.name());
    if (seen.insert(a).second) out.push_back(std::move(a));
  }
  return out;
}

Arch parse_arch_or_index(const SearchSpace& space, const std::string& text) {
  std::string t = trim(text);
  std::int64_t idx = 0;
  if (!t.empty() && t.find_first_not_of("0123456789") == std::string::npos && parse_int(t, idx)) {
    auto a = space.at(idx);
    WSNAS_CHECK_INPUT(a.has_value(), "space ", space.name(),
                      " has no index order: give architectures as strings, not '", t, "'");
    return *a;
  }
  return space.parse(t);
}

std::vector<std::size_t> longest_first(const SearchSpace& space, const std::vector<Arch>& archs) {
  std::vector<std::int64_t> flops(archs.size(), 0);
  for (std::size_t i = 0; i < archs.size(); ++i) {
    if (const auto c = space.cost(archs[i], CostOptions{})) flops[i] = c->flops;
  }
  std::vector<std::size_t> order(archs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return flops[a] > flops[b]; });
  return order;
}

std::vector<Arch> read_arch_list(const SearchSpace& space, const std::string& path) {
  check_input_file(path, "file");
  TextReader in(path);  // plain or gzip-compressed
  WSNAS_CHECK_INPUT(in, "file '", path, "': cannot open (expected a list of architectures)");
  std::vector<Arch> out;
  std::string line;
  int lineno = 0;
  int column = -1;  // CSV column holding the architecture, when the file is a table
  int check_col =
      -1;  // the `index` column when `arch` is read: both must name the same architecture
  char sep = ',';
  bool first = true;
  while (in.getline(line)) {
    ++lineno;
    if (lineno == 1) strip_bom(line);
    check_text_line(line, "file '" + path + "' line " + std::to_string(lineno));
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (first) {
      first = false;
      // A table's header names the column to read ("arch" preferred, else "index"). A first
      // line that is itself an architecture (a DARTS Genotype holds commas) starts a plain list.
      bool is_arch = false;
      try {
        parse_arch_or_index(space, t);
        is_arch = true;
      } catch (const InputError&) {
      }
      bool table =
          !is_arch && (t.find(',') != std::string::npos || t.find('\t') != std::string::npos);
      if (table || t == "arch" || t == "index") {
        sep = t.find('\t') != std::string::npos ? '\t' : ',';
        auto cells = split_csv(t, sep);
        // The architecture's column: ours ("arch"), then the paper's published tables'
        // ("genotype", "architecture", "architecture_json"), else the official index.
        const char* names[] = {"arch", "genotype", "architecture", "architecture_json"};
        int arch_col = -1, index_col = -1, rank = 4;
        for (std::size_t i = 0; i < cells.size(); ++i) {
          const std::string c = trim(cells[i]);
          for (int n = 0; n < rank; ++n) {
            if (c == names[n]) {
              arch_col = static_cast<int>(i);
              rank = n;
            }
          }
          if (c == "index") index_col = static_cast<int>(i);
        }
        column = arch_col >= 0 ? arch_col : index_col;
        if (arch_col >= 0 && index_col >= 0) check_col = index_col;
        WSNAS_CHECK_INPUT(column >= 0, "file '", path, "' line ", lineno,
                          ": a table needs a header with a column named 'arch' (or 'genotype', "
                          "'architecture', 'architecture_json') or 'index'");
        continue;
      }
    }
    std::string field = t;
    if (column >= 0) {
      auto cells = split_csv(t, sep);
      WSNAS_CHECK_INPUT(static_cast<int>(cells.size()) > column, "file '", path, "' line ", lineno,
                        ": expected at least ", column + 1, " columns, found ", cells.size());
      field = cells[static_cast<std::size_t>(column)];
    }
    try {
      out.push_back(parse_arch_or_index(space, field));
      if (check_col >= 0) {
        const auto cells = split_csv(t, sep);
        std::int64_t index = -1;
        const std::string text = static_cast<int>(cells.size()) > check_col
                                     ? trim(cells[static_cast<std::size_t>(check_col)])
                                     : "";
        const auto own = space.index_of(out.back());
        WSNAS_CHECK_INPUT(parse_int(text, index) && own && *own == index, "column 'index' holds '",
                          text, "' but column 'arch' is architecture ",
                          own ? std::to_string(*own) : std::string("(none)"),
                          "; the two columns disagree");
      }
    } catch (const InputError& e) {
      throw InputError("file '" + path + "' line " + std::to_string(lineno) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace wsnas::space

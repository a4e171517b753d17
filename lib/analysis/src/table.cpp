#include "wsnas/analysis/table.h"

#include <fstream>
#include <map>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

namespace wsnas::analysis {

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw InputError("file '" + path + "': no column '" + name + "' (columns: " + join(header, ", ") + ")");
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  WSNAS_CHECK_INPUT(in, "file '", path, "': cannot open (expected a CSV table with a header row)");
  CsvTable t;
  t.path = path;
  std::string line;
  int lineno = 0;
  char sep = ',';
  while (std::getline(in, line)) {
    ++lineno;
    std::string s = trim(line);
    if (s.empty() || s[0] == '#') continue;
    if (t.header.empty()) {
      sep = s.find('\t') != std::string::npos && s.find(',') == std::string::npos ? '\t' : ',';
      for (auto& h : split(s, sep)) t.header.push_back(trim(h));
      continue;
    }
    auto cells = split(s, sep);
    WSNAS_CHECK_INPUT(cells.size() == t.header.size(), "file '", path, "' line ", lineno, ": ",
                      cells.size(), " fields, expected ", t.header.size(), " as in the header");
    for (auto& c : cells) c = trim(c);
    t.rows.push_back(std::move(cells));
    t.line_of_row.push_back(lineno);
  }
  WSNAS_CHECK_INPUT(!t.header.empty(), "file '", path, "': empty (expected a CSV table with a header row)");
  return t;
}

ArchValues read_arch_values(const space::SearchSpace& space, const std::string& path,
                            const std::string& value_column, const std::string& arch_column) {
  CsvTable t = read_csv(path);
  std::size_t ac = 0;
  if (!arch_column.empty()) {
    ac = t.column(arch_column);
  } else {
    bool found = false;
    for (const char* name : {"arch", "ArchitectureString", "index"}) {
      for (std::size_t i = 0; i < t.header.size() && !found; ++i) {
        if (t.header[i] == name) {
          ac = i;
          found = true;
        }
      }
    }
    WSNAS_CHECK_INPUT(found, "file '", path, "': no architecture column (expected 'arch' or 'index'; columns: ",
                      join(t.header, ", "), ")");
  }
  const std::size_t vc = t.column(value_column);
  ArchValues out;
  out.source = path + ":" + value_column;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string where = "file '" + path + "' line " + std::to_string(t.line_of_row[r]);
    double v = 0;
    WSNAS_CHECK_INPUT(parse_double(t.rows[r][vc], v), where, ": column '", value_column, "' holds '",
                      t.rows[r][vc], "', expected a number");
    try {
      out.archs.push_back(space::parse_arch_or_index(space, t.rows[r][ac]));
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
    out.values.push_back(v);
  }
  return out;
}

Joined join_by_arch(const space::SearchSpace& space, const ArchValues& a, const ArchValues& b) {
  std::map<space::Arch, std::size_t> in_b;
  for (std::size_t i = 0; i < b.archs.size(); ++i) {
    WSNAS_CHECK_INPUT(in_b.emplace(b.archs[i], i).second, b.source, ": architecture ",
                      space.to_string(b.archs[i]), " appears twice");
  }
  Joined j;
  std::map<space::Arch, bool> seen;
  for (std::size_t i = 0; i < a.archs.size(); ++i) {
    WSNAS_CHECK_INPUT(seen.emplace(a.archs[i], true).second, a.source, ": architecture ",
                      space.to_string(a.archs[i]), " appears twice");
    auto it = in_b.find(a.archs[i]);
    if (it == in_b.end()) continue;
    j.archs.push_back(a.archs[i]);
    j.a.push_back(a.values[i]);
    j.b.push_back(b.values[it->second]);
  }
  return j;
}

}  // namespace wsnas::analysis

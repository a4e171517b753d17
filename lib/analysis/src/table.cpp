#include "wsnas/analysis/table.h"

#include <cmath>
#include <fstream>
#include <map>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/strings.h"
#include "wsnas/core/text_reader.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/results.h"

namespace wsnas::analysis {

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw InputError("file '" + path + "': no column '" + name + "' (columns: " + join(header, ", ") +
                   ")");
}

CsvTable read_csv(const std::string& path) {
  check_input_file(path, "file");
  TextReader in(path);  // .csv or .csv.gz
  WSNAS_CHECK_INPUT(in, "file '", path, "': cannot open (expected a CSV table with a header row)");
  CsvTable t;
  t.path = path;
  std::string line;
  int lineno = 0;
  char sep = ',';
  while (in.getline(line)) {
    ++lineno;
    if (lineno == 1) strip_bom(line);
    check_text_line(line, "file '" + path + "' line " + std::to_string(lineno));
    std::string s = trim(line);
    if (s.empty() || s[0] == '#') continue;
    if (t.header.empty()) {
      sep = s.find('\t') != std::string::npos && s.find(',') == std::string::npos ? '\t' : ',';
      for (auto& h : split_csv(s, sep)) t.header.push_back(trim(h));
      continue;
    }
    bool closed = true;
    auto cells = split_csv(s, sep, &closed);
    WSNAS_CHECK_INPUT(closed, "file '", path, "' line ", lineno,
                      ": a quoted field is not closed (fields may not span lines)");
    WSNAS_CHECK_INPUT(cells.size() == t.header.size(), "file '", path, "' line ", lineno, ": ",
                      cells.size(), " fields, expected ", t.header.size(), " as in the header");
    for (auto& c : cells) c = trim(c);
    t.rows.push_back(std::move(cells));
    t.line_of_row.push_back(lineno);
  }
  WSNAS_CHECK_INPUT(!t.header.empty(), "file '", path,
                    "': empty (expected a CSV table with a header row)");
  return t;
}

CsvTable read_h5_table(const std::string& path) {
  auto f = io::File::open(path);
  io::check_results(f);
  WSNAS_CHECK_INPUT(f.exists("/results"), f.where("/results"),
                    ": missing (expected a wsnas results table)");
  CsvTable t;
  t.path = path;
  std::vector<std::vector<std::string>> cols;
  for (const auto& name : f.list("/results")) {
    const std::string obj = "/results/" + name;
    if (f.shape(obj).size() != 1) continue;
    std::vector<std::string> col;
    try {
      col = f.read_strings(obj);
    } catch (const Error&) {
      char buf[40];
      for (double v : f.read_f64(obj)) {
        std::snprintf(buf, sizeof buf, "%.17g", v);
        col.emplace_back(buf);
      }
    }
    WSNAS_CHECK_INPUT(cols.empty() || col.size() == cols.front().size(), f.where(obj), ": ",
                      col.size(), " rows, other columns have ",
                      cols.empty() ? 0 : cols.front().size());
    t.header.push_back(name);
    cols.push_back(std::move(col));
  }
  WSNAS_CHECK_INPUT(!cols.empty(), f.where("/results"), ": no columns");
  for (std::size_t r = 0; r < cols.front().size(); ++r) {
    std::vector<std::string> row;
    for (const auto& c : cols) row.push_back(c[r]);
    t.rows.push_back(std::move(row));
    t.line_of_row.push_back(static_cast<int>(r));
  }
  return t;
}

CsvTable read_table(const std::string& path) {
  check_input_file(path, "file");
  return io::is_hdf5(path) ? read_h5_table(path) : read_csv(path);
}

void filter_rows(CsvTable& t, const std::vector<std::string>& filters) {
  for (const auto& flt : filters) {
    const auto eq = flt.find('=');
    WSNAS_CHECK_USAGE(eq != std::string::npos && eq > 0, "filter '", flt,
                      "': expected COLUMN=VALUE");
    const std::size_t c = t.column(trim(flt.substr(0, eq)));
    const std::string want = trim(flt.substr(eq + 1));
    double wv = 0;
    const bool numeric = parse_double(want, wv);
    CsvTable kept = t;
    kept.rows.clear();
    kept.line_of_row.clear();
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      double v = 0;
      const bool match =
          t.rows[r][c] == want || (numeric && parse_double(t.rows[r][c], v) && v == wv);
      if (match) {
        kept.rows.push_back(t.rows[r]);
        kept.line_of_row.push_back(t.line_of_row[r]);
      }
    }
    WSNAS_CHECK_INPUT(!kept.rows.empty(), "file '", t.path, "': no row has ", flt);
    t = std::move(kept);
  }
}

ArchValues read_arch_values(const space::SearchSpace& space, const std::string& path,
                            const std::string& value_column, const std::string& arch_column,
                            const std::vector<std::string>& filters, bool drop_nonfinite) {
  CsvTable t = read_table(path);
  WSNAS_CHECK_INPUT(!t.rows.empty(), "file '", path,
                    "': no rows under the header (expected one row per architecture)");
  filter_rows(t, filters);
  return read_arch_values(space, t, value_column, arch_column, drop_nonfinite);
}

ArchValues read_arch_values(const space::SearchSpace& space, const CsvTable& t,
                            const std::string& value_column, const std::string& arch_column,
                            bool drop_nonfinite) {
  const std::string& path = t.path;
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
    WSNAS_CHECK_INPUT(found, "file '", path,
                      "': no architecture column (expected 'arch' or 'index'; columns: ",
                      join(t.header, ", "), ")");
  }
  const std::size_t vc = t.column(value_column);
  // A table with an architecture string column and an `index` column: both must agree.
  int check_index = -1;
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    if (t.header[i] == "index" && i != ac) check_index = static_cast<int>(i);
  }
  ArchValues out;
  out.source = path + ":" + value_column;
  const char* row_word = io::is_hdf5(path) ? "' row " : "' line ";  // once, not per row
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string where = "file '" + path + row_word + std::to_string(t.line_of_row[r]);
    ++out.rows;
    if (trim(t.rows[r][vc]).empty()) {  // a missing value: left out of this analysis, counted
      ++out.dropped_empty;
      continue;
    }
    double v = 0;
    WSNAS_CHECK_INPUT(parse_double(t.rows[r][vc], v), where, ": column '", value_column,
                      "' holds '", t.rows[r][vc], "', expected a number");
    if (!std::isfinite(v)) {
      WSNAS_CHECK_INPUT(drop_nonfinite, where, ": column '", value_column, "' holds '",
                        t.rows[r][vc],
                        "', not a finite number (--drop-nonfinite leaves such rows out)");
      ++out.dropped_nonfinite;
      continue;
    }
    try {
      out.archs.push_back(space::parse_arch_or_index(space, t.rows[r][ac]));
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
    if (check_index >= 0) {
      const std::string& text = t.rows[r][static_cast<std::size_t>(check_index)];
      std::int64_t index = -1;
      const auto own = space.index_of(out.archs.back());
      WSNAS_CHECK_INPUT(parse_int(trim(text), index) && own && *own == index, where,
                        ": column 'index' holds '", text, "' but column '", t.header[ac],
                        "' is architecture ", own ? std::to_string(*own) : std::string("(none)"),
                        "; the two columns disagree");
    }
    out.values.push_back(v);
  }
  return out;
}

Joined join_by_arch(const space::SearchSpace& space, const ArchValues& a, const ArchValues& b) {
  std::map<space::Arch, std::size_t> in_b;
  for (std::size_t i = 0; i < b.archs.size(); ++i) {
    WSNAS_CHECK_INPUT(in_b.emplace(b.archs[i], i).second, b.source, ": architecture ",
                      space.to_string(b.archs[i]),
                      " appears twice (several checkpoints? pick one, e.g. epoch=N)");
  }
  // Rows of b by class, when a class shares one ground truth: the row, and how many there are.
  // Built when first needed (an architecture of `a` without a row of its own): the canonical form
  // of every row of a large table (NAS-Bench-101's) costs seconds.
  std::map<std::string, std::pair<std::size_t, int>> class_of_b;
  bool classes_built = false;
  auto classes = [&]() -> const std::map<std::string, std::pair<std::size_t, int>>& {
    if (!classes_built && space.truth_by_canonical()) {
      for (std::size_t i = 0; i < b.archs.size(); ++i) {
        auto [it, fresh] = class_of_b.emplace(space.canonical(b.archs[i]), std::make_pair(i, 1));
        if (!fresh) ++it->second.second;
      }
    }
    classes_built = true;
    return class_of_b;
  };
  Joined j;
  std::map<space::Arch, bool> seen;
  for (std::size_t i = 0; i < a.archs.size(); ++i) {
    WSNAS_CHECK_INPUT(seen.emplace(a.archs[i], true).second, a.source, ": architecture ",
                      space.to_string(a.archs[i]),
                      " appears twice (several checkpoints? pick one, e.g. epoch=N)");
    std::size_t row = 0;
    if (auto it = in_b.find(a.archs[i]); it != in_b.end()) {
      row = it->second;
    } else if (auto c = classes().find(space.canonical(a.archs[i])); c != class_of_b.end()) {
      WSNAS_CHECK_INPUT(c->second.second == 1, b.source, ": ", c->second.second,
                        " rows share the class ", c->first, " of architecture ",
                        space.to_string(a.archs[i]),
                        ", which has no row of its own (expected one row per class)");
      row = c->second.first;
    } else {
      continue;
    }
    j.archs.push_back(a.archs[i]);
    j.truth_archs.push_back(b.archs[row]);
    j.a.push_back(a.values[i]);
    j.b.push_back(b.values[row]);
  }
  return j;
}

}  // namespace wsnas::analysis

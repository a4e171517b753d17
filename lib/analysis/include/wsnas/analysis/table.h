#pragma once
/// Plain CSV tables (header row, comma- or tab-separated, no quoting) so users can bring external
/// predictions or benchmark data, and the join of supernet scores with ground truth.

#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::analysis {

/// A CSV file read whole; cells are strings.
struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line_of_row;  ///< 1-based file line of each row, for messages
  /// Column index by name; InputError naming the file and the columns present otherwise.
  std::size_t column(const std::string& name) const;
};

/// Reads a CSV table; InputError naming the file and line on ragged rows.
CsvTable read_csv(const std::string& path);

/// One named value per architecture, read from a table: `arch_column` holds architectures
/// (strings or, for enumerable spaces, indices; "" picks `arch`, then `index`), `value_column` a number.
struct ArchValues {
  std::vector<space::Arch> archs;
  std::vector<double> values;
  std::string source;  ///< "file:column"
};
ArchValues read_arch_values(const space::SearchSpace& space, const std::string& path,
                            const std::string& value_column, const std::string& arch_column = "");

/// Rows of `a` and `b` for the same architecture (by the space's string), in `a`'s order.
/// Duplicated architectures in either input are an InputError.
struct Joined {
  std::vector<space::Arch> archs;
  std::vector<double> a, b;
};
Joined join_by_arch(const space::SearchSpace& space, const ArchValues& a, const ArchValues& b);

}  // namespace wsnas::analysis

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
/// Reads the /results table of a wsnas HDF5 result file (kinds evaluation, groundtruth, ...: 1-D
/// datasets of equal length, one per column) as a table of strings; numbers keep full precision.
CsvTable read_h5_table(const std::string& path);
/// read_h5_table for HDF5 files, read_csv otherwise.
CsvTable read_table(const std::string& path);
/// Keeps the rows where column = value, for each "column=value" in `filters` (e.g. "epoch=8");
/// InputError naming the file when a filter is malformed or no row is left.
void filter_rows(CsvTable& t, const std::vector<std::string>& filters);

/// One named value per architecture, read from a table: `arch_column` holds architectures
/// (strings or, for enumerable spaces, indices; "" picks `arch`, then `index`), `value_column` a
/// finite number. An empty cell is a missing value (the published seed-43 columns): the row is
/// left out and counted. A non-finite value (nan, inf) is an InputError naming the file, line and
/// column, unless `drop_nonfinite`: then the row is left out and counted.
struct ArchValues {
  std::vector<space::Arch> archs;
  std::vector<double> values;
  std::string source;                  ///< "file:column"
  std::int64_t rows = 0;               ///< rows read (kept and left out)
  std::int64_t dropped_empty = 0;      ///< rows left out for an empty cell
  std::int64_t dropped_nonfinite = 0;  ///< rows left out for a non-finite value
};
ArchValues read_arch_values(const space::SearchSpace& space, const CsvTable& table,
                            const std::string& value_column, const std::string& arch_column = "",
                            bool drop_nonfinite = false);
/// The same from a file (CSV or wsnas HDF5), keeping rows that pass `filters`.
ArchValues read_arch_values(const space::SearchSpace& space, const std::string& path,
                            const std::string& value_column, const std::string& arch_column = "",
                            const std::vector<std::string>& filters = {},
                            bool drop_nonfinite = false);

/// Rows of `a` and `b` for the same architecture (by the space's string), in `a`'s order.
/// Duplicated architectures in either input are an InputError. Where the space's benchmark trained
/// one network per isomorphism class (SearchSpace::truth_by_canonical: NAS-Bench-101, one per graph
/// hash), an architecture of `a` absent from `b` joins the row of `b` of its class; several such
/// rows (none of them the architecture itself) are an InputError.
struct Joined {
  std::vector<space::Arch> archs;        ///< from `a`
  std::vector<space::Arch> truth_archs;  ///< the row of `b` each joined (its class's, or itself)
  std::vector<double> a, b;
};
Joined join_by_arch(const space::SearchSpace& space, const ArchValues& a, const ArchValues& b);

}  // namespace wsnas::analysis

// wsnas HDF5 result files as the analysis reads them (--scores/--truth FILE.h5): the /results
// table, its kind and schema checks, and the values of each column. The HDF5 library itself is
// Debian's (not instrumented); a crash inside it is still a finding to report upstream.
#include <cmath>

#include "fuzz_support.h"
#include "wsnas/analysis/table.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/results.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  static const auto nb201 = space::make_space(space::default_space_name());
  const fuzz::MemFile file(data, size);
  analysis::CsvTable table;
  try {
    table = analysis::read_h5_table(file.path());
  } catch (const wsnas::Error&) {
    return 0;
  }
  for (const auto& row : table.rows)
    if (row.size() != table.header.size())
      fuzz::finding("columns of different lengths were accepted");
  for (const auto& column : table.header) {
    fuzz::refused_or_parsed([&] {
      for (double x : analysis::read_arch_values(*nb201, table, column, "", true).values)
        if (!std::isfinite(x)) fuzz::finding("a non-finite value was accepted");
    });
  }
  return 0;
}

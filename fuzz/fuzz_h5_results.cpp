// wsnas HDF5 result files as the analysis reads them (--scores/--truth FILE.h5): the /results
// table, its kind and schema checks, and the values of each column. The HDF5 library itself is
// Debian's (not instrumented); a crash inside it is still a finding to report upstream.
#include "fuzz_tables.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const fuzz::MemFile file(data, size);
  analysis::CsvTable table;
  try {
    table = analysis::read_h5_table(file.path());
  } catch (const wsnas::Error&) {
    return 0;
  }
  fuzz::check_table(table, table.header.size());
  return 0;
}

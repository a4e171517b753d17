// CSV/TSV tables (scores, ground truths): read, filtered and turned into architecture values, as
// wsnas-analyze does with --score-column, --score-where and --drop-nonfinite.
#include "fuzz_tables.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const fuzz::MemFile file(data, size);
  analysis::CsvTable table;
  try {
    table = analysis::read_csv(file.path());
  } catch (const wsnas::Error&) {
    return 0;
  }
  fuzz::check_table(table);
  if (!table.rows.empty() && !table.header.empty()) {
    fuzz::refused_or_parsed([&] {
      auto copy = table;
      analysis::filter_rows(copy, {table.header[0] + "=" + table.rows[0][0]});
      if (copy.rows.empty()) fuzz::finding("a filter kept no row without an error");
    });
  }
  return 0;
}

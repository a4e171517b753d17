// CSV/TSV tables (scores, ground truths): read, filtered and turned into architecture values, as
// wsnas-analyze does with --score-column, --score-where and --drop-nonfinite.
#include <cmath>
#include <memory>

#include "fuzz_support.h"
#include "wsnas/analysis/table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  static const auto nb201 = space::make_space(space::default_space_name());
  const fuzz::MemFile file(data, size);
  analysis::CsvTable table;
  try {
    table = analysis::read_csv(file.path());
  } catch (const wsnas::Error&) {
    return 0;
  }
  for (const auto& row : table.rows)
    if (row.size() != table.header.size()) fuzz::finding("a ragged row was accepted");
  const std::size_t columns = std::min<std::size_t>(table.header.size(), 4);
  for (std::size_t c = 0; c < columns; ++c) {
    for (bool drop : {false, true}) {
      fuzz::refused_or_parsed([&] {
        const auto v = analysis::read_arch_values(*nb201, table, table.header[c], "", drop);
        if (v.archs.size() != v.values.size()) fuzz::finding("archs and values differ in length");
        for (double x : v.values)
          if (!std::isfinite(x)) fuzz::finding("a non-finite value was accepted");
      });
    }
    if (!table.rows.empty()) {
      fuzz::refused_or_parsed([&] {
        auto copy = table;
        analysis::filter_rows(copy, {table.header[c] + "=" + table.rows[0][c]});
      });
    }
  }
  return 0;
}

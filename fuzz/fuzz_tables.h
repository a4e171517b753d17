#pragma once
// What the table targets (CSV and HDF5 results) check once a table was read: rows as long as the
// header, and each column's values as the analysis takes them (finite numbers only).
#include <algorithm>
#include <cmath>

#include "fuzz_spaces.h"
#include "fuzz_support.h"
#include "wsnas/analysis/table.h"

namespace wsnas::fuzz {

inline void check_table(const analysis::CsvTable& table, std::size_t max_columns = 4) {
  for (const auto& row : table.rows)
    if (row.size() != table.header.size()) finding("a row of another length than the header");
  const std::size_t columns = std::min(table.header.size(), max_columns);
  for (const auto& sp : all_spaces()) {
    for (std::size_t c = 0; c < columns; ++c) {
      for (bool drop : {false, true}) {
        refused_or_parsed([&] {
          const auto v = analysis::read_arch_values(*sp, table, table.header[c], "", drop);
          if (v.archs.size() != v.values.size()) finding("archs and values differ in length");
          for (double x : v.values)
            if (!std::isfinite(x)) finding("a non-finite value was accepted");
        });
      }
    }
  }
}

}  // namespace wsnas::fuzz

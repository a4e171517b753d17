// Architecture lists (one per line, or a CSV/TSV table with an `arch` or `index` column), for
// every space.
#include <memory>
#include <vector>

#include "fuzz_spaces.h"
#include "fuzz_support.h"
#include "wsnas/space/search_space.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const fuzz::MemFile file(data, size);
  for (const auto& sp : fuzz::all_spaces()) {
    fuzz::refused_or_parsed([&] {
      for (const auto& a : space::read_arch_list(*sp, file.path()))
        if (!sp->is_valid(a) && sp->to_string(a).empty())
          fuzz::finding("an architecture prints empty");
    });
  }
  return 0;
}

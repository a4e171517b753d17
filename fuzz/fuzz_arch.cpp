// Architecture strings of every space: parse refuses with a wsnas::Error or gives an architecture
// that prints and parses back to itself.
#include <memory>
#include <vector>

#include "fuzz_spaces.h"
#include "fuzz_support.h"
#include "wsnas/space/search_space.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& sp : fuzz::all_spaces()) {
    fuzz::refused_or_parsed([&] {
      const space::Arch a = sp->parse(text);
      const std::string printed = sp->to_string(a);
      if (sp->parse(printed) != a)
        fuzz::finding(sp->name() + ": '" + printed + "' does not parse back");
      sp->is_valid(a);
      sp->canonical(a);
      if (auto i = sp->index_of(a); i && sp->at(*i) != std::optional<space::Arch>(a))
        fuzz::finding(sp->name() + ": index_of/at disagree");
    });
    fuzz::refused_or_parsed([&] { space::parse_arch_or_index(*sp, text); });
  }
  return 0;
}

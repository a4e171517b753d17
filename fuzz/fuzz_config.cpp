// INI config files (--config): sections, key = value, comments, duplicate keys.
#include "fuzz_support.h"
#include "wsnas/options/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const fuzz::MemFile file(data, size);
  fuzz::refused_or_parsed([&] {
    for (const auto& e : options::read_config_file(file.path())) {
      if (e.key.empty()) fuzz::finding("an empty key was accepted");
    }
  });
  return 0;
}

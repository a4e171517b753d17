// JSON architectures of the spaces that have them (lib/space): DARTS' and DARTS-PTB's objects of
// the paper's CSV tables (architecture_json), ProxylessNAS' object {"stage0_cell0": 0..6, ...} and
// its released net.config ("first_conv", "blocks", ...). parse refuses with an InputError or gives
// an architecture that round-trips: parse(to_json(a)) == a, parse(to_string(a)) == a, and
// to_json(a) is the same text whichever form it was read from.
#include <string>

#include "fuzz_strict.h"
#include "fuzz_support.h"
#include "wsnas/space/darts.h"
#include "wsnas/space/darts_ptb.h"
#include "wsnas/space/proxyless.h"

namespace {

using namespace wsnas;

template <class Space>
void check(const Space& sp, const std::string& text) {
  fuzz::refused_or_accepted([&] {
    const space::Arch a = sp.parse(text);
    sp.check(a);  // the right number of choices, each in range
    const std::string json = sp.to_json(a), printed = sp.to_string(a);
    space::Arch from_json, from_string;
    try {
      from_json = sp.parse(json);
      from_string = sp.parse(printed);
    } catch (const InputError& e) {
      fuzz::finding(sp.name() + ": an accepted architecture's own forms are refused: " + e.what());
    }
    if (from_json != a) fuzz::finding(sp.name() + ": '" + json + "' does not parse back");
    if (from_string != a) fuzz::finding(sp.name() + ": '" + printed + "' does not parse back");
    if (sp.to_json(from_string) != json || sp.to_string(from_json) != printed)
      fuzz::finding(sp.name() + ": to_json and to_string disagree across the round trip");
    sp.is_valid(a);
    sp.canonical(a);
    sp.describe(a);
    sp.cost(a, space::CostOptions{});
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const space::DartsSpace darts;
  static const space::DartsPtbSpace darts_ptb;
  static const space::ProxylessSpace proxyless;
  const std::string text(reinterpret_cast<const char*>(data), size);
  check(darts, text);
  check(darts_ptb, text);
  check(proxyless, text);
  return 0;
}

#pragma once
/// Strict JSON for user inputs (architectures, benchmark records): an object that repeats a key is
/// refused, as INI files refuse a repeated key (nlohmann would keep the last silently), and an
/// integer is range-checked before it is narrowed (nlohmann's get<int> wraps 4294967298 to 2 and
/// truncates 108.9 to 108). Header-only: include it from targets that link nlohmann_json.
#include <climits>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

namespace wsnas {

/// `text` parsed as JSON. InputError "<ctx>: <the parser's message><hint>" when it is not JSON,
/// and "<ctx>: key '<k>' appears twice in one object<hint>" for a repeated key.
inline nlohmann::json parse_json_strict(const std::string& text, const std::string& ctx,
                                        const std::string& hint = "") {
  std::vector<std::set<std::string>> open;  // the keys seen in each object being parsed
  auto check = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      open.emplace_back();
    } else if (event == E::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (event == E::key && !open.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      WSNAS_CHECK_INPUT(open.back().insert(key).second, ctx, ": key '", printable(key, 60),
                        "' appears twice in one object", hint);
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(ctx + ": " + printable(e.what()) + hint);
  }
}

/// `j` as an int when it is a JSON integer (not 108.9, not a string) that fits in [lo, hi];
/// otherwise InputError "<ctx>: <what> is <j>, expected an integer in [lo, hi]<hint>"
/// ("a 32-bit integer" when the range is int's own).
inline int json_int(const nlohmann::json& j, const std::string& ctx, const std::string& what,
                    int lo = INT_MIN, int hi = INT_MAX, const std::string& hint = "") {
  bool ok = false;
  std::int64_t v = 0;
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    ok = u <= static_cast<std::uint64_t>(hi) && (lo <= 0 || u >= static_cast<std::uint64_t>(lo));
    v = ok ? static_cast<std::int64_t>(u) : 0;
  } else if (j.is_number_integer()) {
    v = j.get<std::int64_t>();
    ok = v >= lo && v <= hi;
  }
  WSNAS_CHECK_INPUT(ok, ctx, ": ", what, " is ", printable(j.dump(), 40), ", expected ",
                    lo == INT_MIN && hi == INT_MAX
                        ? std::string("a 32-bit integer")
                        : detail::concat("an integer in [", lo, ", ", hi, "]"),
                    hint);
  return static_cast<int>(v);
}

}  // namespace wsnas

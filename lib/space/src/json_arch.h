#pragma once
// The text forms of architectures shared by spaces: JSON (the paper's published tables,
// ProxylessNAS' net.config) and DARTS-style `Genotype(...)` strings.
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "wsnas/core/error.h"
#include "wsnas/core/json.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

/// `text` parsed as JSON; InputError "<ctx>: <the parser's message><form>" when it is not JSON.
/// A repeated key in one object is refused (core/json.h).
inline nlohmann::json parse_arch_json(const std::string& text, const std::string& ctx,
                                      const char* form) {
  return parse_json_strict(text, ctx, form);
}

/// A cursor over a Genotype string with its white space removed; errors name `ctx` and end with
/// `form` (what the space expects).
struct GenotypeCursor {
  std::string s;
  const std::string& ctx;
  const char* form;
  std::size_t i = 0;

  GenotypeCursor(const std::string& text, const std::string& context, const char* expected)
      : ctx(context), form(expected) {
    for (char ch : text)
      if (!std::isspace(static_cast<unsigned char>(ch))) s += ch;
  }
  bool eat(const std::string& t) {
    if (s.compare(i, t.size(), t) != 0) return false;
    i += t.size();
    return true;
  }
  void expect(const std::string& t) {
    WSNAS_CHECK_INPUT(eat(t), ctx, ": expected '", t, "' at '", printable(s.substr(i), 30), "'",
                      form);
  }
  int integer() {
    const std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    WSNAS_CHECK_INPUT(i > start && i - start < 4, ctx, ": expected a node number at '",
                      printable(s.substr(start), 30), "'", form);
    return std::stoi(s.substr(start, i - start));
  }
  std::string quoted() {
    WSNAS_CHECK_INPUT(i < s.size() && (s[i] == '\'' || s[i] == '"'), ctx,
                      ": expected a quoted name at '", printable(s.substr(i), 30), "'", form);
    const char q = s[i++];
    const auto end = s.find(q, i);
    WSNAS_CHECK_INPUT(end != std::string::npos, ctx, ": unterminated name", form);
    std::string out = s.substr(i, end - i);
    i = end + 1;
    return out;
  }
  bool at_end() const { return i == s.size(); }
};

}  // namespace wsnas::space

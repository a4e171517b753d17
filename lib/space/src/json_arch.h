#pragma once
// The JSON forms of architectures (the paper's published tables, ProxylessNAS' net.config): one
// place for parsing and its error message.
#include <nlohmann/json.hpp>
#include <string>

#include "wsnas/core/error.h"

namespace wsnas::space {

/// `text` parsed as JSON; InputError "<ctx>: <the parser's message><form>" when it is not JSON.
inline nlohmann::json parse_arch_json(const std::string& text, const std::string& ctx,
                                      const char* form) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(ctx + ": " + e.what() + form);
  }
}

}  // namespace wsnas::space

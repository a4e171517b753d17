#include "wsnas/core/strings.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "wsnas/core/error.h"

namespace wsnas {

std::vector<std::string> split_csv(std::string_view s, char sep, bool* ok) {
  if (ok) *ok = true;
  std::vector<std::string> out(1);
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"' && !was_quoted && trim(out.back()).empty()) {
      out.back().clear();
      quoted = was_quoted = true;
    } else if (c == sep) {
      out.emplace_back();
      was_quoted = false;
    } else {
      out.back() += c;
    }
  }
  if (quoted && ok) *ok = false;
  return out;
}

std::string csv_field(const std::string& field, char sep) {
  if (field.find_first_of(std::string{sep, '"', '\n', '\r'}) == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

bool parse_int(std::string_view s, std::int64_t& out) {
  std::string t(s);
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno != 0 || end != t.c_str() + t.size()) return false;
  out = v;
  return true;
}

bool parse_double(std::string_view s, double& out) {
  std::string t(s);
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (errno == ERANGE || end != t.c_str() + t.size()) return false;
  out = v;
  return true;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}
bool split_assignment(std::string_view s, std::string& name, std::string& value) {
  const auto eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == s.size()) return false;
  name = std::string(s.substr(0, eq));
  value = std::string(s.substr(eq + 1));
  return true;
}

void strip_bom(std::string& line) {
  if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
}

void check_text_line(std::string_view line, const std::string& where) {
  const auto nul = line.find('\0');
  WSNAS_CHECK_INPUT(nul == std::string_view::npos, where, ": a NUL byte at column ", nul + 1,
                    " (expected text, not a binary file)");
}

namespace {
void append_escaped(std::string& out, unsigned char c) {
  static const char* hex = "0123456789abcdef";
  switch (c) {
    case '\0':
      out += "\\0";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      if (c < 0x20 || c == 0x7f) {
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
  }
}
}  // namespace

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  const std::size_t n = std::min(s.size(), max);
  for (std::size_t i = 0; i < n; ++i) append_escaped(out, static_cast<unsigned char>(s[i]));
  if (s.size() > max) out += "... (" + std::to_string(s.size()) + " characters in all)";
  return out;
}

std::string one_line_message(std::string_view message, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    const auto open = message.find('\'', i);
    const auto close = open == std::string_view::npos ? open : message.find('\'', open + 1);
    const std::size_t plain_end = close == std::string_view::npos ? message.size() : open + 1;
    out += printable(message.substr(i, plain_end - i), std::string_view::npos);
    if (close == std::string_view::npos) break;
    out += printable(message.substr(open + 1, close - open - 1), max) + "'";
    i = close + 1;
  }
  return out;
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string to_decimal(unsigned __int128 value) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value > 0);
  return digits;
}

}  // namespace wsnas

#include "wsnas/core/provenance.h"

#include <unistd.h>

#include <ctime>

namespace wsnas {

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string quote_command_line(int argc, const char* const* argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i] ? argv[i] : "";
    bool plain = !a.empty() &&
                 a.find_first_not_of(
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%") ==
                     std::string::npos;
    if (i) out += ' ';
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

Provenance Provenance::collect(int argc, const char* const* argv) {
  Provenance p;
  p.set("command_line", quote_command_line(argc, argv));
  p.set("wsnas_version", build_version());
  p.set("git_revision", build_revision());
#ifdef WSNAS_CXX_COMPILER
  p.set("compiler", WSNAS_CXX_COMPILER);
#endif
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) p.set("hostname", host);
  p.set("created_utc", utc_now_iso8601());
  return p;
}

}  // namespace wsnas

#include "wsnas/core/share.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace wsnas {

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The folder of the running executable ("" when /proc is not there).
std::string exe_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string p(buf, static_cast<std::size_t>(n));
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

}  // namespace

std::string share_dir() {
  if (const char* d = std::getenv("WSNAS_SHARE_DIR"); d && *d) return d;
  // Installed: <prefix>/bin/<app> beside <prefix>/share/wsnas (GNUInstallDirs' default layout).
  static const std::string installed = [] {
    const std::string bin = exe_dir();
    const std::string share = bin + "/../share/wsnas";
    if (bin.empty() || !is_dir(share + "/configs")) return std::string();
    char buf[PATH_MAX];
    return ::realpath(share.c_str(), buf) ? std::string(buf) : share;
  }();
  if (!installed.empty()) return installed;
  // A program of the build tree (apps, tests, benchmarks) uses the source tree it was built from;
  // any other program linking wsnas, the configured installation's folder.
  static const std::string fallback = [] {
    if (exe_dir().rfind(WSNAS_BINARY_DIR "/", 0) == 0) return std::string(WSNAS_SOURCE_DIR);
    if (is_dir(WSNAS_INSTALL_SHAREDIR "/configs")) return std::string(WSNAS_INSTALL_SHAREDIR);
    // e.g. the build tree reached through a link: its sources, when they are still there.
    return std::string(is_dir(WSNAS_SOURCE_DIR "/configs") ? WSNAS_SOURCE_DIR
                                                           : WSNAS_INSTALL_SHAREDIR);
  }();
  return fallback;
}

std::string share_path(const std::string& relative) { return share_dir() + "/" + relative; }

std::string find_shipped_file(const std::string& path) {
  if (path.empty() || path[0] == '/' || ::access(path.c_str(), F_OK) == 0) return path;
  const std::string shipped = share_path(path);
  return ::access(shipped.c_str(), F_OK) == 0 ? shipped : path;
}

}  // namespace wsnas

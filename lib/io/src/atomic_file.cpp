#include "wsnas/io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"

namespace wsnas::io {

namespace {
void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}
std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}
}  // namespace

std::string resolve_output(const std::string& path) {
  std::string p = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::vector<char> buf(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4095) + 1);
    const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size() - 1);
    WSNAS_CHECK_INPUT(n >= 0, "'", path, "': cannot read the symbolic link '", p,
                      "': ", std::strerror(errno));
    const std::string target(buf.data(), static_cast<std::size_t>(n));
    p = !target.empty() && target[0] == '/' ? target : parent_dir(p) + "/" + target;
  }
  throw InputError("'" + path + "': too many levels of symbolic links");
}

AtomicPath::AtomicPath(std::string final_path)
    : final_(resolve_output(final_path)), temp_(final_ + ".tmp." + std::to_string(::getpid())) {}

AtomicPath::~AtomicPath() {
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicPath::commit() {
  WSNAS_CHECK(path_exists(temp_), "file '", temp_, "': nothing was written before commit");
  fsync_path(temp_);
  if (std::rename(temp_.c_str(), final_.c_str()) != 0) {
    throw_system_error("file '" + final_ + "': cannot rename from '" + temp_ + "'", errno);
  }
  fsync_path(parent_dir(final_));
  committed_ = true;
}

void write_text_atomic(const std::string& path, const std::string& content) {
  AtomicPath p(path);
  {
    std::ofstream out(p.temp(), std::ios::binary | std::ios::trunc);
    if (!out) throw_system_error("file '" + p.temp() + "': cannot open for writing", errno);
    out << content;
    out.flush();
    WSNAS_CHECK(out, "file '", p.temp(), "': write failed (disk full?)");
  }
  p.commit();
}

void make_dirs(const std::string& path) {
  if (path.empty()) return;
  std::string cur;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    cur = path.substr(0, j);
    if (!cur.empty() && !path_exists(cur)) {
      if (::mkdir(cur.c_str(), 0775) != 0 && errno != EEXIST) {
        throw_system_error("directory '" + cur + "': cannot create", errno);
      }
    }
    i = j + 1;
  }
  struct stat st {};
  WSNAS_CHECK_INPUT(::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "'", path,
                    "': exists but is not a directory (expected an output directory)");
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(name);
    }
    ::closedir(d);
  }
  return out;
}

int remove_stale_temps(const std::string& dir, const std::string& name) {
  int n = 0;
  for (const auto& f : list_dir(dir)) {
    const auto pos = f.rfind(".tmp.");
    if (pos == std::string::npos || pos == 0) continue;
    const std::string pid = f.substr(pos + 5);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!name.empty() && f.substr(0, pos) != name) continue;
    n += std::remove((dir + "/" + f).c_str()) == 0;
  }
  return n;
}

}  // namespace wsnas::io

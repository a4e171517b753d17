#include "wsnas/io/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>

#include "wsnas/core/error.h"

namespace wsnas::io {

std::optional<RunLock> RunLock::try_acquire(const std::string& lock_path,
                                            const std::string& owner) {
  const bool existed = ::access(lock_path.c_str(), F_OK) == 0;
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  WSNAS_CHECK_INPUT(fd >= 0, "cannot create lock file '", lock_path, "': ", std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    WSNAS_CHECK(err == EWOULDBLOCK, "cannot lock '", lock_path, "': ", std::strerror(err));
    return std::nullopt;
  }
  // Who holds it, for the message another run prints; a failure here does not matter.
  if (::ftruncate(fd, 0) == 0) {
    const ssize_t n = ::pwrite(fd, owner.data(), owner.size(), 0);
    (void)n;
  }
  return RunLock(fd, lock_path, !existed);
}

std::string RunLock::holder(const std::string& lock_path) {
  std::ifstream in(lock_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown process" : s;
}

RunLock& RunLock::operator=(RunLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    created_file_ = o.created_file_;
    created_dirs_ = std::move(o.created_dirs_);
    o.fd_ = -1;
  }
  return *this;
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  const bool failed = std::uncaught_exceptions() > 0;
  if (failed && created_file_) ::unlink(path_.c_str());  // still ours: unlinked before the release
  ::close(fd_);                                          // closing releases the flock
  if (failed) {
    for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it)
      ::rmdir(it->c_str());  // empty ones only
  }
}

}  // namespace wsnas::io

#pragma once
/// One run per output: an exclusive advisory lock (flock) on a lock file beside the output. The
/// kernel releases it when the process ends, however it ends, so a crash never leaves a stale lock.

#include <optional>
#include <string>
#include <vector>

namespace wsnas::io {

class RunLock {
 public:
  /// Takes the lock on `lock_path` without waiting, writing `owner` (who holds it) into the file;
  /// empty when another process holds it. Errors other than contention throw, naming the file.
  static std::optional<RunLock> try_acquire(const std::string& lock_path, const std::string& owner);
  /// What the current holder wrote (for the message when try_acquire fails).
  static std::string holder(const std::string& lock_path);

  RunLock(RunLock&& o) noexcept
      : fd_(o.fd_),
        path_(std::move(o.path_)),
        created_file_(o.created_file_),
        created_dirs_(std::move(o.created_dirs_)) {
    o.fd_ = -1;
  }
  RunLock& operator=(RunLock&& o) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();
  const std::string& path() const { return path_; }
  /// Directories this run created for its output (deepest last). When the lock is released during
  /// stack unwinding (the run failed, e.g. on bad input), the lock file, if this run created it,
  /// and then these directories, if empty, are removed: a refused run leaves nothing behind.
  void set_created_dirs(std::vector<std::string> dirs) { created_dirs_ = std::move(dirs); }

 private:
  RunLock(int fd, std::string path, bool created)
      : fd_(fd), path_(std::move(path)), created_file_(created) {}
  int fd_ = -1;
  std::string path_;
  bool created_file_ = false;
  std::vector<std::string> created_dirs_;
};

}  // namespace wsnas::io

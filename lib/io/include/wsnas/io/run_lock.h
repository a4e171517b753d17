#pragma once
/// One run per output: an exclusive advisory lock (flock) on a lock file beside the output. The
/// kernel releases it when the process ends, however it ends, so a crash never leaves a stale lock.

#include <optional>
#include <string>

namespace wsnas::io {

class RunLock {
 public:
  /// Takes the lock on `lock_path` without waiting, writing `owner` (who holds it) into the file;
  /// empty when another process holds it. Errors other than contention throw, naming the file.
  static std::optional<RunLock> try_acquire(const std::string& lock_path, const std::string& owner);
  /// What the current holder wrote (for the message when try_acquire fails).
  static std::string holder(const std::string& lock_path);

  RunLock(RunLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  RunLock& operator=(RunLock&& o) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();
  const std::string& path() const { return path_; }

 private:
  RunLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace wsnas::io

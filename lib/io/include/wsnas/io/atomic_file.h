#pragma once
/// Files that appear under their final name only when complete: written under a temporary name
/// in the same directory, fsync'ed, then renamed (atomic on POSIX file systems). A crash or an
/// exception leaves the previous file (if any) untouched.

#include <string>
#include <vector>

namespace wsnas::io {

/// Where a write to `path` lands: `path` itself, or, when it is a symbolic link, the file it points
/// to (followed to the end), so that writing through a link updates its target and keeps the link.
std::string resolve_output(const std::string& path);

/// Usage: AtomicPath p(final); write to p.temp(); p.commit();
/// Without commit() the destructor deletes the temporary file. A symbolic link `final` is written
/// through (resolve_output).
class AtomicPath {
 public:
  explicit AtomicPath(std::string final_path);
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;
  ~AtomicPath();

  /// Where to write: "<final>.tmp.<pid>".
  const std::string& temp() const { return temp_; }
  const std::string& final_path() const { return final_; }
  /// fsyncs the temporary file and renames it onto the final name.
  void commit();

 private:
  std::string final_;
  std::string temp_;
  bool committed_ = false;
};

/// Writes `content` to `path` atomically.
void write_text_atomic(const std::string& path, const std::string& content);
/// Makes a directory and its parents (like mkdir -p); throws naming it on failure.
void make_dirs(const std::string& path);
/// True if the path exists.
bool path_exists(const std::string& path);
/// Names in a directory (without "." and ".."); empty if it cannot be read.
std::vector<std::string> list_dir(const std::string& dir);
/// Deletes the temporary files (`NAME.tmp.PID`) a killed writer left in `dir`, or only those of
/// `NAME` when given; returns how many. Call only while holding the output's run lock, when no
/// other process can be writing there.
int remove_stale_temps(const std::string& dir, const std::string& name = "");

}  // namespace wsnas::io

#pragma once
/// Work shared by ranks through a directory on a file system they all see (the cluster's shared
/// file system, as for every output): a rank claims an item by creating KEY.claim exclusively
/// (O_CREAT | O_EXCL, atomic on POSIX and NFSv3+ file systems). A claim stays until the stage
/// releases it (the ground truth, once a cell's result is written) or the run ends (clear). Ranks
/// take items as they free up, so the slowest item no longer sets everyone's pace. The stage's
/// output lock makes the directory its own: claims left by a killed run are stale and clear()
/// removes them.
#include <cstddef>
#include <string>

namespace wsnas::io {

class Claims {
 public:
  /// `dir` must exist before the first claim.
  explicit Claims(std::string dir);
  /// True when this rank now owns `key`; false when some rank claimed it before.
  bool claim(const std::string& key, int rank) const;
  /// Removes the claim of `key`.
  void release(const std::string& key) const;
  /// Removes every claim (no other run may be using the directory).
  void clear() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace wsnas::io

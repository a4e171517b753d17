#pragma once
// Items of a stage's work claimed by ranks as they free up (io::Claims in a directory beside the
// output), each result sent to rank 0 in a message: evaluation's (checkpoint, architecture) pairs
// and the zero-cost scores' architectures. A stop signal on one rank stops all: it leaves STOP
// beside the claims, and ranks look before each claim.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wsnas/app/app.h"
#include "wsnas/io/claims.h"
#include "wsnas/io/run_lock.h"

namespace wsnas::pipeline {

class ClaimedWork {
 public:
  /// Locks `out_path` (a symbolic link: its target) for this run, on every rank, naming it `what`
  /// in the message when another run holds it. Rank 0 removes the temporary files a killed run
  /// left beside it and its stale claims.
  ClaimedWork(app::Context& ctx, const std::string& out_path, const std::string& what);
  /// Runs items 0 .. n - 1, each on the rank that claims it: `work(i)` returns the result as bytes.
  /// Rank 0 gets every result in `take` (its own as it makes them, the others' as they come) and
  /// calls `between` after each. Needs every rank; a barrier first (rank 0 cleared the claims).
  /// True on every rank when every item has a result; false after a stop signal.
  bool run(std::size_t n, const std::function<std::vector<std::uint8_t>(std::size_t)>& work,
           const std::function<void(const std::vector<std::uint8_t>&)>& take,
           const std::function<void()>& between);
  /// Removes the claims and STOP (rank 0, after it has saved the results).
  void finish() const;
  /// After run(): rank 0 saves (`save`), removes the claims and, after a stop, says on stderr that
  /// `fresh` new results are in `out_path` and a rerun resumes. The exit status the stage returns
  /// now (another rank: 0 or kExitInterrupted; rank 0 after a stop: kExitInterrupted), or nullopt
  /// on rank 0 when every item has a result.
  std::optional<int> conclude(bool complete, std::size_t fresh, const std::string& out_path,
                              const std::function<void()>& save) const;

 private:
  app::Context& ctx_;
  std::optional<io::RunLock> lock_;
  io::Claims claims_;
  std::string stop_file_;
};

}  // namespace wsnas::pipeline

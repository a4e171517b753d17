#pragma once
/// Progress of long work, printed by rank 0 only: step, rate, ETA.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace wsnas {

/// Prints "label: step s/total (p%), r unit/s, ETA h:mm:ss [extra]" at most every `interval_s`
/// seconds (and always for the last step). Silent when `enabled` is false (ranks other than 0).
class Progress {
 public:
  Progress(std::string label, std::int64_t total, bool enabled, double interval_s = 5.0,
           std::string unit = "it");
  /// Report that `done` units of work are complete; `extra` is appended (e.g. "loss=1.23").
  void update(std::int64_t done, const std::string& extra = "");
  /// Print the final line (elapsed time and mean rate) if enabled.
  void finish(const std::string& extra = "");
  /// Seconds since construction.
  double elapsed_s() const;
  /// Redirect output (default std::cerr); for tests.
  void set_stream(std::ostream* out) { out_ = out; }

  /// "1:02:03" for 3723 seconds.
  static std::string format_duration(double seconds);

 private:
  std::string label_;
  std::int64_t total_;
  bool enabled_;
  double interval_s_;
  std::string unit_;
  std::ostream* out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  std::int64_t start_done_ = -1;
};

}  // namespace wsnas

#include "wsnas/core/progress.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "wsnas/core/allocator.h"

namespace wsnas {

Progress::Progress(std::string label, std::int64_t total, bool enabled, double interval_s,
                   std::string unit)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      interval_s_(interval_s),
      unit_(std::move(unit)),
      out_(&std::cerr),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {
  set_activity(label_, total_);  // for an out-of-memory line (core/allocator.h)
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

void Progress::update(std::int64_t done, const std::string& extra) {
  set_activity_step(done);
  if (!enabled_) return;
  // A resumed job starts at done > 0: rates count only the work done in this process.
  if (start_done_ < 0) start_done_ = done == 0 ? 0 : done - 1;
  auto now = std::chrono::steady_clock::now();
  double since_print = std::chrono::duration<double>(now - last_print_).count();
  bool last = total_ > 0 && done >= total_;
  if (!last && since_print < interval_s_) return;
  last_print_ = now;
  double elapsed = elapsed_s();
  double rate = elapsed > 0 ? static_cast<double>(done - start_done_) / elapsed : 0.0;
  char buf[256];
  if (total_ > 0) {
    double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld (%.1f%%), %.3g %s/s, ETA %s", label_.c_str(),
                  static_cast<long long>(done), static_cast<long long>(total_),
                  100.0 * static_cast<double>(done) / static_cast<double>(total_), rate,
                  unit_.c_str(), format_duration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s: %lld, %.3g %s/s", label_.c_str(),
                  static_cast<long long>(done), rate, unit_.c_str());
  }
  *out_ << buf << (extra.empty() ? "" : " ") << extra << '\n' << std::flush;
}

void Progress::finish(const std::string& extra) {
  if (!enabled_) return;
  *out_ << label_ << ": done in " << format_duration(elapsed_s()) << (extra.empty() ? "" : " ")
        << extra << '\n'
        << std::flush;
}

}  // namespace wsnas

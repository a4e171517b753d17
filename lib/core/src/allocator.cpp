#include "wsnas/core/allocator.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

namespace wsnas {

namespace {
/// RLIMIT_AS's soft limit in bytes, -1 when unlimited.
long long address_space_limit() {
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) return -1;
  return static_cast<long long>(as.rlim_cur);
}
}  // namespace

std::string tune_allocator() {
  static const std::string state = [] {
    const char* choice = std::getenv("WSNAS_MALLOC");
    if (choice != nullptr && std::strcmp(choice, "system") == 0) return std::string("system");
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
        std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr)
      return std::string("environment");
    // 32 MiB is the largest threshold glibc accepts on 64-bit systems (HEAP_MAX_SIZE / 2).
    constexpr int kMmap = 32 << 20;
    if (mallopt(M_MMAP_THRESHOLD, kMmap) != 1 || mallopt(M_TRIM_THRESHOLD, INT_MAX) != 1)
      return std::string("system");
    std::string done =
        "mmap_threshold=" + std::to_string(kMmap) + ",trim_threshold=" + std::to_string(INT_MAX);
    // Blocks above the threshold would still be mapped and unmapped on every use, faulting their
    // pages in each time (DARTS' 112 x 144 x 32 x 32 cell outputs are 66 MiB): from the heap too,
    // kept for the next step. (glibc maps anyway when the heap cannot grow.)
    if (std::getenv("MALLOC_MMAP_MAX_") == nullptr && mallopt(M_MMAP_MAX, 0) == 1)
      done += ",mmap_max=0";
    // Under an address-space limit every thread's arena reserves 64 MiB of it unused: one arena.
    if (address_space_limit() >= 0 && std::getenv("MALLOC_ARENA_MAX") == nullptr &&
        mallopt(M_ARENA_MAX, 1) == 1)
      done += ",arena_max=1";
    return done;
  }();
  return state;
}

namespace {

std::mutex activity_mutex;
std::string activity_label = "starting";
std::int64_t activity_total = 0;
std::atomic<std::int64_t> activity_done{-1};

/// Bytes of address space mapped (VmSize), from /proc/self/statm with system calls only (the
/// crash handler calls it); -1 when unknown.
long long mapped_bytes() {
  const int fd = ::open("/proc/self/statm", O_RDONLY);
  if (fd < 0) return -1;
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  long long pages = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i)
    pages = pages * 10 + (buf[i] - '0');
  return pages * static_cast<long long>(sysconf(_SC_PAGESIZE));
}

/// cgroup v2's memory.max for this process, -1 when none or "max".
long long cgroup_limit() {
  std::ifstream cg("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(cg, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  if (path.empty()) return -1;
  std::ifstream max("/sys/fs/cgroup" + path + "/memory.max");
  std::string v;
  if (!(max >> v) || v == "max") return -1;
  char* end = nullptr;
  const long long bytes = std::strtoll(v.c_str(), &end, 10);
  return end != v.c_str() && *end == '\0' ? bytes : -1;
}

std::string mib(long long bytes) {
  if (bytes < (1 << 20)) return std::to_string((bytes + 1023) >> 10) + " KiB";
  return std::to_string((bytes + (1 << 19)) >> 20) + " MiB";
}

/// The handler's line, formatted before any crash (a signal handler cannot allocate): two
/// buffers, the one to print switched atomically when the activity changes.
struct CrashLine {
  char text[512];
  std::size_t size = 0;
};
CrashLine crash_lines[2];
std::atomic<int> crash_current{0};
std::string crash_app;
long long crash_limit = -1;
std::mutex crash_mutex;

void refresh_crash_line() {
  if (crash_limit < 0) return;
  std::lock_guard<std::mutex> lock(crash_mutex);
  const std::string line = crash_app + ": error: out of memory while " + activity() +
                           ": a library crashed on a failed allocation near the address-space "
                           "limit of " +
                           mib(crash_limit) +
                           " (ulimit -v); lower --batch-size, or raise the limit\n";
  const int next = 1 - crash_current.load();
  CrashLine& c = crash_lines[next];
  c.size = std::min(line.size(), sizeof c.text);
  std::memcpy(c.text, line.data(), c.size);
  crash_current = next;
}

void on_crash(int sig) {
  const long long mapped = mapped_bytes();
  if (crash_limit > 0 && mapped >= crash_limit / 4 * 3) {
    // write(2) and _exit(2) only: async-signal-safe.
    const CrashLine& c = crash_lines[crash_current.load()];
    ssize_t ignored = ::write(STDERR_FILENO, c.text, c.size);
    (void)ignored;
    ::_exit(1);
  }
  std::signal(sig, SIG_DFL);  // any other crash: the default action when the fault repeats
}

}  // namespace

void set_activity(const std::string& label, std::int64_t total) {
  {
    std::lock_guard<std::mutex> lock(activity_mutex);
    activity_label = label;
    activity_total = total;
    activity_done = -1;
  }
  refresh_crash_line();
}

void set_activity_step(std::int64_t done) {
  if (activity_done.exchange(done) != done) refresh_crash_line();
}

std::string activity() {
  std::lock_guard<std::mutex> lock(activity_mutex);
  const auto done = activity_done.load();
  if (done < 0) return activity_label;
  return activity_label + ", step " + std::to_string(done + 1) +
         (activity_total > 0 ? " of " + std::to_string(activity_total) : std::string());
}

std::string memory_limits_text() {
  std::string out;
  const long long as = address_space_limit(), mapped = mapped_bytes(), cg = cgroup_limit();
  if (as >= 0) out = "address-space limit " + mib(as) + " (ulimit -v), " + mib(mapped) + " mapped";
  if (cg >= 0)
    out +=
        (out.empty() ? "" : "; ") + std::string("memory limit ") + mib(cg) + " (cgroup memory.max)";
  return out.empty() ? "no memory limit" : out;
}

std::string out_of_memory_message(const std::string& what) {
  std::string requested;
  if (what == "std::bad_alloc") {
    requested = "an allocation failed";
  } else if (const auto at = what.find("can't allocate memory: you tried to allocate ");
             at != std::string::npos) {
    const long long bytes = std::atoll(what.c_str() + at + 45);
    requested = mib(bytes) + " requested";
  } else if (const auto cuda = what.find("out of memory. Tried to allocate ");
             cuda != std::string::npos) {
    const std::size_t from = cuda + 33;
    std::size_t to = what.find_first_of("(.", what.find_first_of(" ", from) + 1);
    requested = what.substr(from, (to == std::string::npos ? what.size() : to) - from);
    while (!requested.empty() && requested.back() == ' ') requested.pop_back();
    return "out of GPU memory while " + activity() + ": " + requested +
           " requested; lower --batch-size, or use a GPU with more memory";
  } else {
    return "";
  }
  return "out of memory while " + activity() + ": " + requested + "; " + memory_limits_text() +
         "; lower --batch-size, or raise the limit";
}

void install_out_of_memory_handler(const std::string& app) {
  crash_limit = address_space_limit();
  if (crash_limit < 0) return;
  crash_app = app;
  refresh_crash_line();
  struct sigaction sa {};
  sa.sa_handler = on_crash;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace wsnas

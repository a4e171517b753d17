#include "wsnas/core/allocator.h"

#include <malloc.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace wsnas {

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
    return "mmap_threshold=" + std::to_string(kMmap) + ",trim_threshold=" + std::to_string(INT_MAX);
  }();
  return state;
}

}  // namespace wsnas

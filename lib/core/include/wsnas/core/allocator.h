#pragma once
/// The C library's allocator, tuned for training: glibc returns a freed block above its mmap
/// threshold (and the heap's free top above its trim threshold) to the system, so every step's
/// activations and gradients, freed and allocated again, fault their pages in anew (on the 2-core
/// development machine a quarter of a CPU training step's time went to the kernel). The apps keep
/// such memory in the process instead (docs/operations.md, "Memory").

#include <string>

namespace wsnas {

/// Sets glibc's mmap threshold to 32 MiB (its maximum; fixed, not adapted) and its trim threshold
/// to 2 GiB, once, unless the user chose: WSNAS_MALLOC=system keeps glibc's defaults, and
/// MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ in the environment keep what glibc read from
/// them. Returns what is in effect, for provenance ("mmap_threshold=33554432,trim_threshold=
/// 2147483647", "system", "environment").
std::string tune_allocator();

}  // namespace wsnas

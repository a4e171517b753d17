#pragma once
/// The C library's allocator, tuned for training: glibc returns a freed block above its mmap
/// threshold (and the heap's free top above its trim threshold) to the system, so every step's
/// activations and gradients, freed and allocated again, fault their pages in anew (on the 2-core
/// development machine a quarter of a CPU training step's time went to the kernel). The apps keep
/// such memory in the process instead (docs/operations.md, "Memory").
///
/// And what happens when memory runs out: an allocation failure becomes one line that says what
/// was being done, how much was asked for and which limit was met (out_of_memory_message), and
/// under an address-space limit (ulimit -v) a library that crashes on a failed allocation (oneDNN
/// does) ends in that line too (install_out_of_memory_handler).

#include <cstdint>
#include <string>

namespace wsnas {

/// Sets glibc's mmap threshold to 32 MiB (its maximum; fixed, not adapted) and its trim threshold
/// to 2 GiB, once, unless the user chose: WSNAS_MALLOC=system keeps glibc's defaults, and
/// MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ in the environment keep what glibc read from
/// them. Returns what is in effect, for provenance ("mmap_threshold=33554432,trim_threshold=
/// 2147483647", "system", "environment").
std::string tune_allocator();

/// What the process is doing, for the out-of-memory line: Progress sets it ("supernet, step 3 of
/// 8"); "starting" before any.
void set_activity(const std::string& label, std::int64_t total);
void set_activity_step(std::int64_t done);
std::string activity();

/// The memory limits that apply, as a user sets them: "address-space limit 976 MiB (ulimit -v),
/// 912 MiB mapped", "memory limit 4096 MiB (cgroup memory.max)"; "no memory limit" when none.
std::string memory_limits_text();

/// For an exception's text (`what`): the one-line message when it reports an allocation failure
/// (std::bad_alloc, LibTorch's "DefaultCPUAllocator: can't allocate memory: you tried to allocate
/// N bytes", CUDA's "out of memory. Tried to allocate X"): "out of memory while <activity>: N MiB
/// requested; <memory_limits_text()>". "" for any other error.
std::string out_of_memory_message(const std::string& what);

/// Under a finite address-space limit: a SIGSEGV or SIGBUS with most of the limit mapped prints
/// "<app>: error: out of memory while <activity>: ..." and exits with status 1 instead of a crash
/// and a backtrace (oneDNN dereferences a failed allocation). Any other crash stays a crash.
void install_out_of_memory_handler(const std::string& app);

}  // namespace wsnas

#pragma once
/// Device choice and seeding for LibTorch; nothing else in the design assumes CPU.

#include <c10/core/Device.h>

#include <cstdint>
#include <string>

namespace wsnas::nn {

/// `spec` is "cpu", "cuda" or "auto" (CUDA when available). With CUDA the GPU is
/// `local_rank % device_count` (local_rank from the node-local communicator).
/// "cuda" without a usable GPU is an InputError naming --device.
c10::Device select_device(const std::string& spec, int local_rank);
/// The CPUs this process may run on (its affinity mask: what mpirun's binding or Slurm's
/// --cpus-per-task left it).
int allowed_cpus();
/// Shares the node's cores among its ranks unless OMP_NUM_THREADS is set: LibTorch's intra-op
/// threads become the CPUs the rank is bound to when a launcher bound it, else cores /
/// `local_ranks` (at least 1). Returns the thread count.
int configure_threads(int local_ranks);
/// Seeds LibTorch's generators (CPU and CUDA) for reproducible runs.
void seed_torch(std::uint64_t seed);
/// Peak memory in bytes: on CUDA the caching allocator's peak of allocated bytes on `device`
/// since the last reset_peak_memory; on the CPU the process's peak resident set (not resettable).
std::int64_t peak_memory_bytes(const c10::Device& device);
/// Restarts the CUDA allocator's peak count (no-op on the CPU).
void reset_peak_memory(const c10::Device& device);
/// "LibTorch 1.13.0 (CPU)" or "... (CUDA 13.0)", for provenance.
std::string torch_version();

}  // namespace wsnas::nn

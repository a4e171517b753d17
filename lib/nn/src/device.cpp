#include "wsnas/nn/device.h"

#include <ATen/Parallel.h>
#include <sched.h>
#include <sys/resource.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#ifdef WSNAS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "wsnas/core/error.h"

namespace wsnas::nn {

c10::Device select_device(const std::string& spec, int local_rank) {
  if (spec == "cpu") return c10::Device(c10::kCPU);
  const bool have_cuda = torch::cuda::is_available();
  if (spec == "auto") {
    if (!have_cuda) return c10::Device(c10::kCPU);
  } else if (spec == "cuda") {
    WSNAS_CHECK_INPUT(have_cuda, "--device cuda: no CUDA device available (LibTorch ",
                      TORCH_VERSION, "; use --device cpu or auto)");
  } else {
    throw UsageError("--device '" + spec + "': expected cpu, cuda or auto");
  }
  const auto count = static_cast<int>(torch::cuda::device_count());
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank % count));
}

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, CPU_COUNT(&set));
}

int configure_threads(int local_ranks) {
  if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int allowed = allowed_cpus();
    // A launcher that bound the rank (mpirun's default, Slurm's --cpus-per-task) has shared the
    // cores already: its set is this rank's. Unbound, the node's cores are shared among its ranks.
    at::set_num_threads(allowed < cores ? allowed : std::max(1, cores / std::max(1, local_ranks)));
  }
  return at::get_num_threads();
}

void seed_torch(std::uint64_t seed) { torch::manual_seed(seed); }

std::int64_t peak_memory_bytes(const c10::Device& device) {
#ifdef WSNAS_WITH_CUDA
  if (device.is_cuda()) {
    // Index 0 of the allocator's stat arrays is the aggregate over pools, in every LibTorch.
    return c10::cuda::CUDACachingAllocator::getDeviceStats(device.index()).allocated_bytes[0].peak;
  }
#endif
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
}

void reset_peak_memory(const c10::Device& device) {
#ifdef WSNAS_WITH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
  (void)device;
}

std::string torch_version() {
#ifdef WSNAS_WITH_CUDA
  const char* build = "built with CUDA";
#else
  const char* build = "built for CPU";
#endif
  return std::string("LibTorch ") + TORCH_VERSION + " (" + build + ", " +
         std::to_string(torch::cuda::device_count()) + " CUDA devices visible)";
}

}  // namespace wsnas::nn

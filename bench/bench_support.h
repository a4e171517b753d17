#pragma once
// What the benchmark programs share: wall-clock seconds and a device synchronisation (CUDA work is
// asynchronous: a timed region ends after the device has finished).
#include <c10/core/Device.h>
#include <torch/cuda.h>

#include <chrono>

namespace wsnas::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

inline void sync(const c10::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

}  // namespace wsnas::bench

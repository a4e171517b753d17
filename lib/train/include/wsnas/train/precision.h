#pragma once
/// Mixed precision: bfloat16 autocast around forward passes (weights, gradients, optimizer state
/// and BN statistics stay float32). bfloat16 has float32's range, so no loss scaling is needed.

#include <c10/core/Device.h>
#include <c10/core/MemoryFormat.h>

#include <string>

namespace torch::nn {
class Module;
}

namespace wsnas::train {

/// "fp32" (no autocast) or "bf16"; anything else is a UsageError naming --precision.
bool use_bf16(const std::string& precision);

/// Enables bfloat16 autocast for `device`'s type while alive (no-op when `enabled` is false).
class Autocast {
 public:
  Autocast(c10::Device device, bool enabled);
  ~Autocast();
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  c10::DeviceType type_;
  bool enabled_;
  bool previous_ = false;
  int previous_dtype_ = 0;
};

/// Memory layout of 4-D tensors (images, convolution weights): "channels-last" (NHWC; oneDNN
/// convolutions on CPU), "contiguous" (NCHW), or "auto": channels-last on CPU, contiguous on CUDA
/// (measured in bench/, README "Benchmarks"). Results agree within float rounding (tested).
/// UsageError naming --memory-format otherwise.
c10::MemoryFormat memory_format(const std::string& spec, c10::Device device);
/// Puts every 4-D parameter and buffer of `module` in `format` (call before making the optimiser).
void set_memory_format(torch::nn::Module& module, c10::MemoryFormat format);

}  // namespace wsnas::train

#include "wsnas/train/precision.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/module.h>
#include <torch/version.h>

#include "wsnas/core/error.h"

// LibTorch 2.4 replaced the per-backend autocast switches by ones taking a device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define WSNAS_AUTOCAST_BY_DEVICE 1
#endif

namespace wsnas::train {

bool use_bf16(const std::string& precision) {
  WSNAS_CHECK_USAGE(precision == "fp32" || precision == "bf16", "--precision '", precision,
                    "': expected fp32 or bf16");
  return precision == "bf16";
}

Autocast::Autocast(c10::Device device, bool enabled) : type_(device.type()), enabled_(enabled) {
  if (!enabled_) return;
#ifdef WSNAS_AUTOCAST_BY_DEVICE
  previous_ = at::autocast::is_autocast_enabled(type_);
  previous_dtype_ = static_cast<int>(at::autocast::get_autocast_dtype(type_));
  at::autocast::set_autocast_dtype(type_, at::kBFloat16);
  at::autocast::set_autocast_enabled(type_, true);
#else
  if (type_ == c10::kCUDA) {
    previous_ = at::autocast::is_enabled();
    previous_dtype_ = static_cast<int>(at::autocast::get_autocast_gpu_dtype());
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    previous_ = at::autocast::is_cpu_enabled();
    previous_dtype_ = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
#endif
  at::autocast::increment_nesting();
}

Autocast::~Autocast() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  const auto dtype = static_cast<at::ScalarType>(previous_dtype_);
#ifdef WSNAS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(type_, previous_);
  at::autocast::set_autocast_dtype(type_, dtype);
#else
  if (type_ == c10::kCUDA) {
    at::autocast::set_enabled(previous_);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(previous_);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

c10::MemoryFormat memory_format(const std::string& spec, c10::Device device) {
  if (spec == "channels-last") return c10::MemoryFormat::ChannelsLast;
  if (spec == "contiguous") return c10::MemoryFormat::Contiguous;
  WSNAS_CHECK_USAGE(spec == "auto", "--memory-format '", spec,
                    "': expected auto, channels-last or contiguous");
  return device.is_cuda() ? c10::MemoryFormat::Contiguous : c10::MemoryFormat::ChannelsLast;
}

void set_memory_format(torch::nn::Module& module, c10::MemoryFormat format) {
  at::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(format));
  }
  for (auto& b : module.buffers()) {
    if (b.dim() == 4) b.set_data(b.contiguous(format));
  }
}

}  // namespace wsnas::train

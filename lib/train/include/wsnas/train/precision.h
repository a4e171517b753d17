#pragma once
/// Mixed precision: bfloat16 autocast around forward passes (weights, gradients, optimizer state
/// and BN statistics stay float32). bfloat16 has float32's range, so no loss scaling is needed.

#include <string>

#include <c10/core/Device.h>

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

}  // namespace wsnas::train

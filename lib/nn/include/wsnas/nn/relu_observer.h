#pragma once
/// Watching the rectified units of a forward pass (NASWOT's binary codes,
/// lib/score/src/naswot.cpp). The networks show every ReLU (and ReLU6) output to the observer
/// installed on the calling thread, once per ReLU module of the network's published structure that
/// runs: a cell that computes a state's ReLU once for all the operators reading it shows it once
/// per operator, as each operator's own ReLU module would run in the released code. Without an
/// observer (the usual case) a show costs one thread-local load.

#include <ATen/core/Tensor.h>

#include <functional>

namespace wsnas::nn {

using ReluObserver = std::function<void(const at::Tensor& relu_output)>;

/// This thread's observer; null when none.
const ReluObserver*& relu_observer();

/// Shows `r`, a ReLU's output, to this thread's observer, and returns it.
inline const at::Tensor& observed(const at::Tensor& r) {
  if (const auto* o = relu_observer()) (*o)(r);
  return r;
}

/// Installs an observer on this thread for its lifetime (the previous one is restored after).
class ObserveRelus {
 public:
  explicit ObserveRelus(ReluObserver f) : f_(std::move(f)), previous_(relu_observer()) {
    relu_observer() = &f_;
  }
  ~ObserveRelus() { relu_observer() = previous_; }
  ObserveRelus(const ObserveRelus&) = delete;
  ObserveRelus& operator=(const ObserveRelus&) = delete;

 private:
  ReluObserver f_;
  const ReluObserver* previous_;
};

}  // namespace wsnas::nn

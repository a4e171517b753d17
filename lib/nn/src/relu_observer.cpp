#include "wsnas/nn/relu_observer.h"

namespace wsnas::nn {

const ReluObserver*& relu_observer() {
  static thread_local const ReluObserver* observer = nullptr;
  return observer;
}

}  // namespace wsnas::nn

#pragma once
// The MPI element type of a tensor (private to lib/mpi).
#include <ATen/core/Tensor.h>

#include "wsnas/core/error.h"
#include "wsnas/mpi/communicator.h"

namespace wsnas::mpi::detail {

inline DType dtype_of(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return DType::kFloat32;
    case at::kDouble:
      return DType::kFloat64;
    case at::kLong:
      return DType::kInt64;
    case at::kInt:
      return DType::kInt32;
    case at::kByte:
      return DType::kUInt8;
    default:
      throw Error(
          wsnas::detail::concat("MPI collectives: unsupported tensor dtype ", t.scalar_type()));
  }
}

}  // namespace wsnas::mpi::detail

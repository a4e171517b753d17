#pragma once
/// Data-parallel gradient averaging over the ranks of a communicator (the supernet's replicas).
///  - A used-mask is reduced before the gradients: a parameter with a gradient on some rank gets
///    the average with zeros for the ranks without one; with a gradient on none it keeps none. So
///    ranks may train different paths (per-replica sampling) without agreeing beforehand on which
///    gradients exist, and the data reduced is only what some rank used.
///  - The parameter lists are checked across ranks once, at construction (count, then each
///    parameter's size and type): a mismatch is an error naming the first differing parameter, not
///    a hang or a silent misalignment in the allreduce.
///  - Gradients (and the caller's extra tensors, e.g. BN statistics) go in buckets of at most
///    `bucket_bytes`, flattened on the tensors' device; a bucket is reduced there when the MPI
///    library is CUDA-aware (Communicator::cuda_aware), through host memory otherwise.
/// The average is MPI's elementwise sum divided by the rank count. On 2 ranks it does not depend on
/// the bucket size; with more, MPI may pick another summation order for another message size.

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <string>
#include <vector>

#include "wsnas/mpi/communicator.h"

namespace wsnas::mpi {

class Reducer {
 public:
  /// `names[i]` names `params[i]` in errors. Collective: every rank constructs it.
  Reducer(const Communicator& comm, std::vector<at::Tensor> params, std::vector<std::string> names,
          std::size_t bucket_bytes = 32u << 20);
  /// Averages the parameters' gradients and `extra` (floating-point tensors of the gradients'
  /// type, the same list on every rank) over the ranks. Collective.
  void average(const std::vector<at::Tensor>& extra = {});
  /// Bytes of the last average() (gradients used anywhere, plus extra), for benchmarks.
  std::size_t last_bytes() const { return last_bytes_; }

 private:
  void reduce_bucket(std::vector<at::Tensor>& members);

  const Communicator& comm_;
  std::vector<at::Tensor> params_;
  std::vector<std::string> names_;
  std::size_t bucket_bytes_;
  std::size_t last_bytes_ = 0;
};

}  // namespace wsnas::mpi

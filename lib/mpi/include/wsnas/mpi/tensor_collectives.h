#pragma once
/// Collectives on LibTorch tensors (any device: CUDA tensors are staged through host memory,
/// so the code never needs a CUDA-aware MPI).

#include <ATen/core/Tensor.h>

#include <vector>

#include "wsnas/mpi/communicator.h"

namespace wsnas::mpi {

/// In-place sum over ranks (float32/float64/int64/int32/uint8 tensors).
void allreduce_sum(const Communicator& comm, at::Tensor& tensor);
/// In-place mean over ranks (floating-point tensors).
void allreduce_mean(const Communicator& comm, at::Tensor& tensor);
/// Every rank's 2-d float32 `rows` ([n_rank, width], any device), concatenated in rank order on
/// `root` as one CPU tensor (other ranks get an undefined tensor). Collective.
at::Tensor gather_rows(const Communicator& comm, const at::Tensor& rows, int root = 0);
/// In-place broadcast from `root`; shape and dtype must already agree.
void broadcast(const Communicator& comm, at::Tensor& tensor, int root = 0);

}  // namespace wsnas::mpi

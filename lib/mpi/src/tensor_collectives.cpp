#include "wsnas/mpi/tensor_collectives.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "dtype.h"
#include "wsnas/core/error.h"

namespace wsnas::mpi {

namespace {

// Runs `op` on a contiguous host copy of `tensor` and writes the result back in place.
template <class Op>
void on_host(at::Tensor& tensor, Op op) {
  at::Tensor host =
      tensor.is_cuda() || !tensor.is_contiguous() ? tensor.to(at::kCPU).contiguous() : tensor;
  op(host);
  if (!host.is_same(tensor)) tensor.copy_(host);
}

}  // namespace

void allreduce_sum(const Communicator& comm, at::Tensor& tensor) {
  if (comm.size() == 1) return;
  on_host(tensor, [&](at::Tensor& h) {
    comm.allreduce_sum(h.data_ptr(), static_cast<std::size_t>(h.numel()), detail::dtype_of(h));
  });
}

void allreduce_mean(const Communicator& comm, at::Tensor& tensor) {
  WSNAS_CHECK(tensor.is_floating_point(), "allreduce_mean needs a floating-point tensor");
  if (comm.size() == 1) return;
  allreduce_sum(comm, tensor);
  tensor.div_(comm.size());
}

at::Tensor gather_rows(const Communicator& comm, const at::Tensor& rows, int root) {
  WSNAS_CHECK(rows.dim() == 2, "gather_rows: expected a 2-d tensor, got ", rows.dim(), " dims");
  const at::Tensor host = rows.to(at::kCPU, at::kFloat).contiguous();
  const auto* p = reinterpret_cast<const std::uint8_t*>(host.data_ptr<float>());
  const auto parts = comm.gather_bytes(
      std::vector<std::uint8_t>(p, p + host.numel() * static_cast<std::int64_t>(sizeof(float))),
      root);
  if (comm.rank() != root) return {};
  const std::int64_t width = host.size(1);
  std::vector<at::Tensor> all;
  for (const auto& b : parts) {
    const auto n = static_cast<std::int64_t>(b.size() / sizeof(float));
    WSNAS_CHECK(width > 0 ? n % width == 0 : n == 0, "gather_rows: a rank sent ", n,
                " values, not rows of ", width);
    all.push_back(at::from_blob(const_cast<std::uint8_t*>(b.data()),
                                {width > 0 ? n / width : 0, width}, at::kFloat)
                      .clone());
  }
  return at::cat(all);
}

void broadcast(const Communicator& comm, at::Tensor& tensor, int root) {
  if (comm.size() == 1) return;
  on_host(tensor, [&](at::Tensor& h) {
    comm.broadcast_bytes(h.data_ptr(), static_cast<std::size_t>(h.nbytes()), root);
  });
}

}  // namespace wsnas::mpi

#include "wsnas/mpi/reducer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "dtype.h"
#include "wsnas/core/error.h"

namespace wsnas::mpi {

namespace {

/// Per rank a value; true when every rank passed the same one (one allreduce of max and -min).
bool same_everywhere(const Communicator& comm, std::vector<std::int64_t> values) {
  std::vector<std::int64_t> both = values;
  for (const auto v : values) both.push_back(-v);
  comm.allreduce_max(both.data(), both.size(), DType::kInt64);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (both[i] != -both[values.size() + i]) return false;
  }
  return true;
}

}  // namespace

Reducer::Reducer(const Communicator& comm, std::vector<at::Tensor> params,
                 std::vector<std::string> names, std::size_t bucket_bytes)
    : comm_(comm),
      params_(std::move(params)),
      names_(std::move(names)),
      bucket_bytes_(std::max<std::size_t>(bucket_bytes, 1)) {
  WSNAS_CHECK(names_.size() == params_.size(), "Reducer: ", names_.size(), " names for ",
              params_.size(), " parameters");
  if (comm_.size() == 1) return;
  std::vector<std::int64_t> count = {static_cast<std::int64_t>(params_.size())};
  if (!same_everywhere(comm_, count)) {
    std::vector<std::int64_t> range = {count[0], -count[0]};
    comm_.allreduce_max(range.data(), 2, DType::kInt64);
    throw Error(wsnas::detail::concat("gradient averaging: the ranks hold different networks (",
                                      -range[1], " to ", range[0], " parameters; this rank ",
                                      count[0], ")"));
  }
  std::vector<std::int64_t> shape;
  shape.reserve(params_.size());
  for (const auto& p : params_)
    shape.push_back(p.numel() * 16 + static_cast<std::int64_t>(p.scalar_type()));
  if (same_everywhere(comm_, shape)) return;
  // Which parameter: the first whose size or type differs (a second, rarer collective).
  std::vector<std::int64_t> both = shape;
  for (const auto v : shape) both.push_back(-v);
  comm_.allreduce_max(both.data(), both.size(), DType::kInt64);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (both[i] != -both[shape.size() + i])
      throw Error(wsnas::detail::concat("gradient averaging: parameter '", names_[i],
                                        "' differs across ranks (this rank: ", params_[i].numel(),
                                        " values of ", params_[i].scalar_type(), ")"));
  }
}

void Reducer::average(const std::vector<at::Tensor>& extra) {
  last_bytes_ = 0;
  if (comm_.size() == 1) return;
  at::NoGradGuard no_grad;
  // The used-mask: which parameters have a gradient on some rank.
  std::vector<std::uint8_t> used(params_.size(), 0);
  for (std::size_t i = 0; i < params_.size(); ++i) used[i] = params_[i].grad().defined() ? 1 : 0;
  comm_.allreduce_max(used.data(), used.size(), DType::kUInt8);
  std::vector<at::Tensor> members;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!used[i]) continue;
    auto& p = params_[i];
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    members.push_back(p.grad());
  }
  for (const auto& t : extra) {
    WSNAS_CHECK(t.defined() && t.is_floating_point(), "Reducer: extra tensors are floating-point");
    members.push_back(t);
  }
  // Buckets in order, each of one type and device, of at most bucket_bytes_ (a larger tensor
  // alone).
  std::vector<at::Tensor> bucket;
  std::size_t bytes = 0;
  for (const auto& t : members) {
    const std::size_t b = static_cast<std::size_t>(t.numel()) * t.element_size();
    const bool fits = bucket.empty() || (bytes + b <= bucket_bytes_ &&
                                         t.scalar_type() == bucket.front().scalar_type() &&
                                         t.device() == bucket.front().device());
    if (!fits) {
      reduce_bucket(bucket);
      bucket.clear();
      bytes = 0;
    }
    bucket.push_back(t);
    bytes += b;
    last_bytes_ += b;
  }
  if (!bucket.empty()) reduce_bucket(bucket);
}

void Reducer::reduce_bucket(std::vector<at::Tensor>& members) {
  std::vector<at::Tensor> parts;
  parts.reserve(members.size());
  for (const auto& t : members) parts.push_back(t.reshape({-1}));
  at::Tensor flat = parts.size() == 1 ? parts[0].clone() : at::cat(parts);
  const bool on_device = flat.is_cuda() && Communicator::cuda_aware();
  at::Tensor buffer = flat.is_cuda() && !on_device ? flat.to(at::kCPU) : flat;
  // A CUDA-aware allreduce reads device memory: the kernels that filled it must have finished.
  if (on_device) torch::cuda::synchronize(flat.device().index());
  comm_.allreduce_sum(buffer.data_ptr(), static_cast<std::size_t>(buffer.numel()),
                      detail::dtype_of(buffer));
  // True division, on the host as the collectives always did (a CUDA kernel dividing by a scalar
  // multiplies by its reciprocal: 1 ulp apart at some rank counts).
  if (buffer.is_cuda()) {
    buffer.div_(at::scalar_tensor(static_cast<double>(comm_.size()), buffer.options()));
  } else {
    buffer.div_(comm_.size());
  }
  if (!buffer.is_same(flat)) flat.copy_(buffer);
  std::int64_t offset = 0;
  for (auto& t : members) {
    const std::int64_t n = t.numel();
    t.copy_(flat.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

}  // namespace wsnas::mpi

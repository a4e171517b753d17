#include "wsnas/io/h5tensor.h"

#include <ATen/ATen.h>
#include <hdf5.h>

#include "wsnas/core/error.h"

namespace wsnas::io {

void write_tensor(File& f, const std::string& obj, const at::Tensor& t) {
  at::Tensor h = t.detach().to(at::kCPU);
  if (h.scalar_type() == at::kHalf || h.scalar_type() == at::kBFloat16) h = h.to(at::kFloat);
  if (h.scalar_type() == at::kBool) h = h.to(at::kByte);
  h = h.contiguous();
  std::vector<std::int64_t> shape(h.sizes().begin(), h.sizes().end());
  // A 0-d tensor is stored as a 1-element 1-d dataset; read_tensor keeps that shape.
  if (shape.empty()) shape = {1};
  const auto n = static_cast<std::size_t>(h.numel());
  switch (h.scalar_type()) {
    case at::kFloat: {
      const float* p = h.data_ptr<float>();
      f.write_f32(obj, std::vector<float>(p, p + n), shape);
      break;
    }
    case at::kDouble: {
      const double* p = h.data_ptr<double>();
      f.write_f64(obj, std::vector<double>(p, p + n), shape);
      break;
    }
    case at::kLong: {
      const std::int64_t* p = h.data_ptr<std::int64_t>();
      f.write_i64(obj, std::vector<std::int64_t>(p, p + n), shape);
      break;
    }
    case at::kInt: {
      at::Tensor l = h.to(at::kLong);
      const std::int64_t* p = l.data_ptr<std::int64_t>();
      f.write_i64(obj, std::vector<std::int64_t>(p, p + n), shape);
      break;
    }
    case at::kByte: {
      const std::uint8_t* p = h.data_ptr<std::uint8_t>();
      f.write_u8(obj, std::vector<std::uint8_t>(p, p + n), shape);
      break;
    }
    default:
      throw Error(f.where(obj) + ": cannot store tensors of type " +
                  std::string(c10::toString(h.scalar_type())));
  }
}

namespace {
template <class T>
at::Tensor to_tensor(std::vector<T> v, const std::vector<std::int64_t>& shape, at::ScalarType st) {
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
  std::copy(v.begin(), v.end(), t.data_ptr<T>());
  return t;
}
}  // namespace

at::Tensor read_tensor(const File& f, const std::string& obj) {
  auto shape = f.shape(obj);
  WSNAS_CHECK_INPUT(f.exists(obj), f.where(obj), ": missing tensor");
  H5Id ds(H5Dopen2(f.id(), obj.c_str(), H5P_DEFAULT));
  WSNAS_CHECK_INPUT(ds.valid(), f.where(obj), ": not a dataset");
  H5Id type(H5Dget_type(ds.get()));
  auto cls = H5Tget_class(type.get());
  auto size = H5Tget_size(type.get());
  if (cls == H5T_FLOAT && size == 4) return to_tensor(f.read_f32(obj), shape, at::kFloat);
  if (cls == H5T_FLOAT) return to_tensor(f.read_f64(obj), shape, at::kDouble);
  if (cls == H5T_INTEGER && size == 1) return to_tensor(f.read_u8(obj), shape, at::kByte);
  if (cls == H5T_INTEGER) return to_tensor(f.read_i64(obj), shape, at::kLong);
  throw InputError(f.where(obj) + ": expected a numeric dataset");
}

}  // namespace wsnas::io

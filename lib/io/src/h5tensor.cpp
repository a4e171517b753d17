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
  // Straight from the tensor's memory: a checkpoint never holds a second copy of the weights.
  switch (h.scalar_type()) {
    case at::kFloat:
      f.write_raw(obj, h.data_ptr<float>(), n, File::NumType::kF32, shape);
      break;
    case at::kDouble:
      f.write_raw(obj, h.data_ptr<double>(), n, File::NumType::kF64, shape);
      break;
    case at::kLong:
      f.write_raw(obj, h.data_ptr<std::int64_t>(), n, File::NumType::kI64, shape);
      break;
    case at::kInt: {
      const at::Tensor l = h.to(at::kLong);
      f.write_raw(obj, l.data_ptr<std::int64_t>(), n, File::NumType::kI64, shape);
      break;
    }
    case at::kByte:
      f.write_raw(obj, h.data_ptr<std::uint8_t>(), n, File::NumType::kU8, shape);
      break;
    default:
      throw Error(f.where(obj) + ": cannot store tensors of type " +
                  std::string(c10::toString(h.scalar_type())));
  }
}

at::Tensor read_tensor(const File& f, const std::string& obj) {
  auto shape = f.shape(obj);
  WSNAS_CHECK_INPUT(f.exists(obj), f.where(obj), ": missing tensor");
  H5Id ds(H5Dopen2(f.id(), obj.c_str(), H5P_DEFAULT));
  WSNAS_CHECK_INPUT(ds.valid(), f.where(obj), ": not a dataset");
  H5Id type(H5Dget_type(ds.get()));
  auto cls = H5Tget_class(type.get());
  auto size = H5Tget_size(type.get());
  // Read straight into the tensor's memory (no intermediate vector).
  auto into = [&](at::ScalarType st, File::NumType nt) {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
    f.read_raw(obj, t.data_ptr(), static_cast<std::size_t>(t.numel()), nt);
    return t;
  };
  if (cls == H5T_FLOAT && size == 4) return into(at::kFloat, File::NumType::kF32);
  if (cls == H5T_FLOAT) return into(at::kDouble, File::NumType::kF64);
  if (cls == H5T_INTEGER && size == 1) return into(at::kByte, File::NumType::kU8);
  if (cls == H5T_INTEGER) return into(at::kLong, File::NumType::kI64);
  throw InputError(f.where(obj) + ": expected a numeric dataset");
}

}  // namespace wsnas::io

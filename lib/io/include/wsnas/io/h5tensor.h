#pragma once
/// LibTorch tensors in HDF5 datasets (any device; stored as contiguous host data).

#include <ATen/core/Tensor.h>

#include <string>

#include "wsnas/io/h5file.h"

namespace wsnas::io {

/// Writes a tensor (float32/64, int64/32, uint8, bool; half and bfloat16 are stored as float32).
void write_tensor(File& f, const std::string& obj, const at::Tensor& t);
/// Reads a dataset as a CPU tensor of the stored type and shape.
at::Tensor read_tensor(const File& f, const std::string& obj);

}  // namespace wsnas::io

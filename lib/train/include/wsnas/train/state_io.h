#pragma once
/// Module parameters and buffers, and lists of tensors, as HDF5 datasets under a group
/// ("/model/cells.0.edges.1.weight"). Reading checks names and shapes and names the file.

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "wsnas/io/h5file.h"

namespace torch::nn {
class Module;
}

namespace wsnas::train {

/// Writes every parameter and buffer of `module` under `group`.
void write_module(io::File& f, const std::string& group, const torch::nn::Module& module);
/// Loads parameters and buffers written by write_module into `module` (any device). A missing or
/// extra tensor, or a shape mismatch, is an InputError naming the file, the tensor and both shapes.
void read_module(const io::File& f, const std::string& group, torch::nn::Module& module);

/// Writes tensors as `group/0`, `group/1`, ... (undefined tensors are skipped).
void write_tensor_list(io::File& f, const std::string& group,
                       const std::vector<at::Tensor>& tensors);
/// Reads tensors written by write_tensor_list into `tensors` (same count and shapes; copied into
/// the existing tensors so device and dtype stay).
void read_tensor_list(const io::File& f, const std::string& group,
                      std::vector<at::Tensor>& tensors);

/// All floating-point buffers of a module (BN running mean and variance) in a fixed order.
std::vector<at::Tensor> float_buffers(torch::nn::Module& module);

}  // namespace wsnas::train

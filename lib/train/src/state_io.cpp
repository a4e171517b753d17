#include "wsnas/train/state_io.h"

#include <ATen/core/grad_mode.h>
#include <torch/nn/module.h>

#include <map>
#include <sstream>

#include "wsnas/core/error.h"
#include "wsnas/io/h5tensor.h"

namespace wsnas::train {

namespace {

std::string shape_text(at::IntArrayRef s) {
  std::ostringstream o;
  o << "[";
  for (std::size_t i = 0; i < s.size(); ++i) o << (i ? "," : "") << s[i];
  return o.str() + "]";
}

std::vector<std::pair<std::string, at::Tensor>> named_state(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

}  // namespace

void write_module(io::File& f, const std::string& group, const torch::nn::Module& module) {
  f.create_group(group);
  for (const auto& [name, t] : named_state(module))
    io::write_tensor(f, group + "/" + name, t.detach().cpu());
}

void read_module(const io::File& f, const std::string& group, torch::nn::Module& module) {
  WSNAS_CHECK_INPUT(f.exists(group), f.where(group), ": missing (not a checkpoint of a network?)");
  auto state = named_state(module);
  const auto stored = f.list(group);
  WSNAS_CHECK_INPUT(stored.size() == state.size(), f.where(group), ": holds ", stored.size(),
                    " tensors, the network has ", state.size(),
                    " (a checkpoint of another space or shape?)");
  at::NoGradGuard no_grad;
  for (auto& [name, t] : state) {
    const std::string obj = group + "/" + name;
    WSNAS_CHECK_INPUT(f.exists(obj), f.where(obj),
                      ": missing (a checkpoint of another space or shape?)");
    at::Tensor v = io::read_tensor(f, obj);
    // Scalars (BN's num_batches_tracked) are stored as one-element arrays.
    const bool same = v.sizes() == t.sizes() || (t.dim() == 0 && v.numel() == 1);
    WSNAS_CHECK_INPUT(same, f.where(obj), ": shape ", shape_text(v.sizes()),
                      ", the network expects ", shape_text(t.sizes()),
                      " (a checkpoint of another space or shape?)");
    t.copy_(v.reshape(t.sizes()).to(t.dtype()));
  }
}

void write_tensor_list(io::File& f, const std::string& group,
                       const std::vector<at::Tensor>& tensors) {
  f.create_group(group);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].defined())
      io::write_tensor(f, group + "/" + std::to_string(i), tensors[i].detach().cpu());
  }
}

void read_tensor_list(const io::File& f, const std::string& group,
                      std::vector<at::Tensor>& tensors) {
  WSNAS_CHECK_INPUT(f.exists(group), f.where(group), ": missing");
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const std::string obj = group + "/" + std::to_string(i);
    if (!tensors[i].defined()) continue;
    WSNAS_CHECK_INPUT(f.exists(obj), f.where(obj), ": missing");
    at::Tensor v = io::read_tensor(f, obj);
    WSNAS_CHECK_INPUT(v.sizes() == tensors[i].sizes(), f.where(obj), ": shape ",
                      shape_text(v.sizes()), ", expected ", shape_text(tensors[i].sizes()));
    tensors[i].copy_(v.to(tensors[i].dtype()));
  }
}

std::vector<at::Tensor> float_buffers(torch::nn::Module& module) {
  std::vector<at::Tensor> out;
  for (const auto& b : module.buffers(true)) {
    if (b.is_floating_point()) out.push_back(b);
  }
  return out;
}

}  // namespace wsnas::train

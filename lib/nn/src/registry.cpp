// The model registry: one line per space. Adding a space = its files + one line here (and one in
// lib/space/src/registry.cpp for the space itself); no app or pipeline stage changes.
#include <algorithm>
#include <deque>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/nn/darts_model.h"
#include "wsnas/nn/darts_ptb_model.h"
#include "wsnas/nn/nb101_model.h"
#include "wsnas/nn/nb201_model.h"
#include "wsnas/nn/network.h"
#include "wsnas/nn/proxyless_model.h"

namespace wsnas::nn {

namespace {

std::deque<ModelEntry>& entries() {  // a deque: entries stay where they are when one is added
  space::load_plugins();             // a plugin registers its networks with its space
  static std::deque<ModelEntry> all = {
      {"nb201", "classification", &nb201_supernet, &nb201_network},
      {"nb101", "classification", &nb101_supernet, &nb101_network},
      {"darts", "classification", &darts_supernet, &darts_network},
      {"proxyless", "classification", &proxyless_supernet, &proxyless_network},
      {"darts-ptb", "language-modelling", &darts_ptb_supernet, &darts_ptb_network},
  };
  return all;
}

}  // namespace

void register_model(ModelEntry entry) {
  for (const auto& e : entries()) {
    WSNAS_CHECK(e.space != entry.space, "register_model: the space '", entry.space,
                "' has networks already");
  }
  entries().push_back(std::move(entry));
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& e : entries()) out.push_back(e.space);
  return out;
}

const ModelEntry& model_entry(const std::string& space) {
  for (const auto& e : entries()) {
    if (e.space == space) return e;
  }
  throw InputError("--space '" + space + "': no network implementation in this build (available: " +
                   join(model_names(), ", ") + ")");
}

std::shared_ptr<Network> make_supernet(const std::string& space, const NetworkOptions& options) {
  return model_entry(space).supernet(options);
}

std::shared_ptr<Network> make_network(const std::string& space, const space::Arch& arch,
                                      const NetworkOptions& options) {
  return model_entry(space).network(arch, options);
}

std::int64_t count_parameters(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

std::int64_t count_inference_parameters(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.named_parameters()) {
    if (p.key().rfind("auxiliary.", 0) != 0) n += p.value().numel();
  }
  return n;
}

}  // namespace wsnas::nn

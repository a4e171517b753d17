// A sixth search space that lives only in the tests: two decisions of an MLP ("layer 1" and
// "layer 2", each relu | tanh | skip), for image classification. It reaches the real apps as a
// plugin (WSNAS_PLUGINS=.../libwsnas_toy_space.so): its files are this one and test_toy_space.sh,
// and its registration is the two calls of wsnas_register below. No stage or app names it.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/nn/network.h"
#include "wsnas/space/search_space.h"

namespace {

using wsnas::space::Arch;

const std::vector<std::string> kOps = {"relu", "tanh", "skip"};

class ToySpace : public wsnas::space::SearchSpace {
 public:
  std::string name() const override { return "toy-mlp"; }
  const std::vector<wsnas::space::Decision>& decisions() const override {
    static const std::vector<wsnas::space::Decision> d = {{"layer 1", kOps}, {"layer 2", kOps}};
    return d;
  }
  /// "relu,tanh": the two layers' operators.
  Arch parse(const std::string& text) const override {
    const auto parts = wsnas::split(text, ',');
    WSNAS_CHECK_INPUT(parts.size() == 2, "toy-mlp architecture '", text,
                      "': expected two operators separated by ',' (relu, tanh or skip)");
    Arch a;
    for (const auto& p : parts) {
      int k = 0;
      while (k < 3 && kOps[static_cast<std::size_t>(k)] != p) ++k;
      WSNAS_CHECK_INPUT(k < 3, "toy-mlp architecture '", text, "': unknown operator '", p, "'");
      a.choices.push_back(k);
    }
    return a;
  }
  std::string to_string(const Arch& a) const override {
    return kOps[static_cast<std::size_t>(a.choices.at(0))] + "," +
           kOps[static_cast<std::size_t>(a.choices.at(1))];
  }
  bool is_valid(const Arch&) const override { return true; }
  std::optional<std::int64_t> index_of(const Arch& a) const override {
    return a.choices.at(0) * 3 + a.choices.at(1);
  }
  std::optional<Arch> at(std::int64_t index) const override {
    WSNAS_CHECK_INPUT(index >= 0 && index < 9, "toy-mlp: index ", index, " out of range 0..8");
    return Arch{{static_cast<int>(index / 3), static_cast<int>(index % 3)}};
  }
};

/// The MLP: a stem (flatten, linear to the width, ReLU), two searched layers, a classifier. The
/// supernet holds a linear layer per searched operator and layer; the stand-alone network only its
/// own, under the same names.
class ToyNet : public wsnas::nn::Network {
 public:
  ToyNet(const wsnas::nn::NetworkOptions& o, const Arch* own) {
    if (own != nullptr) own_ = *own;
    const int width = o.channels > 0 ? o.channels : 64;
    stem_ = register_module("stem",
                            torch::nn::Linear(o.in_channels * o.input_size * o.input_size, width));
    for (int layer = 0; layer < 2; ++layer) {
      for (int op = 0; op < 2; ++op) {  // skip has no weights
        if (own != nullptr && own->choices.at(static_cast<std::size_t>(layer)) != op) continue;
        ops_[layer][op] = register_module(
            "layer" + std::to_string(layer + 1) + "_" + kOps[static_cast<std::size_t>(op)],
            torch::nn::Linear(width, width));
      }
    }
    head_ = register_module("head", torch::nn::Linear(width, o.classes));
  }
  at::Tensor stem(const at::Tensor& x) override {
    return torch::relu(stem_->forward(x.flatten(1)));
  }
  wsnas::nn::Forward body(const at::Tensor& h, const Arch& arch) override {
    at::Tensor x = h;
    for (int layer = 0; layer < 2; ++layer) {
      const int op = arch.choices.at(static_cast<std::size_t>(layer));
      if (op == 2) continue;
      WSNAS_CHECK(!ops_[layer][op].is_empty(), "toy-mlp: this network is another architecture's");
      const at::Tensor y = ops_[layer][op]->forward(x);
      x = op == 0 ? torch::relu(y) : torch::tanh(y);
    }
    return {head_->forward(x), {}, {}};
  }
  const Arch* own_arch() const override { return own_.choices.empty() ? nullptr : &own_; }

 private:
  Arch own_;
  torch::nn::Linear stem_{nullptr}, head_{nullptr};
  torch::nn::Linear ops_[2][2] = {{nullptr, nullptr}, {nullptr, nullptr}};
};

std::unique_ptr<wsnas::space::SearchSpace> make_space() { return std::make_unique<ToySpace>(); }

std::shared_ptr<wsnas::nn::Network> supernet(const wsnas::nn::NetworkOptions& o) {
  return std::make_shared<ToyNet>(o, nullptr);
}

std::shared_ptr<wsnas::nn::Network> network(const Arch& arch, const wsnas::nn::NetworkOptions& o) {
  return std::make_shared<ToyNet>(o, &arch);
}

}  // namespace

extern "C" void wsnas_register() {
  wsnas::space::register_space("toy-mlp", &make_space);
  // The apps without networks (wsnas-space, wsnas-analyze) know the space only.
  if (&wsnas::nn::register_model != nullptr)
    wsnas::nn::register_model({"toy-mlp", "classification", &supernet, &network});
}

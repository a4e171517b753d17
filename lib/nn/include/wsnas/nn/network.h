#pragma once
/// The engine's model interface. Every search space provides two networks behind it, made by name
/// through the registry (registry.cpp, one line per space):
///  - the supernet, holding every candidate operator and running one architecture per forward;
///  - the stand-alone network of one architecture (the ground truth's network).
/// The pipeline (lib/pipeline) trains, calibrates and evaluates them without knowing the space.
/// docs/engine.md says how to add a space.

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::nn {

/// The shape of a network, whatever the space; 0 means the space's default.
struct NetworkOptions {
  int channels = 0;       ///< width of the first stage (NB201: C = 16)
  int cells = 0;          ///< cells (or blocks) per stage (NB201: N = 5)
  double width_mult = 0;  ///< width multiplier of spaces that have one (Proxyless: 1.35)
  int in_channels = 3;    ///< input channels of an image task
  int input_size = 32;    ///< input height = width of an image task
  int classes = 10;       ///< outputs: classes, or the vocabulary of a language-modelling task
  /// Affine (learnable) BN in the searched operators of a supernet. The paper's released code uses
  /// affine BN everywhere (github.com/matluster/anonymous-2102 @3825f00, e.g. configs/nb201.py:18,
  /// configs/nb101.py:26); NAS-Bench-201's own search models do not.
  bool supernet_bn_affine = true;
  /// Build the training-only auxiliary head where the space's network has one (DARTS' CIFAR
  /// network, after the second reduction cell; the pipeline turns it on for --aux-weight >
  /// 0). Its parameters live under the module name `auxiliary` and are not counted by
  /// count_inference_parameters.
  bool auxiliary = false;
  /// Dropout rates of a recurrent network (DARTS-PTB: output 0.75, hidden 0.25, input-to-cell
  /// 0.75, embedding-input 0.2, embedding rows 0.1; anonymous-2102 configs/ptb.py:12-16); empty:
  /// the space's own.
  std::vector<double> rnn_dropout;
};

/// What one forward pass computed.
struct Forward {
  /// The output: logits over the classes, or over the vocabulary for every token.
  at::Tensor output;
  /// The auxiliary head's output, where the network has one and ran it: in training mode with
  /// gradients enabled (DARTS' CIFAR network, after the second reduction cell; the objective adds
  /// --aux-weight times its loss). Undefined otherwise.
  at::Tensor auxiliary;
  /// A regulariser of the pass, added to the objective times --tar, in training mode with
  /// gradients enabled (DARTS-PTB: temporal activation regularisation, the mean of
  /// (h_t - h_{t-1})^2 over the cell's undropped outputs). Undefined otherwise.
  at::Tensor penalty;
};

/// A network the pipeline runs. forward = body(stem(x)): the stem is the part that does not depend
/// on the architecture, so evaluation can compute it once per batch for every architecture.
class Network : public torch::nn::Module {
 public:
  /// Runs a batch through `arch`. A supernet runs any architecture of its space; a stand-alone
  /// network only its own.
  Forward forward(const at::Tensor& x, const space::Arch& arch) { return body(stem(x), arch); }
  /// The architecture-independent input stem (identity when a space has none).
  virtual at::Tensor stem(const at::Tensor& x) = 0;
  /// The rest of the forward pass, from the stem's output.
  virtual Forward body(const at::Tensor& h, const space::Arch& arch) = 0;
  /// The stand-alone network's architecture; nullptr for a supernet.
  virtual const space::Arch* own_arch() const = 0;

  /// Recurrent state carried between batches (language modelling). The pipeline calls
  /// reset_state at the start of every epoch and evaluation pass, and detach_state after every
  /// training step (truncated back-propagation through time). Feed-forward networks ignore both.
  virtual void reset_state(std::int64_t batch_size) {}
  virtual void detach_state() {}
  /// The carried state (empty for feed-forward networks), detached, and setting it back: a
  /// checkpoint taken mid-epoch holds it so a resumed run continues from the same state.
  virtual std::vector<at::Tensor> state() const { return {}; }
  virtual void set_state(const std::vector<at::Tensor>& state) {}

  /// Drop-path (DARTS): in training mode, each operator output is zeroed per sample with
  /// probability `prob` and the kept ones scaled by 1 / (1 - prob). The masks of the following
  /// forward passes are drawn from a generator seeded with `seed`, so a step's masks depend only
  /// on what the pipeline passes (a resumed run draws the same ones). Networks without drop-path
  /// ignore `prob`; `seed` also seeds their other training masks (DARTS-PTB's dropouts).
  virtual void set_drop_path(double prob, std::uint64_t seed) {}
};

/// How one space's networks are made: one entry per space in registry.cpp, or registered.
struct ModelEntry {
  std::string space;  ///< the space's name (space::make_space)
  std::string task;   ///< the task its networks solve (train::make_task): "classification", ...
  std::shared_ptr<Network> (*supernet)(const NetworkOptions&);
  std::shared_ptr<Network> (*network)(const space::Arch&, const NetworkOptions&);
};

/// Adds a space's networks to the registry (a plugin's entry point calls it, beside
/// space::register_space); the space must have none yet. Weak, so that a plugin's reference to it
/// resolves to null in the apps without networks (wsnas-space, wsnas-analyze): a plugin checks
/// `&nn::register_model != nullptr` before it calls it.
[[gnu::weak]] void register_model(ModelEntry entry);
/// The spaces with networks in this build, then the registered ones.
std::vector<std::string> model_names();
/// The entry of a space; InputError naming --space and listing the known ones otherwise.
const ModelEntry& model_entry(const std::string& space);
/// The supernet of a space.
std::shared_ptr<Network> make_supernet(const std::string& space, const NetworkOptions& options);
/// The stand-alone network of one architecture.
std::shared_ptr<Network> make_network(const std::string& space, const space::Arch& arch,
                                      const NetworkOptions& options);

/// Number of parameters of a module (all, trainable or not).
std::int64_t count_parameters(const torch::nn::Module& module);
/// Parameters of the network at inference: all but those of a training-only head registered as
/// the module `auxiliary` (what published parameter counts report, e.g. DARTS').
std::int64_t count_inference_parameters(const torch::nn::Module& module);

}  // namespace wsnas::nn

#pragma once
/// The search-space interface shared by the paper's five spaces (Zhang et al., "How does weight
/// sharing help in NAS?", Appendix A.1): cells with operator and input choices (NAS-Bench-101
/// sub-space, NAS-Bench-201, DARTS-CIFAR10), chain-wise block choices (ProxylessNAS) and an RNN
/// cell (DARTS-PTB). Every architecture is a flat list of decisions, each one option chosen among
/// a fixed list; that list is what the bias analysis groups by (paper, Figure 4).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wsnas/core/random.h"

namespace wsnas::space {

/// One decision of a space: a name ("edge 3<-0", "node 2 input 1", "block 7") and its options.
struct Decision {
  std::string name;
  std::vector<std::string> options;
};

/// An architecture: for each decision of its space, the index of the chosen option.
struct Arch {
  std::vector<int> choices;
  bool operator==(const Arch& o) const { return choices == o.choices; }
  bool operator!=(const Arch& o) const { return !(*this == o); }
  bool operator<(const Arch& o) const { return choices < o.choices; }
};

/// The network around a cell, for parameter and FLOP counts; 0 means the space's default.
struct CostOptions {
  int classes = 0;  ///< the space's dataset (NB201: CIFAR-100, 100; NB101: CIFAR-10, 10)
  int in_channels = 3;
  int input_size = 0;     ///< input height = width (0: the space's dataset: 32; Proxyless 224)
  int channels = 0;       ///< width of the first stage (NB201: C = 16)
  int cells = 0;          ///< cells per stage (NB201: N = 5)
  double width_mult = 0;  ///< width multiplier of spaces that have one (Proxyless: 1.35)
};

/// Size of the stand-alone network of an architecture, by the space's benchmark definitions.
struct ModelCost {
  std::int64_t params = 0;  ///< all parameters, BN affine included
  std::int64_t flops = 0;   ///< multiply-adds of convolutions and linear layers
  double params_m() const { return static_cast<double>(params) / 1e6; }
  double flops_m() const { return static_cast<double>(flops) / 1e6; }
};

/// Counts a network's cost layer by layer, as the benchmarks' counters do (the paper's released
/// code: github.com/matluster/anonymous-2102 @3825f00 utils.py:110-199):
/// a convolution has cin / groups x cout x k x k weights (no bias) and as many multiply-adds per
/// output pixel; a BN layer its scale and offset; a linear layer in x out + out parameters and
/// in x out multiply-adds (NAS-Bench-201's counter adds the bias: `linear_flops_bias`).
struct CostCounter {
  ModelCost cost;
  void conv(std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t out_h,
            std::int64_t out_w, std::int64_t groups = 1) {
    const std::int64_t weights = cin / groups * cout * k * k;
    cost.params += weights;
    cost.flops += weights * out_h * out_w;
  }
  void bn(std::int64_t channels) { cost.params += 2 * channels; }
  void linear(std::int64_t in, std::int64_t out, bool linear_flops_bias = false) {
    cost.params += in * out + out;
    cost.flops += in * out + (linear_flops_bias ? out : 0);
  }
};

/// A search space. Implementations are immutable and thread-safe after construction.
class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  /// Short name used on command lines and in result files ("nb201").
  virtual std::string name() const = 0;
  /// The decisions, in the order of Arch::choices.
  virtual const std::vector<Decision>& decisions() const = 0;

  /// Parses the space's canonical string; throws InputError saying what was expected.
  virtual Arch parse(const std::string& text) const = 0;
  /// The space's canonical string (round-trips through parse).
  virtual std::string to_string(const Arch& arch) const = 0;
  /// Whether the architecture is a valid network (e.g. input connected to output).
  virtual bool is_valid(const Arch& arch) const = 0;
  /// A string equal for isomorphic architectures (the space's own definition where a benchmark
  /// has one); defaults to to_string.
  virtual std::string canonical(const Arch& arch) const { return to_string(arch); }
  /// Whether the space's benchmark trained one network per canonical class (NAS-Bench-101: one
  /// per graph hash), so a ground-truth row stands for every architecture of its class: the
  /// analysis then joins an architecture absent from a table to its class's row.
  virtual bool truth_by_canonical() const { return false; }
  /// The decisions strict fairness (FairNAS, --sampler fairnas) permutes each step; the others
  /// come from a uniform valid draw per path. Default: all of them (NAS-Bench-201's edges). The
  /// released NAS-Bench-101 code permutes the operators only (anonymous-2102
  /// tricks/nb101/multipath.py:56-62).
  virtual std::vector<std::size_t> fair_decisions() const;
  /// Counts `wsnas-space count` prints besides total, valid and canonical classes (NAS-Bench-101:
  /// its adjacency matrices).
  virtual std::vector<std::pair<std::string, std::uint64_t>> extra_counts() const { return {}; }

  /// Number of architectures, valid or not, if the space is enumerable in 64 bits.
  virtual std::optional<std::uint64_t> size() const;
  /// The exact number of valid architectures in decimal, where the space knows it without
  /// enumerating (DARTS: 2.7565e20, beyond 64 bits).
  virtual std::optional<std::string> valid_count() const { return std::nullopt; }
  /// Index of an architecture in the space's official order (enumerable spaces only).
  virtual std::optional<std::int64_t> index_of(const Arch& arch) const { return std::nullopt; }
  /// The architecture at an official index (enumerable spaces only); InputError if out of range.
  virtual std::optional<Arch> at(std::int64_t index) const { return std::nullopt; }

  /// Parameters and FLOPs of the stand-alone network, where the space defines them.
  virtual std::optional<ModelCost> cost(const Arch& arch, const CostOptions& options) const {
    return std::nullopt;
  }

  /// Draws one architecture uniformly at random (over all, or over valid ones by rejection).
  virtual Arch sample(Rng& rng, bool valid_only) const;

  /// Checks that `arch` has the right number of choices, each in range; InputError otherwise.
  void check(const Arch& arch) const;
  /// (decision name, chosen option) pairs, for bias analysis and printing.
  std::vector<std::pair<std::string, std::string>> describe(const Arch& arch) const;
};

/// Draws `n` architectures: distinct unless `with_replacement`, valid only if `valid_only`,
/// from `pool` when given (uniformly among its members) or else from the whole space, and only
/// architectures `accept` takes when given (a cost limit: the paper's Proxyless evaluation keeps
/// those of at most 600M multiply-adds). With `accept` an enumerable space is drawn from the list
/// of its accepted architectures; another is drawn by rejection. Throws InputError when fewer than
/// `n` distinct candidates exist, unless `at_most`: then all of them (in a random order) when the
/// candidates are known (a pool, or an enumerable space).
std::vector<Arch> sample_architectures(const SearchSpace& space, std::size_t n, Rng& rng,
                                       bool valid_only, bool with_replacement,
                                       const std::vector<Arch>* pool = nullptr,
                                       const std::function<bool(const Arch&)>& accept = {},
                                       bool at_most = false);

/// Parses an architecture given either as the space's string or, for enumerable spaces, as an
/// official index (all digits).
Arch parse_arch_or_index(const SearchSpace& space, const std::string& text);

/// Reads architectures from a text file: one per line, a string or an index; blank lines and
/// lines starting with '#' are skipped; a CSV with a header is read by its column `arch` (else
/// `genotype`, `architecture` or `architecture_json`: the paper's published tables; else `index`).
/// Errors name the file and line.
std::vector<Arch> read_arch_list(const SearchSpace& space, const std::string& path);

/// The positions of `archs`, largest stand-alone network first (the space's FLOPs at its default
/// network, `cost`); ties, and every architecture of a space without costs, keep their order.
/// Ranks that claim work in this order finish together: the last claims are the short ones
/// (longest-processing-time-first scheduling).
std::vector<std::size_t> longest_first(const SearchSpace& space, const std::vector<Arch>& archs);

/// Loads the plugins WSNAS_PLUGINS names (paths separated by ':'), once per process: each is a
/// shared library with an entry point `extern "C" void wsnas_register()` that registers its spaces
/// (register_space) and their networks (nn::register_model). The registries call it first, so
/// every app that knows spaces knows a plugin's. InputError naming the library when it cannot be
/// loaded. The apps export their symbols for it (CMake ENABLE_EXPORTS).
void load_plugins();
/// Makes a space (a registry entry).
using SpaceFactory = std::unique_ptr<SearchSpace> (*)();
/// Adds a space to the registry (a plugin's entry point calls it: app::load_plugins); its name
/// must be new. Not thread-safe: register before the stages run.
void register_space(const std::string& name, SpaceFactory factory);
/// The spaces this build knows ("nb201", ...), then the registered ones.
std::vector<std::string> space_names();
/// The default --space of the tools: the first space of the registry.
std::string default_space_name();
/// Makes a space by name; InputError listing the known names otherwise.
std::unique_ptr<SearchSpace> make_space(const std::string& name);

}  // namespace wsnas::space

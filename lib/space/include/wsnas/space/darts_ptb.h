#pragma once
/// The DARTS recurrent cell space on Penn Treebank as the paper uses it (paper Appendix A.1; its
/// released code, github.com/matluster/anonymous-2102 @3825f00 space/ptb/network.py:26-32): 8
/// nodes; node i takes one activation (tanh, relu, sigmoid, identity) and one predecessor state
/// in 0..i (0: the cell's input state s0, j: node j - 1); the cell output is the mean of the 8
/// node states. 4^8 x 8! = 2,642,411,520 architectures, all valid (paper Table 1).

#include <array>
#include <string>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

inline constexpr int kDartsPtbNodes = 8;
/// The activations in the released code's index order (space/ptb/network.py).
extern const std::array<const char*, 4> kDartsPtbActivations;

class DartsPtbSpace final : public SearchSpace {
 public:
  DartsPtbSpace();
  std::string name() const override { return "darts-ptb"; }
  /// "node i activation" for i = 0..7, then "node i input" (the released code's key order:
  /// act/0..7, switch/0..7).
  const std::vector<Decision>& decisions() const override { return decisions_; }
  /// DARTS' `Genotype(recurrent=[('sigmoid', 0), ... 8 pairs], concat=[1, ..., 8])` (or
  /// `concat=range(1, 9)`), or the paper's CSV JSON object {"act/0": 0..3, ..., "switch/7": 0..7}.
  Arch parse(const std::string& text) const override;
  /// The Genotype string.
  std::string to_string(const Arch& arch) const override;
  /// The JSON object of the paper's CSV (keys sorted).
  std::string to_json(const Arch& arch) const;
  bool is_valid(const Arch& arch) const override { return true; }
  /// Every architecture: 2,642,411,520.
  std::optional<std::string> valid_count() const override;

  /// Index of node i's activation (input = false) or predecessor (input = true) decision.
  static std::size_t decision_index(int node, bool input) {
    return static_cast<std::size_t>(input ? kDartsPtbNodes + node : node);
  }

 private:
  std::vector<Decision> decisions_;
};

}  // namespace wsnas::space

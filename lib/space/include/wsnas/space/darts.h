#pragma once
/// The DARTS CIFAR-10 space as the paper uses it (paper Appendix A.1; its released code,
/// github.com/matluster/anonymous-2102 @3825f00 space/darts/network.py:11-19, mutator.py:76-109):
/// a normal and a reduction cell, nodes 2..5, two slots per node, each slot an input (0 = cell
/// k-2, 1 = cell k-1, j >= 2 = node j) and one of the 7 DARTS operators (no `none`); the two
/// slots of a node take different inputs; the cell output concatenates nodes 2..5.
/// (2*6*12*20 * 7^8)^2 = 275,647,219,316,498,534,400 ~ 2.7565e20 valid architectures (paper Table
/// 1).

#include <array>
#include <cstdint>
#include <string>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

inline constexpr int kDartsNumOps = 7;
/// DARTS' PRIMITIVES without `none`, in the released code's order (space/darts/network.py).
extern const std::array<const char*, kDartsNumOps> kDartsOpNames;

/// The evaluation network around a genotype (DARTS' NetworkCIFAR: C = 36, 20 cells, reductions at
/// 1/3 and 2/3, stem 3C, auxiliary head for training only).
struct DartsShape {
  int channels = 36;
  int cells = 20;
  int classes = 10;
  int in_channels = 3;
  int input_size = 32;
};

class DartsSpace final : public SearchSpace {
 public:
  DartsSpace();
  std::string name() const override { return "darts"; }
  const std::vector<Decision>& decisions() const override { return decisions_; }
  /// DARTS' `Genotype(normal=[(op, input), ...], normal_concat=[2, 3, 4, 5], reduce=[...],
  /// reduce_concat=[2, 3, 4, 5])`, 8 (op, input) pairs per cell in node and slot order; or the
  /// paper's CSV JSON object of 32 keys "{normal|reduce}/{2..5}/{0|1}/{input|op}".
  Arch parse(const std::string& text) const override;
  /// The Genotype string.
  std::string to_string(const Arch& arch) const override;
  /// The JSON object of the paper's CSV (keys sorted).
  std::string to_json(const Arch& arch) const;
  /// The two slots of every node take different inputs.
  bool is_valid(const Arch& arch) const override;
  /// The Genotype with the two slots of each node in sorted order: equal for architectures whose
  /// stand-alone networks are the same (a supernet's weights differ by slot, anonymous-2102
  /// space/darts/network.py:59-70).
  std::string canonical(const Arch& arch) const override;
  std::optional<std::string> valid_count() const override;
  /// Parameters of the stand-alone network (auxiliary head excluded; conv, BN scale and offset,
  /// classifier) and its multiply-adds (every convolution, depthwise included, and the classifier
  /// weight) at `shape`.
  static ModelCost cost_of(const Arch& arch, const DartsShape& shape = {});
  std::optional<ModelCost> cost(const Arch& arch, const CostOptions& options) const override;

  /// Index of decision (cell 0 normal / 1 reduce, node 2..5, slot 0/1, op?).
  static std::size_t decision_index(int cell, int node, int slot, bool op);

 private:
  std::vector<Decision> decisions_;
};

}  // namespace wsnas::space

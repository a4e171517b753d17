#pragma once
/// The paper's NAS-Bench-101 sub-space (paper Appendix A.1; its released code,
/// github.com/matluster/anonymous-2102 @3825f00 tools/generate_nb101_splits.py:23-40,80): cells
/// of 7 vertices (input, 5 operators, output) where vertices 1..3 have exactly one parent and
/// vertices 4, 5 and the output exactly two, no input->output edge, every operator vertex with a
/// successor. 395 adjacency matrices x 3^5 operator choices = 95,985 cells, 42,228 distinct
/// NAS-Bench-101 graph hashes (paper, Table 1).
///
/// Also the general NAS-Bench-101 cell (any DAG of up to 7 vertices, Ying et al. 2019), for the
/// benchmark's graph hash, its pruning and its network's parameter count, which the importer and
/// the stand-alone network need for cells outside the sub-space.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

/// The sub-space's operators in the released code's order (space/nb101/model_spec.py).
inline constexpr int kNb101NumOps = 3;
extern const std::array<const char*, kNb101NumOps> kNb101OpNames;  ///< "conv3x3-bn-relu", ...
inline constexpr int kNb101Vertices = 7;
inline constexpr std::int64_t kNb101SubspaceCells = 95985;

/// A NAS-Bench-101 cell as the benchmark stores it: an upper-triangular adjacency matrix
/// (matrix[u][v] = edge u -> v) and one label per vertex: "input", the operator names
/// ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"), "output".
struct Nb101Cell {
  std::vector<std::vector<int>> matrix;
  std::vector<std::string> ops;
  std::size_t vertices() const { return ops.size(); }
};

/// Parses a cell given as wsnas's string (rows of the matrix as digits joined by '.', then '|',
/// then the operator labels joined by '+', with or without "input"/"output"), or as the
/// benchmark's own `(matrix, ops)` form (Python lists, e.g. "([[0, 1], [0, 0]], ['input',
/// 'output'])"). Checks the shape, the labels and that the matrix is upper-triangular 0/1;
/// InputError otherwise, saying what was expected.
Nb101Cell parse_nb101_cell(const std::string& text);
/// wsnas's string of a cell (round-trips through parse_nb101_cell).
std::string nb101_cell_string(const Nb101Cell& cell);
/// NAS-Bench-101's pruning (ModelSpec._prune): removes vertices not on a path from input to
/// output. Returns false when the input does not reach the output (an invalid cell).
bool prune_nb101_cell(Nb101Cell& cell);
/// NAS-Bench-101's graph hash (graph_util.hash_module) of the pruned cell: iterated MD5 over
/// in/out degrees and labels, equal for isomorphic cells. Empty for an invalid cell.
std::string nb101_hash(const Nb101Cell& cell);

/// The network around a cell (NAS-Bench-101's defaults: stem 128, 3 stacks of 3 modules, CIFAR).
struct Nb101Shape {
  int stem_channels = 128;
  int stacks = 3;
  int modules = 3;  ///< modules (cells) per stack
  int in_channels = 3;
  int classes = 10;
  int input_size = 32;
};
/// NAS-Bench-101's channel rule (model_builder.compute_vertex_channels): the output channels are
/// split over the vertices feeding the output (the remainder to the first ones), every other
/// vertex takes the largest of its successors.
std::vector<int> nb101_vertex_channels(int in_channels, int out_channels,
                                       const std::vector<std::vector<int>>& matrix);
/// Trainable parameters (= the benchmark's `trainable_parameters`: conv weights, BN scale and
/// offset, dense weight and bias) and multiply-adds (convolutions and the dense weight; the
/// released code's rule, anonymous-2102 utils.py:110-199) of NAS-Bench-101's network of a
/// (pruned, valid) cell.
ModelCost nb101_cost(const Nb101Cell& cell, const Nb101Shape& shape = {});

/// The sub-space. Decisions: the parents of vertices 1..6 (an index into the released code's
/// `itertools.combinations(range(t), p)`), then the operators of vertices 1..5. Official order =
/// the released code's list of the 95,985 valid cells (tools/generate_nb101_splits.py: the
/// parents' product, last vertex fastest, then the operators' product, vertex 5 fastest); index_of
/// is empty for the other combinations, which are not valid.
class Nb101Space final : public SearchSpace {
 public:
  Nb101Space();
  std::string name() const override { return "nb101"; }
  const std::vector<Decision>& decisions() const override { return decisions_; }
  /// A cell string or the benchmark's (matrix, ops) form, of a cell in the sub-space's shape.
  Arch parse(const std::string& text) const override;
  std::string to_string(const Arch& arch) const override;
  bool is_valid(const Arch& arch) const override;
  /// The NAS-Bench-101 hash.
  std::string canonical(const Arch& arch) const override;
  bool truth_by_canonical() const override { return true; }
  std::optional<std::uint64_t> size() const override { return kNb101SubspaceCells; }
  std::optional<std::int64_t> index_of(const Arch& arch) const override;
  std::optional<Arch> at(std::int64_t index) const override;
  /// Uniform over the 95,985 cells (the released code draws an index into its list).
  Arch sample(Rng& rng, bool valid_only) const override;
  std::optional<ModelCost> cost(const Arch& arch, const CostOptions& options) const override;
  std::vector<std::pair<std::string, std::uint64_t>> extra_counts() const override;
  /// The 5 operator decisions (tricks/nb101/multipath.py --fairnas: connectivity is each path's
  /// own uniform draw).
  std::vector<std::size_t> fair_decisions() const override;

  /// The cell of an architecture (7 vertices, unpruned).
  static Nb101Cell cell_of(const Arch& arch);
  /// The architecture of a 7-vertex cell of the sub-space's shape; InputError saying which vertex
  /// breaks the shape otherwise.
  Arch arch_of(const Nb101Cell& cell) const;

 private:
  std::vector<Decision> decisions_;
};

}  // namespace wsnas::space

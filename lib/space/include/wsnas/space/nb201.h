#pragma once
/// NAS-Bench-201 (Dong & Yang, ICLR 2020): a cell of 4 nodes and 6 edges, each edge one of 5
/// operators; 5^6 = 15,625 cells, 15,284 valid (paper, Table 1).

#include <array>
#include <cstdint>
#include <string>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

/// NAS-Bench-201's operators in the official order (NAS-Bench-201 `search_space_names`).
enum class Nb201Op : int { kNone = 0, kSkip = 1, kConv1x1 = 2, kConv3x3 = 3, kAvgPool3x3 = 4 };
inline constexpr int kNb201NumOps = 5;
inline constexpr int kNb201NumNodes = 4;
inline constexpr int kNb201NumEdges = 6;
inline constexpr std::int64_t kNb201Size = 15625;
/// Official operator names.
extern const std::array<const char*, kNb201NumOps> kNb201OpNames;
/// Edge e connects node kNb201Edges[e].second -> node kNb201Edges[e].first, in the order of the
/// official string |1<-0|+|2<-0|2<-1|+|3<-0|3<-1|3<-2|.
extern const std::array<std::pair<int, int>, kNb201NumEdges> kNb201Edges;

/// Network shape for parameter and FLOP counts (NAS-Bench-201's CIFAR networks by default).
struct Nb201Shape {
  int channels = 16;  ///< C: channels of the first stage (then 2C, 4C)
  int cells = 5;      ///< N: cells per stage
  int in_channels = 3;
  int classes = 100;
  int height = 32;
  int width = 32;
};

class Nb201Space final : public SearchSpace {
 public:
  Nb201Space();
  std::string name() const override { return "nb201"; }
  const std::vector<Decision>& decisions() const override { return decisions_; }
  Arch parse(const std::string& text) const override;
  std::string to_string(const Arch& arch) const override;
  bool is_valid(const Arch& arch) const override;
  /// NAS-Bench-201's `to_unique_str(consider_zero=True)`: equal exactly for the cells the
  /// benchmark treats as isomorphic (6,466 classes over the 15,625 cells).
  std::string canonical(const Arch& arch) const override;
  std::optional<std::uint64_t> size() const override { return kNb201Size; }
  std::optional<std::int64_t> index_of(const Arch& arch) const override;
  std::optional<Arch> at(std::int64_t index) const override;

  /// Position of a cell in the nested product over edges (first edge most significant).
  static std::int64_t product_rank(const Arch& arch);
  static Arch from_product_rank(std::int64_t rank);
  /// Cost of the stand-alone network for a cell (linear bias counted in FLOPs, as the benchmark).
  static ModelCost cost_of(const Arch& arch, const Nb201Shape& shape = {});
  std::optional<ModelCost> cost(const Arch& arch, const CostOptions& options) const override;

 private:
  std::vector<Decision> decisions_;
};

}  // namespace wsnas::space

#pragma once
/// The ProxylessNAS space as the paper uses it (paper Appendix A.1; its released code,
/// github.com/matluster/anonymous-2102 @3825f00 space/proxyless/mutator.py:17-39; Cai et al.,
/// ICLR 2019, GPU setting): a chain of 21 searchable MBConv blocks after a fixed stem, in
/// stages of [4, 4, 4, 4, 4, 1] blocks with strides [2, 2, 2, 1, 2, 1]; each block one of 6
/// MBConv choices (kernel 3/5/7, expansion 3/6), and `zero` (the block skipped through its
/// identity shortcut) in the 15 blocks that have one (stride 1, equal widths: every block but a
/// stage's first). 6^6 x 7^15 = 221,502,229,807,900,608 ~ 2.2e17 architectures, all valid
/// (paper Table 1).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::space {

inline constexpr int kProxylessBlocks = 21;
inline constexpr int kProxylessNumOps = 7;
/// The candidates in the released code's index order (space/proxyless/network.py); `zero` = 6.
extern const std::array<const char*, kProxylessNumOps> kProxylessOpNames;

/// The network's widths at a width multiplier (ProxylessNAS' make_divisible by 8): first conv
/// 32 w, first block 16 w, stages [24, 40, 80, 96, 192, 320] w, feature mix 1280 w (1280 when w
/// <= 1). At 1.35: 40, 24, [32, 56, 112, 128, 256, 432], 1728 (anonymous-2102
/// space/proxyless/network.py:110-111,127,149, space/proxyless/utils.py:28-41).
struct ProxylessWidths {
  int first_conv = 0, first_block = 0, feature_mix = 0;
  std::array<int, 6> stages{};
};
ProxylessWidths proxyless_widths(double width_mult);
/// ProxylessNAS' make_divisible(v, 8): max(8, int(v + 4) // 8 * 8), plus 8 when that is below
/// 0.9 v.
int proxyless_make_divisible(double v);

/// Stage and stride of each searchable block (block b of stage k; strides [2, 2, 2, 1, 2, 1] on
/// each stage's first block).
struct ProxylessBlock {
  int stage = 0, index = 0, stride = 1;
  bool has_zero = false;  ///< stride 1 and equal widths: an identity shortcut, so `zero` is allowed
};
const std::array<ProxylessBlock, kProxylessBlocks>& proxyless_blocks();

/// The network around an architecture: width multiplier (1.35, the paper's), ImageNet's 1000
/// classes at 224x224. CostOptions::width_mult 0 means 1.35.
struct ProxylessShape {
  double width_mult = 1.35;
  int classes = 1000;
  int in_channels = 3;
  int input_size = 224;
};

class ProxylessSpace final : public SearchSpace {
 public:
  ProxylessSpace();
  std::string name() const override { return "proxyless"; }
  const std::vector<Decision>& decisions() const override { return decisions_; }
  /// The 21 block choices joined by '|' ("7x7_MBConv3|3x3_MBConv3|zero|...", the published
  /// table's `ops_21_blocks`); the CSV's JSON object {"stage0_cell0": 4, ...}; or a released
  /// network config (ProxylessNAS' net.config JSON: "first_conv", "blocks", ...) whose widths and
  /// strides are this space's.
  Arch parse(const std::string& text) const override;
  /// The '|' form.
  std::string to_string(const Arch& arch) const override;
  /// The CSV's JSON object (keys sorted).
  std::string to_json(const Arch& arch) const;
  bool is_valid(const Arch& arch) const override { return true; }
  /// Every architecture: 221,502,229,807,900,608.
  std::optional<std::string> valid_count() const override;
  /// Parameters and multiply-adds of the stand-alone network (anonymous-2102 utils.py:110-199:
  /// every convolution's cin x out elements x k x k / groups, the classifier's in x out;
  /// parameters of convolutions, BN scale and offset, the classifier).
  static ModelCost cost_of(const Arch& arch, const ProxylessShape& shape = {});
  std::optional<ModelCost> cost(const Arch& arch, const CostOptions& options) const override;

 private:
  std::vector<Decision> decisions_;
};

}  // namespace wsnas::space

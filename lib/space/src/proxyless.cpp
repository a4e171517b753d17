#include "wsnas/space/proxyless.h"

#include <cmath>

#include "json_arch.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

const std::array<const char*, kProxylessNumOps> kProxylessOpNames = {
    "3x3_MBConv3", "3x3_MBConv6", "5x5_MBConv3", "5x5_MBConv6",
    "7x7_MBConv3", "7x7_MBConv6", "zero"};

namespace {

constexpr int kZero = 6;
constexpr std::array<int, 6> kStageBlocks = {4, 4, 4, 4, 4, 1};
constexpr std::array<int, 6> kStageStrides = {2, 2, 2, 1, 2, 1};
constexpr std::array<int, 6> kStageBase = {24, 40, 80, 96, 192, 320};

const char* const kForm =
    " (expected the 21 block choices joined by '|', each one of 3x3_MBConv3, 3x3_MBConv6, "
    "5x5_MBConv3, 5x5_MBConv6, 7x7_MBConv3, 7x7_MBConv6 or zero (zero only in a stage's blocks "
    "after the first); or the CSV's JSON object {\"stage0_cell0\": 0..6, ...}; or a released "
    "ProxylessNAS net.config)";

std::string key_of(const ProxylessBlock& b) {
  return "stage" + std::to_string(b.stage) + "_cell" + std::to_string(b.index);
}

int op_id(const std::string& name) {
  for (int i = 0; i < kProxylessNumOps; ++i)
    if (name == kProxylessOpNames[static_cast<std::size_t>(i)]) return i;
  return -1;
}

}  // namespace

int proxyless_make_divisible(double v) {
  int out = std::max(8, static_cast<int>(v + 4) / 8 * 8);
  if (out < 0.9 * v) out += 8;
  return out;
}

ProxylessWidths proxyless_widths(double w) {
  ProxylessWidths out;
  out.first_conv = proxyless_make_divisible(32 * w);
  out.first_block = proxyless_make_divisible(16 * w);
  for (std::size_t k = 0; k < 6; ++k) out.stages[k] = proxyless_make_divisible(kStageBase[k] * w);
  out.feature_mix = w > 1.0 ? proxyless_make_divisible(1280 * w) : 1280;
  return out;
}

const std::array<ProxylessBlock, kProxylessBlocks>& proxyless_blocks() {
  static const auto blocks = [] {
    std::array<ProxylessBlock, kProxylessBlocks> out{};
    std::size_t b = 0;
    for (int k = 0; k < 6; ++k) {
      for (int i = 0; i < kStageBlocks[static_cast<std::size_t>(k)]; ++i, ++b)
        out[b] = {k, i, i == 0 ? kStageStrides[static_cast<std::size_t>(k)] : 1, i > 0};
    }
    return out;
  }();
  return blocks;
}

ProxylessSpace::ProxylessSpace() {
  for (const auto& b : proxyless_blocks()) {
    Decision d{key_of(b), {}};
    for (int op = 0; op < (b.has_zero ? kProxylessNumOps : kZero); ++op)
      d.options.push_back(kProxylessOpNames[static_cast<std::size_t>(op)]);
    decisions_.push_back(std::move(d));
  }
}

Arch ProxylessSpace::parse(const std::string& text) const {
  const std::string t = trim(text);
  const std::string ctx = "proxyless architecture '" + printable(t, 60) + "'";
  Arch a;
  a.choices.assign(kProxylessBlocks, 0);
  auto set = [&](std::size_t b, int op, const std::string& what) {
    const auto& blk = proxyless_blocks()[b];
    WSNAS_CHECK_INPUT(op >= 0 && op < kProxylessNumOps, ctx, ": ", what, " is not a candidate",
                      kForm);
    WSNAS_CHECK_INPUT(op != kZero || blk.has_zero, ctx, ": ", key_of(blk),
                      " is a stage's first block (stride or width changes): it cannot be zero",
                      kForm);
    a.choices[b] = op;
  };
  if (!t.empty() && t.front() == '{') {
    const nlohmann::json j = parse_arch_json(t, ctx, kForm);
    WSNAS_CHECK_INPUT(j.is_object(), ctx, ": not a JSON object", kForm);
    if (j.contains("blocks")) {  // a released net.config
      const auto& widths = proxyless_widths(1.35);
      const auto& blocks = j["blocks"];
      WSNAS_CHECK_INPUT(blocks.is_array() && blocks.size() == kProxylessBlocks + 1, ctx,
                        ": a net.config with ", blocks.is_array() ? blocks.size() : 0,
                        " blocks, expected 22 (the fixed first block and 21 searchable ones)",
                        kForm);
      auto conv_of = [&](std::size_t i) -> const nlohmann::json& {
        const auto& blk = blocks[i];
        WSNAS_CHECK_INPUT(blk.is_object() && blk.contains("mobile_inverted_conv") &&
                              blk["mobile_inverted_conv"].is_object(),
                          ctx, ": block ", i, " has no mobile_inverted_conv object", kForm);
        return blk["mobile_inverted_conv"];
      };
      auto number = [&](const nlohmann::json& o, const char* field, std::size_t i) {
        WSNAS_CHECK_INPUT(o.contains(field) && o[field].is_number_integer(), ctx, ": block ", i,
                          " needs an integer '", field, "'", kForm);
        return json_int(o[field], ctx, "block " + std::to_string(i) + " '" + field + "'", INT_MIN,
                        INT_MAX, kForm);
      };
      WSNAS_CHECK_INPUT(number(conv_of(0), "out_channels", 0) == widths.first_block &&
                            number(conv_of(0), "kernel_size", 0) == 3 &&
                            number(conv_of(0), "expand_ratio", 0) == 1,
                        ctx, ": the first block must be MBConv 3x3 expansion 1 to ",
                        widths.first_block, " channels (this space's widths at 1.35)", kForm);
      for (std::size_t b = 0; b < kProxylessBlocks; ++b) {
        const auto& conv = conv_of(b + 1);
        const auto& blk = proxyless_blocks()[b];
        const std::string where = "block " + std::to_string(b + 1) + " (" + key_of(blk) + ")";
        WSNAS_CHECK_INPUT(!conv.contains("name") || conv["name"].is_string(), ctx, ": ", where,
                          " has a 'name' that is not a string", kForm);
        const std::string name = conv.value("name", "");
        WSNAS_CHECK_INPUT(number(conv, "stride", b + 1) == blk.stride, ctx, ": ", where,
                          " has stride ", conv["stride"], ", this space's is ", blk.stride, kForm);
        if (name == "ZeroLayer") {
          set(b, kZero, where);
          continue;
        }
        WSNAS_CHECK_INPUT(name == "MBInvertedConvLayer", ctx, ": ", where, " is a '", name,
                          "', expected MBInvertedConvLayer or ZeroLayer", kForm);
        const int out = number(conv, "out_channels", b + 1);
        WSNAS_CHECK_INPUT(out == widths.stages[static_cast<std::size_t>(blk.stage)], ctx, ": ",
                          where, " has ", out, " output channels, this space's stage has ",
                          widths.stages[static_cast<std::size_t>(blk.stage)], kForm);
        const int k = number(conv, "kernel_size", b + 1), e = number(conv, "expand_ratio", b + 1);
        set(b, op_id(std::to_string(k) + "x" + std::to_string(k) + "_MBConv" + std::to_string(e)),
            where + " (kernel " + std::to_string(k) + ", expansion " + std::to_string(e) + ")");
      }
      return a;
    }
    WSNAS_CHECK_INPUT(j.size() == kProxylessBlocks, ctx, ": a JSON object of ", j.size(),
                      " keys, expected 21", kForm);
    for (std::size_t b = 0; b < kProxylessBlocks; ++b) {
      const std::string key = key_of(proxyless_blocks()[b]);
      WSNAS_CHECK_INPUT(j.contains(key) && j[key].is_number_integer(), ctx, ": needs an integer '",
                        key, "'", kForm);
      set(b, json_int(j[key], ctx, "'" + key + "'", INT_MIN, INT_MAX, kForm), key);
    }
    return a;
  }
  const auto parts = split(t, '|');
  WSNAS_CHECK_INPUT(parts.size() == kProxylessBlocks, ctx, ": ", parts.size(),
                    " blocks, expected 21", kForm);
  for (std::size_t b = 0; b < kProxylessBlocks; ++b) {
    const std::string name = trim(parts[b]);
    WSNAS_CHECK_INPUT(op_id(name) >= 0, ctx, ": unknown block choice '", name, "'", kForm);
    set(b, op_id(name), "'" + name + "'");
  }
  return a;
}

std::optional<std::string> ProxylessSpace::valid_count() const {
  return std::to_string(size().value());
}

std::string ProxylessSpace::to_string(const Arch& arch) const {
  check(arch);
  std::string out;
  for (std::size_t b = 0; b < kProxylessBlocks; ++b) {
    if (b > 0) out += '|';
    out += kProxylessOpNames[static_cast<std::size_t>(arch.choices[b])];
  }
  return out;
}

std::string ProxylessSpace::to_json(const Arch& arch) const {
  check(arch);
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t b = 0; b < kProxylessBlocks; ++b)
    j[key_of(proxyless_blocks()[b])] = arch.choices[b];
  return j.dump();
}

ModelCost ProxylessSpace::cost_of(const Arch& arch, const ProxylessShape& s) {
  // ProxylessNAS' network (the paper's released code, github.com/matluster/anonymous-2102
  // @3825f00 space/proxyless/network.py) with that code's counter (top-level utils.py:110-199).
  CostCounter count;
  auto conv = [&](std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t hw,
                  std::int64_t groups = 1) { count.conv(cin, cout, k, hw, hw, groups); };
  auto bn = [&](std::int64_t ch) { count.bn(ch); };
  auto out_size = [](std::int64_t h, int stride) { return (h - 1) / stride + 1; };
  const auto w = proxyless_widths(s.width_mult);
  std::int64_t h = out_size(s.input_size, 2);
  conv(s.in_channels, w.first_conv, 3, h);
  bn(w.first_conv);
  conv(w.first_conv, w.first_conv, 3, h, w.first_conv);  // first block: expansion 1
  bn(w.first_conv);
  conv(w.first_conv, w.first_block, 1, h);
  bn(w.first_block);
  std::int64_t cin = w.first_block;
  for (std::size_t b = 0; b < kProxylessBlocks; ++b) {
    const auto& blk = proxyless_blocks()[b];
    const std::int64_t cout = w.stages[static_cast<std::size_t>(blk.stage)];
    const std::int64_t ho = out_size(h, blk.stride);
    const int op = arch.choices[b];
    if (op != kZero) {
      const std::int64_t k = 3 + 2 * (op / 2), mid = cin * (op % 2 == 0 ? 3 : 6);
      conv(cin, mid, 1, h);
      bn(mid);
      conv(mid, mid, k, ho, mid);
      bn(mid);
      conv(mid, cout, 1, ho);
      bn(cout);
    }
    h = ho;
    cin = cout;
  }
  conv(cin, w.feature_mix, 1, h);
  bn(w.feature_mix);
  count.linear(w.feature_mix, s.classes);
  return count.cost;
}

std::optional<ModelCost> ProxylessSpace::cost(const Arch& arch, const CostOptions& o) const {
  check(arch);
  ProxylessShape shape;
  WSNAS_CHECK_INPUT(o.channels == 0 && o.cells == 0,
                    "proxyless: the network's widths come from --width-mult and its 21 blocks are "
                    "fixed (--channels and --cells must be 0)");
  if (o.width_mult > 0) shape.width_mult = o.width_mult;
  if (o.classes > 0) shape.classes = o.classes;
  if (o.input_size > 0) shape.input_size = o.input_size;
  shape.in_channels = o.in_channels;
  return cost_of(arch, shape);
}

}  // namespace wsnas::space

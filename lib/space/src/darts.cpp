#include "wsnas/space/darts.h"

#include <algorithm>
#include <cctype>

#include "json_arch.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

const std::array<const char*, kDartsNumOps> kDartsOpNames = {
    "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
    "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};

namespace {

constexpr const char* kCells[2] = {"normal", "reduce"};
const char* const kForm =
    " (expected Genotype(normal=[('op', input), ... 8 pairs], normal_concat=[2, 3, 4, 5], "
    "reduce=[... 8 pairs], reduce_concat=[2, 3, 4, 5]) with op one of max_pool_3x3, avg_pool_3x3, "
    "skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5 and input 0..n-1 for "
    "node n = 2..5; or the CSV's JSON object of 32 keys \"normal/2/0/input\", ...)";

int op_id(const std::string& name) {
  for (int i = 0; i < kDartsNumOps; ++i)
    if (name == kDartsOpNames[static_cast<std::size_t>(i)]) return i;
  return -1;
}

}  // namespace

std::size_t DartsSpace::decision_index(int cell, int node, int slot, bool op) {
  return static_cast<std::size_t>(((cell * 4 + (node - 2)) * 2 + slot) * 2 + (op ? 1 : 0));
}

DartsSpace::DartsSpace() {
  const std::vector<std::string> ops(kDartsOpNames.begin(), kDartsOpNames.end());
  for (int c = 0; c < 2; ++c) {
    for (int node = 2; node <= 5; ++node) {
      for (int slot = 0; slot < 2; ++slot) {
        const std::string base = std::string(kCells[c]) + " node " + std::to_string(node) +
                                 " slot " + std::to_string(slot);
        Decision in{base + " input", {}};
        for (int j = 0; j < node; ++j) in.options.push_back(std::to_string(j));
        decisions_.push_back(std::move(in));
        decisions_.push_back({base + " op", ops});
      }
    }
  }
}

Arch DartsSpace::parse(const std::string& text) const {
  const std::string ctx = "darts architecture '" + printable(text, 120) + "'";
  Arch a;
  a.choices.assign(decisions_.size(), -1);
  const std::string t = trim(text);
  auto set = [&](int c, int node, int slot, int input, int op) {
    WSNAS_CHECK_INPUT(input >= 0 && input < node, ctx, ": ", kCells[c], " node ", node, " slot ",
                      slot, " has input ", input, ", expected 0..", node - 1, kForm);
    WSNAS_CHECK_INPUT(op >= 0, ctx, ": ", kCells[c], " node ", node, " slot ", slot,
                      ": unknown operator", kForm);
    a.choices[decision_index(c, node, slot, false)] = input;
    a.choices[decision_index(c, node, slot, true)] = op;
  };
  if (!t.empty() && t.front() == '{') {
    const nlohmann::json j = parse_arch_json(t, ctx, kForm);
    WSNAS_CHECK_INPUT(j.is_object() && j.size() == 32, ctx, ": a JSON object of ", j.size(),
                      " keys, expected 32", kForm);
    for (int c = 0; c < 2; ++c) {
      for (int node = 2; node <= 5; ++node) {
        for (int slot = 0; slot < 2; ++slot) {
          const std::string key = std::string(kCells[c]) + "/" + std::to_string(node) + "/" +
                                  std::to_string(slot) + "/";
          WSNAS_CHECK_INPUT(j.contains(key + "input") && j[key + "input"].is_number_integer() &&
                                j.contains(key + "op") && j[key + "op"].is_string(),
                            ctx, ": needs an integer '", key, "input' and a string '", key, "op'",
                            kForm);
          set(c, node, slot,
              json_int(j[key + "input"], ctx, "'" + key + "input'", INT_MIN, INT_MAX, kForm),
              op_id(j[key + "op"].get<std::string>()));
        }
      }
    }
    return a;
  }
  GenotypeCursor cur(t, ctx, kForm);
  cur.expect("Genotype(");
  for (int c = 0; c < 2; ++c) {
    if (c == 1) cur.expect(",");
    cur.expect(std::string(kCells[c]) + "=[");
    for (int k = 0; k < 8; ++k) {
      if (k > 0) cur.expect(",");
      cur.expect("(");
      const std::string op = cur.quoted();
      cur.expect(",");
      const int input = cur.integer();
      cur.expect(")");
      const int node = 2 + k / 2;
      WSNAS_CHECK_INPUT(op_id(op) >= 0, ctx, ": unknown operator '", op, "'", kForm);
      set(c, node, k % 2, input, op_id(op));
    }
    cur.expect("],");
    cur.expect(std::string(kCells[c]) + "_concat=");
    if (!cur.eat("[2,3,4,5]") && !cur.eat("range(2,6)"))
      throw InputError(ctx + ": " + kCells[c] + "_concat must be [2, 3, 4, 5] (the paper's space)" +
                       kForm);
  }
  cur.expect(")");
  WSNAS_CHECK_INPUT(cur.at_end(), ctx, ": unexpected text after the Genotype", kForm);
  return a;
}

std::string DartsSpace::to_string(const Arch& arch) const {
  check(arch);
  std::string s = "Genotype(";
  for (int c = 0; c < 2; ++c) {
    s += std::string(c ? ", " : "") + kCells[c] + "=[";
    for (int node = 2; node <= 5; ++node) {
      for (int slot = 0; slot < 2; ++slot) {
        if (node > 2 || slot > 0) s += ", ";
        s += "('" +
             std::string(kDartsOpNames[static_cast<std::size_t>(
                 arch.choices[decision_index(c, node, slot, true)])]) +
             "', " + std::to_string(arch.choices[decision_index(c, node, slot, false)]) + ")";
      }
    }
    s += "], " + std::string(kCells[c]) + "_concat=[2, 3, 4, 5]";
  }
  return s + ")";
}

std::string DartsSpace::to_json(const Arch& arch) const {
  check(arch);
  nlohmann::json j = nlohmann::json::object();
  for (int c = 0; c < 2; ++c)
    for (int node = 2; node <= 5; ++node)
      for (int slot = 0; slot < 2; ++slot) {
        const std::string key =
            std::string(kCells[c]) + "/" + std::to_string(node) + "/" + std::to_string(slot) + "/";
        j[key + "input"] = arch.choices[decision_index(c, node, slot, false)];
        j[key + "op"] = kDartsOpNames[static_cast<std::size_t>(
            arch.choices[decision_index(c, node, slot, true)])];
      }
  return j.dump();
}

bool DartsSpace::is_valid(const Arch& arch) const {
  check(arch);
  for (int c = 0; c < 2; ++c)
    for (int node = 2; node <= 5; ++node)
      if (arch.choices[decision_index(c, node, 0, false)] ==
          arch.choices[decision_index(c, node, 1, false)])
        return false;
  return true;
}

std::string DartsSpace::canonical(const Arch& arch) const {
  Arch sorted = arch;
  check(sorted);
  for (int c = 0; c < 2; ++c) {
    for (int node = 2; node <= 5; ++node) {
      auto pair = [&](int slot) {
        return std::make_pair(arch.choices[decision_index(c, node, slot, true)],
                              arch.choices[decision_index(c, node, slot, false)]);
      };
      const auto lo = std::min(pair(0), pair(1)), hi = std::max(pair(0), pair(1));
      sorted.choices[decision_index(c, node, 0, true)] = lo.first;
      sorted.choices[decision_index(c, node, 0, false)] = lo.second;
      sorted.choices[decision_index(c, node, 1, true)] = hi.first;
      sorted.choices[decision_index(c, node, 1, false)] = hi.second;
    }
  }
  return to_string(sorted);
}

std::optional<std::string> DartsSpace::valid_count() const {
  // Per node n: n (n - 1) ordered pairs of distinct inputs, 7^2 operators; two cells.
  unsigned __int128 per_cell = 1;
  for (int n = 2; n <= 5; ++n) per_cell *= static_cast<unsigned __int128>(n * (n - 1) * 49);
  return to_decimal(per_cell * per_cell);
}

ModelCost DartsSpace::cost_of(const Arch& arch, const DartsShape& s) {
  // DARTS' NetworkCIFAR (model.py) for one genotype; the auxiliary head is excluded, as the
  // paper's published `params` (benchmarks/darts-cifar10.csv of its released code,
  // github.com/matluster/anonymous-2102 @3825f00).
  CostCounter count;
  auto conv = [&](std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t hw,
                  std::int64_t groups = 1) { count.conv(cin, cout, k, hw, hw, groups); };
  auto bn = [&](std::int64_t ch) { count.bn(ch); };
  std::int64_t h = s.input_size;
  const std::int64_t stem = 3 * s.channels;
  conv(s.in_channels, stem, 3, h);
  bn(stem);
  std::int64_t c_pp = stem, c_p = stem, cur = s.channels;
  bool reduction_prev = false;
  for (int i = 0; i < s.cells; ++i) {
    const bool reduction = i == s.cells / 3 || i == 2 * s.cells / 3;
    if (reduction) cur *= 2;
    if (reduction_prev) {  // FactorizedReduce(c_pp -> cur): two 1x1 stride-2 halves, BN
      conv(c_pp, cur / 2, 1, h);
      conv(c_pp, cur / 2, 1, h);
      bn(cur);
    } else {  // ReLUConvBN 1x1
      conv(c_pp, cur, 1, h);
      bn(cur);
    }
    conv(c_p, cur, 1, h);
    bn(cur);
    const std::int64_t out_h = reduction ? (h + 1) / 2 : h;
    const int cell = reduction ? 1 : 0;
    for (int node = 2; node <= 5; ++node) {
      for (int slot = 0; slot < 2; ++slot) {
        const int op = arch.choices[decision_index(cell, node, slot, true)];
        const int input = arch.choices[decision_index(cell, node, slot, false)];
        const bool strided = reduction && input < 2;
        const std::string name = kDartsOpNames[static_cast<std::size_t>(op)];
        if (name == "sep_conv_3x3" || name == "sep_conv_5x5") {
          const std::int64_t k = name == "sep_conv_3x3" ? 3 : 5;
          for (int rep = 0; rep < 2; ++rep) {
            conv(cur, cur, k, out_h, cur);  // depthwise
            conv(cur, cur, 1, out_h);
            bn(cur);
          }
        } else if (name == "dil_conv_3x3" || name == "dil_conv_5x5") {
          conv(cur, cur, name == "dil_conv_3x3" ? 3 : 5, out_h, cur);
          conv(cur, cur, 1, out_h);
          bn(cur);
        } else if (name == "skip_connect" && strided) {  // FactorizedReduce(cur -> cur)
          conv(cur, cur / 2, 1, out_h);
          conv(cur, cur / 2, 1, out_h);
          bn(cur);
        }  // pools and the identity: no parameters
      }
    }
    c_pp = c_p;
    c_p = 4 * cur;
    reduction_prev = reduction;
    h = out_h;
  }
  count.linear(c_p, s.classes);
  return count.cost;
}

std::optional<ModelCost> DartsSpace::cost(const Arch& arch, const CostOptions& o) const {
  check(arch);
  DartsShape shape;
  if (o.channels > 0) shape.channels = o.channels;
  if (o.cells > 0) shape.cells = o.cells;
  if (o.classes > 0) shape.classes = o.classes;
  shape.in_channels = o.in_channels;
  if (o.input_size > 0) shape.input_size = o.input_size;
  return cost_of(arch, shape);
}

}  // namespace wsnas::space

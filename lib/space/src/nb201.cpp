#include "wsnas/space/nb201.h"

#include <algorithm>
#include <mutex>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

const std::array<const char*, kNb201NumOps> kNb201OpNames = {"none", "skip_connect", "nor_conv_1x1",
                                                             "nor_conv_3x3", "avg_pool_3x3"};
const std::array<std::pair<int, int>, kNb201NumEdges> kNb201Edges = {
    {{1, 0}, {2, 0}, {2, 1}, {3, 0}, {3, 1}, {3, 2}}};

namespace {

// The official index order: NAS-Bench-201's `CellStructure.gen_all` enumerates the nested product
// over edges, then `random.seed(88); random.shuffle(archs)` (exps/NAS-Bench-201/main.py,
// "please do not change this line for reproducibility"). We replay CPython's shuffle.
struct OfficialOrder {
  std::vector<std::int32_t> index_to_rank;  // official index -> product rank
  std::vector<std::int32_t> rank_to_index;
  OfficialOrder() : index_to_rank(kNb201Size), rank_to_index(kNb201Size) {
    for (std::int32_t i = 0; i < kNb201Size; ++i) index_to_rank[static_cast<std::size_t>(i)] = i;
    PyRandom rng(88);
    rng.shuffle(index_to_rank);
    for (std::int32_t i = 0; i < kNb201Size; ++i)
      rank_to_index[static_cast<std::size_t>(index_to_rank[static_cast<std::size_t>(i)])] = i;
  }
};

const OfficialOrder& official_order() {
  static const OfficialOrder order;  // thread-safe lazy construction (C++11 magic statics)
  return order;
}

int op_from_name(const std::string& name) {
  for (int i = 0; i < kNb201NumOps; ++i)
    if (name == kNb201OpNames[static_cast<std::size_t>(i)]) return i;
  return -1;
}

}  // namespace

Nb201Space::Nb201Space() {
  std::vector<std::string> ops(kNb201OpNames.begin(), kNb201OpNames.end());
  for (const auto& [to, from] : kNb201Edges)
    decisions_.push_back({"edge " + std::to_string(to) + "<-" + std::to_string(from), ops});
}

Arch Nb201Space::parse(const std::string& text) const {
  const std::string ctx = "nb201 architecture '" + text + "'";
  const char* form =
      " (format: |op~0|+|op~0|op~1|+|op~0|op~1|op~2|, op one of none, "
      "skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)";
  auto nodes = split(text, '+');
  WSNAS_CHECK_INPUT(nodes.size() == 3, ctx, ": found ", nodes.size(),
                    " node groups separated by '+', expected 3", form);
  Arch arch;
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    const std::string& node = nodes[n];
    WSNAS_CHECK_INPUT(node.size() >= 2 && node.front() == '|' && node.back() == '|', ctx,
                      ": node group ", n + 1, " '", node, "' must start and end with '|'", form);
    auto parts = split(std::string_view(node).substr(1, node.size() - 2), '|');
    WSNAS_CHECK_INPUT(parts.size() == n + 1, ctx, ": node ", n + 1, " has ", parts.size(),
                      " inputs, expected ", n + 1, form);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto tilde = parts[i].find('~');
      WSNAS_CHECK_INPUT(tilde != std::string::npos, ctx, ": '", parts[i], "' lacks '~input'", form);
      std::string op = parts[i].substr(0, tilde);
      std::string input = parts[i].substr(tilde + 1);
      int op_id = op_from_name(op);
      WSNAS_CHECK_INPUT(op_id >= 0, ctx, ": unknown operator '", op, "'", form);
      WSNAS_CHECK_INPUT(input == std::to_string(i), ctx, ": '", parts[i], "' has input '", input,
                        "', expected ", i, form);
      arch.choices.push_back(op_id);
    }
  }
  return arch;
}

std::string Nb201Space::to_string(const Arch& arch) const {
  check(arch);
  std::string s;
  std::size_t e = 0;
  for (int node = 1; node < kNb201NumNodes; ++node) {
    if (node > 1) s += '+';
    s += '|';
    for (int in = 0; in < node; ++in, ++e) {
      s += kNb201OpNames[static_cast<std::size_t>(arch.choices[e])];
      s += '~' + std::to_string(in) + '|';
    }
  }
  return s;
}

bool Nb201Space::is_valid(const Arch& arch) const {
  check(arch);
  // Valid iff a path of non-`none` edges leads from node 0 to node 3 (paper, Appendix A.1).
  std::array<bool, kNb201NumNodes> reach{true, false, false, false};
  for (std::size_t e = 0; e < kNb201Edges.size(); ++e) {
    const auto [to, from] = kNb201Edges[e];
    if (arch.choices[e] != static_cast<int>(Nb201Op::kNone) &&
        reach[static_cast<std::size_t>(from)])
      reach[static_cast<std::size_t>(to)] = true;
  }
  return reach[kNb201NumNodes - 1];
}

std::string Nb201Space::canonical(const Arch& arch) const {
  check(arch);
  // NAS-Bench-201 `CellStructure.to_unique_str(consider_zero=True)`: `none`, or any operator on a
  // node that is exactly zero ('#'), gives '#'; skip_connect passes its input through; other
  // operators wrap it as "(input)@op"; a node is the sorted '+'-join of its terms.
  std::array<std::string, kNb201NumNodes> nodes{"0", "", "", ""};
  std::size_t e = 0;
  for (int node = 1; node < kNb201NumNodes; ++node) {
    std::vector<std::string> terms;
    for (int in = 0; in < node; ++in, ++e) {
      const auto op = static_cast<Nb201Op>(arch.choices[e]);
      const std::string& x = nodes[static_cast<std::size_t>(in)];
      if (op == Nb201Op::kNone || x == "#") {
        terms.emplace_back("#");
      } else if (op == Nb201Op::kSkip) {
        terms.push_back(x);
      } else {
        terms.push_back("(" + x + ")@" + kNb201OpNames[static_cast<std::size_t>(op)]);
      }
    }
    std::sort(terms.begin(), terms.end());  // byte order, as Python's sorted() on str
    nodes[static_cast<std::size_t>(node)] = join(terms, "+");
  }
  return nodes[kNb201NumNodes - 1];
}

std::int64_t Nb201Space::product_rank(const Arch& arch) {
  std::int64_t r = 0;
  for (int c : arch.choices) r = r * kNb201NumOps + c;
  return r;
}

Arch Nb201Space::from_product_rank(std::int64_t rank) {
  Arch a;
  a.choices.assign(kNb201NumEdges, 0);
  for (int e = kNb201NumEdges - 1; e >= 0; --e) {
    a.choices[static_cast<std::size_t>(e)] = static_cast<int>(rank % kNb201NumOps);
    rank /= kNb201NumOps;
  }
  return a;
}

std::optional<std::int64_t> Nb201Space::index_of(const Arch& arch) const {
  check(arch);
  return official_order().rank_to_index[static_cast<std::size_t>(product_rank(arch))];
}

std::optional<Arch> Nb201Space::at(std::int64_t index) const {
  WSNAS_CHECK_INPUT(index >= 0 && index < kNb201Size, "nb201 index ", index,
                    " out of range (expected 0..", kNb201Size - 1, ")");
  return from_product_rank(official_order().index_to_rank[static_cast<std::size_t>(index)]);
}

ModelCost Nb201Space::cost_of(const Arch& arch, const Nb201Shape& s) {
  // The stand-alone network of NAS-Bench-201 (models/cell_infers/tiny_network.py): conv3x3 stem +
  // BN; three stages of N cells at C, 2C, 4C channels with a ResNet basic block (stride 2) between
  // stages; BN + ReLU, global average pool, linear classifier. nor_conv = ReLU-Conv(no bias)-BN.
  // FLOPs count convolution and linear multiply-adds (linear bias included), as the benchmark's
  // `get_model_infos` does; BN, pooling and additions are free.
  CostCounter count;
  const std::int64_t C = s.channels;
  std::int64_t h = s.height, w = s.width;
  auto conv = [&](std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t oh,
                  std::int64_t ow) { count.conv(cin, cout, k, oh, ow); };
  auto bn = [&](std::int64_t ch) { count.bn(ch); };
  conv(s.in_channels, C, 3, h, w);
  bn(C);
  std::int64_t cur = C;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      // ResNet basic block: ReLUConvBN(3x3, stride 2), ReLUConvBN(3x3), shortcut AvgPool(2) +
      // conv1x1.
      std::int64_t out = cur * 2;
      h = (h - 1) / 2 + 1;
      w = (w - 1) / 2 + 1;
      conv(cur, out, 3, h, w);
      bn(out);
      conv(out, out, 3, h, w);
      bn(out);
      conv(cur, out, 1, h, w);
      cur = out;
    }
    for (int cell = 0; cell < s.cells; ++cell) {
      for (int choice : arch.choices) {
        const auto op = static_cast<Nb201Op>(choice);
        if (op == Nb201Op::kConv1x1 || op == Nb201Op::kConv3x3) {
          conv(cur, cur, op == Nb201Op::kConv1x1 ? 1 : 3, h, w);
          bn(cur);
        }
      }
    }
  }
  bn(cur);  // lastact
  count.linear(cur, s.classes, /*linear_flops_bias=*/true);
  return count.cost;
}

std::optional<ModelCost> Nb201Space::cost(const Arch& arch, const CostOptions& o) const {
  check(arch);
  Nb201Shape shape;
  if (o.channels > 0) shape.channels = o.channels;
  if (o.cells > 0) shape.cells = o.cells;
  shape.in_channels = o.in_channels;
  if (o.classes > 0) shape.classes = o.classes;
  shape.height = shape.width = o.input_size > 0 ? o.input_size : 32;
  return cost_of(arch, shape);
}

}  // namespace wsnas::space

#include "wsnas/space/nb101.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

const std::array<const char*, kNb101NumOps> kNb101OpNames = {"conv3x3-bn-relu", "conv1x1-bn-relu",
                                                             "maxpool3x3"};

namespace {

constexpr int kOpsPerCell = 243;  // 3^5 operator assignments
// Parents per vertex (tools/generate_nb101_splits.py: num_parents = [0, 1, 1, 1, 2, 2, 2]).
constexpr std::array<int, kNb101Vertices> kParents = {0, 1, 1, 1, 2, 2, 2};
const char* const kForm =
    " (expected the 7 matrix rows as 0/1 digits joined by '.', '|', then the 5 operators joined by "
    "'+' (conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3); or NAS-Bench-101's "
    "([[0, 1, ...], ...], ['input', ..., 'output']))";

std::string md5_hex(const std::string& s) {
  // One context per thread, reused: EVP_Digest would allocate one per call. Fetched once:
  // EVP_md5() looks the algorithm up on every digest in OpenSSL 3.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                            EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  WSNAS_CHECK(md5 && ctx && EVP_DigestInit_ex(ctx.get(), md5, nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), s.data(), s.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), digest, &len) == 1,
              "OpenSSL MD5 failed");
  static const char* hex = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

// itertools.combinations(range(t), p), in its order.
std::vector<std::vector<int>> combinations(int t, int p) {
  std::vector<std::vector<int>> out;
  std::vector<int> c(static_cast<std::size_t>(p));
  std::function<void(int, int)> rec = [&](int start, int depth) {
    if (depth == p) {
      out.push_back(c);
      return;
    }
    for (int v = start; v < t; ++v) {
      c[static_cast<std::size_t>(depth)] = v;
      rec(v + 1, depth + 1);
    }
  };
  rec(0, 0);
  return out;
}

// The enumeration of the released code: parent combinations per vertex and the 395 valid
// adjacencies among their 5,400 products.
struct Enumeration {
  std::array<std::vector<std::vector<int>>, kNb101Vertices> parents;  // [t][choice] -> parents
  std::vector<int> valid_ranks;                                       // position -> product rank
  std::vector<int> position;  // product rank -> position among the valid ones, or -1
  Enumeration() {
    int total = 1;
    for (int t = 0; t < kNb101Vertices; ++t) {
      parents[static_cast<std::size_t>(t)] = combinations(t, kParents[static_cast<std::size_t>(t)]);
      total *= static_cast<int>(parents[static_cast<std::size_t>(t)].size());
    }
    position.assign(static_cast<std::size_t>(total), -1);
    for (int r = 0; r < total; ++r) {
      Arch a;
      a.choices.assign(kNb101Vertices - 1 + 5, 0);
      int rest = r;
      for (int t = kNb101Vertices - 1; t >= 1; --t) {
        const int k = static_cast<int>(parents[static_cast<std::size_t>(t)].size());
        a.choices[static_cast<std::size_t>(t - 1)] = rest % k;
        rest /= k;
      }
      if (valid_adjacency(a)) {
        position[static_cast<std::size_t>(r)] = static_cast<int>(valid_ranks.size());
        valid_ranks.push_back(r);
      }
    }
  }
  int rank_of(const Arch& a) const {
    int r = 0;
    for (int t = 1; t < kNb101Vertices; ++t)
      r = r * static_cast<int>(parents[static_cast<std::size_t>(t)].size()) +
          a.choices[static_cast<std::size_t>(t - 1)];
    return r;
  }
  bool valid_adjacency(const Arch& a) const {
    std::array<bool, kNb101Vertices> has_successor{};
    for (int t = 1; t < kNb101Vertices; ++t) {
      for (int p : parents[static_cast<std::size_t>(t)]
                          [static_cast<std::size_t>(a.choices[static_cast<std::size_t>(t - 1)])]) {
        if (p == 0 && t == kNb101Vertices - 1) return false;  // no input -> output edge
        has_successor[static_cast<std::size_t>(p)] = true;
      }
    }
    for (int v = 1; v < kNb101Vertices - 1; ++v)
      if (!has_successor[static_cast<std::size_t>(v)]) return false;  // a loose end
    return true;
  }
};

const Enumeration& enumeration() {
  static const Enumeration e;
  return e;
}

int op_id(const std::string& name) {
  for (int i = 0; i < kNb101NumOps; ++i)
    if (name == kNb101OpNames[static_cast<std::size_t>(i)]) return i;
  // Short forms without "-bn-relu".
  if (name == "conv3x3") return 0;
  if (name == "conv1x1") return 1;
  return -1;
}

// A small reader for the benchmark's Python form: nested lists of integers and quoted strings.
struct ListReader {
  const std::string& s;
  std::size_t i = 0;
  void skip() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(char c) {
    skip();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c, const std::string& ctx) {
    WSNAS_CHECK_INPUT(eat(c), ctx, ": expected '", std::string(1, c), "' at column ", i + 1, kForm);
  }
  template <class F>
  void list(const std::string& ctx, F item) {
    expect('[', ctx);
    if (eat(']')) return;
    do item();
    while (eat(','));
    expect(']', ctx);
  }
  int integer(const std::string& ctx) {
    skip();
    std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    WSNAS_CHECK_INPUT(i > start && i - start < 3, ctx, ": expected 0 or 1 at column ", start + 1,
                      kForm);
    return std::stoi(s.substr(start, i - start));
  }
  std::string quoted(const std::string& ctx) {
    skip();
    WSNAS_CHECK_INPUT(i < s.size() && (s[i] == '\'' || s[i] == '"'), ctx,
                      ": expected a quoted operator name at column ", i + 1, kForm);
    const char q = s[i++];
    const std::size_t end = s.find(q, i);
    WSNAS_CHECK_INPUT(end != std::string::npos, ctx, ": unterminated string at column ", i, kForm);
    std::string out = s.substr(i, end - i);
    i = end + 1;
    return out;
  }
};

void check_cell(const Nb101Cell& c, const std::string& ctx) {
  const std::size_t n = c.vertices();
  WSNAS_CHECK_INPUT(n >= 2 && n <= kNb101Vertices, ctx, ": ", n,
                    " vertices, expected 2..7 (NAS-Bench-101 cells)", kForm);
  WSNAS_CHECK_INPUT(c.matrix.size() == n, ctx, ": the matrix has ", c.matrix.size(),
                    " rows but there are ", n, " vertex labels", kForm);
  for (std::size_t u = 0; u < n; ++u) {
    WSNAS_CHECK_INPUT(c.matrix[u].size() == n, ctx, ": matrix row ", u, " has ", c.matrix[u].size(),
                      " entries, expected ", n, kForm);
    for (std::size_t v = 0; v < n; ++v) {
      const int x = c.matrix[u][v];
      WSNAS_CHECK_INPUT(x == 0 || x == 1, ctx, ": matrix entry [", u, "][", v, "] is ", x,
                        ", expected 0 or 1", kForm);
      WSNAS_CHECK_INPUT(x == 0 || v > u, ctx, ": edge ", u, " -> ", v,
                        " goes backwards (the matrix must be strictly upper-triangular)", kForm);
    }
  }
  WSNAS_CHECK_INPUT(c.ops.front() == "input" && c.ops.back() == "output", ctx,
                    ": the first vertex must be 'input' and the last 'output'", kForm);
  for (std::size_t v = 1; v + 1 < n; ++v)
    WSNAS_CHECK_INPUT(op_id(c.ops[v]) >= 0, ctx, ": vertex ", v, " has unknown operator '",
                      c.ops[v], "'", kForm);
}

}  // namespace

Nb101Cell parse_nb101_cell(const std::string& text) {
  const std::string ctx = "nb101 cell '" + text + "'";
  Nb101Cell c;
  const std::string t = trim(text);
  if (!t.empty() && (t.front() == '(' || t.front() == '[')) {
    ListReader r{t};
    const bool paren = r.eat('(');
    r.list(ctx, [&] {
      c.matrix.emplace_back();
      r.list(ctx, [&] { c.matrix.back().push_back(r.integer(ctx)); });
    });
    r.expect(',', ctx);
    r.list(ctx, [&] { c.ops.push_back(r.quoted(ctx)); });
    if (paren) r.expect(')', ctx);
    r.skip();
    WSNAS_CHECK_INPUT(r.i == t.size(), ctx, ": unexpected text at column ", r.i + 1, kForm);
  } else {
    const auto bar = t.find('|');
    WSNAS_CHECK_INPUT(bar != std::string::npos, ctx, ": no '|' between matrix and operators",
                      kForm);
    for (const auto& row : split(t.substr(0, bar), '.')) {
      c.matrix.emplace_back();
      for (char ch : row) {
        WSNAS_CHECK_INPUT(ch == '0' || ch == '1', ctx, ": matrix row '", row,
                          "' must be 0/1 digits", kForm);
        c.matrix.back().push_back(ch - '0');
      }
    }
    auto ops = split(t.substr(bar + 1), '+');
    if (ops.size() == 1 && ops[0].empty()) ops.clear();
    if (ops.size() + 2 == c.matrix.size()) {
      ops.insert(ops.begin(), "input");
      ops.push_back("output");
    }
    c.ops = ops;
  }
  for (std::size_t v = 0; v < c.ops.size(); ++v) {  // short operator names -> the benchmark's
    const int id = op_id(c.ops[v]);
    if (id >= 0) c.ops[v] = kNb101OpNames[static_cast<std::size_t>(id)];
  }
  check_cell(c, ctx);
  return c;
}

std::string nb101_cell_string(const Nb101Cell& c) {
  std::string s;
  for (std::size_t u = 0; u < c.matrix.size(); ++u) {
    if (u > 0) s += '.';
    for (int x : c.matrix[u]) s += static_cast<char>('0' + x);
  }
  s += '|';
  for (std::size_t v = 1; v + 1 < c.ops.size(); ++v) {
    if (v > 1) s += '+';
    s += c.ops[v];
  }
  return s;
}

bool prune_nb101_cell(Nb101Cell& c) {
  const std::size_t n = c.vertices();
  std::vector<bool> from_input(n, false), to_output(n, false);
  from_input[0] = true;
  for (std::size_t u = 0; u < n; ++u)
    if (from_input[u])
      for (std::size_t v = u + 1; v < n; ++v)
        if (c.matrix[u][v]) from_input[v] = true;
  to_output[n - 1] = true;
  for (std::size_t v = n; v-- > 0;)
    if (to_output[v])
      for (std::size_t u = 0; u < v; ++u)
        if (c.matrix[u][v]) to_output[u] = true;
  std::vector<std::size_t> keep;
  for (std::size_t v = 0; v < n; ++v)
    if (from_input[v] && to_output[v]) keep.push_back(v);
  if (keep.size() < 2) return false;  // the input does not reach the output
  Nb101Cell out;
  for (std::size_t u : keep) {
    out.matrix.emplace_back();
    for (std::size_t v : keep) out.matrix.back().push_back(c.matrix[u][v]);
    out.ops.push_back(c.ops[u]);
  }
  c = std::move(out);
  return true;
}

std::string nb101_hash(const Nb101Cell& cell) {
  Nb101Cell c = cell;
  if (!prune_nb101_cell(c)) return "";
  const std::size_t n = c.vertices();
  // graph_util.hash_module: h[v] = md5(str((out_degree, in_degree, label))), labels -1 (input),
  // -2 (output) or the operator's index; then n rounds of md5(sorted in-neighbour hashes | sorted
  // out-neighbour hashes | own hash); the fingerprint is md5(str(sorted(hashes))) with Python's
  // list formatting.
  std::vector<std::string> h(n);
  for (std::size_t v = 0; v < n; ++v) {
    int in = 0, out = 0;
    for (std::size_t u = 0; u < n; ++u) {
      in += c.matrix[u][v];
      out += c.matrix[v][u];
    }
    const int label = v == 0 ? -1 : v + 1 == n ? -2 : op_id(c.ops[v]);
    h[v] = md5_hex("(" + std::to_string(out) + ", " + std::to_string(in) + ", " +
                   std::to_string(label) + ")");
  }
  for (std::size_t round = 0; round < n; ++round) {
    std::vector<std::string> next(n);
    for (std::size_t v = 0; v < n; ++v) {
      std::vector<std::string> ins, outs;
      for (std::size_t w = 0; w < n; ++w) {
        if (c.matrix[w][v]) ins.push_back(h[w]);
        if (c.matrix[v][w]) outs.push_back(h[w]);
      }
      std::sort(ins.begin(), ins.end());
      std::sort(outs.begin(), outs.end());
      next[v] = md5_hex(join(ins, "") + "|" + join(outs, "") + "|" + h[v]);
    }
    h = std::move(next);
  }
  std::sort(h.begin(), h.end());
  return md5_hex("['" + join(h, "', '") + "']");
}

std::vector<int> nb101_vertex_channels(int in_channels, int out_channels,
                                       const std::vector<std::vector<int>>& m) {
  const std::size_t n = m.size();
  std::vector<int> vc(n, 0);
  vc[0] = in_channels;
  vc[n - 1] = out_channels;
  if (n == 2) return vc;
  int fan_in = 0;  // in-degree of the output, the input vertex excluded
  for (std::size_t u = 1; u < n; ++u) fan_in += m[u][n - 1];
  WSNAS_CHECK_INPUT(fan_in > 0, "nb101 cell: no operator vertex feeds the output");
  const int interior = out_channels / fan_in;
  int correction = out_channels % fan_in;
  for (std::size_t v = 1; v + 1 < n; ++v) {
    if (!m[v][n - 1]) continue;
    vc[v] = interior;
    if (correction > 0) {
      ++vc[v];
      --correction;
    }
  }
  for (std::size_t v = n - 2; v-- > 1;) {
    if (m[v][n - 1]) continue;
    for (std::size_t d = v + 1; d + 1 < n; ++d)
      if (m[v][d]) vc[v] = std::max(vc[v], vc[d]);
  }
  return vc;
}

ModelCost nb101_cost(const Nb101Cell& cell, const Nb101Shape& s) {
  CostCounter count;
  int size = s.input_size;
  auto conv_bn = [&](std::int64_t cin, std::int64_t cout, std::int64_t k) {
    count.conv(cin, cout, k, size, size);  // no bias
    count.bn(cout);
  };
  conv_bn(s.in_channels, s.stem_channels, 3);
  const std::size_t n = cell.vertices();
  std::int64_t ch = s.stem_channels;
  for (int stack = 0; stack < s.stacks; ++stack) {
    std::int64_t out = ch;
    if (stack > 0) {  // max-pool 2x2 stride 2 ('same' padding), channels doubled
      size = (size + 1) / 2;
      out = ch * 2;
    }
    for (int module = 0; module < s.modules; ++module) {
      const auto vc =
          nb101_vertex_channels(static_cast<int>(ch), static_cast<int>(out), cell.matrix);
      for (std::size_t t = 1; t + 1 < n; ++t) {
        if (cell.matrix[0][t]) conv_bn(ch, vc[t], 1);  // projection of the module input
        const int op = op_id(cell.ops[t]);
        if (op == 0) conv_bn(vc[t], vc[t], 3);
        if (op == 1) conv_bn(vc[t], vc[t], 1);
      }
      if (cell.matrix[0][n - 1]) conv_bn(ch, out, 1);
      ch = out;
    }
  }
  count.linear(ch, s.classes);
  return count.cost;
}

// ---- the sub-space ------------------------------------------------------------------------------

Nb101Space::Nb101Space() {
  const auto& e = enumeration();
  for (int t = 1; t < kNb101Vertices; ++t) {
    Decision d;
    d.name = t + 1 == kNb101Vertices ? "output inputs" : "vertex " + std::to_string(t) + " inputs";
    for (const auto& ps : e.parents[static_cast<std::size_t>(t)]) {
      std::vector<std::string> names;
      for (int p : ps) names.push_back(std::to_string(p));
      d.options.push_back(join(names, "+"));
    }
    decisions_.push_back(std::move(d));
  }
  for (int t = 1; t < kNb101Vertices - 1; ++t)
    decisions_.push_back({"vertex " + std::to_string(t) + " op",
                          std::vector<std::string>(kNb101OpNames.begin(), kNb101OpNames.end())});
}

Nb101Cell Nb101Space::cell_of(const Arch& arch) {
  const auto& e = enumeration();
  Nb101Cell c;
  c.matrix.assign(kNb101Vertices, std::vector<int>(kNb101Vertices, 0));
  c.ops.push_back("input");
  for (int t = 1; t < kNb101Vertices; ++t)
    for (int p : e.parents[static_cast<std::size_t>(t)]
                          [static_cast<std::size_t>(arch.choices[static_cast<std::size_t>(t - 1)])])
      c.matrix[static_cast<std::size_t>(p)][static_cast<std::size_t>(t)] = 1;
  for (int t = 1; t < kNb101Vertices - 1; ++t)
    c.ops.push_back(kNb101OpNames[static_cast<std::size_t>(
        arch.choices[static_cast<std::size_t>(kNb101Vertices - 1 + t - 1)])]);
  c.ops.push_back("output");
  return c;
}

Arch Nb101Space::arch_of(const Nb101Cell& c) const {
  const std::string ctx = "nb101 cell " + nb101_cell_string(c);
  WSNAS_CHECK_INPUT(c.vertices() == kNb101Vertices, ctx, ": has ", c.vertices(),
                    " vertices; the sub-space's cells have 7");
  const auto& e = enumeration();
  Arch a;
  for (int t = 1; t < kNb101Vertices; ++t) {
    std::vector<int> ps;
    for (int u = 0; u < t; ++u)
      if (c.matrix[static_cast<std::size_t>(u)][static_cast<std::size_t>(t)]) ps.push_back(u);
    const auto& options = e.parents[static_cast<std::size_t>(t)];
    const auto it = std::find(options.begin(), options.end(), ps);
    WSNAS_CHECK_INPUT(it != options.end(), ctx, ": vertex ", t, " has ", ps.size(),
                      " parents; the sub-space's vertices 1..6 have exactly [1,1,1,2,2,2]");
    a.choices.push_back(static_cast<int>(it - options.begin()));
  }
  for (int t = 1; t < kNb101Vertices - 1; ++t)
    a.choices.push_back(op_id(c.ops[static_cast<std::size_t>(t)]));
  return a;
}

Arch Nb101Space::parse(const std::string& text) const {
  try {
    return arch_of(parse_nb101_cell(text));
  } catch (const InputError& e) {
    const std::string msg = e.what();
    if (msg.rfind("nb101 cell '", 0) == 0) throw;
    throw InputError("nb101 architecture '" + text + "': " + msg);
  }
}

std::string Nb101Space::to_string(const Arch& arch) const {
  check(arch);
  return nb101_cell_string(cell_of(arch));
}

bool Nb101Space::is_valid(const Arch& arch) const {
  check(arch);
  return enumeration().valid_adjacency(arch);
}

std::string Nb101Space::canonical(const Arch& arch) const {
  check(arch);
  return nb101_hash(cell_of(arch));
}

std::optional<std::int64_t> Nb101Space::index_of(const Arch& arch) const {
  check(arch);
  const auto& e = enumeration();
  const int pos = e.position[static_cast<std::size_t>(e.rank_of(arch))];
  if (pos < 0) return std::nullopt;
  std::int64_t ops = 0;
  for (int t = 0; t < 5; ++t)
    ops = ops * kNb101NumOps + arch.choices[static_cast<std::size_t>(kNb101Vertices - 1 + t)];
  return static_cast<std::int64_t>(pos) * kOpsPerCell + ops;
}

std::optional<Arch> Nb101Space::at(std::int64_t index) const {
  WSNAS_CHECK_INPUT(index >= 0 && index < kNb101SubspaceCells, "nb101 index ", index,
                    " out of range (expected 0..", kNb101SubspaceCells - 1, ")");
  const auto& e = enumeration();
  int rank = e.valid_ranks[static_cast<std::size_t>(index / kOpsPerCell)];
  Arch a;
  a.choices.assign(decisions_.size(), 0);
  for (int t = kNb101Vertices - 1; t >= 1; --t) {
    const int k = static_cast<int>(e.parents[static_cast<std::size_t>(t)].size());
    a.choices[static_cast<std::size_t>(t - 1)] = rank % k;
    rank /= k;
  }
  auto ops = index % kOpsPerCell;
  for (int t = 4; t >= 0; --t) {
    a.choices[static_cast<std::size_t>(kNb101Vertices - 1 + t)] =
        static_cast<int>(ops % kNb101NumOps);
    ops /= kNb101NumOps;
  }
  return a;
}

Arch Nb101Space::sample(Rng& rng, bool /*valid_only: every listed cell is valid*/) const {
  return *at(static_cast<std::int64_t>(rng.below(kNb101SubspaceCells)));
}

std::optional<ModelCost> Nb101Space::cost(const Arch& arch, const CostOptions& o) const {
  check(arch);
  Nb101Cell c = cell_of(arch);
  if (!prune_nb101_cell(c)) return ModelCost{};
  Nb101Shape shape;
  if (o.channels > 0) shape.stem_channels = o.channels;
  if (o.cells > 0) shape.modules = o.cells;
  if (o.classes > 0) shape.classes = o.classes;
  shape.in_channels = o.in_channels;
  if (o.input_size > 0) shape.input_size = o.input_size;
  return nb101_cost(c, shape);
}

std::vector<std::pair<std::string, std::uint64_t>> Nb101Space::extra_counts() const {
  return {{"adjacency matrices", enumeration().valid_ranks.size()}};
}

std::vector<std::size_t> Nb101Space::fair_decisions() const {
  std::vector<std::size_t> ops;
  for (std::size_t d = kNb101Vertices - 1; d < decisions_.size(); ++d) ops.push_back(d);
  return ops;
}

}  // namespace wsnas::space

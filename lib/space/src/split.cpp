#include "wsnas/space/split.h"

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

bool Split::matches(const Arch& arch) const {
  for (const auto& [d, o] : fixed)
    if (d >= arch.choices.size() || arch.choices[d] != o) return false;
  return true;
}

std::string Split::to_string() const {
  std::vector<std::string> parts;
  for (const auto& [d, o] : fixed) parts.push_back(std::to_string(d) + "=" + std::to_string(o));
  return join(parts, ",");
}

std::vector<std::size_t> parse_split_on(const SearchSpace& space, const std::string& text,
                                        const std::string& what) {
  const std::size_t n = space.decisions().size();
  std::vector<std::size_t> out;
  for (const auto& part : split(text, ',')) {
    std::int64_t d = -1;
    WSNAS_CHECK_USAGE(parse_int(trim(part), d) && d >= 0 && static_cast<std::size_t>(d) < n, what,
                      " '", text, "': '", trim(part), "' is not a decision of ", space.name(),
                      " (expected indices 0..", n - 1, ", comma-separated)");
    WSNAS_CHECK_USAGE(out.empty() || static_cast<std::size_t>(d) > out.back(), what, " '", text,
                      "': decisions must be ascending and each named once");
    out.push_back(static_cast<std::size_t>(d));
  }
  WSNAS_CHECK_USAGE(!out.empty(), what, " '", text, "': no decision");
  return out;
}

std::vector<Split> splits_of(const SearchSpace& space, const std::vector<std::size_t>& decisions) {
  std::vector<Split> out{Split{}};
  for (const std::size_t d : decisions) {
    std::vector<Split> next;
    for (const auto& s : out) {
      for (std::size_t o = 0; o < space.decisions().at(d).options.size(); ++o) {
        Split t = s;
        t.fixed.emplace_back(d, static_cast<int>(o));
        next.push_back(std::move(t));
      }
    }
    out = std::move(next);
  }
  return out;
}

Split parse_split(const SearchSpace& space, const std::string& text, const std::string& what) {
  Split s;
  if (trim(text).empty()) return s;
  const auto& ds = space.decisions();
  for (const auto& part : split(text, ',')) {
    const auto eq = part.find('=');
    std::int64_t d = -1, o = -1;
    const bool ok = eq != std::string::npos && parse_int(trim(part.substr(0, eq)), d) &&
                    parse_int(trim(part.substr(eq + 1)), o) && d >= 0 &&
                    static_cast<std::size_t>(d) < ds.size() && o >= 0 &&
                    static_cast<std::size_t>(o) < ds[static_cast<std::size_t>(d)].options.size() &&
                    (s.fixed.empty() || static_cast<std::size_t>(d) > s.fixed.back().first);
    WSNAS_CHECK_INPUT(ok, what, ": split '", text, "' is not DECISION=OPTION[,...] of ",
                      space.name(), " (decisions ascending)");
    s.fixed.emplace_back(static_cast<std::size_t>(d), static_cast<int>(o));
  }
  return s;
}

namespace {

class Restricted final : public SearchSpace {
 public:
  Restricted(const SearchSpace& base, Split split) : base_(base), split_(std::move(split)) {}
  std::string name() const override { return base_.name(); }
  const std::vector<Decision>& decisions() const override { return base_.decisions(); }
  Arch parse(const std::string& text) const override { return base_.parse(text); }
  std::string to_string(const Arch& arch) const override { return base_.to_string(arch); }
  bool is_valid(const Arch& arch) const override {
    return split_.matches(arch) && base_.is_valid(arch);
  }
  std::string canonical(const Arch& arch) const override { return base_.canonical(arch); }
  bool truth_by_canonical() const override { return base_.truth_by_canonical(); }
  std::optional<std::int64_t> index_of(const Arch& arch) const override {
    return base_.index_of(arch);
  }
  std::optional<Arch> at(std::int64_t index) const override { return base_.at(index); }
  std::optional<ModelCost> cost(const Arch& arch, const CostOptions& options) const override {
    return base_.cost(arch, options);
  }
  std::vector<std::size_t> fair_decisions() const override {
    std::vector<std::size_t> out;
    for (const std::size_t d : base_.fair_decisions()) {
      bool fixed = false;
      for (const auto& f : split_.fixed) fixed = fixed || f.first == d;
      if (!fixed) out.push_back(d);
    }
    return out;
  }
  Arch sample(Rng& rng, bool valid_only) const override {
    for (int attempt = 0; attempt < 1000000; ++attempt) {
      Arch a = base_.sample(rng, valid_only);
      if (split_.matches(a)) return a;
    }
    throw Error("space " + name() + ": no architecture of the sub-supernet " + split_.to_string() +
                " found in 10^6 draws");
  }

 private:
  const SearchSpace& base_;
  Split split_;
};

}  // namespace

std::unique_ptr<SearchSpace> restrict_space(const SearchSpace& space, const Split& split) {
  return std::make_unique<Restricted>(space, split);
}

}  // namespace wsnas::space

#include "wsnas/space/sampler.h"

#include <algorithm>
#include <numeric>

#include "wsnas/core/error.h"

namespace wsnas::space {

namespace {

constexpr int kMaxRedraws = 1000000;

/// Draws for one step come from a stream of their own, so that steps are independent of each
/// other and of how many ranks ask.
Rng step_rng(std::uint64_t seed, std::uint64_t step) { return Rng(Rng::derive(seed, step)); }

class Base : public ArchSampler {
 public:
  Base(const SearchSpace& space, const std::vector<Arch>& pool, std::uint64_t seed)
      : space_(space), pool_(pool), seed_(seed) {}

 protected:
  Arch draw(Rng& rng) const {
    return pool_.empty() ? space_.sample(rng, true) : pool_[rng.below(pool_.size())];
  }
  const SearchSpace& space_;
  const std::vector<Arch>& pool_;
  std::uint64_t seed_;
};

class Uniform final : public Base {
 public:
  using Base::Base;
  std::vector<Arch> paths(std::uint64_t step, int, int) const override {
    Rng rng = step_rng(seed_, step);
    return {draw(rng)};
  }
  std::string name() const override { return "uniform"; }
};

class MultiPath final : public Base {
 public:
  MultiPath(const SearchSpace& space, const std::vector<Arch>& pool, std::uint64_t seed, int k)
      : Base(space, pool, seed), k_(k) {}
  std::vector<Arch> paths(std::uint64_t step, int, int) const override {
    Rng rng = step_rng(seed_, step);
    std::vector<Arch> out;
    for (int i = 0; i < k_; ++i) out.push_back(draw(rng));
    return out;
  }
  std::string name() const override { return "multipath"; }

 private:
  int k_;
};

class PerReplica final : public Base {
 public:
  using Base::Base;
  std::vector<Arch> paths(std::uint64_t step, int replica, int replicas) const override {
    WSNAS_ASSERT(replica >= 0 && replica < replicas, "replica ", replica, " of ", replicas);
    // Every replica walks the same stream and keeps its own draw (the released code's
    // "parallel sampling"): replica r trains the (r+1)-th architecture of the step.
    Rng rng = step_rng(seed_, step);
    Arch mine;
    for (int r = 0; r <= replica; ++r) mine = draw(rng);
    return {mine};
  }
  bool replicas_differ() const override { return true; }
  std::string name() const override { return "per-replica"; }
};

class Fair final : public Base {
 public:
  Fair(const SearchSpace& space, std::uint64_t seed)
      : Base(space, empty_, seed), fair_(space.fair_decisions()) {
    for (std::size_t d : fair_)
      m_ = std::max(m_, static_cast<int>(space.decisions()[d].options.size()));
  }
  std::vector<Arch> paths(std::uint64_t step, int, int) const override {
    Rng rng = step_rng(seed_, step);
    const auto& ds = space_.decisions();
    const bool all_fair = fair_.size() == ds.size();
    for (int attempt = 0; attempt < kMaxRedraws; ++attempt) {
      std::vector<Arch> out(static_cast<std::size_t>(m_));
      for (auto& a : out) {
        // Decisions outside the fair ones come from the path's own uniform valid draw.
        if (all_fair)
          a.choices.resize(ds.size());
        else
          a = space_.sample(rng, true);
      }
      for (std::size_t d : fair_) {
        // A uniform permutation of the decision's options (Fisher-Yates); a decision with fewer
        // than m options fills the remaining paths with uniform draws.
        const int n = static_cast<int>(ds[d].options.size());
        std::vector<int> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        for (int i = n - 1; i > 0; --i)
          std::swap(order[static_cast<std::size_t>(i)],
                    order[rng.below(static_cast<std::uint64_t>(i) + 1)]);
        for (int s = 0; s < m_; ++s) {
          out[static_cast<std::size_t>(s)].choices[d] =
              s < n ? order[static_cast<std::size_t>(s)]
                    : static_cast<int>(rng.below(static_cast<std::uint64_t>(n)));
        }
      }
      if (std::all_of(out.begin(), out.end(), [&](const Arch& a) { return space_.is_valid(a); }))
        return out;
    }
    throw Error(detail::concat("--sampler fairnas: no step with all ", m_, " paths valid in ",
                               kMaxRedraws, " draws in space ", space_.name()));
  }
  std::string name() const override { return "fairnas"; }

 private:
  static const std::vector<Arch> empty_;
  std::vector<std::size_t> fair_;
  int m_ = 1;
};
const std::vector<Arch> Fair::empty_;

}  // namespace

std::vector<std::string> sampler_names() {
  return {"uniform", "fairnas", "multipath", "per-replica"};
}

std::unique_ptr<ArchSampler> make_sampler(const std::string& name, const SearchSpace& space,
                                          const std::vector<Arch>& pool, std::uint64_t seed,
                                          int paths, const std::string& pool_what) {
  for (std::size_t i = 0; i < pool.size(); ++i) {
    space.check(pool[i]);
    WSNAS_CHECK_INPUT(space.is_valid(pool[i]), pool_what, ": architecture ", i + 1, " (",
                      space.to_string(pool[i]), ") is not a valid ", space.name(),
                      " architecture; supernets train valid ones only");
  }
  if (name == "uniform") return std::make_unique<Uniform>(space, pool, seed);
  if (name == "per-replica") return std::make_unique<PerReplica>(space, pool, seed);
  if (name == "multipath") {
    WSNAS_CHECK_USAGE(paths >= 1, "--paths ", paths, ": expected >= 1");
    return std::make_unique<MultiPath>(space, pool, seed, paths);
  }
  if (name == "fairnas") {
    WSNAS_CHECK_USAGE(
        pool.empty(),
        "--sampler fairnas trains every option of every decision each step and cannot "
        "be restricted to a --pool; use uniform, multipath or per-replica");
    return std::make_unique<Fair>(space, seed);
  }
  throw UsageError(detail::concat("--sampler '", name, "': expected one of ",
                                  "uniform, fairnas, multipath, per-replica"));
}

}  // namespace wsnas::space

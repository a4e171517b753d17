#pragma once
/// Portable, seedable random numbers: identical streams on every platform and standard library
/// (std::uniform_int_distribution is not portable, so we do our own bounded draws).

#include <array>
#include <cstdint>
#include <vector>

namespace wsnas {

/// 64-bit generator (splitmix64-seeded xoshiro256**), cheap to copy and to serialise.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed);
  /// Next raw 64-bit value.
  std::uint64_t next();
  /// Uniform integer in [0, n), unbiased (rejection); n > 0.
  std::uint64_t below(std::uint64_t n);
  /// Uniform double in [0, 1).
  double uniform();
  /// The generator's state, for checkpoints.
  std::array<std::uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<std::uint64_t, 4>& s) { s_ = s; }

  /// A seed for a derived stream (e.g. per epoch, per rank), mixing `seed` and `stream`.
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t stream);

 private:
  std::array<std::uint64_t, 4> s_{};
};

/// CPython's `random.Random` (MT19937) for the operations NAS benchmarks used to fix orders:
/// `random.seed(int)`, `getrandbits(k)`, `random()` and `shuffle(list)` (CPython 3.x algorithm).
class PyRandom {
 public:
  /// Same as Python's `random.seed(seed)` for a non-negative integer seed.
  explicit PyRandom(std::uint64_t seed);
  /// MT19937 genrand_uint32.
  std::uint32_t genrand_uint32();
  /// `random.getrandbits(k)` for 1 <= k <= 32.
  std::uint32_t getrandbits(int k);
  /// `random._randbelow(n)` (getrandbits rejection sampling), n >= 1.
  std::uint64_t randbelow(std::uint64_t n);
  /// `random.random()`.
  double random();
  /// `random.shuffle(v)` in place.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i-- > 1;) {
      std::size_t j = static_cast<std::size_t>(randbelow(i + 1));
      std::swap(v[i], v[j]);
    }
  }

 private:
  void init_genrand(std::uint32_t s);
  void init_by_array(const std::vector<std::uint32_t>& key);
  std::array<std::uint32_t, 624> mt_{};
  int mti_ = 625;
};

}  // namespace wsnas

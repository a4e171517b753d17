#include "wsnas/core/random.h"

#include "wsnas/core/error.h"

namespace wsnas {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::reseed(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (auto& w : s_) w = splitmix64(x);
}

std::uint64_t Rng::next() {
  // xoshiro256** (Blackman & Vigna, 2018).
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  WSNAS_ASSERT(n > 0, "Rng::below(0)");
  // Lemire-free simple rejection: discard the top partial range so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t r;
  do {
    r = next();
  } while (r >= limit);
  return r % n;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::derive(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t x = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
  return splitmix64(x);
}

// ---- CPython's Mersenne Twister (Modules/_randommodule.c) ------------------------------------

PyRandom::PyRandom(std::uint64_t seed) {
  // random.seed(int): the absolute value split into 32-bit words, least significant first.
  std::vector<std::uint32_t> key;
  do {
    key.push_back(static_cast<std::uint32_t>(seed & 0xffffffffULL));
    seed >>= 32;
  } while (seed != 0);
  init_by_array(key);
}

void PyRandom::init_genrand(std::uint32_t s) {
  mt_[0] = s;
  for (mti_ = 1; mti_ < 624; ++mti_) {
    mt_[mti_] =
        1812433253U * (mt_[mti_ - 1] ^ (mt_[mti_ - 1] >> 30)) + static_cast<std::uint32_t>(mti_);
  }
}

void PyRandom::init_by_array(const std::vector<std::uint32_t>& key) {
  init_genrand(19650218U);
  std::size_t i = 1, j = 0;
  const std::size_t n = 624, len = key.size();
  for (std::size_t k = n > len ? n : len; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
             static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= n) {
      mt_[0] = mt_[n - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (std::size_t k = n - 1; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) -
             static_cast<std::uint32_t>(i);
    ++i;
    if (i >= n) {
      mt_[0] = mt_[n - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;
}

std::uint32_t PyRandom::genrand_uint32() {
  static const std::uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
  constexpr int N = 624, M = 397;
  constexpr std::uint32_t kUpper = 0x80000000U, kLower = 0x7fffffffU;
  std::uint32_t y;
  if (mti_ >= N) {
    int kk;
    for (kk = 0; kk < N - M; ++kk) {
      y = (mt_[kk] & kUpper) | (mt_[kk + 1] & kLower);
      mt_[kk] = mt_[kk + M] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    for (; kk < N - 1; ++kk) {
      y = (mt_[kk] & kUpper) | (mt_[kk + 1] & kLower);
      mt_[kk] = mt_[kk + (M - N)] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    y = (mt_[N - 1] & kUpper) | (mt_[0] & kLower);
    mt_[N - 1] = mt_[M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
    mti_ = 0;
  }
  y = mt_[mti_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

std::uint32_t PyRandom::getrandbits(int k) {
  WSNAS_ASSERT(k >= 1 && k <= 32, "getrandbits supports 1..32 bits");
  return genrand_uint32() >> (32 - k);
}

std::uint64_t PyRandom::randbelow(std::uint64_t n) {
  WSNAS_ASSERT(n >= 1 && n <= 0xffffffffULL, "randbelow supports 1..2^32-1");
  int k = 0;
  for (std::uint64_t v = n; v; v >>= 1) ++k;  // n.bit_length()
  std::uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

double PyRandom::random() {
  std::uint32_t a = genrand_uint32() >> 5, b = genrand_uint32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace wsnas

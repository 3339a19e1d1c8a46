// staticgrad/core/random.hpp - counter-based random numbers.
//
// Every random number is a pure function of (seed, stream, index): no generator state is shared between
// threads, so results are bit-identical whatever OMP_NUM_THREADS is. `stream` separates independent uses
// (a layer's dropout at a given step, a shuffle at a given epoch, an initialiser of a parameter); `index`
// is the position inside that use. The mixing function is SplitMix64's finaliser (Steele, Lea and
// Flood, 2014), applied to a combination of the three words.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace sg::random {

constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A 64-bit random word for (seed, stream, index).
constexpr std::uint64_t bits(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return mix64(mix64(mix64(seed) ^ stream) ^ index);
}

// Uniform in [0, 1) with 53 random bits.
constexpr double uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return static_cast<double>(bits(seed, stream, index) >> 11) * 0x1.0p-53;
}

// Standard normal N(0, 1) by the Box-Muller transform of two uniforms drawn at 2*index and 2*index+1.
inline double normal(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const double u1 = 1.0 - uniform(seed, stream, 2 * index);  // in (0, 1]: log is finite
  const double u2 = uniform(seed, stream, 2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// Uniform integer in [0, n) (n > 0), by Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32.
constexpr std::uint64_t below(std::uint64_t n, std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  __extension__ using u128 = unsigned __int128;  // g++ and clang extension; silences -Wpedantic
  return static_cast<std::uint64_t>((static_cast<u128>(bits(seed, stream, index)) * n) >> 64);
}

// Stream identifiers: a readable tag hashed to a 64-bit word, so that uses do not collide by accident.
constexpr std::uint64_t stream_id(const char* tag, std::uint64_t k = 0) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (; *tag; ++tag) h = (h ^ static_cast<unsigned char>(*tag)) * 0x100000001b3ull;
  return mix64(h ^ mix64(k));
}

}  // namespace sg::random

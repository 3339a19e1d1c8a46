// staticgrad/distributed/sharding.hpp - which samples of a global mini-batch each shard and rank takes.
//
// A global mini-batch (the same on every rank: the same shuffled order, cut into batches of batch_size)
// is split into S shards, contiguous runs of its index list, as equal as possible with the larger ones
// first: shard s of a batch of m samples has m / S samples, plus one when s < m % S. The S shards are
// dealt to the P ranks as contiguous runs too: rank r computes shards [r S / P, (r + 1) S / P).
// S is FitOptions::shards, independent of P; that is what makes the fixed-order reduction give the same
// bits on any number of ranks from 1 to S (docs/distributed.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "staticgrad/core/random.hpp"

namespace sg::distributed {

// A half-open run [begin, begin + size).
struct Range {
  std::size_t begin = 0;
  std::size_t size = 0;
  std::size_t end() const { return begin + size; }
  friend bool operator==(const Range&, const Range&) = default;
};

// Samples of shard `s` of `shards` in a batch of `m`. Requires s < shards.
constexpr Range shard_of_batch(std::size_t m, std::size_t shards, std::size_t s) {
  const std::size_t base = m / shards, extra = m % shards;
  return {s * base + std::min(s, extra), base + (s < extra ? 1 : 0)};
}

// Shards that rank `rank` of `ranks` computes. Requires rank < ranks.
constexpr Range shards_of_rank(std::size_t shards, std::size_t ranks, std::size_t rank) {
  const std::size_t first = rank * shards / ranks, last = (rank + 1) * shards / ranks;
  return {first, last - first};
}

// The model seed shard s trains with: dropout masks are keyed by (seed, layer, step, element of the
// shard's matrix), so each shard needs its own seed for its masks to differ from shard 0's. Shard 0
// keeps the model's seed, so one shard is exactly sg::fit.
constexpr std::uint64_t shard_seed(std::uint64_t seed, std::size_t s) {
  return s == 0 ? seed : seed ^ random::mix64(0x5348415244000000ull + s);  // "SHARD"
}
// The step passed to a feed for shard s (it keys augmentation by (seed, step, column)): shard s > 0
// uses step + s * 2^48, a stream no real step reaches.
constexpr std::uint64_t shard_step(std::uint64_t step, std::size_t s) {
  return step + (static_cast<std::uint64_t>(s) << 48);
}

}  // namespace sg::distributed

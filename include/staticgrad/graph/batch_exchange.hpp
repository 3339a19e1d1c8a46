// staticgrad/graph/batch_exchange.hpp - how shards of one mini-batch, computed apart, share the sums over
// the batch that batch normalisation needs (synchronised batch norm).
//
// When a mini-batch of m samples is cut into S shards (distributed/data_parallel.hpp), each shard runs on
// its own copy of the model, on this process or another. An op that sums over the batch at the root of a
// layer's training expression (ops::ChannelBatchNorm: BatchNorm, BatchNorm2D) can then use the sums of
// the whole batch instead of its shard's. It declares
//   static constexpr std::size_t sync_forward_rounds;   exchanges before its forward (R)
//   static constexpr std::size_t sync_width;            values per exchange, at most
//   void sync_partial(round, ConstView<T> input, ConstView<T> adjoint, std::span<double> out) const;
//   void sync_total(round, std::span<const double> total) const;
// Rounds 0 .. R-1 come before the op's forward, in order, each after the totals of the previous one were
// handed back; round R comes before its backward (the adjoint is then complete). Model::forward_together
// and backward_together (graph/model.hpp) run the shards' passes node by node together and, at such a
// node, ask every shard for its partial, call sum() once, and hand the total to every shard.
//
// The exchange adds partials in shard order, so the total does not depend on which process computed
// which shard: forward totals are plain sums, backward totals weigh shard s by m_s / m (each shard's
// cost is a mean over its own m_s samples, and their gradients are weighed so later). Every process of a
// job calls sum() the same number of times in the same order (a collective), with its own shards'
// partials, possibly none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

namespace sg {

class BatchExchange {
 public:
  virtual ~BatchExchange() = default;

  // A zeroed buffer for `shards` partials of `width` values: shard i's at [i * width, (i + 1) * width).
  std::span<double> partials(std::size_t shards, std::size_t width) {
    partials_.assign(shards * width, 0.0);
    return partials_;
  }
  // The total over every shard of the batch of the partials just written (partials(k, width)), in shard
  // order; `weighted`: shard s's partial times m_s / m.
  virtual std::span<const double> sum(std::size_t width, bool weighted) = 0;

 protected:
  std::vector<double> partials_;  // this process's shards, in shard order
};

}  // namespace sg

// staticgrad/distributed/evaluate.hpp - a model's cost and accuracy over a data set, split across ranks.
//
// The set is cut into chunks of `batch_size` exactly as sg::evaluate cuts it; rank r evaluates the
// chunks shards_of_rank(chunks, P, r) in evaluation mode, and every rank receives every chunk's
// (cost * m, correct) pair (one allgather) and sums them in chunk order. So the cost and accuracy are
// the same bits on every rank, for any number of ranks, and equal sg::evaluate's. Predicted classes are
// not gathered: `predicted` and `confidence` stay empty (use sg::evaluate on rank 0 for those).
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

#include "staticgrad/core/error.hpp"
#include "staticgrad/distributed/context.hpp"
#include "staticgrad/distributed/sharding.hpp"
#include "staticgrad/train/evaluate.hpp"

namespace sg::distributed {

template <class Model, class Feed>
Evaluation evaluate(const Context& ctx, Model& model, Feed& feed, std::size_t batch_size = 1024) {
  if (batch_size == 0) throw error("sg::distributed::evaluate: batch_size must be at least 1");
  ModeGuard guard(model, Mode::eval);
  const std::size_t n = feed.size(), chunks = (n + batch_size - 1) / batch_size;
  const auto ranks = static_cast<std::size_t>(ctx.size());
  const Range mine = shards_of_rank(chunks, ranks, static_cast<std::size_t>(ctx.rank()));
  std::vector<double> local(2 * mine.size), all(2 * chunks);
  std::vector<std::size_t> indices;
  for (std::size_t k = 0; k < mine.size; ++k) {
    const std::size_t first = (mine.begin + k) * batch_size, m = std::min(batch_size, n - first);
    indices.resize(m);
    std::iota(indices.begin(), indices.end(), first);
    feed.bind(model, indices, false);
    local[2 * k] = static_cast<double>(model.forward()) * static_cast<double>(m);
    std::size_t correct = 0;
    if constexpr (requires { feed.dataset(); }) {
      auto logits = model.prediction();
      for (std::size_t j = 0; j < m; ++j)
        correct += predict_column(logits, j).first == feed.dataset().labels[first + j];
    }
    local[2 * k + 1] = static_cast<double>(correct);
  }
  std::vector<int> counts(ranks);
  for (std::size_t r = 0; r < ranks; ++r)
    counts[r] = static_cast<int>(2 * shards_of_rank(chunks, ranks, r).size);
  ctx.allgather(std::span<const double>(local), std::span<double>(all), std::span<const int>(counts));
  double cost = 0, correct = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    cost += all[2 * c];
    correct += all[2 * c + 1];
  }
  Evaluation result;
  result.cost = n ? cost / static_cast<double>(n) : 0;
  result.accuracy = n ? correct / static_cast<double>(n) : 0;
  return result;
}

}  // namespace sg::distributed

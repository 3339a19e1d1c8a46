// staticgrad/train/evaluate.hpp - a model's cost, accuracy and predictions over a whole data set.
//
// Runs in evaluation mode (dropout off, batch norm on its running statistics; the previous mode is
// restored), in mini-batches of `batch_size` so memory stays bounded. The cost is the mean over all
// samples (each batch weighted by its size), not an average of per-batch means; the accuracy counts
// every sample once. Predicted classes come from the model's prediction node (the logits): the arg max
// over its rows, or logit >= 0 when it has a single row (binary classification).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstddef>
#include <numeric>
#include <vector>

#include "staticgrad/graph/model.hpp"

namespace sg {

struct Evaluation {
  double cost = 0;
  double accuracy = 0;  // NaN when the feed gives no labels to compare with (no dataset())
  std::vector<std::int32_t> predicted;  // one class per sample
  std::vector<float> confidence;        // the probability of the predicted class (softmax or sigmoid)
};

// The predicted class and its probability for column j of logits.
template <class T>
std::pair<std::int32_t, float> predict_column(ConstView<T> logits, std::size_t j) {
  if (logits.rows == 1) {
    const double p = 1 / (1 + std::exp(-static_cast<double>(logits(0, j))));
    return p >= 0.5 ? std::pair<std::int32_t, float>{1, static_cast<float>(p)}
                    : std::pair<std::int32_t, float>{0, static_cast<float>(1 - p)};
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < logits.rows; ++i)
    if (logits(i, j) > logits(best, j)) best = i;
  double sum = 0;
  for (std::size_t i = 0; i < logits.rows; ++i) sum += std::exp(static_cast<double>(logits(i, j) - logits(best, j)));
  return {static_cast<std::int32_t>(best), static_cast<float>(1 / sum)};
}

template <class Model, class Feed>
Evaluation evaluate(Model& model, Feed& feed, std::size_t batch_size = 1024) {
  ModeGuard guard(model, Mode::eval);
  Evaluation result;
  const std::size_t n = feed.size();
  result.predicted.resize(n);
  result.confidence.resize(n);
  std::vector<std::size_t> indices(std::min(batch_size, n));
  std::size_t correct = 0;
  double cost = 0;
  for (std::size_t first = 0; first < n; first += batch_size) {
    const std::size_t m = std::min(batch_size, n - first);
    indices.resize(m);
    std::iota(indices.begin(), indices.end(), first);
    feed.bind(model, indices, false);
    cost += static_cast<double>(model.forward()) * static_cast<double>(m);
    auto logits = model.prediction();
    for (std::size_t j = 0; j < m; ++j) {
      const auto [cls, p] = predict_column(logits, j);
      result.predicted[first + j] = cls;
      result.confidence[first + j] = p;
      if constexpr (requires { feed.dataset(); }) correct += cls == feed.dataset().labels[first + j];
    }
  }
  result.cost = n ? cost / static_cast<double>(n) : 0;
  constexpr bool has_labels = requires { feed.dataset(); };
  result.accuracy = !has_labels ? std::numeric_limits<double>::quiet_NaN()
                    : n         ? static_cast<double>(correct) / static_cast<double>(n)
                                : 0;
  return result;
}

}  // namespace sg

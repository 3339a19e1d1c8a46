// What the distributed tests share: a small data set, two networks, quiet options, bit comparisons.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "staticgrad/data/dataset.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/fit.hpp"

#include "../fit/blobs.hpp"

namespace sg_test_distributed {

// Three Gaussian blobs in 4 dimensions (noise 0.6), shared with the fit tests.
using sg::test::blobs;

// Everything a step touches: batch norm (statistics), dropout (masks), L2 (shard 0's term).
inline auto full_net() {
  using namespace sg;
  return sequential<4>(Dense<4, 16>{}, BatchNorm<16>{}, ReLU{}, Dropout{.keep_prob = 0.8}, Dense<16, 3>{},
                       SoftmaxCrossEntropy{});
}
// No batch norm: the same function of the whole batch however it is sharded (up to rounding).
inline auto plain_net() {
  using namespace sg;
  return sequential<4>(Dense<4, 16>{}, ReLU{}, Dense<16, 3>{}, SoftmaxCrossEntropy{});
}

inline sg::FitOptions quiet(std::size_t epochs, std::size_t batch) {
  sg::FitOptions o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.learning_rate = 0.01;
  o.progress.mode = sg::ProgressMode::quiet;
  o.shuffle_seed = 9;
  return o;
}

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// max |a - b| / (1 + max |b|)
template <class T>
double relative_difference(std::span<const T> a, std::span<const T> b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return diff / (1 + scale);
}

inline bool same_history(const sg::History& a, const sg::History& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const auto &x = a.records()[k], &y = b.records()[k];
    if (std::memcmp(&x.train_cost, &y.train_cost, sizeof(double)) != 0 ||
        std::memcmp(&x.dev_cost, &y.dev_cost, sizeof(double)) != 0 || x.metrics != y.metrics)
      return false;
  }
  return true;
}

}  // namespace sg_test_distributed

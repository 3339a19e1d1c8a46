// staticgrad/train/early_stopping.hpp - stop when the dev cost stops improving, keep the best weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"

namespace sg {

struct EarlyStoppingOptions {
  std::size_t patience = 5;  // epochs in a row without improvement before stopping
  double min_delta = 0;      // an improvement must lower the best dev cost by more than this
};

// EarlyStopping<T>: fed the dev cost and the flat weights after every epoch. An epoch improves when its
// dev cost is below best_cost() - min_delta (the first finite cost always does; NaN never does); then a
// copy of the weights is kept. should_stop() becomes true after `patience` epochs in a row without
// improvement. Everything the model keeps in its flat buffer (batch-norm running averages included) is
// saved and restored with the weights.
template <std::floating_point T>
class EarlyStopping {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {}) : options_(options) {}

  // Returns should_stop(). The first improving call allocates the copy; later ones only copy into it.
  // Throws sg::shape_error when the weights' length changes between calls.
  bool update(std::size_t epoch, double dev_cost, std::span<const T> weights) {
    if (has_best_ && weights.size() != best_weights_.size())
      throw shape_error(fmt::format("EarlyStopping::update: {} weights, the best copy holds {}", weights.size(),
                                    best_weights_.size()));
    if (std::isfinite(dev_cost) && dev_cost < best_cost_ - options_.min_delta) {
      best_cost_ = dev_cost;
      best_epoch_ = epoch;
      has_best_ = true;
      best_weights_.assign(weights.begin(), weights.end());
      waited_ = 0;
    } else {
      ++waited_;
    }
    return should_stop();
  }

  bool should_stop() const { return waited_ >= options_.patience; }
  std::size_t epochs_without_improvement() const { return waited_; }
  std::optional<std::size_t> best_epoch() const {
    return has_best_ ? std::optional<std::size_t>(best_epoch_) : std::nullopt;
  }
  double best_cost() const { return best_cost_; }  // +infinity before the first finite cost
  std::span<const T> best_weights() const { return best_weights_; }

  // Copies the best weights into `weights` and returns true; returns false and leaves `weights` alone
  // when no epoch has improved yet. Throws sg::shape_error (weights untouched) on a length mismatch.
  bool restore_best(std::span<T> weights) const {
    if (!has_best_) return false;
    if (weights.size() != best_weights_.size())
      throw shape_error(fmt::format("EarlyStopping::restore_best: {} weights, the best copy holds {}",
                                    weights.size(), best_weights_.size()));
    std::copy(best_weights_.begin(), best_weights_.end(), weights.begin());
    return true;
  }

 private:
  EarlyStoppingOptions options_;
  double best_cost_ = std::numeric_limits<double>::infinity();
  std::size_t best_epoch_ = 0;  // a plain member: GCC 12 warns falsely about an optional one
  bool has_best_ = false;
  std::vector<T> best_weights_;
  std::size_t waited_ = 0;
};

}  // namespace sg

// staticgrad/train/fit.hpp - the training loop: epochs of shuffled mini-batches, evaluation, callbacks.
//
//   sg::Adam<float> adam;
//   sg::ClassificationFeed<float> train_feed(train), dev_feed(dev);
//   sg::History h = sg::fit(model, train_feed, dev_feed, adam, {.epochs = 20, .batch_size = 128},
//                           sg::EarlyStop{{.patience = 3}}, sg::ScheduleLearningRate{sg::exponential_decay{1e-3}});
//
// Each epoch draws a permutation of the training set from (shuffle_seed, epoch), cuts it into
// mini-batches of `batch_size` (1: stochastic gradient descent; the set size: batch gradient descent;
// a last partial batch is used, not dropped), and for each: forward and backward in training mode (the
// strategy's step, below), optional gradient clipping, one optimiser step. Then it evaluates the dev set
// in evaluation mode and records the epoch (train cost as the mean of the mini-batch costs, dev cost and
// accuracy, learning rate, seconds) in the returned History, which starts with options.initial_history
// (the records of a checkpoint's epochs when resuming).
//
// One loop for one process and for many. How a mini-batch's gradient is computed is the strategy's:
// sg::distributed::DataParallel (distributed/data_parallel.hpp) cuts the batch into options.shards shards,
// spreads them over the ranks of a distributed::Context and sums their gradients in a fixed order.
// sg::fit(model, ...) is that strategy over a local context (one process); sg::distributed::fit(ctx, ...)
// (distributed/fit.hpp) the same over an MPI job; sg::fit(strategy, model, ...) takes any strategy. On
// several ranks only the root prints progress and runs root-only callbacks (root_only below, on_root).
//
// Callbacks are values with any of these members, called in order:
//   on_train_begin(state), on_epoch_begin(state), on_batch_begin(state), on_batch_end(state),
//   on_evaluation_begin(state), on_epoch_end(state), on_train_end(state)
// (on_evaluation_begin comes after an epoch's last mini-batch, before the dev set is evaluated: weight
// averaging swaps the averaged weights in there, so the dev cost, early stopping and checkpoints see them)
// where `state` (TrainingState) gives the model, the optimiser, the epoch, the step, the learning rate
// (writable), the epoch's record, and `stop` (set it to end training after this epoch; on several ranks
// a stop on any rank stops every rank). A callback type with `static constexpr bool root_only = true`
// (sg::SaveCheckpoint, or any callback wrapped in sg::on_root) runs on the root rank only; every other
// callback runs on every rank and must decide the same thing on each (EarlyStop and ScheduleLearningRate
// do: every rank sees the same costs).
//
// The NaN guard (on by default) checks each mini-batch's cost: if it is not finite, training stops with
// a message naming the first non-finite parameter, or else the first node whose output is not finite,
// and the weights are those before the step that went wrong.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/clock.hpp"
#include "staticgrad/core/random.hpp"
#include "staticgrad/distributed/context.hpp"
#include "staticgrad/distributed/data_parallel.hpp"
#include "staticgrad/graph/model.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/fit_options.hpp"
#include "staticgrad/train/gradient_clipping.hpp"
#include "staticgrad/train/history.hpp"
#include "staticgrad/train/nan_guard.hpp"
#include "staticgrad/train/progress.hpp"

namespace sg {

template <class Model, class Optimizer>
struct TrainingState {
  Model& model;
  Optimizer& optimizer;
  const FitOptions& options;
  History& history;
  ProgressReporter& progress;
  std::size_t epoch = 0;          // the current epoch, from 1
  std::size_t batch = 0;          // the current mini-batch of the epoch, from 1
  std::size_t batches = 0;        // mini-batches per epoch
  double learning_rate = 0;       // used by the next optimiser step; callbacks may set it
  bool stop = false;              // set by a callback: no further epoch
  std::string stop_reason;
  EpochRecord record;             // the epoch just finished (valid in on_epoch_end)
  bool root = true;               // this process is the root rank (always, in one process)
  std::uint64_t step() const { return model.step(); }  // optimiser steps done so far
};

// A callback that runs on the root rank only (plots, logs, any file output): sg::on_root(callback).
template <class C>
struct RootOnly {
  static constexpr bool root_only = true;
  C callback;
};
template <class C>
RootOnly<std::remove_cvref_t<C>> on_root(C&& callback) {
  return {std::forward<C>(callback)};
}

namespace detail {
enum class Event { train_begin, epoch_begin, batch_begin, batch_end, evaluation_begin, epoch_end, train_end };

template <Event E, class State, class C>
void notify_one(State& s, C& c) {
  if constexpr (requires { c.callback; C::root_only; }) {  // RootOnly: the loop checked the rank
    notify_one<E>(s, c.callback);
  } else if constexpr (E == Event::train_begin) {
    if constexpr (requires { c.on_train_begin(s); }) c.on_train_begin(s);
  } else if constexpr (E == Event::epoch_begin) {
    if constexpr (requires { c.on_epoch_begin(s); }) c.on_epoch_begin(s);
  } else if constexpr (E == Event::batch_begin) {
    if constexpr (requires { c.on_batch_begin(s); }) c.on_batch_begin(s);
  } else if constexpr (E == Event::batch_end) {
    if constexpr (requires { c.on_batch_end(s); }) c.on_batch_end(s);
  } else if constexpr (E == Event::evaluation_begin) {
    if constexpr (requires { c.on_evaluation_begin(s); }) c.on_evaluation_begin(s);
  } else if constexpr (E == Event::epoch_end) {
    if constexpr (requires { c.on_epoch_end(s); }) c.on_epoch_end(s);
  } else {
    if constexpr (requires { c.on_train_end(s); }) c.on_train_end(s);
  }
}

// Calls event E of each callback in order, skipping the root-only ones on the other ranks.
template <Event E, class State, class... C>
void notify(State& s, C&... c) {
  (
      [&] {
        if constexpr (requires { C::root_only; })
          if (C::root_only && !s.root) return;
        notify_one<E>(s, c);
      }(),
      ...);
}

// The NaN guard's reaction to a non-finite mini-batch cost: name the first non-finite parameter, or else
// the first node whose output is not finite; put back the weights from before the previous step (when
// there was one); stop training with that message. 
template <class State, class T>
void stop_on_non_finite_cost(State& state, double cost, const std::vector<T>& last_good) {
  auto& model = state.model;
  std::string where;
  if (auto bad = find_non_finite(std::span<const T>(model.parameters()), model.slices()))
    where = fmt::format("parameter {}", describe(*bad));
  else if (auto node = model.first_non_finite_node(); !node.empty())
    where = fmt::format("node \"{}\" (the first whose output is not finite)", node);
  if (!last_good.empty()) std::copy(last_good.begin(), last_good.end(), model.parameters().begin());
  state.stop = true;
  state.stop_reason = fmt::format(
      "NaN guard: the cost of epoch {}, mini-batch {} is {}; first non-finite value: {}; kept the weights "
      "from before the previous step",
      state.epoch, state.batch, cost, where.empty() ? "none found" : where);
  state.progress.message(state.stop_reason);
}

// The History a run starts with: options.initial_history, checked against options.initial_epoch.
// Throws sg::error naming the first record that does not fit. 
inline History initial_history(const FitOptions& options) {
  History history;
  std::size_t previous = 0;
  for (std::size_t k = 0; k < options.initial_history.size(); ++k) {
    const EpochRecord& r = options.initial_history[k];
    if (r.epoch <= previous || r.epoch > options.initial_epoch)
      throw error(
          fmt::format("staticgrad: fit: initial_history record {}: epoch expected {} to {} (after epoch "
                      "{}, at most initial_epoch), found {}",
                      k, previous + 1, options.initial_epoch, previous, r.epoch));
    previous = r.epoch;
    history.add(r);
  }
  if (previous != 0 && previous != options.initial_epoch)
    throw error(
        fmt::format("staticgrad: fit: initial_history ends at epoch {} but initial_epoch is {}; pass "
                    "the history and the epoch of the same checkpoint",
                    previous, options.initial_epoch));
  return history;
}
}  // namespace detail

// The dev feed of a training run without a dev set: `sg::fit(model, train, sg::no_dev, ...)`. The
// history then has no dev cost (NaN) and early stopping never improves; use it for a fixed budget.
struct NoDevSet {
  std::size_t size() const { return 0; }
  template <class Model>
  void bind(Model&, std::span<const std::size_t>, bool, std::uint64_t = 0) {}
};
inline NoDevSet no_dev;

// The order in which epoch `epoch` visits the samples: a permutation drawn from (seed, epoch) by
// Fisher-Yates with counter-based random numbers (the same on every machine and thread count).
inline void shuffled_order(std::vector<std::size_t>& order, std::size_t n, std::uint64_t seed, std::size_t epoch) {
  order.resize(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::uint64_t stream = random::stream_id("shuffle", epoch);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[random::below(i, seed, stream, i)]);
}

// The order in which epoch `epoch` visits the n samples under `options`: shuffled_order when
// options.shuffle, else the data set's own order.
inline void epoch_order(std::vector<std::size_t>& order, std::size_t n, const FitOptions& options, std::size_t epoch) {
  if (options.shuffle) {
    shuffled_order(order, n, options.shuffle_seed, epoch);
  } else {
    order.resize(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
  }
}

// What sg::fit asks of a strategy (distributed::DataParallel is the one the library has).
template <class S>
concept TrainingStrategy = requires(const S& s) {
  { s.is_root() } -> std::convertible_to<bool>;
  { s.any(true) } -> std::convertible_to<bool>;
};

// The loop, with the strategy that computes each mini-batch's gradient.
template <TrainingStrategy Strategy, class Model, class TrainFeed, class DevFeed, class Optimizer,
          class... Callbacks>
History fit(Strategy& strategy, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
            const FitOptions& options, Callbacks&&... callbacks) {
  using T = typename Model::value_type;
  if (options.batch_size == 0) throw error("staticgrad: fit: batch_size must be at least 1");
  const std::size_t n = train.size();
  if (n == 0) throw error("staticgrad: fit: the training set is empty");
  History history = detail::initial_history(options);
  strategy.begin(model, optimizer, n, dev.size(), options);
  FitOptions shown = options;
  if (!strategy.is_root()) shown.progress.mode = ProgressMode::quiet;
  ProgressReporter progress(shown.progress_out, shown.progress);
  TrainingState<Model, Optimizer> state{model, optimizer, options, history, progress, 0, 0, 0, 0, false, {}, {}};
  state.root = strategy.is_root();
  state.learning_rate = options.learning_rate;
  state.batches = (n + options.batch_size - 1) / options.batch_size;
  std::vector<std::size_t> order;
  std::vector<T> last_good;
  GlobalNormClipper clipper(options.max_gradient_norm);

  detail::notify<detail::Event::train_begin>(state, callbacks...);
  progress.begin_training(options.epochs);
  for (std::size_t epoch = options.initial_epoch + 1; epoch <= options.epochs && !state.stop; ++epoch) {
    const double start = clock_seconds();
    state.epoch = epoch;
    epoch_order(order, n, options, epoch);
    detail::notify<detail::Event::epoch_begin>(state, callbacks...);
    progress.begin_epoch(epoch, state.batches, n);
    double cost_sum = 0;
    std::size_t seen = 0;
    for (std::size_t b = 0; b < state.batches; ++b) {
      const std::size_t first = b * options.batch_size, m = std::min(options.batch_size, n - first);
      state.batch = b + 1;
      detail::notify<detail::Event::batch_begin>(state, callbacks...);
      model.set_mode(Mode::train);
      const T cost = strategy.step(model, train, std::span<const std::size_t>(order).subspan(first, m));
      if (options.nan_guard && !std::isfinite(cost)) {  // the same decision on every rank: the same cost
        detail::stop_on_non_finite_cost(state, static_cast<double>(cost), last_good);
        break;
      }
      if (options.max_gradient_norm > 0) clipper.clip(model.gradients(), model.slices());
      if (options.nan_guard) last_good.assign(model.parameters().begin(), model.parameters().end());
      optimizer.step(model.parameters(), std::span<const T>(model.gradients()), model.slices(),
                     static_cast<T>(state.learning_rate));
      model.set_step(model.step() + 1);
      cost_sum += static_cast<double>(cost) * static_cast<double>(m);
      seen += m;
      progress.batch_done(b + 1, m, cost_sum / static_cast<double>(seen));
      detail::notify<detail::Event::batch_end>(state, callbacks...);
    }
    if (seen == 0) break;  // stopped by the NaN guard in the first mini-batch (on every rank)
    EpochRecord record;
    record.epoch = epoch;
    record.train_cost = cost_sum / static_cast<double>(seen);
    detail::notify<detail::Event::evaluation_begin>(state, callbacks...);
    if (dev.size() > 0) {
      const Evaluation e = strategy.evaluate(model, dev, options.eval_batch_size);
      record.dev_cost = e.cost;
      if (!std::isnan(e.accuracy)) record.metrics["dev_accuracy"] = e.accuracy;
    }
    record.learning_rate = state.learning_rate;
    record.seconds = seconds_since(start);
    state.record = record;
    history.add(record);
    progress.end_epoch(record);
    detail::notify<detail::Event::epoch_end>(state, callbacks...);
    state.stop = strategy.any(state.stop);  // no rank is left waiting for one that stopped
  }
  detail::notify<detail::Event::train_end>(state, callbacks...);
  model.set_mode(Mode::train);
  history.set_stop_reason(state.stop_reason);
  return history;
}

// The loop in one process: the data-parallel strategy over a local context, options.shards shards.
template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
  requires(!TrainingStrategy<Model>)
History fit(Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer, const FitOptions& options,
            Callbacks&&... callbacks) {
  const distributed::Context local;
  distributed::DataParallel<typename Model::value_type> strategy(local);
  return sg::fit(strategy, model, train, dev, optimizer, options, callbacks...);
}

}  // namespace sg

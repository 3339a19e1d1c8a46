// staticgrad/train/callbacks.hpp - the callbacks fit() ships with.
//
// - EarlyStop<T>: watches the dev cost; after `patience` epochs without an improvement of more than
//   `min_delta` it stops training and (by default) restores the weights of the best epoch.
// - ScheduleLearningRate{schedule}: sets the learning rate from a schedule (optim/schedule.hpp) at the
//   start of each epoch, or of each mini-batch for a schedule of the step (per_step = true).
// - SaveCheckpoint: writes the model and optimiser after each epoch ("last") and/or whenever the dev cost
//   improves ("best"), atomically, with the epoch, the step and the history so far, so that fit can
//   resume from it and return a History of every epoch. Temporary files that a crashed writer left
//   beside them are removed first, each with a progress message.
// - OnEpochEnd{f}: calls f(state) after each epoch, for anything else (logging, a manual schedule).
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "staticgrad/io/atomic_file.hpp"
#include "staticgrad/io/model_checkpoint.hpp"
#include "staticgrad/train/early_stopping.hpp"

namespace sg {

template <class T = float>
struct EarlyStop {
  EarlyStoppingOptions options{};
  bool restore_best = true;
  EarlyStopping<T> tracker{options};

  template <class State>
  void on_epoch_end(State& s) {
    if (tracker.update(s.epoch, s.record.dev_cost, std::span<const T>(s.model.parameters()))) {
      s.stop = true;
      s.stop_reason = fmt::format("early stopping: no dev-cost improvement for {} epochs (best {:.4f} at epoch {})",
                                  options.patience, tracker.best_cost(), tracker.best_epoch().value_or(0));
      s.progress.message(s.stop_reason);
    }
  }
  template <class State>
  void on_train_end(State& s) {
    if (restore_best && tracker.restore_best(s.model.parameters()))
      s.progress.message(fmt::format("restored the weights of epoch {} (best dev cost {:.4f})",
                                     *tracker.best_epoch(), tracker.best_cost()));
  }
};

template <class Schedule>
struct ScheduleLearningRate {
  Schedule schedule;
  bool per_step = false;  // true: evaluate at every mini-batch (schedules of the step number t)

  template <class State>
  void on_epoch_begin(State& s) {
    if (!per_step) s.learning_rate = static_cast<double>(schedule(s.epoch, s.step() + 1));
  }
  template <class State>
  void on_batch_begin(State& s) {
    if (per_step) s.learning_rate = static_cast<double>(schedule(s.epoch, s.step() + 1));
  }
};
// For `ScheduleLearningRate{schedule}` with clang 16, which lacks C++20's aggregate deduction.
template <class Schedule>
ScheduleLearningRate(Schedule) -> ScheduleLearningRate<Schedule>;
template <class Schedule>
ScheduleLearningRate(Schedule, bool) -> ScheduleLearningRate<Schedule>;

struct SaveCheckpoint {
  static constexpr bool root_only = true;  // on several ranks, rank 0 alone writes
  std::string last = {};  // written after every epoch (empty: not written)
  std::string best = {};  // written when the dev cost improves (empty: not written)
  double best_cost = std::numeric_limits<double>::infinity();

  template <class State>
  void on_epoch_end(State& s) {
    CheckpointMeta meta;
    meta.epoch = s.epoch;
    meta.seed = s.options.shuffle_seed;
    const auto records = s.history.records();  // this epoch's record included: fit adds it first
    meta.history.assign(records.begin(), records.end());
    if (!last.empty()) save(last, s, meta);
    if (!best.empty() && std::isfinite(s.record.dev_cost) && s.record.dev_cost < best_cost) {
      best_cost = s.record.dev_cost;
      save(best, s, meta);
    }
  }

 private:
  // Removes (and reports) the temporary files a crashed earlier writer of `path` left, then saves.
  template <class State>
  static void save(const std::string& path, State& s, const CheckpointMeta& meta) {
    for (const auto& stray : remove_stray_temporary_files(path))
      s.progress.message(
          fmt::format("removed {}, a temporary file left by a checkpoint writer that is no "
                      "longer running",
                      stray));
    save_checkpoint(path, s.model, &s.optimizer, meta);
  }
};

template <class F>
struct OnEpochEnd {
  F f;
  template <class State>
  void on_epoch_end(State& s) { f(s); }
};
template <class F>
OnEpochEnd(F) -> OnEpochEnd<F>;

}  // namespace sg

// staticgrad/distributed/fit.hpp - data-parallel training: sg::fit over the ranks of a Context.
//
//   sg::distributed::Context ctx(argc, argv, distributed);          // local when `distributed` is false
//   sg::History h = sg::distributed::fit(ctx, model, train_feed, dev_feed, adam, fit_options,
//                                        sg::EarlyStop{}, sg::SaveCheckpoint{.last = "last.sgck"});
//
// The same loop, options and callbacks as sg::fit (train/fit.hpp); what differs:
//   - At the start, rank 0's parameters, optimiser state, step and seed are broadcast, and every rank
//     checks that its set-up (set sizes, batch size, epochs, seeds, architecture) equals rank 0's: a
//     mismatch would otherwise make the ranks call different collectives and wait forever.
//   - Every rank draws the same shuffled order and cuts the same global mini-batches; each batch of m is
//     split into S shards (Options::shards, default one per rank; distributed/sharding.hpp) and each rank
//     runs forward and backward on its own shards. Shard s's gradient is weighted by m_s / m, because the
//     model's cost is a mean over the m_s samples it saw, so the weighted sum is the gradient of the mean
//     over all m. The L2 term is carried by shard 0 alone (weighted, it is exactly lambda / (2m) ||W||^2).
//   - One reduction per step over one contiguous buffer of parameter_count + 1 values: the weighted
//     gradients, the batch-norm running statistics (see below) and the weighted cost, which the NaN guard
//     reads, so every rank takes the same decision. Reduction::fixed_order gathers every shard's buffer to
//     rank 0, which sums them in shard order and broadcasts the sum; Reduction::allreduce sums each rank's
//     shards locally in shard order and then calls MPI_Allreduce once (faster; its order is MPI's).
//   - Batch norm normalises each shard with the shard's own statistics (per-shard statistics; no
//     communication inside forward). Every shard starts from the same running averages, and after the
//     step they are the m_s / m weighted mean of what the shards left: the exponential average of the
//     mean of the shard means and of the mean of the shard variances (not the variance of the whole
//     batch). With S > 1 a network with batch norm therefore trains differently from one process
//     running sg::fit on the whole batch, but the same on any number of ranks for a fixed S.
//   - Dropout masks and augmentation are keyed per shard (shard_seed, shard_step), shard 0 with sg::fit's
//     own keys.
//   - The dev set is evaluated by distributed::evaluate (split by chunks, same result as sg::evaluate).
//   - Only rank 0 reports progress (the others are quiet), and only rank 0 runs sg::SaveCheckpoint and
//     callbacks wrapped in on_root(ctx, callback) (plots, logs). Every other callback runs on every rank
//     and must decide the same thing on each (EarlyStop, ScheduleLearningRate do: they see the same
//     costs); `stop` is OR-ed over the ranks after each epoch so that no rank is left waiting.
//   - An exception on any rank ends the whole job through ctx.abort (MPI_Abort) with the rank and the
//     message on stderr; with a local context it propagates as in sg::fit. Checkpoints written before are
//     complete files (they are written atomically), so the run can resume from the last one.
//
// Equivalence (tested in tests/distributed and by the mpirun tests in tests/distributed/mpi.cmake):
//   - With Reduction::fixed_order and a fixed S, the parameters, optimiser state and history after
//     training are bit-identical on any number of ranks P from 1 to S, a local Context included.
//   - With S = 1 (so a local Context and the default), distributed::fit is bit-identical to sg::fit.
//   - Reduction::allreduce differs from fixed_order only by the order of the sum over ranks (identical
//     for P <= 2, where a + b = b + a); docs/distributed.md gives the measured difference for P = 3.
//   - Against sg::fit on the whole batch (S > 1), the result is equal in exact arithmetic for networks
//     without batch norm; in floating point it differs by rounding (the sum over a batch inside the
//     matrix products is split into shards), so it is not compared bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/distributed/context.hpp"
#include "staticgrad/distributed/evaluate.hpp"
#include "staticgrad/distributed/sharding.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/fit.hpp"

namespace sg::distributed {

enum class Reduction {
  fixed_order,  // gather to rank 0, sum in shard order, broadcast: bit-identical for any P <= S
  allreduce,    // one MPI_Allreduce: the fastest, the sum's order is MPI's
};

struct Options {
  Reduction reduction = Reduction::fixed_order;
  std::size_t shards = 0;  // S, shards per global mini-batch; 0: one per rank
};

// A callback that runs on rank 0 only (plots, logs, any file output).
template <class C>
struct RootOnly {
  C callback;
  bool active = true;
  template <class S>
  void on_train_begin(S& s) {
    if (active)
      if constexpr (requires { callback.on_train_begin(s); }) callback.on_train_begin(s);
  }
  template <class S>
  void on_epoch_begin(S& s) {
    if (active)
      if constexpr (requires { callback.on_epoch_begin(s); }) callback.on_epoch_begin(s);
  }
  template <class S>
  void on_batch_begin(S& s) {
    if (active)
      if constexpr (requires { callback.on_batch_begin(s); }) callback.on_batch_begin(s);
  }
  template <class S>
  void on_batch_end(S& s) {
    if (active)
      if constexpr (requires { callback.on_batch_end(s); }) callback.on_batch_end(s);
  }
  template <class S>
  void on_evaluation_begin(S& s) {
    if (active)
      if constexpr (requires { callback.on_evaluation_begin(s); }) callback.on_evaluation_begin(s);
  }
  template <class S>
  void on_epoch_end(S& s) {
    if (active)
      if constexpr (requires { callback.on_epoch_end(s); }) callback.on_epoch_end(s);
  }
  template <class S>
  void on_train_end(S& s) {
    if (active)
      if constexpr (requires { callback.on_train_end(s); }) callback.on_train_end(s);
  }
};
template <class C>
RootOnly<std::remove_cvref_t<C>> on_root(const Context& ctx, C&& callback) {
  return {std::forward<C>(callback), ctx.is_root()};
}

// Runs f(); in a job of several ranks an exception from it ends the whole job through ctx.abort with its
// message (never a hang). With one rank the exception propagates. Wrap data loading in it.
template <class F>
decltype(auto) run_or_abort(const Context& ctx, F&& f) {
  if (ctx.size() == 1) return std::forward<F>(f)();
  try {
    return std::forward<F>(f)();
  } catch (const std::exception& e) {
    ctx.abort(e.what());
  } catch (...) {
    ctx.abort("an exception not derived from std::exception");
  }
}

namespace detail {

// Calls hook(callback) for each callback that runs on this rank: sg::SaveCheckpoint only on rank 0.
template <class Hook, class... C>
void each_callback(const Context& ctx, Hook&& hook, C&... callbacks) {
  (
      [&] {
        if constexpr (std::is_same_v<std::remove_cvref_t<C>, SaveCheckpoint>)
          if (!ctx.is_root()) return;
        hook(callbacks);
      }(),
      ...);
}

// Stops with a message naming the first setting in which this rank differs from rank 0.
template <class Model>
void check_same_setup(const Context& ctx, const Model& model, std::size_t train_size, std::size_t dev_size,
                      const FitOptions& o, const Options& p) {
  static constexpr const char* names[] = {"training set size",
                                          "dev set size",
                                          "batch_size",
                                          "epochs",
                                          "initial_epoch",
                                          "number of initial_history records",
                                          "shuffle_seed",
                                          "shuffle",
                                          "eval_batch_size",
                                          "parameter count",
                                          "architecture fingerprint",
                                          "shards",
                                          "reduction"};
  const std::vector<std::uint64_t> mine{train_size,
                                        dev_size,
                                        o.batch_size,
                                        o.epochs,
                                        o.initial_epoch,
                                        o.initial_history.size(),
                                        o.shuffle_seed,
                                        o.shuffle,
                                        o.eval_batch_size,
                                        model.parameters().size(),
                                        model.fingerprint(),
                                        p.shards,
                                        static_cast<std::uint64_t>(p.reduction)};
  std::vector<std::uint64_t> root = mine;
  ctx.broadcast(std::span<std::uint64_t>(root));
  for (std::size_t k = 0; k < mine.size(); ++k)
    if (mine[k] != root[k])
      throw error(
          fmt::format("sg::distributed::fit: the {} on rank {} is {}, on rank 0 {}; every rank must train "
                      "the same network on the same data with the same options",
                      names[k], ctx.rank(), mine[k], root[k]));
}

// Makes every rank start from rank 0's parameters, optimiser state, step counts (the per-slice ones
// included) and seed.
template <class Model, class Optimizer>
void broadcast_start(const Context& ctx, Model& model, Optimizer& optimizer) {
  using T = typename Model::value_type;
  ctx.broadcast(model.parameters());
  std::vector<std::uint64_t> counters{model.step(), model.seed(), 0, 0, 0};
  if constexpr (requires {
                  optimizer.state();
                  optimizer.step_count();
                }) {
    counters[2] = optimizer.state().size();
    counters[3] = optimizer.step_count();
  }
  if constexpr (requires { optimizer.slice_steps(); }) counters[4] = optimizer.slice_steps().size();
  ctx.broadcast(std::span<std::uint64_t>(counters));
  model.set_step(counters[0]);
  model.set_seed(counters[1]);
  if constexpr (requires {
                  optimizer.state();
                  optimizer.load_state(std::span<const T>{}, std::size_t{});
                }) {
    if (counters[2] > 0) {
      std::vector<T> state(optimizer.state().begin(), optimizer.state().end());
      state.resize(counters[2]);
      ctx.broadcast(std::span<T>(state));
      if (!ctx.is_root()) optimizer.load_state(std::span<const T>(state), counters[3]);
      if constexpr (requires {
                      optimizer.slice_steps();
                      optimizer.load_slice_steps(std::span<const std::uint64_t>{});
                    }) {
        if (counters[4] > 0) {
          std::vector<std::uint64_t> slice_steps(optimizer.slice_steps().begin(),
                                                 optimizer.slice_steps().end());
          slice_steps.resize(counters[4]);
          ctx.broadcast(std::span<std::uint64_t>(slice_steps));
          if (!ctx.is_root()) optimizer.load_slice_steps(std::span<const std::uint64_t>(slice_steps));
        }
      }
    }
  }
}

template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
History fit(const Context& ctx, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
            const FitOptions& options, const Options& parallel, Callbacks&... callbacks);

}  // namespace detail

// Data-parallel sg::fit with explicit distribution options.
template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
History fit(const Context& ctx, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
            const FitOptions& options, const Options& parallel, Callbacks&&... callbacks) {
  if (ctx.size() == 1) return detail::fit(ctx, model, train, dev, optimizer, options, parallel, callbacks...);
  try {
    return detail::fit(ctx, model, train, dev, optimizer, options, parallel, callbacks...);
  } catch (const std::exception& e) {
    ctx.abort(e.what());
  } catch (...) {
    ctx.abort("an exception not derived from std::exception");
  }
}

// Data-parallel sg::fit with the default Options (fixed-order reduction, one shard per rank).
template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
requires(!(std::is_same_v<std::remove_cvref_t<Callbacks>, Options> || ...)) History
    fit(const Context& ctx, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
        const FitOptions& options, Callbacks&&... callbacks) {
  return distributed::fit(ctx, model, train, dev, optimizer, options, Options{},
                          std::forward<Callbacks>(callbacks)...);
}

}  // namespace sg::distributed

#include "staticgrad/distributed/detail/fit_loop.hpp"

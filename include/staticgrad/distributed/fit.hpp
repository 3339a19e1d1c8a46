// staticgrad/distributed/fit.hpp - data-parallel training: sg::fit over the ranks of a Context.
//
//   sg::distributed::Context ctx(argc, argv, distributed);          // local when `distributed` is false
//   fit_options.shards = 4;                                          // any 1 to 4 ranks: the same bits
//   sg::History h = sg::distributed::fit(ctx, model, train_feed, dev_feed, adam, fit_options,
//                                        sg::EarlyStop{}, sg::SaveCheckpoint{.last = "last.sgck"});
//
// This is sg::fit (train/fit.hpp), the one training loop, with the strategy
// sg::distributed::DataParallel (distributed/data_parallel.hpp) over `ctx`: the same options, callbacks,
// early stopping, checkpoints, NaN guard, clipping, weight averaging and progress output. What the ranks
// add: rank 0's parameters and optimiser state are broadcast at the start and every rank checks that its
// set-up equals rank 0's; each rank computes its shards of every mini-batch and the reduction of each
// step (in buckets that start during the backward pass) sums them; only rank 0 prints and runs root-only
// callbacks (sg::SaveCheckpoint, sg::on_root(callback)).
// An exception on any rank ends the whole job through ctx.abort (MPI_Abort) with the rank and the message
// on stderr; with a local context it propagates as in sg::fit. Checkpoints written before are complete
// files (they are written atomically), so the run can resume from the last one, on any number of ranks.
//
// Equivalence (tested in tests/distributed and by the mpirun tests in tests/distributed/mpi.cmake):
//   - With Reduction::fixed_order and a fixed S = FitOptions::shards, the parameters, optimiser state and
//     history after training are bit-identical on any number of ranks P from 1 to S, one process
//     (sg::fit with the same shards) included.
//   - Reduction::allreduce differs from fixed_order only by the order of the sum over ranks (identical
//     for P <= 2, where a + b = b + a); docs/distributed.md gives the measured difference for P = 3.
//   - Against the unsplit batch (S = 1), S > 1 is equal in exact arithmetic for networks without batch
//     norm; in floating point it differs by rounding (the sum over a batch inside the matrix products is
//     split into shards), so it is not compared bit for bit.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "staticgrad/distributed/context.hpp"
#include "staticgrad/distributed/data_parallel.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/fit.hpp"

namespace sg::distributed {

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

// sg::fit over the ranks of `ctx`, with explicit distribution options.
template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
History fit(const Context& ctx, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
            const FitOptions& options, const Options& parallel, Callbacks&&... callbacks) {
  DataParallel<typename Model::value_type> strategy(ctx, parallel);
  return run_or_abort(ctx,
                      [&] { return sg::fit(strategy, model, train, dev, optimizer, options, callbacks...); });
}

// sg::fit over the ranks of `ctx` with the default Options (the fixed-order reduction).
template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
requires(!(std::is_same_v<std::remove_cvref_t<Callbacks>, Options> || ...)) History
    fit(const Context& ctx, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
        const FitOptions& options, Callbacks&&... callbacks) {
  return distributed::fit(ctx, model, train, dev, optimizer, options, Options{},
                          std::forward<Callbacks>(callbacks)...);
}

}  // namespace sg::distributed

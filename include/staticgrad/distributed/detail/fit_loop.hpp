// staticgrad/distributed/detail/fit_loop.hpp - the loop of sg::distributed::fit (see distributed/fit.hpp
// for the contract). It follows sg::fit (train/fit.hpp) statement for statement, so that with one shard
// the two are bit-identical; the differences are the sharded step and the reduction.
#pragma once

#include "staticgrad/distributed/fit.hpp"

namespace sg::distributed::detail {

// The parameter ranges that hold batch-norm running statistics (role statistic).
template <class Model>
std::vector<Range> statistic_ranges(const Model& model) {
  std::vector<Range> ranges;
  for (std::size_t s = 0; s < Model::slot_count; ++s)
    if (model.role(s) == ParamRole::statistic)
      ranges.push_back({model.slices()[s].offset, model.slices()[s].size});
  return ranges;
}

// out = w * (gradients, statistics in their slots, cost), or out += that when `add`.
template <class T, class Model>
void contribute(T* out, bool add, T w, const Model& model, std::span<const Range> statistics, T cost) {
  const auto g = model.gradients();
  const auto p = model.parameters();
  const std::size_t n = g.size();
  if (add)
    for (std::size_t i = 0; i < n; ++i) out[i] += w * g[i];
  else
    for (std::size_t i = 0; i < n; ++i) out[i] = w * g[i];
  for (const Range& r : statistics)
    for (std::size_t i = r.begin; i < r.end(); ++i) out[i] = add ? out[i] + w * p[i] : w * p[i];
  out[n] = add ? out[n] + w * cost : w * cost;  // not 0 + w * x, which turns -0 into +0
}

template <class Model, class TrainFeed, class DevFeed, class Optimizer, class... Callbacks>
History fit(const Context& ctx, Model& model, TrainFeed& train, DevFeed& dev, Optimizer& optimizer,
            const FitOptions& options, const Options& parallel, Callbacks&... callbacks) {
  using T = typename Model::value_type;
  if (options.batch_size == 0) throw error("staticgrad: fit: batch_size must be at least 1");
  const std::size_t n = train.size();
  if (n == 0) throw error("staticgrad: fit: the training set is empty");
  check_same_setup(ctx, model, n, dev.size(), options, parallel);
  broadcast_start(ctx, model, optimizer);

  const auto ranks = static_cast<std::size_t>(ctx.size()), rank = static_cast<std::size_t>(ctx.rank());
  const std::size_t shards = parallel.shards ? parallel.shards : ranks;
  const Range mine = shards_of_rank(shards, ranks, rank);
  const std::size_t np = model.parameters().size(), width = np + 1;
  const bool fixed = parallel.reduction == Reduction::fixed_order;
  const std::vector<Range> statistics = statistic_ranges(model);
  // fixed_order: one buffer per own shard, and on rank 0 all of them; allreduce: one running sum.
  std::vector<T> local(fixed ? mine.size * width : width), received, total(width), statistics_before;
  std::vector<int> counts(ranks);
  for (std::size_t r = 0; r < ranks; ++r)
    counts[r] = static_cast<int>(shards_of_rank(shards, ranks, r).size * width);
  if (fixed && ranks > 1 && ctx.is_root()) received.resize(shards * width);

  FitOptions shown = options;
  if (!ctx.is_root()) shown.progress.mode = ProgressMode::quiet;
  History history = sg::detail::initial_history(options);
  ProgressReporter progress(shown.progress_out, shown.progress);
  TrainingState<Model, Optimizer> state{model, optimizer, options, history, progress, 0,
                                        0,     0,         0,       false,   {},       {}};
  state.learning_rate = options.learning_rate;
  state.batches = (n + options.batch_size - 1) / options.batch_size;
  std::vector<std::size_t> order;
  std::vector<T> last_good;
  GlobalNormClipper clipper(options.max_gradient_norm);
  const double lambda = model.l2();
  const std::uint64_t seed = model.seed();
  struct Restore {  // the model's own L2 and seed, whatever happens
    Model& model;
    double lambda;
    std::uint64_t seed;
    ~Restore() {
      model.set_l2(lambda);
      model.set_seed(seed);
    }
  } restore{model, lambda, seed};

  each_callback(
      ctx,
      [&](auto& c) {
        if constexpr (requires { c.on_train_begin(state); }) c.on_train_begin(state);
      },
      callbacks...);
  progress.begin_training(options.epochs);
  for (std::size_t epoch = options.initial_epoch + 1; epoch <= options.epochs && !state.stop; ++epoch) {
    const double start = clock_seconds();
    state.epoch = epoch;
    sg::epoch_order(order, n, options, epoch);
    each_callback(
        ctx,
        [&](auto& c) {
          if constexpr (requires { c.on_epoch_begin(state); }) c.on_epoch_begin(state);
        },
        callbacks...);
    progress.begin_epoch(epoch, state.batches, n);
    double cost_sum = 0;
    std::size_t seen = 0;
    for (std::size_t b = 0; b < state.batches; ++b) {
      const std::size_t first = b * options.batch_size, m = std::min(options.batch_size, n - first);
      state.batch = b + 1;
      each_callback(
          ctx,
          [&](auto& c) {
            if constexpr (requires { c.on_batch_begin(state); }) c.on_batch_begin(state);
          },
          callbacks...);
      model.set_mode(Mode::train);
      const std::uint64_t step = model.step();
      if (mine.size > 1 && !statistics.empty()) {
        statistics_before.clear();
        for (const Range& r : statistics)
          statistics_before.insert(statistics_before.end(), model.parameters().begin() + r.begin,
                                   model.parameters().begin() + r.end());
      }
      for (std::size_t k = 0; k < mine.size; ++k) {
        const std::size_t s = mine.begin + k;
        const Range shard = shard_of_batch(m, shards, s);
        T* out = fixed ? local.data() + k * width : local.data();
        const bool add = !fixed && k > 0;
        if (shard.size == 0) {  // a last batch smaller than S: this shard weighs 0
          if (!add) std::fill(out, out + width, T(0));
          continue;
        }
        if (k > 0 && !statistics.empty()) {  // every shard starts from the step's running statistics
          std::size_t at = 0;
          for (const Range& r : statistics)
            for (std::size_t i = r.begin; i < r.end(); ++i) model.parameters()[i] = statistics_before[at++];
        }
        model.set_l2(s == 0 ? lambda : 0.0);
        model.set_seed(shard_seed(seed, s));
        train.bind(model, std::span<const std::size_t>(order).subspan(first + shard.begin, shard.size), true,
                   shard_step(step, s));
        const T cost = model.forward();
        model.backward();
        const T weight = static_cast<T>(static_cast<double>(shard.size) / static_cast<double>(m));
        contribute(out, add, weight, model, std::span<const Range>(statistics), cost);
      }
      model.set_l2(lambda);
      model.set_seed(seed);

      // The one reduction of the step.
      if (fixed) {
        const T* all = local.data();
        if (ranks > 1) {
          ctx.gather(std::span<const T>(local), std::span<T>(received), std::span<const int>(counts));
          all = received.data();
        }
        if (ctx.is_root()) {
          std::copy(all, all + width, total.begin());
          for (std::size_t s = 1; s < shards; ++s)
            for (std::size_t i = 0; i < width; ++i) total[i] += all[s * width + i];
        }
        ctx.broadcast(std::span<T>(total));
      } else {
        std::copy(local.begin(), local.end(), total.begin());
        ctx.allreduce_sum(std::span<T>(total));
      }
      auto params = model.parameters();
      for (const Range& r : statistics)
        for (std::size_t i = r.begin; i < r.end(); ++i) {
          params[i] = total[i];
          total[i] = T(0);
        }
      const T cost = total[np];

      if (options.nan_guard && !std::isfinite(cost)) {
        sg::detail::stop_on_non_finite_cost(state, static_cast<double>(cost), last_good);
        break;
      }
      std::copy(total.begin(), total.begin() + static_cast<std::ptrdiff_t>(np), model.gradients().begin());
      if (options.max_gradient_norm > 0) clipper.clip(model.gradients(), model.slices());
      if (options.nan_guard) last_good.assign(model.parameters().begin(), model.parameters().end());
      optimizer.step(model.parameters(), std::span<const T>(model.gradients()), model.slices(),
                     static_cast<T>(state.learning_rate));
      model.set_step(model.step() + 1);
      cost_sum += static_cast<double>(cost) * static_cast<double>(m);
      seen += m;
      progress.batch_done(b + 1, m, cost_sum / static_cast<double>(seen));
      each_callback(
          ctx,
          [&](auto& c) {
            if constexpr (requires { c.on_batch_end(state); }) c.on_batch_end(state);
          },
          callbacks...);
    }
    if (seen == 0) break;  // stopped by the NaN guard in the first mini-batch (on every rank: same cost)
    EpochRecord record;
    record.epoch = epoch;
    record.train_cost = cost_sum / static_cast<double>(seen);
    each_callback(
        ctx,
        [&](auto& c) {
          if constexpr (requires { c.on_evaluation_begin(state); }) c.on_evaluation_begin(state);
        },
        callbacks...);
    if (dev.size() > 0) {
      const Evaluation e = distributed::evaluate(ctx, model, dev, options.eval_batch_size);
      record.dev_cost = e.cost;
      record.metrics["dev_accuracy"] = e.accuracy;
    }
    record.learning_rate = state.learning_rate;
    record.seconds = seconds_since(start);
    state.record = record;
    history.add(record);
    progress.end_epoch(record);
    each_callback(
        ctx,
        [&](auto& c) {
          if constexpr (requires { c.on_epoch_end(state); }) c.on_epoch_end(state);
        },
        callbacks...);
    std::uint64_t stop = state.stop ? 1 : 0;  // a callback's stop on any rank stops every rank
    ctx.allreduce_max(std::span<std::uint64_t>(&stop, 1));
    state.stop = stop != 0;
  }
  each_callback(
      ctx,
      [&](auto& c) {
        if constexpr (requires { c.on_train_end(state); }) c.on_train_end(state);
      },
      callbacks...);
  model.set_mode(Mode::train);
  history.set_stop_reason(state.stop_reason);
  return history;
}

}  // namespace sg::distributed::detail

// staticgrad/distributed/data_parallel.hpp - how sg::fit computes the gradient of one mini-batch: cut into
// shards, the shards spread over the ranks of a Context, their gradients summed in a fixed order.
//
// sg::fit (train/fit.hpp) is the one training loop; this strategy is the part of it that depends on how
// many processes train. A local Context (one process) is the same strategy with one rank, so there is no
// second loop to keep in step. What it does for the loop:
//   begin  every rank checks that its set-up (set sizes, batch size, epochs, seeds, shards, architecture)
//          equals rank 0's (a mismatch would otherwise make the ranks call different collectives and wait
//          forever), then rank 0's parameters, optimiser state, step and seed are broadcast.
//   step   the global mini-batch of m samples (the same index list on every rank) is cut into S =
//          FitOptions::shards shards (distributed/sharding.hpp), and rank r runs forward and backward on
//          shards [r S / P, (r + 1) S / P). Shard s's gradient is weighted by m_s / m (the model's cost is
//          a mean over the m_s samples it saw, so the weighted sum is the gradient of the mean over all m);
//          the L2 term is carried by shard 0 alone. One reduction per step over one buffer of
//          parameter_count + 1 values: the weighted gradients, the batch-norm running statistics and the
//          weighted cost, so every rank takes the same NaN-guard decision. It is cut into buckets
//          (Options::bucket_bytes, at parameter boundaries, the last layers' first): the backward pass
//          says when a bucket's gradients are final (graph/backward_progress.hpp), the rank's shards
//          write their weighted parts, and the bucket's collective starts (nonblocking) while backward
//          goes on with the layers before; the step waits for them all at its end. Reduction::fixed_order
//          allgathers every shard's part of a bucket to every rank, and each rank sums them in shard
//          order (the same bits for any P <= S, and for any bucket size); Reduction::allreduce sums each
//          rank's shards in shard order, then MPI_Iallreduce per bucket (its order is MPI's). With S = 1
//          on one rank the step is bind, forward, backward on the whole batch: no buffer, no copy.
//   evaluate  the dev set split by chunks over the ranks (distributed::evaluate; sg::evaluate on one rank).
//   any    a flag OR-ed over the ranks (a callback's `stop` on any rank stops every rank).
// Batch norm is synchronised: a network whose training graph has batch norm (Model::has_batch_sync) runs
// this rank's shards on one model each (the model itself and replicas of it), forward and backward node
// by node together (Model::forward_together), and at each batch-norm node the shards' sums over their
// samples are exchanged (allgather) and added in shard order (graph/batch_exchange.hpp): every shard
// normalises with the mean and variance of the whole global batch, and backward uses the whole batch's
// sums too, so sharding is invisible to batch norm up to rounding, and the result is the same bits for
// any P <= S. The running statistics are then the same on every shard; shard 0's are kept. Without
// batch norm the shards run one after another on the model itself. Dropout masks and augmentation are
// keyed per shard (shard_seed, shard_step), shard 0 with the unsplit keys.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/clock.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/distributed/context.hpp"
#include "staticgrad/distributed/evaluate.hpp"
#include "staticgrad/distributed/sharding.hpp"
#include "staticgrad/graph/backward_progress.hpp"
#include "staticgrad/graph/batch_exchange.hpp"
#include "staticgrad/graph/model.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/fit_options.hpp"

namespace sg::distributed {

enum class Reduction {
  fixed_order,  // gather to rank 0, sum in shard order, broadcast: bit-identical for any P <= S
  allreduce,    // one MPI_Allreduce: the fastest, the sum's order is MPI's
};

struct Options {
  Reduction reduction = Reduction::fixed_order;
  // The gradients are reduced in buckets of about this many bytes (cut at parameter boundaries), each
  // started as soon as the backward pass has made its gradients final, while the pass goes on with the
  // layers before it (as PyTorch DDP's buckets). 0: one bucket, started after the backward pass.
  // The result does not depend on it: each element is summed over the shards in shard order either way.
  std::size_t bucket_bytes = 256 * 1024;
};

namespace detail {

// The parameter ranges that hold batch-norm running statistics (role statistic).
template <class Model>
std::vector<Range> statistic_ranges(const Model& model) {
  std::vector<Range> ranges;
  for (std::size_t s = 0; s < Model::slot_count; ++s)
    if (model.role(s) == ParamRole::statistic)
      ranges.push_back({model.slices()[s].offset, model.slices()[s].size});
  return ranges;
}

// Elements [begin, end) of the reduction buffer (gradients, then the cost at index parameter_count):
// out[i - begin] = w * gradient i (w * cost for the last), ws * parameter i in the statistics' slots, or
// out[i - begin] += that when `add`.
template <class T, class Model>
void contribute(T* out, bool add, T w, const Model& model, std::span<const Range> statistics, T ws, T cost,
                std::size_t begin, std::size_t end) {
  const auto g = model.gradients();
  const auto p = model.parameters();
  const std::size_t n = g.size(), last = std::min(end, n);
  out -= begin;
  if (add)
    for (std::size_t i = begin; i < last; ++i) out[i] += w * g[i];
  else
    for (std::size_t i = begin; i < last; ++i) out[i] = w * g[i];
  for (const Range& r : statistics)
    for (std::size_t i = std::max(r.begin, begin); i < std::min(r.end(), end); ++i)
      out[i] = add ? out[i] + ws * p[i] : ws * p[i];
  if (end > n) out[n] = add ? out[n] + w * cost : w * cost;  // not 0 + w * x, which turns -0 into +0
}

// Buckets of the reduction buffer [0, width), `width` = parameter_count + 1, in the order the backward
// pass makes them final (the end of the buffer first; the cost, the last element, in the first bucket):
// cut at the parameters' offsets so that each holds at most `limit` elements unless one parameter alone
// is larger; limit 0: one bucket.
template <class Model>
std::vector<Range> plan_buckets(const Model& model, std::size_t limit) {
  const std::size_t n = model.parameters().size();
  if (limit == 0 || Model::slot_count == 0) return {{0, n + 1}};
  std::vector<Range> buckets;
  std::size_t end = n + 1, begin = n + 1;  // the bucket being filled: [begin, end)
  for (std::size_t s = Model::slot_count; s-- > 0;) {
    const std::size_t offset = model.slices()[s].offset;
    // Close the bucket when it holds a gradient and this parameter would overfill it.
    if (begin < n && begin < end && end - offset > limit) {
      buckets.push_back({begin, end - begin});
      end = begin;
    }
    begin = offset;
  }
  buckets.push_back({0, end});
  return buckets;
}

// The batch sums of synchronised batch norm (graph/batch_exchange.hpp) over the shards of one step: this
// rank's partials are gathered from every rank and added in shard order, the same bits on every rank.
class ShardExchange final : public BatchExchange {
 public:
  explicit ShardExchange(const Context& ctx) : ctx_(ctx) {}

  // For a step on a batch of m samples in `shards` shards over the context's ranks.
  void prepare(std::size_t m, std::size_t shards) {
    m_ = m;
    shards_ = shards;
    active_ = std::min(shards, m);  // shard t has samples exactly when t < m (larger shards first)
    const auto ranks = static_cast<std::size_t>(ctx_.size());
    active_of_rank_.resize(ranks);
    for (std::size_t r = 0; r < ranks; ++r) {
      const Range mine = shards_of_rank(shards, ranks, r);
      active_of_rank_[r] = mine.begin >= active_ ? 0 : std::min(mine.size, active_ - mine.begin);
    }
  }
  // Seconds spent in sum() so far.
  double seconds() const { return seconds_; }
  // This rank's shards that have samples (a prefix of its own).
  std::size_t active_here() const { return active_of_rank_[static_cast<std::size_t>(ctx_.rank())]; }

  std::span<const double> sum(std::size_t width, bool weighted) override {
    const double start = clock_seconds();
    struct Timer {
      double start;
      double& total;
      ~Timer() { total += seconds_since(start); }
    } timer{start, seconds_};
    const double* all = partials_.data();
    if (ctx_.size() > 1) {
      counts_.resize(active_of_rank_.size());
      for (std::size_t r = 0; r < counts_.size(); ++r)
        counts_[r] = static_cast<int>(active_of_rank_[r] * width);
      gathered_.resize(active_ * width);
      ctx_.allgather(std::span<const double>(partials_.data(), active_here() * width),
                     std::span<double>(gathered_), std::span<const int>(counts_));
      all = gathered_.data();
    }
    total_.resize(width);
    for (std::size_t t = 0; t < active_; ++t) {
      const double c =
          weighted ? static_cast<double>(shard_of_batch(m_, shards_, t).size) / static_cast<double>(m_) : 1.0;
      for (std::size_t j = 0; j < width; ++j)
        total_[j] = t == 0 ? c * all[j] : total_[j] + c * all[t * width + j];
    }
    return total_;
  }

 private:
  const Context& ctx_;
  std::size_t m_ = 0, shards_ = 1, active_ = 0;
  double seconds_ = 0;
  std::vector<std::size_t> active_of_rank_;
  std::vector<int> counts_;
  std::vector<double> gathered_, total_;
};

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
                                        o.shards,
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

}  // namespace detail

// The strategy sg::fit trains with (see the file comment). T: the model's value type. Holds the context by
// reference: it must outlive the strategy.
template <class T>
class DataParallel {
 public:
  explicit DataParallel(const Context& ctx, Options options = {}) : ctx_(ctx), options_(options) {}

  const Context& context() const { return ctx_; }
  bool is_root() const { return ctx_.is_root(); }

  // Before the first step. Throws sg::error when options.shards is 0 or smaller than the number of ranks,
  // or when this rank's set-up differs from rank 0's.
  template <class Model, class Optimizer>
  void begin(Model& model, Optimizer& optimizer, std::size_t train_size, std::size_t dev_size,
             const FitOptions& options) {
    ranks_ = static_cast<std::size_t>(ctx_.size());
    shards_ = options.shards;
    if (shards_ == 0) throw error("staticgrad: fit: FitOptions::shards must be at least 1");
    if (shards_ < ranks_)
      throw error(
          fmt::format("staticgrad: fit: {} ranks but FitOptions::shards is {}; every rank needs a "
                      "shard: set shards (--shards) to at least {} (the result depends on the shard "
                      "count only, not on the rank count)",
                      ranks_, shards_, ranks_));
    if (ranks_ > 1) {
      detail::check_same_setup(ctx_, model, train_size, dev_size, options, options_);
      detail::broadcast_start(ctx_, model, optimizer);
    }
    mine_ = shards_of_rank(shards_, ranks_, static_cast<std::size_t>(ctx_.rank()));
    if (ranks_ == 1 && shards_ == 1) return;  // the unsplit batch needs no buffer
    const std::size_t width = model.parameters().size() + 1;
    fixed_ = options_.reduction == Reduction::fixed_order;
    statistics_ = detail::statistic_ranges(model);
    local_.assign(fixed_ ? mine_.size * width : width, T(0));
    total_.assign(width, T(0));
    if (fixed_ && ranks_ > 1) received_.resize(shards_ * width);
    plan(model);
    if constexpr (Model::has_batch_sync) {  // one model per own shard, run together (synchronised batch norm)
      auto replicas = std::make_shared<Replicas<Model>>();
      replicas->models.reserve(mine_.size - 1);
      for (std::size_t k = 1; k < mine_.size; ++k) replicas->models.push_back(model.replica());
      replicas->shards.reserve(mine_.size);
      replicas_ = std::move(replicas);
    }
  }

  // Forward and backward in the model's current mode over the global mini-batch `batch` (sample indices,
  // the same on every rank). Afterwards model.gradients() holds the gradient of the mean cost over the
  // whole batch, the running statistics those of the whole batch (in a network without a synchronising
  // op, the shards' m_s / m weighted mean), and the returned cost is the batch's (the same bits on every
  // rank).
  template <class Model, class Feed>
  T step(Model& model, Feed& train, std::span<const std::size_t> batch) {
    if (ranks_ == 1 && shards_ == 1) {
      train.bind(model, batch, true, model.step());
      const T cost = model.forward();
      model.backward();
      return cost;
    }
    if constexpr (Model::has_batch_sync) return step_together(model, train, batch);
    const std::size_t m = batch.size();
    const std::uint64_t step = model.step(), seed = model.seed();
    const Restore<Model> restore{model, model.l2(), seed};
    const double lambda = restore.lambda;
    if (mine_.size > 1 && !statistics_.empty()) {
      statistics_before_.clear();
      for (const Range& r : statistics_)
        statistics_before_.insert(statistics_before_.end(), model.parameters().begin() + r.begin,
                                  model.parameters().begin() + r.end());
    }
    begin_step(m, false);
    Model* const one[] = {&model};
    for (std::size_t k = 0; k < active_; ++k) {
      const std::size_t s = mine_.begin + k;
      const Range shard = shard_of_batch(m, shards_, s);
      if (k > 0 && !statistics_.empty()) {  // every shard starts from the step's running statistics
        std::size_t at = 0;
        for (const Range& r : statistics_)
          for (std::size_t i = r.begin; i < r.end(); ++i) model.parameters()[i] = statistics_before_[at++];
      }
      model.set_l2(s == 0 ? lambda : 0.0);
      model.set_seed(shard_seed(seed, s));
      train.bind(model, batch.subspan(shard.begin, shard.size), true, shard_step(step, s));
      model.forward();
      // Each shard's gradients go to its part of the buffer as they become final; the buckets start
      // during the last shard's pass, when every shard of this rank has contributed to them.
      Progress<Model> progress{*this, std::span<Model* const>(one), k, k + 1 == active_};
      model.backward(progress);
      progress.final_from(0);  // every bucket, also of a network without parameters
    }
    return finish(model);
  }

  template <class Model, class Feed>
  Evaluation evaluate(Model& model, Feed& feed, std::size_t batch_size) const {
    if (ranks_ == 1) return sg::evaluate(model, feed, batch_size);
    return distributed::evaluate(ctx_, model, feed, batch_size);
  }

  // Where the time of the exchanges goes: seconds in the steps' gradient reductions (starting, testing and
  // waiting for the buckets' collectives, the other ranks included, and the sums), seconds in batch norm's
  // exchanges, and the number of reductions (steps that needed one: none with one shard on one rank).
  double reduction_seconds() const { return reduction_seconds_; }
  // The part of reduction_seconds() after the backward pass: waiting for the buckets and summing them (the
  // rest is starting and testing them during the pass).
  double reduction_wait_seconds() const { return wait_seconds_; }
  double batch_norm_exchange_seconds() const { return exchange_.seconds(); }
  std::size_t reductions() const { return reductions_; }
  // The number of buckets the reduction is cut into (Options::bucket_bytes; 0 before begin() and with one
  // shard on one rank, which reduces nothing).
  std::size_t buckets() const { return buckets_.size(); }

  // `flag` OR-ed over the ranks.
  bool any(bool flag) const {
    std::uint64_t v = flag ? 1 : 0;
    ctx_.allreduce_max(std::span<std::uint64_t>(&v, 1));
    return v != 0;
  }

 private:
  template <class Model>
  struct Restore {  // the model's own L2 and seed, whatever happens
    Model& model;
    double lambda;
    std::uint64_t seed;
    ~Restore() {
      model.set_l2(lambda);
      model.set_seed(seed);
    }
  };

  // The step of a network with batch norm: this rank's shards on one model each (the model itself for
  // the first), forward and backward together, so that batch norm takes its sums over the whole batch
  // (graph/batch_exchange.hpp). The running statistics are then the same on every shard: shard 0's are
  // kept, not averaged.
  template <class Model, class Feed>
  T step_together(Model& model, Feed& train, std::span<const std::size_t> batch) {
    const std::size_t m = batch.size();
    const std::uint64_t step = model.step(), seed = model.seed();
    const Restore<Model> restore{model, model.l2(), seed};
    auto& replicas = *static_cast<Replicas<Model>*>(replicas_.get());
    exchange_.prepare(m, shards_);
    const std::size_t active = exchange_.active_here();
    replicas.shards.clear();
    for (std::size_t k = 0; k < active; ++k) {
      const std::size_t s = mine_.begin + k;
      Model& shard_model = k == 0 ? model : replicas.models[k - 1];
      if (k > 0) model.copy_state_to(shard_model);
      shard_model.set_l2(s == 0 ? restore.lambda : 0.0);
      shard_model.set_seed(shard_seed(seed, s));
      const Range shard = shard_of_batch(m, shards_, s);
      train.bind(shard_model, batch.subspan(shard.begin, shard.size), true, shard_step(step, s));
      if (active > 1) shard_model.hold_bound_inputs();  // the feed's buffer takes the next shard
      replicas.shards.push_back(&shard_model);
    }
    const std::span<Model* const> shards(replicas.shards);
    model.forward_together(shards, exchange_);
    begin_step(m, true);
    Progress<Model> progress{*this, shards, 0, true};
    model.backward_together(shards, exchange_, &progress);
    progress.final_from(0);
    return finish(model);
  }

  // The buckets of the reduction buffer (detail::plan_buckets), and for each the elements every rank
  // sends and where they land in received_: shard t's part of bucket [b, e) at S b + t (e - b).
  template <class Model>
  void plan(const Model& model) {
    buckets_ = detail::plan_buckets(model, options_.bucket_bytes / sizeof(T));
    requests_ = std::make_unique<Request[]>(buckets_.size());
    counts_.assign(buckets_.size() * ranks_, 0);
    displacements_.assign(buckets_.size() * ranks_, 0);
    for (std::size_t b = 0; b < buckets_.size(); ++b)
      for (std::size_t r = 0; r < ranks_; ++r) {
        const Range theirs = shards_of_rank(shards_, ranks_, r);
        counts_[b * ranks_ + r] = static_cast<int>(theirs.size * buckets_[b].size);
        displacements_[b * ranks_ + r] =
            static_cast<int>(shards_ * buckets_[b].begin + theirs.begin * buckets_[b].size);
      }
  }
  // Shard weights of a step on m samples, and the parts of the shards without samples (a last batch
  // smaller than S), which weigh 0. `together`: the running statistics are shard 0's, not a mean.
  void begin_step(std::size_t m, bool together) {
    started_ = 0;
    active_ = std::min(mine_.size, m > mine_.begin ? m - mine_.begin : 0);  // shard t has samples iff t < m
    weights_.resize(mine_.size);
    statistic_weights_.resize(mine_.size);
    for (std::size_t k = 0; k < mine_.size; ++k) {
      const std::size_t s = mine_.begin + k;
      weights_[k] =
          static_cast<T>(static_cast<double>(shard_of_batch(m, shards_, s).size) / static_cast<double>(m));
      statistic_weights_[k] = together ? T(s == 0 ? 1 : 0) : weights_[k];
    }
    if (fixed_) {
      for (const Range& b : buckets_)
        for (std::size_t k = active_; k < mine_.size; ++k) {
          T* out = local_.data() + mine_.size * b.begin + k * b.size;
          std::fill(out, out + b.size, T(0));
        }
    } else if (active_ == 0) {
      std::fill(local_.begin(), local_.end(), T(0));
    }
  }
  // Own shard k's part of bucket b, from `model` (which has run that shard's backward pass up to there).
  template <class Model>
  void contribute(std::size_t b, std::size_t k, const Model& model) {
    const Range& bucket = buckets_[b];
    T* out =
        fixed_ ? local_.data() + mine_.size * bucket.begin + k * bucket.size : local_.data() + bucket.begin;
    detail::contribute(out, !fixed_ && k > 0, weights_[k], model, std::span<const Range>(statistics_),
                       statistic_weights_[k], model.cost(), bucket.begin, bucket.end());
  }
  // Starts the collective of bucket b (the next in order; every rank starts them in the same order).
  void start(std::size_t b) {
    const double begin = clock_seconds();
    const Range& bucket = buckets_[b];
    if (ranks_ > 1) {
      if (fixed_)
        ctx_.start_allgather(
            std::span<const T>(local_.data() + mine_.size * bucket.begin, mine_.size * bucket.size),
            std::span<T>(received_), std::span<const int>(counts_).subspan(b * ranks_, ranks_),
            std::span<const int>(displacements_).subspan(b * ranks_, ranks_), requests_[b]);
      else
        ctx_.start_allreduce_sum(std::span<T>(local_.data() + bucket.begin, bucket.size), requests_[b]);
    }
    started_ = b + 1;
    for (std::size_t i = 0; i < started_; ++i) ctx_.test(requests_[i]);  // MPI progresses inside its calls
    reduction_seconds_ += seconds_since(begin);
  }
  void start_remaining() {
    while (started_ < buckets_.size()) start(started_);
  }

  // Told by the backward pass of this rank's shards which gradients are final: the buckets that are
  // now complete take those shards' parts, and when `last` (no shard of this rank runs after these)
  // they start.
  template <class Model>
  struct Progress final : BackwardProgress {
    DataParallel& dp;
    std::span<Model* const> models;  // own shards first_shard, first_shard + 1, ...
    std::size_t first_shard;
    bool last;
    std::size_t done = 0;  // buckets these shards contributed to
    Progress(DataParallel& d, std::span<Model* const> m, std::size_t first, bool is_last)
        : dp(d), models(m), first_shard(first), last(is_last) {}
    void final_from(std::size_t offset) override {
      while (done < dp.buckets_.size() && dp.buckets_[done].begin >= offset) {
        for (std::size_t i = 0; i < models.size(); ++i) dp.contribute(done, first_shard + i, *models[i]);
        if (last) dp.start(done);
        ++done;
      }
    }
  };

  // The end of the step's reduction: each bucket, once complete, summed over the shards in shard order
  // into the model's gradients and running statistics (the same bits on every rank for fixed_order);
  // returns the batch's cost.
  template <class Model>
  T finish(Model& model) {
    start_remaining();  // none are left, unless this rank had no shard with samples
    const double begin = clock_seconds();
    const std::size_t np = model.parameters().size();
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      ctx_.wait(requests_[b]);
      const Range& bucket = buckets_[b];
      T* total = total_.data() + bucket.begin;
      if (fixed_) {
        const T* all = (ranks_ > 1 ? received_.data() : local_.data()) + shards_ * bucket.begin;
        std::copy(all, all + bucket.size, total);
        for (std::size_t t = 1; t < shards_; ++t)
          for (std::size_t j = 0; j < bucket.size; ++j) total[j] += all[t * bucket.size + j];
      } else {
        std::copy(local_.data() + bucket.begin, local_.data() + bucket.end(), total);
      }
    }
    const double waited = seconds_since(begin);
    wait_seconds_ += waited;
    reduction_seconds_ += waited;
    ++reductions_;
    auto params = model.parameters();
    for (const Range& r : statistics_)
      for (std::size_t i = r.begin; i < r.end(); ++i) {
        params[i] = total_[i];
        total_[i] = T(0);
      }
    std::copy(total_.begin(), total_.begin() + static_cast<std::ptrdiff_t>(np), model.gradients().begin());
    return total_[np];
  }

  const Context& ctx_;
  Options options_;
  std::size_t ranks_ = 1, shards_ = 1;
  Range mine_;
  bool fixed_ = true;
  std::vector<Range> statistics_;
  // fixed_order: local_ holds every own shard's part of each bucket, bucket after bucket (own shard k's
  // part of bucket [b, e) at mine_.size b + k (e - b)), received_ every shard's (shard t's at
  // S b + t (e - b)); allreduce: local_ is one running sum over the own shards.
  std::vector<T> local_, received_, total_, statistics_before_;
  std::vector<Range> buckets_;
  std::unique_ptr<Request[]> requests_;         // one per bucket
  std::vector<int> counts_, displacements_;     // per bucket and rank: [b * P + r]
  std::size_t started_ = 0, active_ = 0;        // this step: buckets started, own shards with samples
  std::vector<T> weights_, statistic_weights_;  // this step's, per own shard
  double reduction_seconds_ = 0, wait_seconds_ = 0;
  std::size_t reductions_ = 0;
  template <class Model>
  struct Replicas {
    std::vector<Model> models;   // of this rank's shards after the first
    std::vector<Model*> shards;  // the models of this step's shards that have samples
  };
  std::shared_ptr<void> replicas_;  // Replicas<Model> (the strategy is not a template of the model)
  detail::ShardExchange exchange_{ctx_};
};

}  // namespace sg::distributed

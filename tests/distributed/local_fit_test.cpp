// sg::distributed::fit with a local context (no MPI needed): the guarantees that hold in one process.
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "common.hpp"
#include "staticgrad/distributed/fit.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/train/average_weights.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/feed.hpp"

using namespace sg;
using namespace sg_test_distributed;
namespace sd = sg::distributed;

BOOST_AUTO_TEST_SUITE(local_fit)

// With one shard the loop is sg::fit statement for statement: same bits, batch norm, dropout, L2,
// clipping and a partial last batch included.
BOOST_AUTO_TEST_CASE(one_shard_is_bit_identical_to_sg_fit) {
  const auto train = blobs(103, 1), dev = blobs(40, 2);
  auto options = quiet(3, 16);
  options.max_gradient_norm = 1.0;
  options.eval_batch_size = 32;
  auto a = make_model<float>(full_net(), 3), b = make_model<float>(full_net(), 3);
  a.set_l2(0.01);
  b.set_l2(0.01);
  ClassificationFeed<float> ta(train), da(dev), tb(train), db(dev);
  Adam<float> adam_a, adam_b;
  const History ha = fit(a, ta, da, adam_a, options, EarlyStop{});
  sd::Context local;
  const History hb = sd::fit(local, b, tb, db, adam_b, options, EarlyStop{});
  BOOST_TEST(same_bits(std::span<const float>(a.parameters()), std::span<const float>(b.parameters())));
  BOOST_TEST(same_bits(adam_a.state(), adam_b.state()));
  BOOST_TEST(same_history(ha, hb));
  BOOST_TEST(a.step() == b.step());
  BOOST_TEST(b.l2() == 0.01);
  BOOST_TEST(b.seed() == 3u);
}

// Weight averaging needs the on_evaluation_begin hook in the distributed loop too (and through on_root):
// with one shard the averaged result, its dev costs and early stopping's choice equal sg::fit's.
BOOST_AUTO_TEST_CASE(weight_averaging_is_bit_identical_to_sg_fit) {
  const auto train = blobs(103, 1), dev = blobs(40, 2);
  const auto options = quiet(3, 16);
  auto a = make_model<float>(full_net(), 3), b = make_model<float>(full_net(), 3);
  ClassificationFeed<float> ta(train), da(dev), tb(train), db(dev);
  Adam<float> adam_a, adam_b;
  AverageWeights<float> avg_a(0.9), avg_b(0.9);
  const History ha = fit(a, ta, da, adam_a, options, avg_a, EarlyStop{});
  sd::Context local;
  const History hb = sd::fit(local, b, tb, db, adam_b, options, on_root(avg_b), EarlyStop{});
  BOOST_TEST(avg_b.updates() == 0u);  // on_root copies the callback: the copy did the work
  BOOST_TEST(same_bits(std::span<const float>(a.parameters()), std::span<const float>(b.parameters())));
  BOOST_TEST(same_history(ha, hb));
}

// Several shards in one process: what P ranks compute with fixed_order, which the mpirun tests compare
// against. Without batch norm it is the whole-batch gradient up to rounding.
BOOST_AUTO_TEST_CASE(sharded_training_matches_sg_fit_up_to_rounding) {
  const auto train = blobs(150, 3), dev = blobs(40, 4);
  const auto options = quiet(2, 25);
  auto a = make_model<float>(plain_net(), 5), b = make_model<float>(plain_net(), 5);
  ClassificationFeed<float> ta(train), da(dev), tb(train), db(dev);
  Adam<float> adam_a, adam_b;
  fit(a, ta, da, adam_a, options);
  auto sharded = options;
  sharded.shards = 3;
  fit(b, tb, db, adam_b, sharded);
  const double d =
      relative_difference(std::span<const float>(b.parameters()), std::span<const float>(a.parameters()));
  BOOST_TEST_MESSAGE("3 shards against sg::fit: relative difference " << d);
  BOOST_TEST(d < 1e-4);
}

BOOST_AUTO_TEST_CASE(both_reductions_agree_in_one_process) {
  const auto train = blobs(90, 5), dev = blobs(20, 6);
  auto a = make_model<float>(full_net(), 7), b = make_model<float>(full_net(), 7);
  ClassificationFeed<float> ta(train), da(dev), tb(train), db(dev);
  Adam<float> adam_a, adam_b;
  sd::Context local;
  auto options = quiet(2, 10);
  options.shards = 4;
  sd::fit(local, a, ta, da, adam_a, options, sd::Options{.reduction = sd::Reduction::fixed_order});
  sd::fit(local, b, tb, db, adam_b, options, sd::Options{.reduction = sd::Reduction::allreduce});
  // One rank: the allreduce mode's local sum is the fixed order's sum.
  BOOST_TEST(same_bits(std::span<const float>(a.parameters()), std::span<const float>(b.parameters())));
  for (float v : a.parameters()) BOOST_REQUIRE(std::isfinite(v));
}

// The reduction's buckets (started during the backward pass) change no bit: one bucket per parameter,
// the default and one bucket after the pass, with and without batch norm (shards run together or one
// after another), for both reductions, with a last batch smaller than the shard count.
BOOST_AUTO_TEST_CASE(buckets_do_not_change_the_result) {
  const auto train = blobs(91, 5), dev = blobs(20, 6);  // 91 = 9 batches of 10 and one of 1
  sd::Context local;
  auto options = quiet(2, 10);
  options.shards = 3;
  auto run = [&](auto net, sd::Reduction reduction, std::size_t bucket_bytes) {
    auto model = make_model<float>(net, 7);
    model.set_l2(0.02);
    ClassificationFeed<float> tf(train), df(dev);
    Adam<float> adam;
    const History h = sd::fit(local, model, tf, df, adam, options,
                              sd::Options{.reduction = reduction, .bucket_bytes = bucket_bytes});
    std::vector<float> out(model.parameters().begin(), model.parameters().end());
    out.insert(out.end(), adam.state().begin(), adam.state().end());
    for (const auto& r : h.records()) out.push_back(static_cast<float>(r.train_cost));
    return out;
  };
  for (auto reduction : {sd::Reduction::fixed_order, sd::Reduction::allreduce}) {
    const auto full_one = run(full_net(), reduction, 0), plain_one = run(plain_net(), reduction, 0);
    for (std::size_t bytes : {std::size_t{4}, std::size_t{256}, sd::Options{}.bucket_bytes}) {
      BOOST_TEST_CONTEXT("bucket_bytes " << bytes << ", reduction " << static_cast<int>(reduction)) {
        BOOST_TEST(same_bits<float>(run(full_net(), reduction, bytes), full_one));
        BOOST_TEST(same_bits<float>(run(plain_net(), reduction, bytes), plain_one));
      }
    }
  }
}

// Buckets are cut at parameter boundaries, the end of the buffer first, the cost (the last element) in
// the first; a parameter larger than the limit has a bucket of its own.
BOOST_AUTO_TEST_CASE(buckets_follow_the_backward_pass) {
  auto model = make_model<float>(plain_net(), 1);  // W1 16x4, b1 16, W2 3x16, b2 3: offsets 0, 64, 80, 128
  using R = sd::Range;
  BOOST_TEST((sd::detail::plan_buckets(model, 0) == std::vector<R>{{0, 132}}));
  BOOST_TEST((sd::detail::plan_buckets(model, 1) == std::vector<R>{{128, 4}, {80, 48}, {64, 16}, {0, 64}}));
  BOOST_TEST((sd::detail::plan_buckets(model, 60) == std::vector<R>{{80, 52}, {64, 16}, {0, 64}}));
  BOOST_TEST((sd::detail::plan_buckets(model, 68) == std::vector<R>{{64, 68}, {0, 64}}));
  BOOST_TEST((sd::detail::plan_buckets(model, 1000) == std::vector<R>{{0, 132}}));
}

BOOST_AUTO_TEST_CASE(a_batch_smaller_than_the_shard_count_still_trains) {
  const auto train = blobs(9, 7), dev = blobs(5, 8);
  auto model = make_model<float>(plain_net(), 1);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  auto options = quiet(2, 4);
  options.shards = 3;
  const History h = fit(model, tf, df, adam, options);  // last batch: 1
  BOOST_TEST(h.size() == 2u);
  BOOST_TEST(model.step() == 6u);
  BOOST_TEST(std::isfinite(h.records().back().train_cost));
}

BOOST_AUTO_TEST_CASE(distributed_evaluate_equals_evaluate) {
  const auto dev = blobs(77, 9);
  auto model = make_model<float>(full_net(), 2);
  ClassificationFeed<float> df(dev);
  sd::Context local;
  const Evaluation a = evaluate(model, df, 10), b = sd::evaluate(local, model, df, 10);
  BOOST_TEST(a.cost == b.cost);
  BOOST_TEST(a.accuracy == b.accuracy);
}

// In one process an exception propagates as from sg::fit (in a job it ends the job: the mpirun tests).
BOOST_AUTO_TEST_CASE(an_exception_propagates_with_a_local_context) {
  const auto train = blobs(20, 1), dev = blobs(5, 2);
  auto model = make_model<float>(plain_net(), 1);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  sd::Context local;
  auto boom = OnEpochEnd{[](auto&) { throw std::runtime_error("injected"); }};
  BOOST_CHECK_THROW(sd::fit(local, model, tf, df, adam, quiet(2, 5), boom), std::runtime_error);
  BOOST_CHECK_THROW(sd::run_or_abort(local, [] { throw std::runtime_error("no data"); }), std::runtime_error);
  BOOST_TEST(sd::run_or_abort(local, [] { return 3; }) == 3);
}

BOOST_AUTO_TEST_CASE(a_local_context_is_rank_zero_of_one) {
  sd::Context local;
  BOOST_TEST(local.rank() == 0);
  BOOST_TEST(local.size() == 1);
  BOOST_TEST(local.is_root());
  BOOST_TEST(!local.uses_mpi());
  std::vector<double> v{1, 2}, all(2);
  std::vector<int> counts{2};
  local.allgather(std::span<const double>(v), std::span<double>(all), std::span<const int>(counts));
  BOOST_TEST(all == v);
}

BOOST_AUTO_TEST_SUITE_END()

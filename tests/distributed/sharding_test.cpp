// The sharding rule: contiguous, complete, balanced shards, dealt to ranks in contiguous runs.
#include <boost/test/unit_test.hpp>

#include "staticgrad/distributed/sharding.hpp"

using namespace sg::distributed;

BOOST_AUTO_TEST_SUITE(sharding)

BOOST_AUTO_TEST_CASE(shards_cover_a_batch_in_order_larger_first) {
  for (std::size_t m : {1u, 2u, 7u, 64u, 100u})
    for (std::size_t shards : {1u, 2u, 3u, 8u}) {
      std::size_t next = 0;
      for (std::size_t s = 0; s < shards; ++s) {
        const Range r = shard_of_batch(m, shards, s);
        BOOST_TEST(r.begin == next);
        BOOST_TEST((r.size == m / shards || r.size == m / shards + 1));
        if (s > 0) BOOST_TEST(r.size <= shard_of_batch(m, shards, s - 1).size);
        next = r.end();
      }
      BOOST_TEST(next == m);
    }
  BOOST_TEST((shard_of_batch(10, 3, 0) == Range{0, 4}));
  BOOST_TEST((shard_of_batch(10, 3, 2) == Range{7, 3}));
  BOOST_TEST((shard_of_batch(1, 2, 1) == Range{1, 0}));  // an empty shard weighs 0
}

BOOST_AUTO_TEST_CASE(ranks_take_contiguous_runs_of_shards) {
  for (std::size_t shards : {1u, 2u, 3u, 5u, 8u})
    for (std::size_t ranks = 1; ranks <= shards; ++ranks) {
      std::size_t next = 0;
      for (std::size_t r = 0; r < ranks; ++r) {
        const Range mine = shards_of_rank(shards, ranks, r);
        BOOST_TEST(mine.begin == next);
        BOOST_TEST(mine.size >= 1u);
        next = mine.end();
      }
      BOOST_TEST(next == shards);
    }
  BOOST_TEST((shards_of_rank(3, 2, 0) == Range{0, 1}));
  BOOST_TEST((shards_of_rank(3, 2, 1) == Range{1, 2}));
}

BOOST_AUTO_TEST_CASE(shard_zero_keeps_the_model_keys) {
  BOOST_TEST(shard_seed(42, 0) == 42u);
  BOOST_TEST(shard_step(7, 0) == 7u);
  BOOST_TEST(shard_seed(42, 1) != 42u);
  BOOST_TEST(shard_seed(42, 1) != shard_seed(42, 2));
  BOOST_TEST(shard_step(7, 1) == 7u + (1ull << 48));
}

BOOST_AUTO_TEST_SUITE_END()

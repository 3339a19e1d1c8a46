// Random search samples on the course's scales and ranks trials by the dev metric.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>

#include "staticgrad/core/error.hpp"
#include "staticgrad/train/hyperparameter_search.hpp"

using namespace sg;

BOOST_AUTO_TEST_SUITE(hyperparameter_search)

BOOST_AUTO_TEST_CASE(learning_rate_is_log_uniform_and_beta_is_sampled_through_one_minus_beta) {
  SearchSpace space{.learning_rate = SearchRange{1e-4, 1}, .l2 = std::nullopt, .keep_prob = SearchRange{0.5, 1.0},
                    .one_minus_beta = SearchRange{1e-3, 1e-1}, .batch_sizes = {32, 64, 128}};
  const auto c = sample_candidates(space, 4000, 3);
  std::size_t per_decade[4] = {}, high_beta = 0;
  for (const Hyperparameters& k : c) {
    BOOST_REQUIRE(k.learning_rate >= 1e-4);
    BOOST_REQUIRE(k.learning_rate <= 1.0);
    ++per_decade[std::min(3, static_cast<int>(std::floor(std::log10(k.learning_rate) + 4)))];
    BOOST_REQUIRE(k.beta >= 0.9);
    BOOST_REQUIRE(k.beta <= 0.999);
    high_beta += k.beta > 0.99;
    BOOST_REQUIRE((k.batch_size == 32 || k.batch_size == 64 || k.batch_size == 128));
    BOOST_REQUIRE(k.keep_prob >= 0.5);
    BOOST_REQUIRE(k.l2 == 0.0);  // not in the space: the default
  }
  for (std::size_t d : per_decade) BOOST_TEST(std::abs(double(d) - 1000.0) < 120.0);  // ~4.3 sigma
  BOOST_TEST(std::abs(double(high_beta) - 2000.0) < 150.0);  // half of the log range of 1 - beta
  const auto again = sample_candidates(space, 4000, 3);
  BOOST_TEST(again[123].learning_rate == c[123].learning_rate);
}

BOOST_AUTO_TEST_CASE(trials_are_ranked_best_first) {
  SearchSpace space{.learning_rate = SearchRange{1e-4, 1e-1}, .l2 = std::nullopt, .keep_prob = std::nullopt,
                    .one_minus_beta = std::nullopt, .batch_sizes = {}};
  // A fake "training" whose dev accuracy peaks at learning rate 1e-2.
  const auto trials = random_search(space, 12, 5, [](const Hyperparameters& c) {
    SearchTrial t;
    t.dev_metric = 1 - std::abs(std::log10(c.learning_rate) + 2) / 3;
    t.dev_cost = 1 - t.dev_metric;
    return t;
  });
  BOOST_TEST(trials.size() == 12u);
  for (std::size_t k = 1; k < trials.size(); ++k) BOOST_TEST(trials[k - 1].dev_metric >= trials[k].dev_metric);
  const std::string table = format_trials(trials);
  BOOST_TEST(table.find("rank") != std::string::npos);
  BOOST_TEST(std::count(table.begin(), table.end(), '\n') == 13);
  BOOST_CHECK_THROW(sample_candidates(SearchSpace{.learning_rate = SearchRange{0, 1}}, 1, 1), sg::error);
}

BOOST_AUTO_TEST_SUITE_END()

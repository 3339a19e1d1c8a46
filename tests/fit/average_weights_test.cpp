// sg::AverageWeights: the average it keeps, what fit() evaluates and returns, and that training itself is
// untouched by it.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <limits>
#include <vector>

#include <omp.h>

#include "staticgrad/data/dataset.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/average_weights.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

#include "blobs.hpp"

using namespace sg;

namespace {
// Overlapping blobs: noise of deviation 1.6 around centres 2 apart.
data::Dataset noisy_blobs(std::size_t m, std::uint64_t seed) { return test::blobs(m, seed, 1.6); }
// Batch norm and dropout too: the average covers the running statistics, and dropout's masks follow the
// step, which averaging must not disturb.
auto make_net() {
  return sequential<4>(Dense<4, 16>{}, BatchNorm<16>{}, ReLU{}, Dropout{.keep_prob = 0.8}, Dense<16, 3>{},
                       SoftmaxCrossEntropy{});
}
FitOptions quiet(std::size_t epochs) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = 16;
  o.learning_rate = 0.01;
  o.progress.mode = ProgressMode::quiet;
  o.shuffle_seed = 5;
  return o;
}
// Records the weights after every step; placed before AverageWeights, it sees the training weights.
struct RecordSteps {
  std::vector<std::vector<float>>* steps;
  template <class S>
  void on_batch_end(S& s) {
    steps->emplace_back(s.model.parameters().begin(), s.model.parameters().end());
  }
};
// The contract's formula, written out independently in the same float arithmetic.
std::vector<float> reference_average(const std::vector<std::vector<float>>& steps, double decay) {
  std::vector<float> avg = steps.front();
  for (std::size_t t = 1; t < steps.size(); ++t) {
    const double warm_up = (1.0 + static_cast<double>(t)) / (10.0 + static_cast<double>(t));
    const float d = static_cast<float>(std::min(decay, warm_up)), one_minus_d = 1.0f - d;
    for (std::size_t i = 0; i < avg.size(); ++i) avg[i] = d * avg[i] + one_minus_d * steps[t][i];
  }
  return avg;
}
// Poisons one weight after the third step.
struct Poison {
  std::size_t* calls;
  template <class S>
  void on_batch_end(S& s) {
    if (++*calls == 3) s.model.parameters()[0] = std::numeric_limits<float>::quiet_NaN();
  }
};
// Copies the weights the model holds when on_evaluation_begin reaches it.
struct Snapshot {
  std::vector<float>* into;
  template <class S>
  void on_evaluation_begin(S& s) {
    into->assign(s.model.parameters().begin(), s.model.parameters().end());
  }
};
bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
}  // namespace

BOOST_AUTO_TEST_SUITE(average_weights)

BOOST_AUTO_TEST_CASE(keeps_the_warmed_up_exponential_average_of_every_step) {
  const auto train = noisy_blobs(200, 1), dev = noisy_blobs(50, 2);
  auto model = make_model<float>(make_net(), 3);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  std::vector<std::vector<float>> steps;
  AverageWeights<float> averaging(0.9);
  fit(model, tf, df, adam, quiet(3), RecordSteps{&steps}, averaging);
  BOOST_TEST(steps.size() == 3u * 13u);
  BOOST_TEST(averaging.updates() == steps.size());
  const std::vector<float> expected = reference_average(steps, 0.9);
  BOOST_TEST(same_bits(averaging.average(), expected));
  // fit returns the averaged network, not the last training weights
  BOOST_TEST(same_bits(model.parameters(), expected));
  BOOST_TEST(!same_bits(model.parameters(), steps.back()));
}

BOOST_AUTO_TEST_CASE(training_follows_the_same_path_with_and_without_averaging) {
  const auto train = noisy_blobs(200, 1), dev = noisy_blobs(50, 2);
  ClassificationFeed<float> tf(train), df(dev);
  std::vector<std::vector<float>> plain, averaged;
  {
    auto model = make_model<float>(make_net(), 3);
    Adam<float> adam;
    fit(model, tf, df, adam, quiet(3), RecordSteps{&plain});
  }
  {
    auto model = make_model<float>(make_net(), 3);
    Adam<float> adam;
    fit(model, tf, df, adam, quiet(3), RecordSteps{&averaged}, AverageWeights<float>(0.99));
  }
  BOOST_TEST_REQUIRE(plain.size() == averaged.size());
  for (std::size_t t = 0; t < plain.size(); ++t) BOOST_TEST_REQUIRE(same_bits(plain[t], averaged[t]), "step " << t);
}

BOOST_AUTO_TEST_CASE(the_dev_cost_early_stopping_and_the_result_are_the_averages) {
  const auto train = noisy_blobs(200, 1), dev = noisy_blobs(50, 2);
  auto model = make_model<float>(make_net(), 3);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  AverageWeights<float> averaging(0.95);
  EarlyStop<float> early_stop{.options = {.patience = 100}};
  std::vector<double> recomputed;
  // after AverageWeights: evaluates what the epoch's record was computed from
  auto check = OnEpochEnd{[&](auto& s) { recomputed.push_back(evaluate(s.model, df).cost); }};
  const History h = fit(model, tf, df, adam, quiet(4), averaging, early_stop, check);
  BOOST_TEST_REQUIRE(recomputed.size() == h.size());
  for (std::size_t e = 0; e < h.size(); ++e) BOOST_TEST(recomputed[e] == h.records()[e].dev_cost);
  // EarlyStop kept and restored an averaged epoch: its copy is what the model holds, and its cost is
  // the History's dev cost of that epoch.
  const std::size_t best = *early_stop.tracker.best_epoch();
  BOOST_TEST(same_bits(model.parameters(), early_stop.tracker.best_weights()));
  BOOST_TEST(early_stop.tracker.best_cost() == h.records()[best - 1].dev_cost);
  BOOST_TEST(evaluate(model, df).cost == h.records()[best - 1].dev_cost);
}

BOOST_AUTO_TEST_CASE(zero_decay_is_training_without_averaging) {
  const auto train = noisy_blobs(120, 3), dev = noisy_blobs(40, 4);
  ClassificationFeed<float> tf(train), df(dev);
  auto a = make_model<float>(make_net(), 7), b = make_model<float>(make_net(), 7);
  Adam<float> adam_a, adam_b;
  const History ha = fit(a, tf, df, adam_a, quiet(2));
  const History hb = fit(b, tf, df, adam_b, quiet(2), AverageWeights<float>(0));
  BOOST_TEST(same_bits(a.parameters(), b.parameters()));
  BOOST_TEST(ha.records().back().dev_cost == hb.records().back().dev_cost);
}

BOOST_AUTO_TEST_CASE(the_average_is_bit_identical_for_one_and_two_threads) {
  const auto train = noisy_blobs(300, 5), dev = noisy_blobs(40, 6);
  ClassificationFeed<float> tf(train), df(dev);
  std::vector<std::vector<float>> results;
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    auto model = make_model<float>(make_net(), 11);
    Adam<float> adam;
    fit(model, tf, df, adam, quiet(2), AverageWeights<float>(0.99));
    results.emplace_back(model.parameters().begin(), model.parameters().end());
  }
  omp_set_num_threads(saved);
  BOOST_TEST(same_bits(results[0], results[1]));
}

BOOST_AUTO_TEST_CASE(a_bad_decay_is_named) {
  for (double bad : {1.0, -0.5, std::numeric_limits<double>::quiet_NaN()})
    BOOST_CHECK_EXCEPTION(AverageWeights<float>{bad}, sg::error, [&](const sg::error& e) {
      return std::string(e.what()).find(fmt::format("AverageWeights decay must be in [0, 1), found {}", bad)) !=
             std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(a_non_finite_average_is_not_swapped_in) {
  const auto train = noisy_blobs(40, 1), dev = noisy_blobs(10, 2);
  ClassificationFeed<float> tf(train), df(dev);
  auto model = make_model<float>(make_net(), 3);
  Adam<float> adam;
  AverageWeights<float> averaging(0.5);
  // poisons one weight after the first step of the last batch: the average takes it in, the NaN guard
  // would stop the next step; here the epoch ends first
  std::size_t calls = 0;
  std::vector<float> before_evaluation;
  auto options = quiet(1);
  options.batch_size = 16;  // 40 samples: 3 steps
  std::FILE* progress = std::tmpfile();
  BOOST_TEST_REQUIRE(progress != nullptr);
  options.progress.mode = ProgressMode::lines;
  options.progress_out = progress;
  fit(model, tf, df, adam, options, Poison{&calls}, averaging, Snapshot{&before_evaluation});
  std::rewind(progress);
  std::string printed;
  for (int c; (c = std::fgetc(progress)) != EOF;) printed.push_back(static_cast<char>(c));
  std::fclose(progress);
  // the message names the parameter element, as the NaN guard's do
  BOOST_TEST(printed.find("weight averaging: in the average, layer1.W[0] is nan; the model keeps its current "
                          "weights") != std::string::npos,
             printed);
  BOOST_TEST(std::isnan(averaging.average()[0]));
  // Snapshot ran after AverageWeights: the model still held its own (poisoned) training weights
  BOOST_TEST(std::isnan(before_evaluation[0]));
  BOOST_TEST(same_bits(std::span<const float>(before_evaluation).subspan(1),
                       std::span<const float>(model.parameters()).subspan(1)));
}

BOOST_AUTO_TEST_SUITE_END()

// Early stopping, the NaN guard and gradient clipping.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <omp.h>

#include "staticgrad/optim/gradient_descent.hpp"
#include "staticgrad/train/early_stopping.hpp"
#include "staticgrad/train/gradient_clipping.hpp"
#include "staticgrad/train/nan_guard.hpp"

namespace tt = boost::test_tools;
using float_types = boost::mpl::list<float, double>;

BOOST_AUTO_TEST_SUITE(early_stopping)

BOOST_AUTO_TEST_CASE(stops_after_patience_and_restores_the_best_weights) {
  // [snippet:early_stopping]
  sg::EarlyStopping<float> stopper({.patience = 2, .min_delta = 0.01});
  std::vector<float> weights(3);
  const double dev_costs[] = {0.9, 0.7, 0.695, 0.72, 0.5};
  std::size_t stopped_after = 0;
  for (std::size_t epoch = 1; epoch <= 5; ++epoch) {
    std::fill(weights.begin(), weights.end(), static_cast<float>(epoch));  // "training"
    if (stopper.update(epoch, dev_costs[epoch - 1], weights)) {
      stopped_after = epoch;
      break;
    }
  }
  stopper.restore_best(weights);
  // [snippet:early_stopping]
  // Epoch 3 improved by only 0.005 < min_delta and epoch 4 got worse: two epochs without improvement.
  BOOST_TEST(stopped_after == 4u);
  BOOST_TEST(stopper.best_epoch().value_or(0) == 2u);
  BOOST_TEST(stopper.best_cost() == 0.7);
  BOOST_TEST(weights == std::vector<float>(3, 2.0f), tt::per_element());
}

BOOST_AUTO_TEST_CASE(nan_never_improves_and_nothing_to_restore_before_a_finite_cost) {
  sg::EarlyStopping<double> stopper({.patience = 3});
  std::vector<double> w{1.0, 2.0};
  BOOST_TEST(!stopper.update(1, NAN, w));
  BOOST_TEST(!stopper.restore_best(w));  // nothing kept yet; w untouched
  BOOST_TEST(!stopper.update(2, 0.5, w));
  BOOST_TEST(stopper.epochs_without_improvement() == 0u);
  w[0] = 9;
  stopper.update(3, NAN, w);
  stopper.update(4, INFINITY, w);
  BOOST_TEST(stopper.update(5, 0.5, w));  // equal is not better: third epoch without improvement
  BOOST_TEST(stopper.restore_best(w));
  BOOST_TEST(w[0] == 1.0);
  std::vector<double> shorter(1);
  BOOST_CHECK_THROW(stopper.restore_best(shorter), sg::shape_error);
  BOOST_CHECK_THROW(stopper.update(6, 0.1, shorter), sg::shape_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(nan_guard)

BOOST_AUTO_TEST_CASE_TEMPLATE(names_the_slice_and_index_of_the_first_non_finite_value, T, float_types) {
  const std::vector<sg::ParamSlice> slices{{"fc1.W", 0, 3000, false}, {"fc1.b", 3000, 10, false},
                                           {"fc2.W", 3010, 2000, false}};
  std::vector<T> w(5010, T(0.5));
  BOOST_TEST(!sg::find_non_finite(std::span<const T>(w), slices).has_value());
  w[4000] = std::numeric_limits<T>::infinity();
  w[3017] = std::numeric_limits<T>::quiet_NaN();
  const auto found = sg::find_non_finite(std::span<const T>(w), slices);
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(found->slice == "fc2.W");
  BOOST_TEST(found->index == 7u);
  BOOST_TEST(found->flat_index == 3017u);
  BOOST_TEST(sg::describe(*found) == "fc2.W[7] is nan");
  w[3017] = 0;
  BOOST_TEST(sg::describe(*sg::find_non_finite(std::span<const T>(w), slices)) == "fc2.W[990] is inf");
  w.push_back(-std::numeric_limits<T>::infinity());  // outside every slice
  w[4000] = 0;
  BOOST_TEST(sg::describe(*sg::find_non_finite(std::span<const T>(w), slices)) == "parameter 5010 is -inf");
}

BOOST_AUTO_TEST_CASE(check_finite_stops_a_diverging_run_with_the_culprit) {
  // Gradient descent on J(w) = w^2 / 2 * 100 with a learning rate of 1: w <- w - 100 w = -99 w, which
  // overflows float after a few dozen steps. The guard stops at the first non-finite weight and the last
  // good weights are those of the step before.
  const std::vector<sg::ParamSlice> slices{{"head.W", 0, 2, false}};
  std::vector<float> w{1e-3f, 0.0f}, last_good = w, g(2);
  sg::GradientDescent<float> gd;
  std::string message;
  int steps = 0;
  try {
    for (; steps < 1000; ++steps) {
      for (std::size_t i = 0; i < 2; ++i) g[i] = 100.0f * w[i];
      const double cost = 50.0 * static_cast<double>(w[0]) * static_cast<double>(w[0]);
      last_good = w;
      gd.step(std::span<float>(w), std::span<const float>(g), slices, 1.0f);
      sg::check_finite(fmt::format("step {}", steps + 1), cost, std::span<const float>(w), slices);
    }
  } catch (const sg::numeric_error& e) {
    message = e.what();
  }
  BOOST_TEST(steps < 100);
  BOOST_TEST(message == fmt::format("step {}: head.W[0] is {}", steps + 1, w[0]));
  BOOST_TEST(std::isfinite(last_good[0]));
  BOOST_CHECK_THROW(sg::check_finite("epoch 2", NAN, std::span<const float>(last_good), slices), sg::numeric_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gradient_clipping)

BOOST_AUTO_TEST_CASE(scales_to_the_limit_and_keeps_the_direction) {
  const std::vector<sg::ParamSlice> slices{{"W", 0, 2, false}, {"frozen", 2, 1, true}, {"b", 3, 1, false}};
  std::vector<double> g{3.0, 0.0, 100.0, 4.0};  // trainable norm 5; the frozen slice does not count
  sg::GlobalNormClipper clipper(1.0);
  BOOST_TEST(clipper.clip(std::span<double>(g), slices) == 5.0);
  BOOST_TEST(g[0] == 0.6, tt::tolerance(1e-15));
  BOOST_TEST(g[3] == 0.8, tt::tolerance(1e-15));
  BOOST_TEST(g[2] == 100.0);
  BOOST_TEST(clipper.clip(std::span<double>(g), slices) == 1.0, tt::tolerance(1e-15));  // already within
  BOOST_TEST(g[0] == 0.6, tt::tolerance(1e-15));
  std::vector<double> bad{NAN, 1.0, 1.0, 1.0};
  BOOST_TEST(std::isnan(clipper.clip(std::span<double>(bad), slices)));
  BOOST_TEST(bad[1] == 1.0);  // left for the NaN guard
}

static std::vector<float> clipped_with(int threads, double* norm) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  const std::vector<sg::ParamSlice> slices{{"a", 0, 70001, false}, {"b", 70001, 3, false}, {"c", 70004, 50000, false}};
  std::vector<float> g(120004);
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::sin(static_cast<float>(i)) * 0.37f;
  sg::GlobalNormClipper clipper(10.0);
  *norm = clipper.clip(std::span<float>(g), slices);
  omp_set_num_threads(saved);
  return g;
}

BOOST_AUTO_TEST_CASE(norm_is_bit_identical_for_one_and_two_threads) {
  double norm1 = 0, norm2 = 0;
  const std::vector<float> one = clipped_with(1, &norm1), two = clipped_with(2, &norm2);
  BOOST_TEST(std::memcmp(&norm1, &norm2, sizeof(double)) == 0);
  BOOST_TEST(norm1 > 10.0);
  BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

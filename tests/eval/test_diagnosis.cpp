// Diagnosis: the course's worked cases, ties, and bad input.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/eval/diagnosis.hpp"

namespace tt = boost::test_tools;
using sg::eval::Problem;

BOOST_AUTO_TEST_SUITE(diagnosis)

BOOST_AUTO_TEST_CASE(course_baseline_1_percent_is_bias) {
  const auto d = sg::eval::diagnose({.human = 0.01, .train = 0.07, .dev = 0.10});
  BOOST_TEST(d.avoidable_bias == 0.06, tt::tolerance(1e-12));
  BOOST_TEST(d.variance == 0.03, tt::tolerance(1e-12));
  BOOST_TEST(!d.data_mismatch);
  BOOST_TEST((d.focus == Problem::avoidable_bias));
  BOOST_TEST(d.recommendations.front() == "train a bigger model (more hidden units or layers)");
}

BOOST_AUTO_TEST_CASE(course_baseline_6_percent_is_variance) {
  const auto d = sg::eval::diagnose({.human = 0.06, .train = 0.07, .dev = 0.10});
  BOOST_TEST(d.avoidable_bias == 0.01, tt::tolerance(1e-9));
  BOOST_TEST(d.variance == 0.03, tt::tolerance(1e-12));
  BOOST_TEST((d.focus == Problem::variance));
  BOOST_TEST(d.recommendations.front() == "get more training data");
}

BOOST_AUTO_TEST_CASE(course_train_dev_9_percent_is_variance) {
  const auto d = sg::eval::diagnose({.human = 0.0, .train = 0.01, .train_dev = 0.09, .dev = 0.10});
  BOOST_TEST(d.variance == 0.08, tt::tolerance(1e-12));
  BOOST_TEST(*d.data_mismatch == 0.01, tt::tolerance(1e-9));
  BOOST_TEST((d.focus == Problem::variance));
}

BOOST_AUTO_TEST_CASE(course_train_dev_1_5_percent_is_data_mismatch) {
  const auto d = sg::eval::diagnose({.human = 0.0, .train = 0.01, .train_dev = 0.015, .dev = 0.10});
  BOOST_TEST(d.variance == 0.005, tt::tolerance(1e-9));
  BOOST_TEST(*d.data_mismatch == 0.085, tt::tolerance(1e-12));
  BOOST_TEST((d.focus == Problem::data_mismatch));
  BOOST_TEST(d.recommendations.size() == 2u);
  BOOST_TEST(d.recommendations[0].find("manual error analysis") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_far_above_dev_is_dev_overfitting) {
  const auto d =
      sg::eval::diagnose({.human = 0.01, .train = 0.02, .train_dev = 0.025, .dev = 0.03, .test = 0.08});
  BOOST_TEST(*d.dev_overfitting == 0.05, tt::tolerance(1e-12));
  BOOST_TEST((d.focus == Problem::dev_overfitting));
  BOOST_TEST(d.recommendations.front().find("bigger dev set") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ties_go_to_bias_and_small_gaps_to_none) {
  BOOST_TEST(
      (sg::eval::diagnose({.human = 0.0, .train = 0.25, .dev = 0.50}).focus == Problem::avoidable_bias));
  const auto fine = sg::eval::diagnose({.human = 0.01, .train = 0.011, .dev = 0.012}, 0.005);
  BOOST_TEST((fine.focus == Problem::none));
  // Training error below human level: a note says the proxy no longer bounds Bayes error.
  const auto beyond = sg::eval::diagnose({.human = 0.05, .train = 0.03, .dev = 0.04});
  BOOST_TEST(beyond.avoidable_bias == -0.02, tt::tolerance(1e-12));
  BOOST_TEST(std::any_of(
      beyond.recommendations.begin(), beyond.recommendations.end(),
      [](const std::string& r) { return r.find("below the human-level proxy") != std::string::npos; }));
}

BOOST_AUTO_TEST_CASE(rates_must_be_fractions) {
  BOOST_TEST(sg::test::message_of<sg::numeric_error>([] {
               sg::eval::diagnose({.human = 1, .train = 7, .dev = 10});
             }) == "diagnose: training error as a fraction in [0, 1] expected (0.07 for 7%), found 7");
  BOOST_CHECK_THROW(sg::eval::diagnose({.train = 0.1, .dev = 0.1, .test = -0.1}), sg::numeric_error);
}

BOOST_AUTO_TEST_CASE(report_marks_the_largest_gap) {
  const sg::eval::ErrorRates e{.human = 0.0, .train = 0.01, .train_dev = 0.015, .dev = 0.10};
  const std::string r = sg::eval::format_diagnosis(e, sg::eval::diagnose(e));
  BOOST_TEST(r.find("data mismatch          8.50 points  (dev - train-dev)  <- largest") != std::string::npos,
             r);
  BOOST_TEST(r.find("test error              -") != std::string::npos, r);
  BOOST_TEST(r.find("work on: data mismatch") != std::string::npos, r);
}

BOOST_AUTO_TEST_SUITE_END()

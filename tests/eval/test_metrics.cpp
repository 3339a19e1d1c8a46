// Metrics: hand-computed confusion matrices, binary and macro averages, zero-denominator conventions.
#include <boost/test/unit_test.hpp>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/eval/metrics.hpp"

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(binary_precision_recall_f1) {
  // 10 samples: TP 3, FN 1, FP 2, TN 4.
  const std::vector<std::int32_t> truth = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  const std::vector<std::int32_t> predicted = {1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
  const sg::eval::ConfusionMatrix cm(truth, predicted, 2);
  BOOST_TEST(cm.total() == 10u);
  BOOST_TEST(cm.true_positives(1) == 3u);
  BOOST_TEST(cm.false_negatives(1) == 1u);
  BOOST_TEST(cm.false_positives(1) == 2u);
  BOOST_TEST(cm.count(0, 0) == 4u);
  BOOST_TEST(sg::eval::accuracy(cm) == 0.7, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::error_rate(cm) == 0.3, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::accuracy(truth, predicted) == 0.7, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::precision(cm) == 0.6, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::recall(cm) == 0.75, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::f1_score(cm) == 2 * 0.6 * 0.75 / 1.35, tt::tolerance(1e-12));
  // The negative class as positive: P = 4/5, R = 4/6.
  BOOST_TEST(sg::eval::precision(cm, 0) == 0.8, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::recall(cm, 0) == 4.0 / 6.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(macro_averages_over_classes_present) {
  // Three classes (class 3 of 4 never occurs); per class P = (1, 1/2, 1/2), R = (1/2, 1, 1/2).
  const std::vector<std::int32_t> truth = {0, 0, 1, 2, 2};
  const std::vector<std::int32_t> predicted = {0, 1, 1, 2, 0};
  const sg::eval::ConfusionMatrix cm(truth, predicted, 4);
  BOOST_TEST(sg::eval::macro_precision(cm) == (1 + 0.5 + 0.5) / 3, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::macro_recall(cm) == (0.5 + 1 + 0.5) / 3, tt::tolerance(1e-12));
  const double f0 = 2 * 1 * 0.5 / 1.5, f1 = 2 * 0.5 * 1 / 1.5, f2 = 0.5;
  BOOST_TEST(sg::eval::macro_f1(cm) == (f0 + f1 + f2) / 3, tt::tolerance(1e-12));
  BOOST_TEST(cm.support(2) == 2u);
  BOOST_TEST(cm.correct() == 3u);
}

BOOST_AUTO_TEST_CASE(whole_set_not_mean_of_batches) {
  // Batch 1: 1 positive predicted, correct (P = 1). Batch 2: 3 predicted, 1 correct (P = 1/3).
  // The mean of batch precisions is 2/3; the set's precision is 2/4.
  sg::eval::ConfusionMatrix cm(2);
  cm.add(1, 1);
  for (auto [t, p] : {std::pair{1, 1}, std::pair{0, 1}, std::pair{0, 1}}) cm.add(t, p);
  BOOST_TEST(sg::eval::precision(cm) == 0.5, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(zero_denominators_give_zero) {
  const std::vector<std::int32_t> truth = {0, 0}, predicted = {0, 0};
  const sg::eval::ConfusionMatrix cm(truth, predicted, 2);
  BOOST_TEST(sg::eval::precision(cm, 1) == 0.0);
  BOOST_TEST(sg::eval::recall(cm, 1) == 0.0);
  BOOST_TEST(sg::eval::f1_score(cm, 1) == 0.0);
  BOOST_TEST(sg::eval::macro_f1(cm) == 1.0);  // class 1 occurs nowhere, so it is not averaged
  const sg::eval::ConfusionMatrix empty(3);
  BOOST_TEST(sg::eval::accuracy(empty) == 0.0);
  BOOST_TEST(sg::eval::error_rate(empty) == 0.0);
  BOOST_TEST(sg::eval::macro_precision(empty) == 0.0);
}

BOOST_AUTO_TEST_CASE(bad_input_is_rejected) {
  const std::vector<std::int32_t> three = {0, 1, 2}, two = {0, 1}, bad = {0, 3, 1};
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::eval::ConfusionMatrix(three, two, 3); }) ==
             "one prediction per true label expected (3), found 2");
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] { sg::eval::ConfusionMatrix(three, bad, 3); }) ==
             "sample 1: true and predicted labels in [0, 3) expected, found 1 and 3");
  BOOST_CHECK_THROW(sg::eval::accuracy(three, two), sg::shape_error);
  BOOST_CHECK_THROW(sg::eval::precision(sg::eval::ConfusionMatrix(2), 2), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(argmax_and_report) {
  sg::Matrix<float> scores(3, 2);
  scores(0, 0) = 0.1f, scores(1, 0) = 0.7f, scores(2, 0) = 0.2f;
  scores(0, 1) = 0.5f, scores(1, 1) = 0.5f, scores(2, 1) = 0.0f;  // a tie: the first wins
  BOOST_TEST(sg::eval::argmax_columns(scores) == (std::vector<std::int32_t>{1, 0}), tt::per_element());
  const std::vector<std::int32_t> truth = {0, 1, 1}, predicted = {0, 1, 0};
  const std::array<std::string_view, 2> names = {"cat", "dog"};
  const std::string report = sg::eval::format_report(sg::eval::ConfusionMatrix(truth, predicted, 2), names);
  BOOST_TEST(report.find("  cat    1    0\n  dog    1    1\n") != std::string::npos, report);
  BOOST_TEST(report.find("accuracy 0.6667 (error 0.3333)") != std::string::npos, report);
  BOOST_CHECK_THROW(sg::eval::format_report(sg::eval::ConfusionMatrix(3), names), sg::shape_error);
}

BOOST_AUTO_TEST_SUITE_END()

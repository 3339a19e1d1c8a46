// Model selection: a single-number metric, and an optimising metric under satisficing constraints.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/eval/selection.hpp"

namespace {

// The course's example: classifiers A, B, C with accuracy and running time.
std::vector<sg::eval::Candidate> course_models() {
  return {{"A", {{"accuracy", 0.90}, {"prediction_ms", 80}}},
          {"B", {{"accuracy", 0.92}, {"prediction_ms", 95}}},
          {"C", {{"accuracy", 0.95}, {"prediction_ms", 1500}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(selection)

BOOST_AUTO_TEST_CASE(pick_best_by_one_number) {
  const auto models = course_models();
  BOOST_TEST(*sg::eval::pick_best(models, {"accuracy"}) == 2u);
  BOOST_TEST(*sg::eval::pick_best(models, {"prediction_ms", sg::eval::Goal::minimise}) == 0u);
  BOOST_TEST(!sg::eval::pick_best({}, {"accuracy"}));
  // Ties go to the first; NaN never wins.
  const std::vector<sg::eval::Candidate> tied = {
      {"x", {{"f1", NAN}}}, {"y", {{"f1", 0.5}}}, {"z", {{"f1", 0.5}}}};
  BOOST_TEST(*sg::eval::pick_best(tied, {"f1"}) == 1u);
}

BOOST_AUTO_TEST_CASE(optimising_under_satisficing) {
  const auto models = course_models();
  const std::vector<sg::eval::Satisficing> constraints = {{"prediction_ms", sg::eval::Bound::at_most, 100}};
  const auto s = sg::eval::select_optimising(models, {"accuracy"}, constraints);
  BOOST_TEST(*s.best == 1u);  // B: the most accurate of those within 100 ms
  BOOST_TEST(s.failed[2] == (std::vector<std::size_t>{0}), boost::test_tools::per_element());
  BOOST_TEST(s.failed[0].empty());
  const std::string table = sg::eval::format_selection(models, {"accuracy"}, constraints, s);
  BOOST_TEST(table.find("* B") != std::string::npos, table);
  BOOST_TEST(table.find("fails prediction_ms") != std::string::npos, table);

  const std::vector<sg::eval::Satisficing> impossible = {{"prediction_ms", sg::eval::Bound::at_most, 10},
                                                         {"accuracy", sg::eval::Bound::at_least, 0.5}};
  const auto none = sg::eval::select_optimising(models, {"accuracy"}, impossible);
  BOOST_TEST(!none.best);
  BOOST_TEST(sg::eval::format_selection(models, {"accuracy"}, impossible, none).find("no model satisfies") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_metric_is_named) {
  const std::vector<sg::eval::Candidate> models = {{"A", {{"accuracy", 0.9}}}};
  BOOST_TEST(sg::test::message_of<sg::error>([&] { sg::eval::pick_best(models, {"f1"}); }) ==
             "candidate \"A\": metric \"f1\" expected, found only [accuracy]");
}

BOOST_AUTO_TEST_SUITE_END()

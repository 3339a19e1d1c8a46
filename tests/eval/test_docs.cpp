// The examples quoted in docs/metrics.md and docs/diagnosis.md, run as tests; the last case checks
// that the docs quote them, and the reports they print, exactly.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "data/helpers.hpp"
#include "data/snippets.hpp"
#include "staticgrad/eval/contact_sheet.hpp"
#include "staticgrad/eval/diagnosis.hpp"
#include "staticgrad/eval/error_analysis.hpp"
#include "staticgrad/eval/metrics.hpp"
#include "staticgrad/eval/selection.hpp"

namespace {

std::map<std::string, std::string>& outputs() {
  static std::map<std::string, std::string> o;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docs_eval)

BOOST_AUTO_TEST_CASE(metrics) {
  const std::vector<std::int32_t> dev_labels = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  const std::vector<std::int32_t> predicted = {1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
  // [snippet:metrics]
  // Over the whole dev set: never average per-batch precisions (their mean is not the set's precision).
  // Arguments are always (truth, predicted).
  const sg::eval::ConfusionMatrix cm(dev_labels, predicted, /*num_classes=*/2);
  const double acc = sg::eval::accuracy(cm);  // 0.7
  const double p = sg::eval::precision(cm);   // 0.6:  of the samples predicted 1, how many are 1
  const double r = sg::eval::recall(cm);      // 0.75: of the samples that are 1, how many were found
  const double f1 = sg::eval::f1_score(cm);   // 2pr / (p + r), about 0.667: one number for both
  const std::string report = sg::eval::format_report(cm, std::array<std::string_view, 2>{"not cat", "cat"});
  // [/snippet]
  BOOST_TEST(acc == 0.7, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(p == 0.6, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r == 0.75, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(f1 == 2 * 0.6 * 0.75 / 1.35, boost::test_tools::tolerance(1e-12));
  outputs()["metrics_report"] = report;
}

BOOST_AUTO_TEST_CASE(selection) {
  // [snippet:select_optimising]
  const std::vector<sg::eval::Candidate> models = {{"A", {{"accuracy", 0.90}, {"prediction_ms", 80}}},
                                                   {"B", {{"accuracy", 0.92}, {"prediction_ms", 95}}},
                                                   {"C", {{"accuracy", 0.95}, {"prediction_ms", 1500}}}};
  // One optimising metric (accuracy, as high as possible), one satisficing metric (<= 100 ms is enough).
  const sg::eval::Optimising optimising{"accuracy", sg::eval::Goal::maximise};
  const std::vector<sg::eval::Satisficing> constraints = {{"prediction_ms", sg::eval::Bound::at_most, 100}};
  const sg::eval::Selection chosen = sg::eval::select_optimising(models, optimising, constraints);
  // *chosen.best == 1: B. C is more accurate but too slow; pick_best(models, optimising) alone gives C.
  const std::string table = sg::eval::format_selection(models, optimising, constraints, chosen);
  // [/snippet]
  BOOST_TEST(*chosen.best == 1u);
  BOOST_TEST(*sg::eval::pick_best(models, optimising) == 2u);
  outputs()["selection_table"] = table;
}

BOOST_AUTO_TEST_CASE(diagnosis) {
  // [snippet:diagnose]
  // The course's mismatched-data case: human-level 0%, training 1%, train-dev 1.5%, dev 10%.
  const sg::eval::ErrorRates errors{.human = 0.0, .train = 0.01, .train_dev = 0.015, .dev = 0.10};
  const sg::eval::Diagnosis d = sg::eval::diagnose(errors);
  // d.focus == sg::eval::Problem::data_mismatch; d.recommendations says what to try.
  fmt::print("{}", sg::eval::format_diagnosis(errors, d));
  // [/snippet]
  BOOST_TEST((d.focus == sg::eval::Problem::data_mismatch));
  outputs()["diagnose_mismatch"] = sg::eval::format_diagnosis(errors, d);
  const sg::eval::ErrorRates bias{.human = 0.01, .train = 0.07, .dev = 0.10};
  outputs()["diagnose_bias"] = sg::eval::format_diagnosis(bias, sg::eval::diagnose(bias));
}

BOOST_AUTO_TEST_CASE(error_analysis) {
  // A dev set of 1000 samples with 100 errors; softmax outputs of 10 classes.
  sg::data::Dataset dev;
  dev.x.resize(4, 1000);
  dev.x.fill(0.5f);
  dev.image_rows = dev.image_cols = 2;
  dev.num_classes = 10;
  sg::Matrix<float> probabilities(10, 1000);
  probabilities.fill(0.01f);
  for (std::size_t j = 0; j < 1000; ++j) {
    dev.labels.push_back(static_cast<std::int32_t>(j % 10));
    probabilities((j % 10 + (j % 10 == 0 ? 1 : 0)) % 10, j) = 0.91f;  // every tenth sample is wrong
  }
  sg::test::TempDir tmp;
  const auto sheet_path = tmp / "dev-errors.png";

  // [snippet:error_analysis]
  // 1. The wrong predictions, most confident first (confident mistakes are often mislabelled examples).
  std::vector<sg::eval::Misclassified> wrong = sg::eval::misclassified(dev.labels, probabilities);
  std::ranges::sort(wrong, std::ranges::greater{}, &sg::eval::Misclassified::confidence);

  // 2. Look at a sample of them: a contact sheet of the first 100, in that order.
  std::vector<std::size_t> look;
  for (std::size_t k = 0; k < std::min<std::size_t>(100, wrong.size()); ++k) look.push_back(wrong[k].index);
  sg::eval::write_contact_sheet_png(sheet_path, dev, look);

  // 3. Tag what you see (an example may get several tags), then tally.
  std::vector<sg::eval::TaggedError> tagged;
  for (std::size_t k = 0; k < look.size(); ++k) {
    sg::eval::TaggedError e{look[k], {}};
    if (k < 50) e.tags.push_back("blurry");
    if (k >= 50 && k < 60) e.tags.push_back("dog");
    if (k % 25 == 0) e.tags.push_back(std::string(sg::eval::mislabelled_tag));
    tagged.push_back(e);
  }
  const sg::eval::ErrorAnalysis analysis = sg::eval::tally_tags(tagged, wrong.size(), dev.size());
  fmt::print("{}", sg::eval::format_error_analysis(analysis));
  // [/snippet]
  BOOST_TEST(wrong.size() == 100u);
  BOOST_TEST(std::filesystem::exists(sheet_path));
  outputs()["error_analysis"] = sg::eval::format_error_analysis(analysis);
}

// Depends on the cases above, which record the outputs quoted in the docs.
BOOST_AUTO_TEST_CASE(docs_quote_the_compiled_examples,
                     *boost::unit_test::depends_on("docs_eval/metrics") *
                         boost::unit_test::depends_on("docs_eval/selection") *
                         boost::unit_test::depends_on("docs_eval/diagnosis") *
                         boost::unit_test::depends_on("docs_eval/error_analysis")) {
  const std::vector<std::filesystem::path> sources = {__FILE__};
  BOOST_TEST(sg::test::check_doc(sg::test::docs_dir() / "metrics.md", sources, outputs()) >= 4u);
  BOOST_TEST(sg::test::check_doc(sg::test::docs_dir() / "diagnosis.md", sources, outputs()) >= 5u);
}

BOOST_AUTO_TEST_SUITE_END()

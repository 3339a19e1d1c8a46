// Misclassified examples and the tally of the tags a person gave them.
#include "staticgrad/eval/error_analysis.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string_view>

#include "staticgrad/core/error.hpp"
#include "staticgrad/eval/metrics.hpp"
#include "text_wrap.hpp"

namespace sg::eval {

namespace {

using detail::wrap;


}  // namespace

std::vector<Misclassified> misclassified(std::span<const std::int32_t> truth,
                                         std::span<const std::int32_t> predicted) {
  if (truth.size() != predicted.size())
    throw sg::shape_error(fmt::format("misclassified: one prediction per true label expected ({}), found {}",
                                      truth.size(), predicted.size()));
  std::vector<Misclassified> out;
  for (std::size_t j = 0; j < truth.size(); ++j)
    if (truth[j] != predicted[j])
      out.push_back({j, truth[j], predicted[j], std::numeric_limits<float>::quiet_NaN()});
  return out;
}

std::vector<Misclassified> misclassified(std::span<const std::int32_t> truth,
                                         sg::MatrixView<const float> scores) {
  if (scores.cols != truth.size())
    throw sg::shape_error(fmt::format(
        "misclassified: one score column per true label expected ({}), found {}", truth.size(), scores.cols));
  const std::vector<std::int32_t> predicted = argmax_columns(scores);
  std::vector<Misclassified> out;
  for (std::size_t j = 0; j < truth.size(); ++j)
    if (truth[j] != predicted[j])
      out.push_back({j, truth[j], predicted[j], scores(static_cast<std::size_t>(predicted[j]), j)});
  return out;
}

ErrorAnalysis tally_tags(std::span<const TaggedError> examined, std::size_t total_errors,
                         std::size_t set_size) {
  if (examined.size() > total_errors || total_errors > set_size)
    throw sg::shape_error(fmt::format(
        "tally_tags: examined <= total errors <= set size expected, found {} examined, {} errors, {} samples",
        examined.size(), total_errors, set_size));
  ErrorAnalysis a;
  a.set_size = set_size;
  a.total_errors = total_errors;
  a.examined = examined.size();
  const double error_rate =
      set_size == 0 ? 0.0 : static_cast<double>(total_errors) / static_cast<double>(set_size);
  a.accuracy = set_size == 0 ? 0.0 : 1.0 - error_rate;

  std::map<std::string, std::size_t, std::less<>> counts;
  for (const auto& e : examined) {
    const std::set<std::string, std::less<>> unique(e.tags.begin(), e.tags.end());
    if (unique.empty()) ++a.untagged;
    for (const auto& tag : unique) ++counts[tag];
  }
  for (const auto& [tag, count] : counts) {
    TagTally t;
    t.tag = tag;
    t.count = count;
    t.share_of_errors = static_cast<double>(count) / static_cast<double>(a.examined);
    t.ceiling_accuracy = a.accuracy + t.share_of_errors * error_rate;
    a.tags.push_back(std::move(t));
  }
  std::stable_sort(a.tags.begin(), a.tags.end(),
                   [](const TagTally& x, const TagTally& y) { return x.count > y.count; });
  return a;
}

std::string format_error_analysis(const ErrorAnalysis& a) {
  std::string out = fmt::format(
      "error analysis: {} of {} misclassified examples examined; accuracy {:.2f}% (error {:.2f}%) on {} "
      "samples\n",
      a.examined, a.total_errors, 100 * a.accuracy, a.set_size == 0 ? 0.0 : 100 * (1 - a.accuracy),
      a.set_size);
  std::size_t width = 9;  // "untagged"
  for (const auto& t : a.tags) width = std::max(width, t.tag.size());
  out += fmt::format("  {:<{}} {:>7} {:>16} {:>16}\n", "tag", width, "count", "share of errors",
                     "ceiling accuracy");
  bool mislabelled = false;
  for (const auto& t : a.tags) {
    out += fmt::format("  {:<{}} {:>7} {:>15.1f}% {:>15.2f}%\n", t.tag, width, t.count,
                       100 * t.share_of_errors, 100 * t.ceiling_accuracy);
    mislabelled = mislabelled || t.tag == mislabelled_tag;
  }
  if (a.untagged)
    out += fmt::format("  {:<{}} {:>7} {:>15.1f}%\n", "untagged", width, a.untagged,
                       100 * static_cast<double>(a.untagged) / static_cast<double>(a.examined));
  out +=
      "  (an example may carry several tags; a ceiling is the accuracy if every error with that tag were\n"
      "  fixed)\n";
  if (mislabelled)
    out += "  " +
           wrap(fmt::format("about \"{}\": fix the labels only if the ceiling is worth the work; if you "
                            "correct dev examples, correct "
                            "the test set in the same way so that dev and test keep coming from the same "
                            "distribution, and look at "
                            "examples the model got right as well as wrong. The training set can stay as it "
                            "is: training is fairly "
                            "robust to random label errors.",
                            mislabelled_tag),
                100, "  ") +
           "\n";
  return out;
}

}  // namespace sg::eval

// staticgrad/eval/error_analysis.hpp - looking at the mistakes: which dev examples are wrong, and which
// kinds of mistake are worth fixing.
//
// The course's procedure: list the misclassified dev examples, look at (a sample of) them, tag each
// with the reasons you see ("blurry", "dog", "mislabelled"; an example may have several), and tally the
// tags. A tag's share of the errors bounds what fixing it can gain: the ceiling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "staticgrad/core/matrix.hpp"

namespace sg::eval {

// Misclassified: one wrong prediction. `confidence` is the score of the predicted class (a probability
// when the scores are softmax outputs), NaN when only labels were given.
struct Misclassified {
  std::size_t index;  // the sample's column in the evaluated set
  std::int32_t truth;
  std::int32_t predicted;
  float confidence;
};

// The wrong predictions in index order. From labels: requires equal sizes (sg::shape_error). From
// scores (classes x samples, e.g. softmax outputs): predicted = argmax of the column, confidence = its
// value; requires scores.cols == truth.size().
std::vector<Misclassified> misclassified(std::span<const std::int32_t> truth,
                                         std::span<const std::int32_t> predicted);
std::vector<Misclassified> misclassified(std::span<const std::int32_t> truth,
                                         sg::MatrixView<const float> scores);

// The tag that marks an example whose label is wrong, treated specially in the report.
inline constexpr std::string_view mislabelled_tag = "mislabelled";

// TaggedError: the tags a person gave one examined misclassified example (by its index).
struct TaggedError {
  std::size_t index;
  std::vector<std::string> tags;
};

// TagTally: how often a tag occurred among the examined errors, and what fixing it could gain.
struct TagTally {
  std::string tag;
  std::size_t count = 0;
  double share_of_errors = 0;   // count / examined errors
  double ceiling_accuracy = 0;  // accuracy if every error with this tag were fixed (estimated)
};

// ErrorAnalysis: the tallies, most frequent first (then by name).
struct ErrorAnalysis {
  std::size_t set_size = 0;      // samples in the evaluated set
  std::size_t total_errors = 0;  // misclassified samples in the set
  std::size_t examined = 0;      // how many of them were tagged
  std::size_t untagged = 0;      // examined errors with no tag
  double accuracy = 0;           // 1 - total_errors / set_size
  std::vector<TagTally> tags;
};

// Tallies the tags of `examined` (a sample of the set's errors, or all of them). A tag's share is
// estimated from the examined errors and scaled to all `total_errors`; its ceiling accuracy is
// accuracy + share * error_rate. A tag repeated on one example counts once. Requires examined.size() <=
// total_errors <= set_size (sg::shape_error).
ErrorAnalysis tally_tags(std::span<const TaggedError> examined, std::size_t total_errors,
                         std::size_t set_size);

// A report: one row per tag (count, share, ceiling), the untagged rest, and the course's advice for the
// mislabelled tag (correct dev and test alike) when it occurs.
std::string format_error_analysis(const ErrorAnalysis& analysis);

}  // namespace sg::eval

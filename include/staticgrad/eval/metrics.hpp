// staticgrad/eval/metrics.hpp - classification metrics over a whole set.
//
// Every metric here is computed from the counts of a ConfusionMatrix over the whole set, never as an
// average of per-batch values (the mean of per-batch precisions is not the precision of the set).
// Arguments are always (truth, predicted), in that order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "staticgrad/core/matrix.hpp"

namespace sg::eval {

// ConfusionMatrix: count(t, p) is the number of samples of true class t predicted as class p.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::size_t num_classes);
  // Counts every pair; requires truth.size() == predicted.size() (sg::shape_error) and labels in
  // [0, num_classes) (sg::format_error naming the sample).
  ConfusionMatrix(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted,
                  std::size_t num_classes);

  void add(std::int32_t truth, std::int32_t predicted);  // one sample; labels checked as above

  std::size_t num_classes() const { return num_classes_; }
  std::size_t count(std::size_t truth, std::size_t predicted) const {
    return counts_[truth * num_classes_ + predicted];
  }
  std::size_t total() const { return total_; }
  std::size_t correct() const;  // the diagonal
  std::size_t true_positives(std::size_t c) const { return count(c, c); }
  std::size_t false_positives(std::size_t c) const;  // predicted c, truly another class
  std::size_t false_negatives(std::size_t c) const;  // truly c, predicted another class
  std::size_t support(std::size_t c) const;          // samples truly of class c

 private:
  std::size_t num_classes_ = 0;
  std::size_t total_ = 0;
  std::vector<std::size_t> counts_;  // row-major: truth * num_classes + predicted
};

// Fraction of correct predictions; 0 for an empty set.
double accuracy(const ConfusionMatrix& cm);
double accuracy(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted);
// 1 - accuracy; 0 for an empty set.
double error_rate(const ConfusionMatrix& cm);
double error_rate(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted);

// One class against the rest (for a binary problem, positive_class = 1). A ratio with a zero denominator
// (no sample predicted positive for precision, none truly positive for recall) is 0, as is F1 when
// precision + recall is 0.
double precision(const ConfusionMatrix& cm, std::size_t positive_class = 1);
double recall(const ConfusionMatrix& cm, std::size_t positive_class = 1);
double f1_score(const ConfusionMatrix& cm, std::size_t positive_class = 1);  // 2PR / (P + R)

// Unweighted means over the classes that occur in the truth or the predictions (a class absent from
// both says nothing about the model). macro_f1 is the mean of per-class F1 scores, not the F1 of the
// macro precision and recall.
double macro_precision(const ConfusionMatrix& cm);
double macro_recall(const ConfusionMatrix& cm);
double macro_f1(const ConfusionMatrix& cm);

// The predicted class of each column of `scores` (classes x samples): the row of the largest value
// (the first on ties). Requires at least one row (sg::shape_error).
std::vector<std::int32_t> argmax_columns(sg::MatrixView<const float> scores);

// A text report: the confusion matrix (rows true, columns predicted), then per-class precision, recall,
// F1 and support, then accuracy and the macro averages. `class_names` may be empty (numbers are shown)
// or have one name per class.
std::string format_report(const ConfusionMatrix& cm, std::span<const std::string_view> class_names = {});

}  // namespace sg::eval

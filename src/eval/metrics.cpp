// Confusion matrix and the metrics derived from its counts.
#include "staticgrad/eval/metrics.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "staticgrad/core/error.hpp"

namespace sg::eval {

namespace {

double ratio(std::size_t num, std::size_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

double harmonic(double p, double r) { return p + r == 0 ? 0.0 : 2 * p * r / (p + r); }

void check_sizes(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted) {
  if (truth.size() != predicted.size())
    throw sg::shape_error(
        fmt::format("one prediction per true label expected ({}), found {}", truth.size(), predicted.size()));
}

// Classes that occur in the truth or the predictions.
template <class F>
double macro(const ConfusionMatrix& cm, F per_class) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t c = 0; c < cm.num_classes(); ++c) {
    if (cm.support(c) == 0 && cm.true_positives(c) + cm.false_positives(c) == 0) continue;
    sum += per_class(c);
    ++n;
  }
  return n == 0 ? 0.0 : sum / static_cast<double>(n);
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(std::size_t num_classes)
    : num_classes_(num_classes), counts_(num_classes * num_classes, 0) {}

ConfusionMatrix::ConfusionMatrix(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted,
                                 std::size_t num_classes)
    : ConfusionMatrix(num_classes) {
  check_sizes(truth, predicted);
  for (std::size_t j = 0; j < truth.size(); ++j) {
    const auto in_range = [&](std::int32_t y) {
      return y >= 0 && static_cast<std::size_t>(y) < num_classes_;
    };
    if (!in_range(truth[j]) || !in_range(predicted[j]))
      throw sg::format_error(
          fmt::format("sample {}: true and predicted labels in [0, {}) expected, found {} and {}", j,
                      num_classes_, truth[j], predicted[j]));
    add(truth[j], predicted[j]);
  }
}

void ConfusionMatrix::add(std::int32_t truth, std::int32_t predicted) {
  if (truth < 0 || predicted < 0 || static_cast<std::size_t>(truth) >= num_classes_ ||
      static_cast<std::size_t>(predicted) >= num_classes_)
    throw sg::format_error(fmt::format("true and predicted labels in [0, {}) expected, found {} and {}",
                                       num_classes_, truth, predicted));
  ++counts_[static_cast<std::size_t>(truth) * num_classes_ + static_cast<std::size_t>(predicted)];
  ++total_;
}

std::size_t ConfusionMatrix::correct() const {
  std::size_t n = 0;
  for (std::size_t c = 0; c < num_classes_; ++c) n += count(c, c);
  return n;
}

std::size_t ConfusionMatrix::false_positives(std::size_t c) const {
  std::size_t n = 0;
  for (std::size_t t = 0; t < num_classes_; ++t)
    if (t != c) n += count(t, c);
  return n;
}

std::size_t ConfusionMatrix::false_negatives(std::size_t c) const { return support(c) - count(c, c); }

std::size_t ConfusionMatrix::support(std::size_t c) const {
  std::size_t n = 0;
  for (std::size_t p = 0; p < num_classes_; ++p) n += count(c, p);
  return n;
}

double accuracy(const ConfusionMatrix& cm) { return ratio(cm.correct(), cm.total()); }

double accuracy(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted) {
  check_sizes(truth, predicted);
  std::size_t correct = 0;
  for (std::size_t j = 0; j < truth.size(); ++j) correct += truth[j] == predicted[j];
  return ratio(correct, truth.size());
}

double error_rate(const ConfusionMatrix& cm) { return cm.total() == 0 ? 0.0 : 1.0 - accuracy(cm); }

double error_rate(std::span<const std::int32_t> truth, std::span<const std::int32_t> predicted) {
  return truth.empty() && predicted.empty() ? 0.0 : 1.0 - accuracy(truth, predicted);
}

double precision(const ConfusionMatrix& cm, std::size_t c) {
  if (c >= cm.num_classes())
    throw sg::shape_error(fmt::format("precision: a class below {} expected, found {}", cm.num_classes(), c));
  return ratio(cm.true_positives(c), cm.true_positives(c) + cm.false_positives(c));
}

double recall(const ConfusionMatrix& cm, std::size_t c) {
  if (c >= cm.num_classes())
    throw sg::shape_error(fmt::format("recall: a class below {} expected, found {}", cm.num_classes(), c));
  return ratio(cm.true_positives(c), cm.support(c));
}

double f1_score(const ConfusionMatrix& cm, std::size_t c) {
  return harmonic(precision(cm, c), recall(cm, c));
}

double macro_precision(const ConfusionMatrix& cm) {
  return macro(cm, [&](std::size_t c) { return precision(cm, c); });
}
double macro_recall(const ConfusionMatrix& cm) {
  return macro(cm, [&](std::size_t c) { return recall(cm, c); });
}
double macro_f1(const ConfusionMatrix& cm) {
  return macro(cm, [&](std::size_t c) { return f1_score(cm, c); });
}

std::vector<std::int32_t> argmax_columns(sg::MatrixView<const float> scores) {
  if (scores.rows == 0) throw sg::shape_error("argmax_columns: at least one class row expected, found 0");
  std::vector<std::int32_t> out(scores.cols);
  for (std::size_t j = 0; j < scores.cols; ++j) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < scores.rows; ++i)
      if (scores(i, j) > scores(best, j) || (std::isnan(scores(best, j)) && !std::isnan(scores(i, j))))
        best = i;
    out[j] = static_cast<std::int32_t>(best);
  }
  return out;
}

std::string format_report(const ConfusionMatrix& cm, std::span<const std::string_view> class_names) {
  const std::size_t k = cm.num_classes();
  if (!class_names.empty() && class_names.size() != k)
    throw sg::shape_error(
        fmt::format("format_report: {} class names expected, found {}", k, class_names.size()));
  const auto name = [&](std::size_t c) {
    return class_names.empty() ? fmt::format("{}", c) : std::string(class_names[c]);
  };
  std::size_t name_width = 5;  // "class"
  for (std::size_t c = 0; c < k; ++c) name_width = std::max(name_width, name(c).size());
  // Not fmt::formatted_size: with Debian's libfmt (built by g++) a clang-compiled call to it does not
  // link, as the two compilers mangle the signature of fmt::detail::vformat_to<char> differently.
  std::size_t count_width = 4;
  for (std::size_t t = 0; t < k; ++t)
    for (std::size_t p = 0; p < k; ++p)
      count_width = std::max(count_width, fmt::format("{}", cm.count(t, p)).size());

  std::string out =
      fmt::format("confusion matrix ({} samples; rows: true class, columns: predicted class)\n", cm.total());
  out += fmt::format("{:>{}}", "", name_width);
  for (std::size_t p = 0; p < k; ++p) out += fmt::format(" {:>{}}", p, count_width);
  out += '\n';
  for (std::size_t t = 0; t < k; ++t) {
    out += fmt::format("{:>{}}", name(t), name_width);
    for (std::size_t p = 0; p < k; ++p) out += fmt::format(" {:>{}}", cm.count(t, p), count_width);
    out += '\n';
  }
  out += fmt::format("\n{:>{}} {:>9} {:>9} {:>9} {:>9}\n", "class", name_width, "precision", "recall", "f1",
                     "support");
  for (std::size_t c = 0; c < k; ++c)
    out += fmt::format("{:>{}} {:>9.4f} {:>9.4f} {:>9.4f} {:>9}\n", name(c), name_width, precision(cm, c),
                       recall(cm, c), f1_score(cm, c), cm.support(c));
  out += fmt::format("\naccuracy {:.4f} (error {:.4f}); macro precision {:.4f}, recall {:.4f}, f1 {:.4f}\n",
                     accuracy(cm), error_rate(cm), macro_precision(cm), macro_recall(cm), macro_f1(cm));
  return out;
}

}  // namespace sg::eval

// One-hot encoding and class counts.
#include "staticgrad/data/labels.hpp"

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"

namespace sg::data {

namespace {

void check_label(std::int32_t y, std::size_t j, std::size_t num_classes) {
  if (y < 0 || static_cast<std::size_t>(y) >= num_classes)
    throw sg::format_error(
        fmt::format("sample {}: class label in [0, {}) expected, found {}", j, num_classes, y));
}

}  // namespace

sg::Matrix<float> one_hot(std::span<const std::int32_t> labels, std::size_t num_classes) {
  sg::Matrix<float> y(num_classes, labels.size());  // zero-filled
  for (std::size_t j = 0; j < labels.size(); ++j) {
    check_label(labels[j], j, num_classes);
    y(static_cast<std::size_t>(labels[j]), j) = 1.0f;
  }
  return y;
}

std::vector<std::size_t> class_counts(std::span<const std::int32_t> labels, std::size_t num_classes) {
  std::vector<std::size_t> counts(num_classes, 0);
  for (std::size_t j = 0; j < labels.size(); ++j) {
    check_label(labels[j], j, num_classes);
    ++counts[static_cast<std::size_t>(labels[j])];
  }
  return counts;
}

std::vector<std::size_t> class_counts(const Dataset& ds) { return class_counts(ds.labels, ds.num_classes); }

}  // namespace sg::data

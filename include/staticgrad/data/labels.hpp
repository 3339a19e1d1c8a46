// staticgrad/data/labels.hpp - class labels as the network consumes them: one-hot columns and counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/data/dataset.hpp"

namespace sg::data {

// Y for softmax: num_classes x m, column j all zero but a 1 in row labels[j]. Throws sg::format_error
// naming the sample whose label lies outside [0, num_classes).
sg::Matrix<float> one_hot(std::span<const std::int32_t> labels, std::size_t num_classes);

// How many samples each class has: result[c] for c in [0, num_classes). Throws sg::format_error for a
// label out of range.
std::vector<std::size_t> class_counts(std::span<const std::int32_t> labels, std::size_t num_classes);
std::vector<std::size_t> class_counts(const Dataset& ds);

}  // namespace sg::data

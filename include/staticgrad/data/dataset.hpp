// staticgrad/data/dataset.hpp - a labelled data set in the course's layout, and row selection on it.
//
// A Dataset is `x` (n_features x m, one column per sample, column-major so a sample is contiguous) with one
// integer class label per column. Image data sets also record the image extents, so that a column can be
// read back as an image_rows x image_cols picture stored row by row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "staticgrad/core/matrix.hpp"

namespace sg::data {

// Dataset: samples as columns of `x`, labels[j] the class of column j.
// Invariants (checked by validate, kept by every function of sg::data): labels.size() == x.cols(), every
// label in [0, num_classes), every value of x finite, image_rows * image_cols == x.rows() when the
// data set holds images (both extents are 0 otherwise).
struct Dataset {
  sg::Matrix<float> x;                         // n_features x m
  std::vector<std::int32_t> labels;            // m class labels
  std::size_t num_classes = 0;                 // labels lie in [0, num_classes)
  std::size_t image_rows = 0, image_cols = 0;  // 0 when the samples are not images

  std::size_t size() const { return x.cols(); }      // m, the number of samples
  std::size_t features() const { return x.rows(); }  // n_x, the number of features
};

// Checks the invariants above. Throws sg::shape_error for inconsistent sizes, sg::format_error for a
// label out of range and sg::numeric_error for a non-finite value, each naming `name` and the sample.
void validate(const Dataset& ds, std::string_view name);

// The samples at `indices`, in that order (an index may repeat). Keeps num_classes and the image extents.
// Throws sg::shape_error naming the first index >= ds.size().
Dataset subset(const Dataset& ds, std::span<const std::size_t> indices);

// The samples of `a` followed by those of `b`. Requires the same number of features and the same image
// extents (sg::shape_error otherwise); num_classes is the larger of the two.
Dataset concatenate(const Dataset& a, const Dataset& b);

}  // namespace sg::data

// staticgrad/data/normalizer.hpp - feature standardisation with statistics from the training set only.
//
// x := (x - mu) / sigma per feature, mu and sigma computed once on the training set and reapplied,
// unchanged, to dev, test and every later input: the model must see each split through the same
// transformation, and statistics from dev or test would leak them into training. The divisor is the
// standard deviation, not the variance that the course's slide writes: dividing by sigma^2 would leave a
// feature with variance 1/sigma^2 instead of 1 (docs/data.md).
#pragma once

#include <cstddef>
#include <vector>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/data/dataset.hpp"

namespace sg::data {

// Normalizer: per-feature mean and (population) standard deviation. A feature whose standard deviation
// is below `epsilon` (a pixel that is always 0 in the training set) is only centred, never divided: a
// tiny divisor would blow a different value in dev or test up to millions.
class Normalizer {
 public:
  static constexpr float default_epsilon = 1e-6f;

  Normalizer() = default;
  // Restores a fitted normalizer (from a checkpoint). Requires mean.size() == stddev.size(), finite
  // values and stddev >= 0 (sg::shape_error / sg::numeric_error otherwise).
  Normalizer(std::vector<float> mean, std::vector<float> stddev, float epsilon = default_epsilon);

  // Computes the statistics of `x` (features x samples) in double precision, in an order that does not
  // depend on the thread count. Requires at least one sample (sg::shape_error).
  static Normalizer fit(sg::MatrixView<const float> x, float epsilon = default_epsilon);
  static Normalizer fit(const Dataset& train, float epsilon = default_epsilon);
  // One mean and one deviation over all values of `x`, the same for every feature: for images, whose
  // pixels are then all scaled alike, so a flip or a shift of a normalised image is the normalised flip
  // or shift (convolutional networks; the same requirement).
  static Normalizer fit_global(sg::MatrixView<const float> x, float epsilon = default_epsilon);
  static Normalizer fit_global(const Dataset& train, float epsilon = default_epsilon);

  // Standardises every column of `x` in place. Requires x.rows == features() (sg::shape_error), which
  // also catches applying an unfitted normalizer.
  void apply(sg::MatrixView<float> x) const;
  void apply(Dataset& ds) const;

  std::size_t features() const { return mean_.size(); }
  const std::vector<float>& mean() const { return mean_; }
  const std::vector<float>& stddev() const { return stddev_; }
  float epsilon() const { return epsilon_; }
  // What apply() multiplies by after centring: 1 / stddev, or 1 for a feature that is only centred.
  const std::vector<float>& inverse_scale() const { return inverse_scale_; }

 private:
  std::vector<float> mean_, stddev_;
  std::vector<float> inverse_scale_;  // 1 / stddev, or 1 where stddev < epsilon
  float epsilon_ = default_epsilon;
  void compute_scale();
};

}  // namespace sg::data

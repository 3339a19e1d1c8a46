// Normalizer: two-pass mean and standard deviation per feature, in double, thread-count independent.
#include "staticgrad/data/normalizer.hpp"

#include <fmt/core.h>

#include <cmath>

#include "staticgrad/core/error.hpp"

namespace sg::data {

Normalizer::Normalizer(std::vector<float> mean, std::vector<float> stddev, float epsilon)
    : mean_(std::move(mean)), stddev_(std::move(stddev)), epsilon_(epsilon) {
  if (mean_.size() != stddev_.size())
    throw sg::shape_error(fmt::format("Normalizer: one standard deviation per mean expected ({}), found {}",
                                      mean_.size(), stddev_.size()));
  if (!std::isfinite(epsilon_) || epsilon_ < 0)
    throw sg::numeric_error(fmt::format("Normalizer: a finite epsilon >= 0 expected, found {}", epsilon_));
  for (std::size_t i = 0; i < mean_.size(); ++i)
    if (!std::isfinite(mean_[i]) || !std::isfinite(stddev_[i]) || stddev_[i] < 0)
      throw sg::numeric_error(
          fmt::format("Normalizer: feature {}: a finite mean and a finite standard deviation >= 0 expected, "
                      "found {} and {}",
                      i, mean_[i], stddev_[i]));
  compute_scale();
}

void Normalizer::compute_scale() {
  inverse_scale_.resize(stddev_.size());
  for (std::size_t i = 0; i < stddev_.size(); ++i)
    inverse_scale_[i] = stddev_[i] < epsilon_ || stddev_[i] == 0 ? 1.0f : 1.0f / stddev_[i];
}

Normalizer Normalizer::fit(sg::MatrixView<const float> x, float epsilon) {
  if (x.cols == 0) throw sg::shape_error("Normalizer::fit: at least one sample expected, found 0");
  const std::size_t n = x.rows, m = x.cols;
  std::vector<float> mean(n), stddev(n);
  // Each feature's sums run over the samples in order, whichever thread does the feature: the result
  // does not depend on the thread count.
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < m; ++j) sum += x(i, j);
    const double mu = sum / static_cast<double>(m);
    double squares = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const double d = x(i, j) - mu;
      squares += d * d;
    }
    mean[i] = static_cast<float>(mu);
    stddev[i] = static_cast<float>(std::sqrt(squares / static_cast<double>(m)));
  }
  return Normalizer(std::move(mean), std::move(stddev), epsilon);
}

Normalizer Normalizer::fit(const Dataset& train, float epsilon) { return fit(train.x.view(), epsilon); }

Normalizer Normalizer::fit_global(sg::MatrixView<const float> x, float epsilon) {
  if (x.cols == 0 || x.rows == 0)
    throw sg::shape_error("Normalizer::fit_global: at least one value expected, found 0");
  // One serial pass per statistic, in storage order: the same bits for any thread count.
  const std::size_t count = x.rows * x.cols;
  double sum = 0;
  for (std::size_t k = 0; k < count; ++k) sum += x.data[k];
  const double mu = sum / static_cast<double>(count);
  double squares = 0;
  for (std::size_t k = 0; k < count; ++k) squares += (x.data[k] - mu) * (x.data[k] - mu);
  const float sd = static_cast<float>(std::sqrt(squares / static_cast<double>(count)));
  return Normalizer(std::vector<float>(x.rows, static_cast<float>(mu)), std::vector<float>(x.rows, sd), epsilon);
}

Normalizer Normalizer::fit_global(const Dataset& train, float epsilon) { return fit_global(train.x.view(), epsilon); }

void Normalizer::apply(sg::MatrixView<float> x) const {
  if (x.rows != mean_.size())
    throw sg::shape_error(fmt::format("Normalizer::apply: {} features expected (as fitted), found {}{}",
                                      mean_.size(), x.rows,
                                      mean_.empty() ? " (the normalizer was never fitted)" : ""));
  const std::size_t n = x.rows;
#pragma omp parallel for schedule(static)
  for (std::size_t j = 0; j < x.cols; ++j) {
    float* column = x.column(j);
    for (std::size_t i = 0; i < n; ++i) column[i] = (column[i] - mean_[i]) * inverse_scale_[i];
  }
}

void Normalizer::apply(Dataset& ds) const { apply(ds.x.view()); }

}  // namespace sg::data

// Small deterministic data for layer tests: X is n x m normal, Y one-hot or 0/1 labels.
#pragma once

#include <cstddef>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/random.hpp"

namespace sg::test {

template <class T = double>
Matrix<T> normal_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed, double scale = 1.0) {
  Matrix<T> x(rows, cols);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<T>(scale * random::normal(seed, 11, k));
  return x;
}
template <class T = double>
Matrix<T> one_hot_matrix(std::size_t classes, std::size_t cols, std::uint64_t seed) {
  Matrix<T> y(classes, cols);
  for (std::size_t j = 0; j < cols; ++j) y(random::below(classes, seed, 12, j), j) = 1;
  return y;
}
template <class T = double>
Matrix<T> binary_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Matrix<T> y(rows, cols);
  for (std::size_t k = 0; k < y.size(); ++k) y[k] = static_cast<T>(random::below(2, seed, 13, k));
  return y;
}

}  // namespace sg::test

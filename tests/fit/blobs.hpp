// tests/fit/blobs.hpp - the fit tests' data set: three Gaussian blobs in 4 dimensions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "staticgrad/core/random.hpp"
#include "staticgrad/data/dataset.hpp"

namespace sg::test {

// m samples; class c is centred at 2 in dimension c and 0 elsewhere, with Gaussian noise of deviation
// `spread`: separable, but not trivially at the start (0.6), or overlapping (1.6 and more). The same
// (m, seed, spread) gives the same data.
inline data::Dataset blobs(std::size_t m, std::uint64_t seed, double spread = 0.6) {
  data::Dataset d;
  d.x = Matrix<float>(4, m);
  d.labels.resize(m);
  d.num_classes = 3;
  for (std::size_t j = 0; j < m; ++j) {
    const auto c = static_cast<std::int32_t>(random::below(3, seed, 1, j));
    d.labels[j] = c;
    for (std::size_t i = 0; i < 4; ++i)
      d.x(i, j) = static_cast<float>((i == static_cast<std::size_t>(c) ? 2.0 : 0.0) +
                                     spread * random::normal(seed, 2, j * 4 + i));
  }
  return d;
}

}  // namespace sg::test

// staticgrad/core/shape.hpp - compile-time extents and the run-time batch extent.
//
// Feature extents are compile-time constants; the number of samples `m` is only known at run time and is
// written `sg::batch`. An activation is `Shape<n, batch>` (n features by m samples, the course's layout),
// a weight matrix `Shape<n_l, n_prev>`, a bias `Shape<n_l, 1>`, a cost `Shape<1, 1>`.
#pragma once

#include <cstddef>
#include <limits>

namespace sg {

// The run-time batch extent marker.
inline constexpr std::size_t batch = std::numeric_limits<std::size_t>::max();

// The run-time value of an extent: `m` where the extent is `batch`, the constant otherwise.
constexpr std::size_t resolve(std::size_t extent, std::size_t m) { return extent == batch ? m : extent; }

template <std::size_t Rows, std::size_t Cols>
struct Shape {
  static constexpr std::size_t rows = Rows;
  static constexpr std::size_t cols = Cols;
};

// Two extents broadcast together when equal or when one of them is 1 (NumPy's rule for two dimensions).
constexpr bool broadcastable(std::size_t a, std::size_t b) { return a == b || a == 1 || b == 1; }
constexpr std::size_t broadcast_extent(std::size_t a, std::size_t b) { return a == 1 ? b : a; }

}  // namespace sg

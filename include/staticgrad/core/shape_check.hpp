// staticgrad/core/shape_check.hpp - compile-time shape checks whose failures people can read.
//
// Each check is a class template whose arguments are the node's name and both extents. Instantiating it
// with a mismatch fails a static_assert, and g++ prints, in its first lines, the instantiation
// (`sg::check::inner_extents<fixed_string<7>{"matmul"}, 256, 784>`), the message, and
// "the comparison reduces to '(256 == 784)'". The same wording is used at run time for the batch extent
// (see `batch_mismatch_message`).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/shape.hpp"

namespace sg::check {

// matmul(A, B): columns of op(A) must equal rows of op(B).
template <fixed_string Node, std::size_t ColsOfA, std::size_t RowsOfB>
struct inner_extents {
  static_assert(ColsOfA == RowsOfB,
                "staticgrad shape error: matrix product with different inner extents (columns of A, rows of B)");
  static constexpr bool ok = true;
};

// Elementwise ops: each extent equal, or 1 (broadcast).
template <fixed_string Node, std::size_t RowsOfA, std::size_t RowsOfB>
struct rows_broadcast {
  static_assert(broadcastable(RowsOfA, RowsOfB),
                "staticgrad shape error: elementwise op on operands with different row extents (neither is 1)");
  static constexpr bool ok = true;
};
template <fixed_string Node, std::size_t ColsOfA, std::size_t ColsOfB>
struct cols_broadcast {
  static_assert(broadcastable(ColsOfA, ColsOfB),
                "staticgrad shape error: elementwise op on operands with different column extents (neither is 1)");
  static constexpr bool ok = true;
};

// A layer fed by another: the width the consumer expects must equal the width the producer makes.
template <fixed_string Consumer, std::size_t Expected, fixed_string Producer, std::size_t Found>
struct layer_width {
  static_assert(Expected == Found,
                "staticgrad shape error: layer fed the wrong width (consumer expects Expected rows, producer gives Found)");
  static constexpr bool ok = true;
};

// A node that needs a given extent (a scalar cost, a column vector).
template <fixed_string Node, std::size_t Expected, std::size_t Found>
struct extent_equals {
  static_assert(Expected == Found, "staticgrad shape error: wrong extent (Expected vs Found)");
  static constexpr bool ok = true;
};

// Convolution and pooling windows (layers/conv2d.hpp, layers/pooling.hpp): along `Axis` ("height" or
// "width") an input extent N, padded by Pad on both sides, must hold a Kernel-wide window moved by a
// positive Stride, else the output extent floor((N + 2 Pad - Kernel) / Stride) + 1 would be below 1.
template <fixed_string Node, fixed_string Axis, std::size_t N, std::size_t Pad, std::size_t Kernel,
          std::size_t Stride>
struct window_fits {
  static_assert(N + 2 * Pad >= Kernel,
                "staticgrad shape error: kernel larger than its padded input (N + 2 Pad < Kernel): the "
                "output extent floor((N + 2 Pad - Kernel) / Stride) + 1 would be below 1");
  static_assert(Stride > 0, "staticgrad shape error: a window's stride must be at least 1");
  static constexpr bool ok = true;
};

// A layer that states its input channels (Conv2D's in_channels, BatchNorm2D<C>) fed another count.
template <fixed_string Node, std::size_t Expected, std::size_t Found>
struct input_channels {
  static_assert(Expected == Found,
                "staticgrad shape error: layer fed the wrong number of channels (expects Expected, input has Found)");
  static constexpr bool ok = true;
};

// Two images combined elementwise (a residual sum) must have the same channels, height and width.
template <fixed_string Node, std::size_t C1, std::size_t H1, std::size_t W1, std::size_t C2, std::size_t H2,
          std::size_t W2>
struct same_image {
  static_assert(C1 == C2 && H1 == H2 && W1 == W2,
                "staticgrad shape error: inputs of different image shapes (C1 x H1 x W1 vs C2 x H2 x W2)");
  static constexpr bool ok = true;
};

// Layer `Consumer`, of kind `Kind` ("Dense"), reads node `Producer`: the width it expects must equal the
// width the producer makes. The check the model reports for a network's first wrong connection.
template <fixed_string Consumer, fixed_string Kind, std::size_t Expected, fixed_string Producer,
          std::size_t Found>
struct layer_input_width {
  static_assert(Expected == Found,
                "staticgrad shape error: layer fed the wrong width (consumer expects Expected rows, producer gives Found)");
  static constexpr bool ok = true;
};

// The run-time twin: the batch extent of two operands (inputs bound to a model, labels and logits).
inline void batch_extent(std::string_view node, std::size_t expected, std::string_view expected_from,
                         std::size_t found, std::string_view found_from) {
  if (expected != found)
    throw shape_error(fmt::format("staticgrad shape error: {}: batch extent {} expected (from {}), found {} (from {})",
                                  node, expected, expected_from, found, found_from));
}
inline void rows_extent(std::string_view node, std::size_t expected, std::size_t found) {
  if (expected != found)
    throw shape_error(fmt::format("staticgrad shape error: {}: {} rows expected, found {}", node, expected, found));
}
inline void cols_extent(std::string_view node, std::size_t expected, std::size_t found) {
  if (expected != found)
    throw shape_error(fmt::format("staticgrad shape error: {}: {} columns expected, found {}", node, expected, found));
}

}  // namespace sg::check

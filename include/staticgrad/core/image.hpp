// staticgrad/core/image.hpp - the per-sample shape of a node: channels x height x width.
//
// A staticgrad tensor is features x m, one column per sample. For an image the features of a column
// are its C*H*W values in channel-major order (element (c, y, x) at row c*H*W + y*W + x), the order of
// NCHW in LibTorch and ONNX and of the IDX pixel files, so flattening an image costs nothing. Every
// node of a network carries its `Image<C, H, W>` beside the batch extent m; a plain vector of n
// features is `Image<n, 1, 1>` (n channels of one pixel). The compiler computes the image of every
// node from the layers' shape rules (see layers/conv2d.hpp, layers/pooling.hpp).
#pragma once

#include <cstddef>
#include <string>

#include <fmt/core.h>

namespace sg {

// `sg::deduced` in a layer's extent: take it from the layer's input (Dense<sg::deduced, 128>).
inline constexpr std::size_t deduced = 0;

template <std::size_t C, std::size_t H, std::size_t W>
struct Image {
  static_assert(C > 0 && H > 0 && W > 0, "staticgrad: sg::Image<C, H, W> needs positive extents");
  static constexpr std::size_t channels = C;
  static constexpr std::size_t height = H;
  static constexpr std::size_t width = W;
  static constexpr std::size_t pixels = H * W;  // per channel
  static constexpr std::size_t size = C * H * W;  // the rows of the node's tensor
  static constexpr bool is_flat = H == 1 && W == 1;
};

// n features with no spatial extent.
template <std::size_t N>
using Flat = Image<N, 1, 1>;

template <class T>
inline constexpr bool is_image_v = false;
template <std::size_t C, std::size_t H, std::size_t W>
inline constexpr bool is_image_v<Image<C, H, W>> = true;

// "1x28x28" for an image, "784" for a flat vector.
template <class I>
std::string image_text() {
  if constexpr (I::is_flat) return fmt::format("{}", I::channels);
  else return fmt::format("{}x{}x{}", I::channels, I::height, I::width);
}

// The output extent of a convolution or pooling window along one axis, the course's formula
// floor((n + 2p - k) / s) + 1, or 0 when the window does not fit (reported by check::window_fits).
constexpr std::size_t window_output(std::size_t n, std::size_t pad, std::size_t kernel, std::size_t stride) {
  return n + 2 * pad < kernel || stride == 0 ? 0 : (n + 2 * pad - kernel) / stride + 1;
}

}  // namespace sg

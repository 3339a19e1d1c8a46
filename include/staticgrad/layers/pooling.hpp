// staticgrad/layers/pooling.hpp - pooling layers: MaxPool2D, AvgPool2D, GlobalAvgPool.
//
//   sg::MaxPool2D<2>{}                                    // 2 x 2 windows, stride 2: 28 x 28 -> 14 x 14
//   sg::AvgPool2D<3, sg::PoolOptions{.stride = 1, .pad = 1}>{}
//   sg::GlobalAvgPool{}                                   // C x H x W -> C (the mean of each channel)
//
// Each channel is pooled on its own: the output has the input's channels and H' = floor((H + 2P - K) /
// S) + 1 rows of windows (the stride defaults to the kernel: windows side by side), computed by the
// compiler, with the same compile-time checks as Conv2D (a window larger than its padded input, a zero
// stride, padding of more than half the window). No parameters. Gradients come from ops/pool2d.hpp (max:
// to the first maximum of each window) and, for GlobalAvgPool, from sum_row_groups (ops/row_groups.hpp).
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/core/image.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/layers/conv2d.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/pool2d.hpp"
#include "staticgrad/ops/row_groups.hpp"
#include "staticgrad/ops/scale.hpp"

namespace sg {

// How a pooling window moves: stride S (0, the default: the kernel size, windows side by side) and
// padding P on every side (padding never wins a max and counts as 0 in an average).
struct PoolOptions {
  std::size_t stride = 0;
  std::size_t pad = 0;
};

namespace detail {
template <class In, std::size_t Kernel, std::size_t Stride, std::size_t Pad, ops::PoolKind Kind>
struct Pool2DOn {
  static constexpr ops::WindowGeometry geometry = window_geometry<In, Kernel, Stride, Pad>();
  static constexpr fixed_string kind{Kind == ops::PoolKind::max ? "MaxPool2D" : "AvgPool2D"};
  static constexpr std::array<std::size_t, 1> input_rows{In::size};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr std::size_t kernel = Kernel, stride = Stride, pad = Pad;
  using output_image = Image<In::channels, geometry.out_height(), geometry.out_width()>;
  template <class B, class X>
  auto build(const B&, X x) const {
    if constexpr (Kind == ops::PoolKind::max) return max_pool2d<geometry>(x);
    else return avg_pool2d<geometry>(x);
  }
};

template <std::size_t Kernel, PoolOptions O, ops::PoolKind Kind>
struct Pool2D {
  static_assert(Kernel > 0, "staticgrad: a pooling window needs a positive size");
  static constexpr fixed_string kind{Kind == ops::PoolKind::max ? "MaxPool2D" : "AvgPool2D"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr std::size_t stride = O.stride == 0 ? Kernel : O.stride;

  template <fixed_string Node, class In>
  static Pool2DOn<In, Kernel, stride, O.pad, Kind> bind(const Pool2D&) {
    static_assert(check::window_over_image<Node, In, Kernel, stride, O.pad>::ok);
    return Pool2DOn<In, Kernel, stride, O.pad, Kind>{};
  }
};
}  // namespace detail

template <std::size_t Kernel, PoolOptions O = PoolOptions{}>
struct MaxPool2D : detail::Pool2D<Kernel, O, ops::PoolKind::max> {};
template <std::size_t Kernel, PoolOptions O = PoolOptions{}>
struct AvgPool2D : detail::Pool2D<Kernel, O, ops::PoolKind::average> {};

namespace detail {
template <class In>
struct GlobalAvgPoolOn {
  static constexpr fixed_string kind{"GlobalAvgPool"};
  static constexpr std::array<std::size_t, 1> input_rows{In::size};
  static constexpr std::array<ParamDecl, 0> params{};
  using output_image = Flat<In::channels>;
  template <class B, class X>
  auto build(const B&, X x) const {
    return sum_row_groups<In::pixels>(x) * (1.0 / static_cast<double>(In::pixels));
  }
};
}  // namespace detail

struct GlobalAvgPool {
  static constexpr fixed_string kind{"GlobalAvgPool"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  template <fixed_string Node, class In>
  static detail::GlobalAvgPoolOn<In> bind(const GlobalAvgPool&) {
    return {};
  }
};

}  // namespace sg

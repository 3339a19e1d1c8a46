// staticgrad/layers/conv2d.hpp - a convolutional layer: Cout filters of K x K over every input channel.
//
//   sg::Conv2D<16, 5, sg::ConvOptions{.pad = 2}>{}      // g++ also takes the short form <16, 5, {.pad = 2}>
//
// Written with the output channels and the kernel only: the input channels C, height H and width W come
// from the input's image shape, and the output is the image Cout x H' x W' with
// H' = floor((H + 2P - K) / S) + 1 and W' likewise (the course's formula), all computed by the compiler.
// Parameters: W, Cout x (C K K) (filter o is row o; fan-in C K K for He/Xavier), and b, Cout x 1 unless
// `.bias = false` (a convolution followed by batch norm needs none). `.in_channels`, when stated, is
// checked against the input. Compile errors (checks in core/shape_check.hpp, each naming the node):
// a kernel larger than its padded input (sg::check::window_fits<"layer5", "height", 4, 0, 5, 1>: H = 4,
// P = 0, K = 5, S = 1), a zero stride, a padding of more than half the kernel, and a stated channel count
// that differs from the input's (sg::check::input_channels<"layer1", 3, 1>).
// The gradient is that of ops/conv2d.hpp's op: derived from its VJP, never written here.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/core/image.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/conv2d.hpp"

namespace sg {

// How a convolution moves over its input: stride S, zero padding P on every side, whether there is a
// bias and, optionally, the input channels to check.
struct ConvOptions {
  std::size_t stride = 1;
  std::size_t pad = 0;
  bool bias = true;
  std::size_t in_channels = deduced;
};

namespace check {
// A window's padding may be at most half of the kernel (2P <= K), as in LibTorch: a window then always
// covers at least one pixel of the image.
template <fixed_string Node, std::size_t Pad, std::size_t Kernel>
struct padding_at_most_half_kernel {
  static_assert(2 * Pad <= Kernel, "staticgrad shape error: padding of more than half the kernel (2 Pad > Kernel)");
  static constexpr bool ok = true;
};

// Every compile-time check of a window of `Kernel` with `O` over input image `In`, at node `Node`.
template <fixed_string Node, class In, std::size_t Kernel, std::size_t Stride, std::size_t Pad>
struct window_over_image {
  // One failure reported, the first: the width is checked once the height fits (a square window too
  // large for a square image would otherwise print the same error twice).
  static constexpr bool height_fits = window_output(In::height, Pad, Kernel, Stride == 0 ? 1 : Stride) > 0;
  static constexpr bool ok = window_fits<Node, "height", In::height, Pad, Kernel, Stride>::ok &&
                             window_fits<Node, "width", height_fits ? In::width : Kernel, Pad, Kernel, Stride>::ok &&
                             padding_at_most_half_kernel<Node, Pad, Kernel>::ok;
};
}  // namespace check

namespace detail {
// The geometry of a window over In; when a check has failed (reported once, above), a stand-in that
// fits, so that no further error follows the first.
template <class In, std::size_t Kernel, std::size_t Stride, std::size_t Pad>
constexpr ops::WindowGeometry window_geometry() {
  const std::size_t stride = Stride == 0 ? 1 : Stride;
  const std::size_t fits = window_output(In::height, Pad, Kernel, stride) > 0 &&
                                   window_output(In::width, Pad, Kernel, stride) > 0 && 2 * Pad <= Kernel
                               ? Kernel
                               : 1;
  const std::size_t pad = fits == Kernel ? Pad : 0;
  return {In::channels, In::height, In::width, fits, stride, pad};
}

// Conv2D bound to its input image: every extent fixed.
template <class In, std::size_t OutChannels, std::size_t Kernel, ConvOptions O>
struct Conv2DOn {
  static constexpr ops::WindowGeometry geometry = window_geometry<In, Kernel, O.stride, O.pad>();
  static constexpr fixed_string kind{"Conv2D"};
  static constexpr std::size_t patch = In::channels * geometry.kernel * geometry.kernel;
  static constexpr std::array<std::size_t, 1> input_rows{In::size};
  using output_image = Image<OutChannels, geometry.out_height(), geometry.out_width()>;
  static constexpr auto params = [] {
    if constexpr (O.bias)
      return std::array<ParamDecl, 2>{{{"W", OutChannels, patch, ParamRole::weight},
                                       {"b", OutChannels, 1, ParamRole::bias}}};
    else
      return std::array<ParamDecl, 1>{{{"W", OutChannels, patch, ParamRole::weight}}};
  }();
  static constexpr ConvOptions options = O;
  static constexpr std::size_t kernel = Kernel;
  Init weight_init = Init::he;

  Init init(std::size_t k) const { return k == 0 ? weight_init : Init::zeros; }

  template <class B, class X>
  auto build(const B& b, X x) const {
    if constexpr (O.bias) return conv2d<geometry, OutChannels>(x, b.template param<0>(), b.template param<1>());
    else return conv2d<geometry, OutChannels>(x, b.template param<0>());
  }
};
}  // namespace detail

template <std::size_t OutChannels, std::size_t Kernel, ConvOptions O = ConvOptions{}>
struct Conv2D {
  static_assert(OutChannels > 0 && Kernel > 0, "staticgrad: Conv2D<OutChannels, Kernel> needs positive extents");
  static constexpr fixed_string kind{"Conv2D"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  // The number of parameters (W, and b unless .bias = false); their shapes come with the input.
  static constexpr std::array<ParamDecl, O.bias ? 2 : 1> params{};
  Init weight_init = Init::he;  // He for ReLU networks, Xavier for tanh; fan-in C K K

  template <fixed_string Node, class In>
  static detail::Conv2DOn<In, OutChannels, Kernel, O> bind(const Conv2D& self) {
    static_assert(check::window_over_image<Node, In, Kernel, O.stride, O.pad>::ok);
    if constexpr (O.in_channels != deduced)
      static_assert(check::input_channels<Node, O.in_channels, In::channels>::ok);
    return detail::Conv2DOn<In, OutChannels, Kernel, O>{self.weight_init};
  }
};

}  // namespace sg

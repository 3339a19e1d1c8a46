// staticgrad/layers/flatten.hpp - Flatten: an image C x H x W as C*H*W plain features.
//
// The values stay where they are (a sample's column is already its C*H*W values, channel-major, the
// order of LibTorch's and ONNX's flatten), only the per-sample shape changes, so the width a following
// Dense<sg::deduced, N> takes is computed, and a stated one is checked (sg::check::layer_width). The
// node is an identity op (ops/identity.hpp), whose gradient passes dY through unchanged.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/core/image.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/identity.hpp"

namespace sg {

namespace detail {
template <class In>
struct FlattenOn {
  static constexpr fixed_string kind{"Flatten"};
  static constexpr std::array<std::size_t, 1> input_rows{In::size};
  static constexpr std::array<ParamDecl, 0> params{};
  using output_image = Flat<In::size>;
  template <class B, class X>
  auto build(const B&, X x) const {
    return identity(x);
  }
};
}  // namespace detail

struct Flatten {
  static constexpr fixed_string kind{"Flatten"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  template <fixed_string Node, class In>
  static detail::FlattenOn<In> bind(const Flatten&) {
    return {};
  }
};

}  // namespace sg

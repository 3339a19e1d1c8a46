// staticgrad/layers/add.hpp - Add: the elementwise sum of two nodes of the same shape (a residual block).
//
//   sg::layer<"sum", "block", "shortcut">(sg::Add{})
//
// Both inputs must have the same width and, for images, the same channels, height and width
// (sg::check::same_image names the node and both shapes); the output has that shape. The gradient
// (dY to both inputs) is derived from ops/add.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "staticgrad/core/image.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/add.hpp"
#include "staticgrad/ops/identity.hpp"

namespace sg {

namespace detail {
// Valid = false: the shapes differ (reported by same_image); a stand-in that reads both as they are
// and adds nothing, so that no second error follows.
template <class In, class Second, bool Valid = std::is_same_v<In, Second>>
struct AddOn {
  static constexpr fixed_string kind{"Add"};
  static constexpr std::array<std::size_t, 2> input_rows{In::size, Second::size};
  static constexpr std::array<ParamDecl, 0> params{};
  using output_image = In;
  template <class B, class X, class Y>
  auto build(const B&, X x, Y y) const {
    if constexpr (Valid) return add(x, y);
    else return identity(x);
  }
};
}  // namespace detail

struct Add {
  static constexpr fixed_string kind{"Add"};
  static constexpr std::array<std::size_t, 2> input_rows{0, 0};
  static constexpr std::array<ParamDecl, 0> params{};
  template <fixed_string Node, class A, class B>
  static detail::AddOn<A, B> bind(const Add&) {
    static_assert(check::same_image<Node, A::channels, A::height, A::width, B::channels, B::height, B::width>::ok);
    return detail::AddOn<A, B>{};
  }
};

}  // namespace sg

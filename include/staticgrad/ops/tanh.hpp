// staticgrad/ops/tanh.hpp - hyperbolic tangent, elementwise; its derivative is 1 - y^2.
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Tanh : detail::UnaryElementwise<Tanh> {
  static constexpr fixed_string name{"tanh"};
  // forward: y = tanh(x)
  template <class T> static T f(T x) { return std::tanh(x); }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return T(1) - y * y; }
};
}  // namespace ops

template <Expression A> auto tanh(A a) { return make_node(ops::Tanh{}, a); }
}  // namespace sg

// staticgrad/ops/square.hpp - x^2, elementwise.
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Square : detail::UnaryElementwise<Square> {
  static constexpr fixed_string name{"square"};
  // forward: y = square(x)
  template <class T> static T f(T x) { return x * x; }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return T(2) * x; }
};
}  // namespace ops

template <Expression A> auto square(A a) { return make_node(ops::Square{}, a); }
}  // namespace sg

// staticgrad/ops/sqrt.hpp - square root, elementwise (x > 0 for a finite gradient).
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Sqrt : detail::UnaryElementwise<Sqrt> {
  static constexpr fixed_string name{"sqrt"};
  // forward: y = sqrt(x)
  template <class T> static T f(T x) { return std::sqrt(x); }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return T(0.5) / y; }
};
}  // namespace ops

template <Expression A> auto sqrt(A a) { return make_node(ops::Sqrt{}, a); }
}  // namespace sg

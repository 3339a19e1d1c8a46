// staticgrad/ops/scale.hpp - multiply by a constant: y = c * x.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Scale : detail::UnaryElementwise<Scale> {
  static constexpr fixed_string name{"scale"};
  double c = 0;  // the constant
  // forward
  template <class T> T f(T x) const { return static_cast<T>(c) * x; }
  // gradient: dy/dx, given x and y
  template <class T> T df([[maybe_unused]] T x, [[maybe_unused]] T y) const { return static_cast<T>(c); }
};
}  // namespace ops

template <Expression A> auto scale(A a, double c) { return make_node(ops::Scale{{}, c}, a); }
}  // namespace sg

// staticgrad/ops/reciprocal.hpp - 1/x, elementwise.
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Reciprocal : detail::UnaryElementwise<Reciprocal> {
  static constexpr fixed_string name{"reciprocal"};
  // forward: y = reciprocal(x)
  template <class T> static T f(T x) { return T(1) / x; }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return -y * y; }
};
}  // namespace ops

template <Expression A> auto reciprocal(A a) { return make_node(ops::Reciprocal{}, a); }
}  // namespace sg

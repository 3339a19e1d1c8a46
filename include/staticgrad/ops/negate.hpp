// staticgrad/ops/negate.hpp - -x, elementwise.
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Negate : detail::UnaryElementwise<Negate> {
  static constexpr fixed_string name{"negate"};
  // forward: y = negate(x)
  template <class T> static T f(T x) { return -x; }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return T(-1); }
};
}  // namespace ops

template <Expression A> auto negate(A a) { return make_node(ops::Negate{}, a); }
}  // namespace sg

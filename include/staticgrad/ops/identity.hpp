// staticgrad/ops/identity.hpp - a copy of x (a layer whose output is its input, e.g. dropout in evaluation mode).
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Identity : detail::UnaryElementwise<Identity> {
  static constexpr fixed_string name{"identity"};
  // forward: y = identity(x)
  template <class T> static T f(T x) { return x; }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return T(1); }
};
}  // namespace ops

template <Expression A> auto identity(A a) { return make_node(ops::Identity{}, a); }
}  // namespace sg

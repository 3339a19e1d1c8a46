// staticgrad/ops/abs.hpp - |x|, elementwise. The derivative at 0 is taken as +1, the same convention as ReLU's step (1 for x >= 0), which keeps composites such as binary cross-entropy exact at z = 0.
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Abs : detail::UnaryElementwise<Abs> {
  static constexpr fixed_string name{"abs"};
  // forward: y = abs(x)
  template <class T> static T f(T x) { return std::abs(x); }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return x >= T(0) ? T(1) : T(-1); }
};
}  // namespace ops

template <Expression A> auto abs(A a) { return make_node(ops::Abs{}, a); }
}  // namespace sg

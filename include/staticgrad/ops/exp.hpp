// staticgrad/ops/exp.hpp - e to the x, elementwise.
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Exp : detail::UnaryElementwise<Exp> {
  static constexpr fixed_string name{"exp"};
  // forward: y = exp(x)
  template <class T> static T f(T x) { return std::exp(x); }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return y; }
};
}  // namespace ops

template <Expression A> auto exp(A a) { return make_node(ops::Exp{}, a); }
}  // namespace sg

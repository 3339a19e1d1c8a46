// staticgrad/ops/greater_equal.hpp - a comparison producing a mask: y = 1 where x >= c, else 0.
// A mask is piecewise constant, so it passes no gradient: nodes built on it are constants to autodiff.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct GreaterEqual : detail::UnaryElementwise<GreaterEqual> {
  static constexpr fixed_string name{"greater_equal"};
  static constexpr bool has_gradient = false;
  double c = 0;
  template <class T> T f(T x) const { return x >= static_cast<T>(c) ? T(1) : T(0); }
  template <class T> T df(T, T) const { return T(0); }
};
}  // namespace ops

template <Expression A> auto greater_equal(A a, double c) { return make_node(ops::GreaterEqual{{}, c}, a); }
}  // namespace sg

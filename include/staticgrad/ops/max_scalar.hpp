// staticgrad/ops/max_scalar.hpp - the larger of x and a constant: y = max(x, c); a NaN stays NaN (a ReLU
// must not hide a diverging run). The derivative is 1 where x >= c and 0 below: ReLU(z) = max(z, 0) then has the course's step, g'(z) = 1 for z >= 0.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct MaxScalar : detail::UnaryElementwise<MaxScalar> {
  static constexpr fixed_string name{"max_scalar"};
  double c = 0;  // the constant
  // forward
  template <class T> T f(T x) const { return x < static_cast<T>(c) ? static_cast<T>(c) : x; }  // NaN stays NaN
  // gradient: dy/dx, given x and y
  template <class T> T df([[maybe_unused]] T x, [[maybe_unused]] T y) const { return x < static_cast<T>(c) ? T(0) : T(1); }
};
}  // namespace ops

template <Expression A> auto max_scalar(A a, double c) { return make_node(ops::MaxScalar{{}, c}, a); }
}  // namespace sg

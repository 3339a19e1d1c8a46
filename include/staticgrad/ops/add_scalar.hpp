// staticgrad/ops/add_scalar.hpp - add a constant: y = x + c.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct AddScalar : detail::UnaryElementwise<AddScalar> {
  static constexpr fixed_string name{"add_scalar"};
  double c = 0;  // the constant
  // forward
  template <class T> T f(T x) const { return x + static_cast<T>(c); }
  // gradient: dy/dx, given x and y
  template <class T> T df([[maybe_unused]] T x, [[maybe_unused]] T y) const { return T(1); }
};
}  // namespace ops

template <Expression A> auto add_scalar(A a, double c) { return make_node(ops::AddScalar{{}, c}, a); }
}  // namespace sg
